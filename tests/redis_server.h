// Test helpers for the Redis store: a real redis-server on a free loopback
// port (no persistence, in a TempDir), which a test can kill and restart on
// the same port, and a raw hiredis client to look at what the store wrote.
//
// Thread-safety: as Subprocess (one thread at a time); RawRedis likewise.
//
//   TempDir dir;
//   absl::StatusOr<std::unique_ptr<RedisServer>> redis = RedisServer::Start(dir);
//   ASSERT_THAT(redis, IsOk());
//   RedisOptions options;
//   options.address = (*redis)->address();

#ifndef AUTOHEAL_TESTS_REDIS_SERVER_H_
#define AUTOHEAL_TESTS_REDIS_SERVER_H_

#include <hiredis/hiredis.h>
#include <signal.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "subprocess.h"

namespace autoheal {
namespace testutil {

class RedisServer {
 public:
  // Starts redis-server on a free 127.0.0.1 port, its files and log in
  // `dir` (which must outlive it), and waits until it accepts connections.
  // kNotFound when redis-server is not installed (scripts/setup.sh installs
  // it); other errors name what failed.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      const TempDir& dir) {
    // Another process may take the port between picking and binding it:
    // try a few ports.
    absl::Status started;
    for (int attempt = 0; attempt < 3; ++attempt) {
      absl::StatusOr<uint16_t> port = PickFreeLoopbackPort();
      if (!port.ok()) return port.status();
      std::unique_ptr<RedisServer> server(new RedisServer(dir, *port));
      started = server->Restart();
      if (started.ok()) return server;
      if (started.code() == absl::StatusCode::kNotFound) break;
    }
    return started;
  }

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // (Re)starts the server on the same port (after Kill()). Its log goes on
  // in the same file.
  absl::Status Restart() {
    process_.reset();
    SubprocessOptions options;
    options.argv = {"redis-server", "--port",  absl::StrCat(port_),
                    "--bind",       "127.0.0.1", "--save",
                    "",             "--appendonly", "no",
                    "--dir",        dir_,      "--daemonize",
                    "no"};
    options.stdout_path = log_;
    options.stderr_path = log_;
    options.append_output = true;
    absl::StatusOr<std::unique_ptr<Subprocess>> process =
        Subprocess::Start(std::move(options));
    if (!process.ok()) return process.status();
    process_ = *std::move(process);
    absl::Status ready =
        WaitForTcpPort(port_, absl::Seconds(10), {process_.get()});
    if (!ready.ok()) {
      return absl::Status(ready.code(),
                          absl::StrCat(ready.message(), "; ", Describe()));
    }
    return absl::OkStatus();
  }

  // SIGKILLs the server (its state is lost: there is no persistence).
  void Kill() { process_.reset(); }

  // SIGSTOPs the running server: it keeps its port and its connections
  // (the kernel even accepts new ones) but answers nothing, as a hung or
  // swapped-out Redis would. Resume() (SIGCONT) lets it go on.
  void Pause() {
    if (process_ != nullptr) ::kill(process_->pid(), SIGSTOP);
  }
  void Resume() {
    if (process_ != nullptr) ::kill(process_->pid(), SIGCONT);
  }

  uint16_t port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  std::string Describe() const {
    return process_ != nullptr ? process_->Describe()
                               : absl::StrCat("redis-server (stopped), log ",
                                              log_);
  }

 private:
  RedisServer(const TempDir& dir, uint16_t port)
      : dir_(dir.path()), log_(dir.Path("redis.log")), port_(port) {}

  std::string dir_;
  std::string log_;
  uint16_t port_;
  std::unique_ptr<Subprocess> process_;
};

// A raw connection for tests to inspect or disturb the server.
class RawRedis {
 public:
  static absl::StatusOr<std::unique_ptr<RawRedis>> Connect(uint16_t port) {
    redisContext* context = redisConnectWithTimeout(
        "127.0.0.1", port, absl::ToTimeval(absl::Seconds(5)));
    if (context == nullptr || context->err != 0) {
      std::string error = context != nullptr ? context->errstr : "no memory";
      if (context != nullptr) redisFree(context);
      return absl::UnavailableError(error);
    }
    return std::unique_ptr<RawRedis>(new RawRedis(context));
  }
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;
  ~RawRedis() { redisFree(context_); }

  struct Reply {
    int type = 0;
    long long integer = 0;
    std::string str;
    std::vector<Reply> elements;
  };

  // Runs one command (binary-safe arguments) and returns its reply.
  absl::StatusOr<Reply> Run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    void* raw = redisCommandArgv(context_, static_cast<int>(argv.size()),
                                 argv.data(), lengths.data());
    if (raw == nullptr) return absl::UnavailableError(context_->errstr);
    Reply reply = Convert(*static_cast<redisReply*>(raw));
    freeReplyObject(raw);
    return reply;
  }

  // Returns every key of the server (SCAN, for small test data sets).
  absl::StatusOr<std::vector<std::string>> AllKeys() {
    std::vector<std::string> keys;
    std::string cursor = "0";
    do {
      absl::StatusOr<Reply> reply = Run({"SCAN", cursor, "COUNT", "1000"});
      if (!reply.ok()) return reply.status();
      if (reply->elements.size() != 2) {
        return absl::InternalError("SCAN: unexpected reply");
      }
      cursor = reply->elements[0].str;
      for (const Reply& key : reply->elements[1].elements) {
        keys.push_back(key.str);
      }
    } while (cursor != "0");
    return keys;
  }

 private:
  explicit RawRedis(redisContext* context) : context_(context) {}

  static Reply Convert(const redisReply& raw) {
    Reply reply;
    reply.type = raw.type;
    reply.integer = raw.integer;
    if (raw.str != nullptr) reply.str.assign(raw.str, raw.len);
    for (size_t i = 0; i < raw.elements; ++i) {
      reply.elements.push_back(Convert(*raw.element[i]));
    }
    return reply;
  }

  redisContext* context_;
};

}  // namespace testutil
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_REDIS_SERVER_H_

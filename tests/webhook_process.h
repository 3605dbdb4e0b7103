// Test helpers for tests that run the real `autoheal-webhook` binary and
// watch it from outside: start it on a free loopback port with a policy, a
// bearer token and an audit log in a TempDir; read its resident memory and
// open sockets from /proc; read the audit log's JSON lines.
//
// Used by the bad-input matrix and the soak test. The binary's path comes
// from the AUTOHEAL_WEBHOOK_BIN compile definition (see tests/CMakeLists.txt).
//
// Thread-safety: a WebhookProcess is used by the thread that started it
// (Subprocess rules: PR_SET_PDEATHSIG follows the starting thread). The free
// functions are thread-compatible; port() may be read from any thread.

#ifndef AUTOHEAL_TESTS_WEBHOOK_PROCESS_H_
#define AUTOHEAL_TESTS_WEBHOOK_PROCESS_H_

#include <dirent.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"

namespace autoheal {
namespace testutil {

// Returns the resident set size (VmRSS) of process `pid` in KiB, read from
// /proc/PID/status. kNotFound if the process or the field is gone.
inline absl::StatusOr<int64_t> ResidentKib(pid_t pid) {
  std::optional<std::string> status =
      ReadFileIfExists(absl::StrCat("/proc/", pid, "/status"));
  if (!status.has_value()) {
    return absl::NotFoundError(absl::StrCat("no /proc/", pid, "/status"));
  }
  for (absl::string_view line : CompleteLines(*status)) {
    if (!absl::ConsumePrefix(&line, "VmRSS:")) continue;
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumeSuffix(&line, " kB");
    int64_t kib = 0;
    if (absl::SimpleAtoi(line, &kib)) return kib;
  }
  return absl::NotFoundError(
      absl::StrCat("no VmRSS in /proc/", pid, "/status"));
}

// Returns how many of process `pid`'s open descriptors are sockets (the
// listening socket included), from /proc/PID/fd. kNotFound if unreadable.
inline absl::StatusOr<int> OpenSockets(pid_t pid) {
  const std::string dir = absl::StrCat("/proc/", pid, "/fd");
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", dir, ": ", std::strerror(errno)));
  }
  int sockets = 0;
  char target[256];
  while (dirent* entry = ::readdir(d)) {
    if (entry->d_name[0] == '.') continue;
    const std::string link = absl::StrCat(dir, "/", entry->d_name);
    const ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
    if (n > 0 && absl::StartsWith(absl::string_view(target, n), "socket:")) {
      ++sockets;
    }
  }
  ::closedir(d);
  return sockets;
}

// Returns the audit log's complete lines parsed as JSON (a line that does
// not parse becomes a discarded value, which no assertion on fields will
// match). An absent file has no lines.
inline std::vector<nlohmann::json> AuditRecords(const std::string& path) {
  std::vector<nlohmann::json> records;
  for (const std::string& line :
       CompleteLines(ReadFileIfExists(path).value_or(""))) {
    records.push_back(nlohmann::json::parse(line, nullptr, false));
  }
  return records;
}

// autoheal-webhook running as a child on 127.0.0.1 with a port of its own
// choosing. The environment variables the receiver reads are unset so that
// only the given flags count.
class WebhookProcess {
 public:
  // Starts the receiver with `args` after `--listen 127.0.0.1:0`; its
  // stderr goes to `stderr_path`, stdout to `stdout_path` (may be empty).
  // Waits for its "listening on" line. Errors name what went wrong and
  // carry the receiver's stderr tail.
  static absl::StatusOr<std::unique_ptr<WebhookProcess>> Start(
      std::vector<std::string> args, const std::string& stderr_path,
      const std::string& stdout_path = "") {
    SubprocessOptions options;
    options.argv = {AUTOHEAL_WEBHOOK_BIN, "--listen", "127.0.0.1:0"};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    // The production default, SQLite, in a file of this process's own, so
    // that tests never share /var/lib/autoheal, unless `args` choose.
    const bool chooses_state =
        std::any_of(args.begin(), args.end(), [](const std::string& arg) {
          return absl::StartsWith(arg, "--state");
        });
    if (!chooses_state) {
      options.argv.push_back("--state-path=" + stderr_path + ".state.db");
    }
    for (const char* name : {"AUTOHEAL_ENABLED", "AUTOHEAL_COOLDOWN_SEC",
                             "AUTOHEAL_BEARER_TOKEN", "AUTOHEAL_LISTEN",
                             "AUTOHEAL_STATE_PATH"}) {
      options.env.emplace_back(name, std::nullopt);
    }
    options.stderr_path = stderr_path;
    options.stdout_path = stdout_path;
    absl::StatusOr<std::unique_ptr<Subprocess>> process =
        Subprocess::Start(std::move(options));
    if (!process.ok()) return process.status();
    absl::StatusOr<std::string> line =
        (*process)->WaitForStderrLine("listening on ", absl::Seconds(20));
    if (!line.ok()) return line.status();
    const size_t at = line->find("127.0.0.1:");
    int port = 0;
    if (at == std::string::npos ||
        !absl::SimpleAtoi(absl::string_view(*line).substr(at + 10).substr(
                              0, line->find(';', at) - at - 10),
                          &port) ||
        port <= 0 || port > 65535) {
      return absl::InternalError(
          absl::StrCat("no port in the receiver's line: ", *line));
    }
    return std::unique_ptr<WebhookProcess>(
        new WebhookProcess(*std::move(process), static_cast<uint16_t>(port)));
  }

  // Stops the receiver with SIGTERM, which waits for running actions, so
  // that none of them still writes into a directory the test is removing;
  // SIGKILL if it does not stop within 15 s.
  ~WebhookProcess() { (void)process_->Stop(absl::Seconds(15)); }

  WebhookProcess(const WebhookProcess&) = delete;
  WebhookProcess& operator=(const WebhookProcess&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  Subprocess& process() { return *process_; }

  // Returns the receiver's VmRSS in KiB; -1 when it cannot be read.
  int64_t ResidentKib() const {
    absl::StatusOr<int64_t> kib = testutil::ResidentKib(pid());
    return kib.ok() ? *kib : -1;
  }

  // Returns the status of GET /healthz on a new connection, or 0 when no
  // answer came within `timeout`.
  int HealthzStatus(absl::Duration timeout = absl::Seconds(5)) const {
    absl::StatusOr<ClientResponse> response =
        HttpRequestOnce(port_, "GET", "/healthz", {}, {}, timeout);
    return response.ok() ? response->status : 0;
  }

 private:
  WebhookProcess(std::unique_ptr<Subprocess> process, uint16_t port)
      : process_(std::move(process)), port_(port) {}

  std::unique_ptr<Subprocess> process_;
  uint16_t port_;
};

}  // namespace testutil
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_WEBHOOK_PROCESS_H_

// Two autoheal-webhook processes sharing one real redis-server
// (--state_backend=redis), enabled, with an action that appends one line per
// execution to a file:
//
//   - 200 concurrent deliveries of one alert, split across both receivers:
//     every answer 200, exactly one execution;
//   - 50 distinct alerts against a global budget of 5: exactly 5
//     executions, the other 45 answered budget_exhausted;
//   - Redis killed while deliveries keep coming: both receivers answer 503
//     and nothing runs for those; after Redis restarts on the same port both
//     recover (200, executions resume) without being restarted;
//   - an escalation latched through one replica holds on the other, and is
//     cleared for both by `autoheal state clear` or POST /state/clear.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "autoheal/internal/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "redis_server.h"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::ClientResponse;
using ::autoheal::testutil::HttpRequestOnce;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ReadFileIfExists;
using ::autoheal::testutil::RedisServer;
using ::autoheal::testutil::Subprocess;
using ::autoheal::testutil::SubprocessOptions;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::WaitUntil;
using ::autoheal::testutil::WriteFileAtomically;
using json = nlohmann::json;

constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr int kReplicas = 2;

// One answer of a receiver: the HTTP status and, for a 200, the reason of
// its single decision.
struct Answer {
  int status = 0;
  std::string reason;
  std::string key;  // the decision's cooldown key
};

class RedisReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RedisServer>> redis =
        RedisServer::Start(dir_);
    ASSERT_THAT(redis, IsOk());
    redis_ = *std::move(redis);
  }

  // Writes the policy (enabled; the TcpEndpointDownFast action, cooling
  // down for `action_cooldown`, records the instance label of each
  // execution in executions.log) with `extra` top-level YAML, and starts
  // both receivers on it with `extra_args`.
  void StartReplicas(absl::string_view extra,
                     absl::string_view action_cooldown = "1h",
                     const std::vector<std::string>& extra_args = {}) {
    const std::string policy = dir_.Path("policy.yml");
    ASSERT_THAT(
        WriteFileAtomically(
            policy,
            absl::StrCat("version: 1\n"
                         "enabled: true\n",
                         extra,
                         "actions:\n"
                         "  TcpEndpointDownFast:\n"
                         "    name: restart-tcp-endpoint\n"
                         "    argv: [\"/bin/sh\", \"-c\", "
                         "\"printf '%s\\\\n' \\\"$1\\\" >> ",
                         Executions(),
                         "\", \"sh\", \"{{labels.instance}}\"]\n"
                         "    label_patterns: {instance: \"[a-z0-9-]+\"}\n"
                         "    cooldown: ", action_cooldown, "\n"
                         "    key_labels: [instance]\n")),
        IsOk());
    for (int i = 0; i < kReplicas; ++i) {
      SubprocessOptions options;
      options.argv = {AUTOHEAL_WEBHOOK_BIN,
                      "--listen",
                      "127.0.0.1:0",
                      "--policy",
                      policy,
                      "--state_backend=redis",
                      absl::StrCat("--redis_address=", redis_->address()),
                      "--redis_prefix=replicas-test",
                      "--redis_timeout=2s",
                      "--max_queued_actions=256"};
      options.argv.insert(options.argv.end(), extra_args.begin(),
                          extra_args.end());
      options.env = {{"AUTOHEAL_ENABLED", std::nullopt},
                     {"AUTOHEAL_COOLDOWN_SEC", std::nullopt},
                     {"AUTOHEAL_BEARER_TOKEN", std::nullopt},
                     {"AUTOHEAL_LISTEN", std::nullopt}};
      options.stdout_path = dir_.Path(absl::StrCat("audit-", i, ".log"));
      options.stderr_path = dir_.Path(absl::StrCat("receiver-", i, ".log"));
      absl::StatusOr<std::unique_ptr<Subprocess>> process =
          Subprocess::Start(std::move(options));
      ASSERT_THAT(process, IsOk());
      receivers_[i] = *std::move(process);
      absl::StatusOr<std::string> line = receivers_[i]->WaitForStderrLine(
          "listening on ", kStartTimeout);
      ASSERT_THAT(line, IsOk()) << receivers_[i]->Describe();
      const size_t at = line->find("127.0.0.1:");
      ASSERT_NE(at, std::string::npos) << *line;
      absl::string_view rest = absl::string_view(*line).substr(at + 10);
      ASSERT_TRUE(absl::SimpleAtoi(rest.substr(0, rest.find(';')), &ports_[i]))
          << *line;
    }
  }

  std::string Executions() const { return dir_.Path("executions.log"); }

  // The instances recorded by executions so far.
  std::vector<std::string> Executed() const {
    return testutil::CompleteLines(ReadFileIfExists(Executions()).value_or(""));
  }

  // Delivers one firing TcpEndpointDownFast alert for `instance` to
  // receiver `replica`.
  Answer Deliver(int replica, absl::string_view instance) {
    json alert = {{"status", "firing"},
                  {"labels",
                   {{"alertname", "TcpEndpointDownFast"},
                    {"instance", std::string(instance)}}},
                  {"annotations", {{"autoheal", "true"}}},
                  {"startsAt", "2026-11-27T07:26:21Z"},
                  {"endsAt", "0001-01-01T00:00:00Z"},
                  {"fingerprint", "ae2f46214283c1ff"}};
    json payload = {{"version", "4"},
                    {"status", "firing"},
                    {"receiver", "autoheal"},
                    {"groupKey", "{}:{}"},
                    {"alerts", json::array({alert})}};
    testutil::HeaderList headers = {{"Content-Type", "application/json"}};
    if (!token_.empty()) {
      headers.emplace_back("Authorization", "Bearer " + token_);
    }
    absl::StatusOr<ClientResponse> response =
        HttpRequestOnce(static_cast<uint16_t>(ports_[replica]), "POST",
                        "/alerts", payload.dump(), headers);
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return Answer();
    Answer answer;
    answer.status = response->status;
    if (response->status == 200) {
      json body = json::parse(response->body, nullptr, false);
      if (body.is_object() && body["decisions"].is_array() &&
          body["decisions"].size() == 1) {
        answer.reason = body["decisions"][0].value("reason", "");
        answer.key = body["decisions"][0].value("key", "");
      }
      EXPECT_FALSE(answer.reason.empty()) << response->body;
    }
    return answer;
  }

  // Sends `count` deliveries from `threads` threads at once; delivery `i`
  // goes to replica `i % 2` for instance `instance(i)`. Returns the answers
  // in delivery order.
  std::vector<Answer> DeliverConcurrently(
      int count, int threads,
      const std::function<std::string(int)>& instance) {
    std::vector<Answer> answers(count);
    std::atomic<int> next{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (int i; (i = next.fetch_add(1)) < count;) {
          answers[i] = Deliver(i % kReplicas, instance(i));
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
    return answers;
  }

  static int CountReason(const std::vector<Answer>& answers,
                         absl::string_view reason) {
    int n = 0;
    for (const Answer& a : answers) n += a.status == 200 && a.reason == reason;
    return n;
  }

  // Waits until `n` executions are recorded, then checks there are exactly
  // `n` (an action decided "execute" runs once; nothing else runs).
  void ExpectExecutions(size_t n) {
    std::vector<const Subprocess*> watch = {receivers_[0].get(),
                                            receivers_[1].get()};
    EXPECT_THAT(WaitUntil([&] { return Executed().size() >= n; },
                          absl::Seconds(20),
                          absl::StrCat(n, " executions in ", Executions()),
                          watch),
                IsOk());
    EXPECT_EQ(Executed().size(), n)
        << ::testing::PrintToString(Executed());
  }

  // Runs `autoheal state ...` against the receivers' Redis; returns its
  // exit code and stdout (stderr goes to the failure message).
  std::pair<int, std::string> StateCommand(std::vector<std::string> args) {
    SubprocessOptions options;
    options.argv = {AUTOHEAL_CLI_BIN, "state"};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.argv.push_back(absl::StrCat("--redis_address=", redis_->address()));
    options.argv.push_back("--redis_prefix=replicas-test");
    options.stdout_path = dir_.Path("cli.out");
    options.stderr_path = dir_.Path("cli.err");
    absl::StatusOr<std::unique_ptr<Subprocess>> cli =
        Subprocess::Start(std::move(options));
    EXPECT_THAT(cli, IsOk());
    if (!cli.ok()) return {-1, ""};
    absl::StatusOr<testutil::ProcessExit> exit = (*cli)->Wait(kStartTimeout);
    EXPECT_TRUE(exit.ok() && exit->Exited()) << (*cli)->Describe();
    const int code = exit.ok() && exit->Exited() ? exit->ExitCode() : -1;
    EXPECT_EQ(code, 0) << (*cli)->Describe();
    return {code, (*cli)->ReadStdout()};
  }

  // Delivers `instance` to `replica` until the answer is no longer
  // cooling_down or in_flight (the 1 s cooldown has passed); returns it.
  Answer DeliverAfterTheCooldown(int replica, absl::string_view instance) {
    Answer answer;
    EXPECT_THAT(WaitUntil(
                    [&] {
                      answer = Deliver(replica, instance);
                      return answer.reason != "cooling_down" &&
                             answer.reason != "in_flight";
                    },
                    absl::Seconds(20), "the cooldown to pass"),
                IsOk());
    return answer;
  }

  TempDir dir_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<Subprocess> receivers_[kReplicas];
  int ports_[kReplicas] = {0, 0};
  std::string token_;  // sent with deliveries when set
};

TEST_F(RedisReplicasTest, ConcurrentDuplicatesAcrossReplicasExecuteOnce) {
  StartReplicas("");
  std::vector<Answer> answers =
      DeliverConcurrently(200, 16, [](int) { return "db-01"; });
  int ok = 0;
  for (const Answer& a : answers) ok += a.status == 200;
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(CountReason(answers, "execute"), 1);
  // The others were held by the shared cooldown, or by the local in-flight
  // flag of the replica whose action is still running.
  EXPECT_EQ(CountReason(answers, "cooling_down") +
                CountReason(answers, "in_flight"),
            199);
  ExpectExecutions(1);
  EXPECT_THAT(Executed(), ::testing::ElementsAre("db-01"));
}

TEST_F(RedisReplicasTest, AGlobalBudgetOfFiveAllowsFiveAcrossReplicas) {
  StartReplicas("budget: {max_executions: 5, window: 1h}\n");
  std::vector<Answer> answers = DeliverConcurrently(
      50, 16, [](int i) { return absl::StrCat("host-", i); });
  EXPECT_EQ(CountReason(answers, "execute"), 5);
  EXPECT_EQ(CountReason(answers, "budget_exhausted"), 45);
  ExpectExecutions(5);
}

TEST_F(RedisReplicasTest, RedisDownAnswers503ThenBothRecoverUnrestarted) {
  StartReplicas("budget: {max_executions: 10000, window: 1h}\n");
  // Deliveries keep coming from 4 threads (a new instance each) while Redis
  // is killed and restarted.
  std::atomic<int> sequence{0};
  std::atomic<bool> stop{false};
  autoheal::internal::Mutex mu;
  std::vector<Answer> answers;
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      while (!stop.load()) {
        const int i = sequence.fetch_add(1);
        Answer answer = Deliver(t % kReplicas, absl::StrCat("load-", i));
        {
          autoheal::internal::MutexLock lock(&mu);
          answers.push_back(answer);
        }
        // Pacing, so that the actions (one /bin/sh each) keep up and the
        // executor queue never fills on a loaded machine.
        absl::SleepFor(absl::Milliseconds(20));
      }
    });
  }
  auto count = [&](int status) {
    autoheal::internal::MutexLock lock(&mu);
    int n = 0;
    for (const Answer& a : answers) n += a.status == status;
    return n;
  };
  EXPECT_THAT(WaitUntil([&] { return count(200) >= 20; }, absl::Seconds(20),
                        "20 answers before the outage"),
              IsOk());

  redis_->Kill();
  // Both receivers fail closed.
  for (int replica = 0; replica < kReplicas; ++replica) {
    Answer down = Deliver(replica, absl::StrCat("down-", replica));
    EXPECT_EQ(down.status, 503) << "replica " << replica;
  }
  EXPECT_THAT(WaitUntil([&] { return count(503) >= 20; }, absl::Seconds(20),
                        "20 answers 503 during the outage"),
              IsOk());

  ASSERT_THAT(redis_->Restart(), IsOk());
  // Both recover by themselves: a new alert on each is executed.
  for (int replica = 0; replica < kReplicas; ++replica) {
    int attempt = 0;
    Answer last;
    EXPECT_THAT(WaitUntil(
                    [&] {
                      last = Deliver(replica, absl::StrCat("after-", replica,
                                                           "-", attempt++));
                      return last.status == 200;
                    },
                    absl::Seconds(20), "a 200 after the restart"),
                IsOk());
    EXPECT_EQ(last.reason, "execute") << "replica " << replica;
    autoheal::internal::MutexLock lock(&mu);
    answers.push_back(last);
  }
  const int before_stop = count(200);
  EXPECT_THAT(WaitUntil([&] { return count(200) >= before_stop + 20; },
                        absl::Seconds(20), "20 more answers after recovery"),
              IsOk());
  stop = true;
  for (std::thread& sender : senders) sender.join();

  // Every 200 executed its (new) alert, every 503 ran nothing: the recorded
  // executions are exactly the 200 answers.
  int executes = CountReason(answers, "execute");
  EXPECT_EQ(executes, count(200));
  EXPECT_EQ(count(200) + count(503), static_cast<int>(answers.size()))
      << "answers other than 200 and 503";
  ExpectExecutions(static_cast<size_t>(executes));
  for (int replica = 0; replica < kReplicas; ++replica) {
    EXPECT_TRUE(receivers_[replica]->Running())
        << receivers_[replica]->Describe();
  }
}

TEST_F(RedisReplicasTest, AStoppedRedisEndsDeliveriesIn503AndProbesStayFast) {
  StartReplicas("budget: {max_executions: 10000, window: 1h}\n");
  ASSERT_EQ(Deliver(0, "before").status, 200);

  redis_->Pause();  // SIGSTOP: connected, silent
  std::atomic<bool> delivered{false};
  Answer stalled;
  std::thread delivery([&] {
    stalled = Deliver(0, "stalled");
    delivered.store(true);
  });
  // While the delivery waits out the 2 s Redis timeout on a worker, the
  // receiver answers its probes; each is given 1 s, half that timeout.
  const uint16_t port = static_cast<uint16_t>(ports_[0]);
  int probes = 0;
  for (int i = 0; i < 8 && !delivered.load(); ++i) {
    for (const char* path : {"/healthz", "/metrics"}) {
      absl::StatusOr<ClientResponse> probe =
          HttpRequestOnce(port, "GET", path, {}, {}, absl::Seconds(1));
      ASSERT_THAT(probe, IsOk()) << path << " while Redis is stopped";
      EXPECT_EQ(probe->status, 200) << path;
      ++probes;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_GE(probes, 4);
  delivery.join();
  EXPECT_EQ(stalled.status, 503);

  // Readiness says why, from memory, and so does the status page.
  absl::StatusOr<ClientResponse> ready =
      HttpRequestOnce(port, "GET", "/readyz", {}, {}, absl::Seconds(1));
  ASSERT_THAT(ready, IsOk());
  EXPECT_EQ(ready->status, 503);
  EXPECT_THAT(ready->body, ::testing::HasSubstr(redis_->address()));

  redis_->Resume();
  EXPECT_THAT(testutil::WaitForHttp(port, "/readyz", absl::Seconds(20)),
              IsOk());
  EXPECT_EQ(Deliver(0, "after").reason, "execute");
  ExpectExecutions(2);
}

TEST_F(RedisReplicasTest, AnEscalationIsSharedAndClearedOnceForAllReplicas) {
  token_ = "clear-token";
  StartReplicas("flap_guard: {max_executions: 1, window: 1h}\n", "1s",
                {"--bearer_token=clear-token"});
  Answer first = Deliver(0, "flappy");
  ASSERT_EQ(first.reason, "execute");
  // Fired again once the cooldown passed, on the other replica: it latches.
  EXPECT_EQ(DeliverAfterTheCooldown(1, "flappy").reason, "escalated");
  EXPECT_EQ(Deliver(0, "flappy").reason, "escalated");
  absl::StatusOr<ClientResponse> status =
      HttpRequestOnce(static_cast<uint16_t>(ports_[0]), "GET", "/");
  ASSERT_THAT(status, IsOk());
  json escalated = json::parse(status->body, nullptr, false)["escalated"];
  ASSERT_TRUE(escalated.is_array()) << status->body;
  ASSERT_EQ(escalated.size(), 1u) << status->body;
  EXPECT_EQ(escalated[0]["key"], first.key);

  // The CLI lists and clears it in Redis: both replicas act again.
  EXPECT_THAT(StateCommand({"list"}).second, ::testing::HasSubstr(first.key));
  EXPECT_THAT(StateCommand({"clear", first.key}).second,
              ::testing::HasSubstr("escalation cleared"));
  EXPECT_EQ(Deliver(1, "flappy").reason, "execute");

  // Latched again; this time POST /state/clear through replica 0.
  EXPECT_EQ(DeliverAfterTheCooldown(1, "flappy").reason, "escalated");
  absl::StatusOr<ClientResponse> cleared = HttpRequestOnce(
      static_cast<uint16_t>(ports_[0]), "POST", "/state/clear",
      json({{"key", first.key}}).dump(),
      {{"Content-Type", "application/json"},
       {"Authorization", "Bearer clear-token"}});
  ASSERT_THAT(cleared, IsOk());
  EXPECT_EQ(cleared->status, 200) << cleared->body;
  EXPECT_EQ(json::parse(cleared->body, nullptr, false)["cleared"], true)
      << cleared->body;
  EXPECT_EQ(Deliver(1, "flappy").reason, "execute");
  ExpectExecutions(3);
}

// Runs the receiver with `args`, expecting a startup failure; returns its
// stderr.
std::string StartupError(const TempDir& dir, std::vector<std::string> args) {
  SubprocessOptions options;
  options.argv = {AUTOHEAL_WEBHOOK_BIN, "--listen", "127.0.0.1:0"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.stderr_path = dir.Path("startup-error.log");
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(std::move(options));
  EXPECT_THAT(process, IsOk());
  if (!process.ok()) return "";
  absl::StatusOr<testutil::ProcessExit> exit = (*process)->Wait(kStartTimeout);
  EXPECT_TRUE(exit.ok() && exit->Exited() && exit->ExitCode() == 1)
      << (*process)->Describe();
  return (*process)->ReadStderr();
}

TEST(RedisReceiverStartupTest, AnUnreachableRedisOrABadBackendIsNamed) {
  TempDir dir;
  absl::StatusOr<uint16_t> port = testutil::PickFreeLoopbackPort();
  ASSERT_THAT(port, IsOk());
  const std::string address = absl::StrCat("127.0.0.1:", *port);
  EXPECT_THAT(StartupError(dir, {"--state_backend=redis",
                                 "--redis_address=" + address}),
              ::testing::HasSubstr("redis " + address + ": Connection refused"));
  EXPECT_THAT(StartupError(dir, {"--state_backend=redis",
                                 "--redis_address=nowhere"}),
              ::testing::HasSubstr("redis address \"nowhere\""));
  EXPECT_THAT(StartupError(dir, {"--state_backend=redis",
                                 "--redis_prefix="}),
              ::testing::HasSubstr("redis prefix"));
  EXPECT_THAT(StartupError(dir, {"--state_backend=bogus"}),
              ::testing::HasSubstr("state backend \"bogus\": expected one of "
                                   "memory, sqlite, redis"));
}

}  // namespace
}  // namespace autoheal

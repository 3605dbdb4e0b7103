// The receiver's HTTP contract, end to end through a real HttpServer on an
// ephemeral loopback port, with fake clock, executor, store fault switch and
// audit sink.
#include "receiver/receiver.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/testing/faulty_cooldown_store.h"
#include "autoheal/testing/memory_audit_sink.h"
#include "autoheal/testing/recording_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_client.h"
#include "nlohmann/json.hpp"
#include "test_util.h"

namespace autoheal {
namespace receiver {
namespace {

using ::autoheal::testutil::ClientResponse;
using ::autoheal::testutil::HeaderList;
using ::autoheal::testutil::HttpClient;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::ReadFileOrDie;
using ::autoheal::testutil::StatusIs;
using ::autoheal::testutil::TestDataPath;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kToken[] = "s3cret-token";
const HeaderList kJsonAuth = {{"Content-Type", "application/json"},
                              {"Authorization", "Bearer s3cret-token"}};

// Forwards to a store, except that while held every call waits until
// released: a state store that stalls (a stopped Redis, a locked file).
class BlockingCooldownStore final : public CooldownStore {
 public:
  explicit BlockingCooldownStore(CooldownStore* inner) : inner_(inner) {}

  absl::StatusOr<AcquireResult> Acquire(
      const AcquireRequest& request) override {
    WaitWhileHeld();
    return inner_->Acquire(request);
  }
  absl::Status AcquireBatch(absl::Span<const AcquireRequest> requests,
                            absl::Span<AcquireResult> results) override {
    WaitWhileHeld();
    return inner_->AcquireBatch(requests, results);
  }
  absl::StatusOr<bool> ClearEscalation(absl::string_view key) override {
    WaitWhileHeld();
    return inner_->ClearEscalation(key);
  }
  absl::StatusOr<std::vector<EscalatedKey>> ListEscalated(
      absl::Time now, size_t limit) override {
    WaitWhileHeld();
    return inner_->ListEscalated(now, limit);
  }
  absl::Status Ping() override {
    WaitWhileHeld();
    return inner_->Ping();
  }

  void Hold() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    held_ = true;
  }
  void Release() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    held_ = false;
  }
  // Waits until `count` calls are waiting.
  void AwaitWaiting(int count) ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    std::pair<BlockingCooldownStore*, int> arg(this, count);
    mu_.Await(absl::Condition(
        +[](std::pair<BlockingCooldownStore*, int>* a)
             ABSL_NO_THREAD_SAFETY_ANALYSIS {
               return a->first->waiting_ >= a->second;
             },
        &arg));
  }

 private:
  void WaitWhileHeld() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    ++waiting_;
    mu_.Await(absl::Condition(
        +[](bool* held) { return !*held; }, &held_));
    --waiting_;
  }

  CooldownStore* const inner_;
  internal::Mutex mu_;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

class ReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override { StartWith(""); }

  void StartWith(const std::string& policy_path) {
    server_.reset();
    ReceiverConfig config;
    config.policy_path = policy_path;
    config.bearer_token = kToken;
    ReceiverDeps deps;
    deps.clock = &clock_;
    deps.store = &faulty_store_;
    deps.executor = &executor_;
    deps.audit = &audit_;
    deps.env = [this](const char* name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    auto receiver = Receiver::Create(config, deps);
    ASSERT_THAT(receiver, IsOk());
    receiver_ = *std::move(receiver);
    // As the service wires it: store and audit work on the workers.
    http::HttpServerOptions options;
    options.port = 0;
    options.worker_threads = 2;
    options.offload = &Receiver::Offload;
    Receiver* r = receiver_.get();
    auto server = http::HttpServer::Start(
        options, [r](const http::HttpRequest& q) { return r->Handle(q); });
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
  }

  ClientResponse Send(const std::string& method, const std::string& path,
                      const std::string& body = "",
                      const HeaderList& headers = kJsonAuth) {
    auto client = HttpClient::Connect(server_->port());
    EXPECT_THAT(client, IsOk());
    if (!client.ok()) return {};
    auto response = client->Request(method, path, body, headers);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? *response : ClientResponse{};
  }

  ClientResponse PostPayload(const std::string& name,
                             const HeaderList& headers = kJsonAuth) {
    return Send("POST", "/alerts",
                ReadFileOrDie(TestDataPath("payloads/" + name)), headers);
  }

  std::string WriteTempPolicy(const std::string& yaml) {
    std::string path = ::testing::TempDir() + "receiver_test_policy.yml";
    std::ofstream(path) << yaml;
    return path;
  }

  testing::FakeClock clock_;
  InMemoryCooldownStore store_;
  BlockingCooldownStore blocking_store_{&store_};
  testing::FaultyCooldownStore faulty_store_{&blocking_store_};
  testing::RecordingExecutor executor_;
  testing::MemoryAuditSink audit_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(ReceiverTest, DefaultPolicyIsDryRunAndDecidesEveryAlert) {
  ClientResponse r = PostPayload("04-mixed-group.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.Header("Content-Type").value_or(""), HasSubstr("application/json"));
  json body = json::parse(r.body);
  EXPECT_EQ(body["enabled"], false);
  ASSERT_EQ(body["decisions"].size(), 8u);
  const json& shop = body["decisions"][1];
  EXPECT_EQ(shop["alertname"], "UptimeProbeFailing");
  EXPECT_EQ(shop["fingerprint"], "94b9e96a6fcf7f16");
  EXPECT_EQ(shop["verdict"], "dry_run");
  EXPECT_EQ(shop["reason"], "dry_run");
  EXPECT_EQ(shop["action"], "restart-web-frontend");
  EXPECT_THAT(shop["key"].get<std::string>(), HasSubstr("ah1|dry_run|"));
  EXPECT_EQ(shop["seconds_left"], 0);
  EXPECT_THAT(shop["sentence"].get<std::string>(), HasSubstr("dry-run"));
  EXPECT_EQ(body["decisions"][5]["reason"], "not_opted_in");  // "TRUE"
  EXPECT_EQ(body["decisions"][6]["reason"], "not_allowlisted");
  EXPECT_TRUE(executor_.requests().empty());
  EXPECT_EQ(audit_.entries().size(), 8u);
}

TEST_F(ReceiverTest, EnabledRunsOnceThenCoolsDownWithSecondsLeft) {
  env_["AUTOHEAL_ENABLED"] = "true";
  StartWith("");
  EXPECT_EQ(PostPayload("01-single-firing-autoheal.json").status, 200);
  clock_.Advance(absl::Seconds(47));
  ClientResponse again = PostPayload("01-single-firing-autoheal.json");
  json d = json::parse(again.body)["decisions"][0];
  EXPECT_EQ(d["verdict"], "skip");
  EXPECT_EQ(d["reason"], "cooling_down");
  EXPECT_EQ(d["seconds_left"], 73);
  ASSERT_EQ(executor_.requests().size(), 1u);
  EXPECT_EQ(executor_.requests()[0].action.argv[0], "/bin/echo");
}

TEST_F(ReceiverTest, ExplainPreviewsTakesNothingAndShowsSecondsLeft) {
  env_["AUTOHEAL_ENABLED"] = "true";
  StartWith("");
  const std::string payload =
      ReadFileOrDie(TestDataPath("payloads/01-single-firing-autoheal.json"));
  // Before any delivery: it would execute, and asking twice takes nothing.
  for (int i = 0; i < 2; ++i) {
    ClientResponse r = Send("POST", "/explain", payload);
    ASSERT_EQ(r.status, 200) << r.body;
    json body = json::parse(r.body);
    EXPECT_EQ(body["enabled"], true);
    ASSERT_EQ(body["alerts"].size(), 1u);
    EXPECT_EQ(body["alerts"][0]["verdict"], "execute");
    EXPECT_EQ(body["alerts"][0]["to_act"], "nothing: it would run now");
  }
  EXPECT_TRUE(executor_.requests().empty());
  EXPECT_TRUE(audit_.entries().empty());
  // The real delivery still runs: the previews took no cooldown.
  EXPECT_EQ(PostPayload("01-single-firing-autoheal.json").status, 200);
  ASSERT_EQ(executor_.requests().size(), 1u);
  const size_t audited = audit_.entries().size();
  clock_.Advance(absl::Seconds(47));
  ClientResponse r = Send("POST", "/explain", payload);
  ASSERT_EQ(r.status, 200) << r.body;
  json d = json::parse(r.body)["alerts"][0];
  EXPECT_EQ(d["verdict"], "skip");
  EXPECT_EQ(d["reason"], "cooling_down");
  EXPECT_EQ(d["seconds_left"], 73);
  EXPECT_EQ(d["to_act"], "cooling down, 73 s left");
  EXPECT_EQ(executor_.requests().size(), 1u);
  EXPECT_EQ(audit_.entries().size(), audited);  // explain audits nothing
}

TEST_F(ReceiverTest, ExplainIsAuthenticatedAndChecksItsBody) {
  const std::string payload =
      ReadFileOrDie(TestDataPath("payloads/01-single-firing-autoheal.json"));
  EXPECT_EQ(Send("POST", "/explain", payload,
                 {{"Content-Type", "application/json"}})
                .status,
            401);
  EXPECT_EQ(Send("POST", "/explain", payload,
                 {{"Content-Type", "text/plain"},
                  {"Authorization", "Bearer s3cret-token"}})
                .status,
            415);
  ClientResponse bad = Send("POST", "/explain", R"({"version":"4"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("alerts"));
  EXPECT_EQ(Send("GET", "/explain").status, 405);
  // Dry-run by default: the hint says how to turn it on.
  ClientResponse r = Send("POST", "/explain", payload);
  ASSERT_EQ(r.status, 200);
  json d = json::parse(r.body)["alerts"][0];
  EXPECT_EQ(d["verdict"], "dry_run");
  EXPECT_THAT(d["to_act"].get<std::string>(), HasSubstr("AUTOHEAL_ENABLED"));
}

TEST_F(ReceiverTest, AlertPathIsAnAliasOfAlerts) {
  ClientResponse r = Send("POST", "/alert",
                          ReadFileOrDie(TestDataPath("payloads/07-single-resolved.json")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["decisions"][0]["reason"], "resolved");
}

// 400 only for a body that is not an Alertmanager message at all.
TEST_F(ReceiverTest, MalformedBodyIs400NamingTheField) {
  const std::map<std::string, std::string> bad = {
      {"", "body: invalid JSON at byte 0: "},
      {R"({"version":"4","alerts":[)", "body: invalid JSON at byte 25: "},
      {"[]", "body: expected an object, got array"},
      {R"({"version":"3","alerts":[]})", R"(version: expected "4", got "3")"},
      {R"({"alerts":[]})", "version: missing"},
      {R"({"version":"4"})", "alerts: missing"},
      {R"({"version":"4","alerts":{}})",
       "alerts: expected an array, got object"},
      {R"({"version":"4","alerts":[],"commonLabels":[]})",
       "commonLabels: expected an object, got array"},
      {R"({"version":"4","alerts":[],"truncatedAlerts":-1})",
       "truncatedAlerts: expected a non-negative integer, got -1"},
  };
  for (const auto& [body, error] : bad) {
    ClientResponse r = Send("POST", "/alerts", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_THAT(json::parse(r.body)["error"].get<std::string>(),
                ::testing::StartsWith(error))
        << body;
  }
  EXPECT_TRUE(executor_.requests().empty());
  EXPECT_TRUE(audit_.entries().empty());
}

// A problem inside one alert is that alert's invalid_alert skip: the rest
// of the group is decided, and the answer is 200.
TEST_F(ReceiverTest, MalformedAlertIsSkippedAndItsGroupDecided) {
  env_["AUTOHEAL_ENABLED"] = "true";
  StartWith("");
  json message = json::parse(
      ReadFileOrDie(TestDataPath("payloads/01-single-firing-autoheal.json")));
  json good = message["alerts"][0];
  json no_alertname = good;
  no_alertname["labels"].erase("alertname");
  json pending = good;
  pending["status"] = "pending";
  message["alerts"] = json::array({no_alertname, good, pending, 1});
  ClientResponse r = Send("POST", "/alerts", message.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json decisions = json::parse(r.body)["decisions"];
  ASSERT_EQ(decisions.size(), 4u) << r.body;

  EXPECT_EQ(decisions[0]["verdict"], "skip");
  EXPECT_EQ(decisions[0]["reason"], "invalid_alert");
  EXPECT_EQ(decisions[0]["problem"], "alerts[0].labels.alertname: missing");
  EXPECT_EQ(decisions[0]["sentence"],
            "the alert is malformed (alerts[0].labels.alertname: missing); it "
            "is skipped, and the rest of its notification is decided as usual");
  EXPECT_EQ(decisions[0]["alertname"], "");
  EXPECT_EQ(decisions[0]["fingerprint"], "ae2f46214283c1ff");
  EXPECT_TRUE(decisions[0]["status"].is_null());
  EXPECT_TRUE(decisions[0]["action"].is_null());
  EXPECT_EQ(decisions[0]["key"], "");

  EXPECT_EQ(decisions[1]["reason"], "execute");
  EXPECT_FALSE(decisions[1].contains("problem"));
  EXPECT_EQ(decisions[1]["status"], "firing");

  // Its labels were read: it is named, and counted under its alertname.
  EXPECT_EQ(decisions[2]["reason"], "invalid_alert");
  EXPECT_EQ(decisions[2]["alertname"], "TcpEndpointDownFast");
  EXPECT_EQ(decisions[2]["problem"],
            R"(alerts[2].status: expected "firing" or "resolved", got )"
            R"("pending")");
  EXPECT_EQ(decisions[3]["reason"], "invalid_alert");
  EXPECT_EQ(decisions[3]["problem"],
            "alerts[3]: expected an object, got number");
  EXPECT_EQ(decisions[3]["fingerprint"], "");

  ASSERT_EQ(executor_.requests().size(), 1u);
  std::vector<Reason> audited;
  for (const testing::AuditEntry& e : audit_.entries()) {
    if (e.type == testing::AuditEntry::Type::kDecision) {
      audited.push_back(e.reason);
    }
  }
  EXPECT_THAT(audited, ::testing::ElementsAre(
                           Reason::kInvalidAlert, Reason::kExecute,
                           Reason::kInvalidAlert, Reason::kInvalidAlert));
  const std::string m = Send("GET", "/metrics").body;
  EXPECT_THAT(m, HasSubstr("autoheal_decisions_total{alertname=\"other\","
                           "reason=\"invalid_alert\",verdict=\"skip\"} 2"));
  EXPECT_THAT(m, HasSubstr("autoheal_decisions_total{alertname=\""
                           "TcpEndpointDownFast\",reason=\"invalid_alert\","
                           "verdict=\"skip\"} 1"));
  EXPECT_THAT(m, HasSubstr("autoheal_http_requests_total{code=\"200\"} 1"));
}

TEST_F(ReceiverTest, BearerTokenMissingWrongAndRight) {
  std::string body = ReadFileOrDie(TestDataPath("payloads/01-single-firing-autoheal.json"));
  ClientResponse missing =
      Send("POST", "/alerts", body, {{"Content-Type", "application/json"}});
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.Header("WWW-Authenticate").value_or(""), "Bearer");
  EXPECT_THAT(json::parse(missing.body)["error"].get<std::string>(),
              HasSubstr("bearer token"));
  for (const char* wrong : {"Bearer s3cret-toke", "Bearer s3cret-token2",
                            "Basic s3cret-token", "s3cret-token", "Bearer "}) {
    EXPECT_EQ(Send("POST", "/alerts", body,
                   {{"Content-Type", "application/json"},
                    {"Authorization", wrong}}).status, 401) << wrong;
  }
  EXPECT_EQ(Send("POST", "/alerts", body,
                 {{"Content-Type", "application/json"},
                  {"Authorization", "bearer s3cret-token"}}).status, 200);
  EXPECT_EQ(audit_.entries().size(), 1u);  // only the authorised request
}

TEST_F(ReceiverTest, WrongContentTypeIs415) {
  std::string body = ReadFileOrDie(TestDataPath("payloads/01-single-firing-autoheal.json"));
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded",
                           "application/jsonp"}) {
    ClientResponse r = Send("POST", "/alerts", body,
                            {{"Content-Type", type},
                             {"Authorization", "Bearer s3cret-token"}});
    EXPECT_EQ(r.status, 415) << type;
    EXPECT_THAT(r.body, HasSubstr("application/json"));
  }
  EXPECT_EQ(Send("POST", "/alerts", body,
                 {{"Authorization", "Bearer s3cret-token"}}).status, 415);
  EXPECT_EQ(Send("POST", "/alerts", body,
                 {{"Content-Type", "Application/JSON; charset=utf-8"},
                  {"Authorization", "Bearer s3cret-token"}}).status, 200);
}

TEST_F(ReceiverTest, UnknownPathIs404AndWrongMethodIs405) {
  ClientResponse missing = Send("GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(json::parse(missing.body)["error"].get<std::string>(),
              HasSubstr("/nope"));
  ClientResponse get_alerts = Send("GET", "/alerts");
  EXPECT_EQ(get_alerts.status, 405);
  EXPECT_EQ(get_alerts.Header("Allow").value_or(""), "POST");
  EXPECT_EQ(Send("DELETE", "/alerts").status, 405);
  ClientResponse post_status = Send("POST", "/", "{}");
  EXPECT_EQ(post_status.status, 405);
  EXPECT_EQ(post_status.Header("Allow").value_or(""), "GET");
}

TEST_F(ReceiverTest, BodyOverTheLimitIs413) {
  std::string big(2 << 20, ' ');
  ClientResponse r = Send("POST", "/alerts", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_THAT(json::parse(r.body)["error"].get<std::string>(), HasSubstr("exceeds"));
}

TEST_F(ReceiverTest, StoreDownIs503AndNothingRuns) {
  env_["AUTOHEAL_ENABLED"] = "1";
  StartWith("");
  faulty_store_.set_down(true);
  ClientResponse r = PostPayload("01-single-firing-autoheal.json");
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(json::parse(r.body)["error"].get<std::string>(),
              HasSubstr("store unavailable"));
  EXPECT_TRUE(executor_.requests().empty());
  faulty_store_.set_down(false);
  EXPECT_EQ(PostPayload("01-single-firing-autoheal.json").status, 200);
  EXPECT_EQ(executor_.requests().size(), 1u);
}

TEST_F(ReceiverTest, AuditFailureIs503AndNothingRuns) {
  env_["AUTOHEAL_ENABLED"] = "true";
  StartWith("");
  audit_.set_down(true);
  ClientResponse r = PostPayload("01-single-firing-autoheal.json");
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(json::parse(r.body)["error"].get<std::string>(),
              HasSubstr("could not be audited"));
  EXPECT_TRUE(executor_.requests().empty());
}

TEST_F(ReceiverTest, AuditFailuresAreCounted) {
  env_["AUTOHEAL_ENABLED"] = "true";
  StartWith("");
  EXPECT_THAT(Send("GET", "/metrics").body,
              HasSubstr("\nautoheal_audit_failures_total 0\n"));
  audit_.set_down(true);
  // A delivery whose decisions cannot be audited: 503, nothing ran.
  EXPECT_EQ(PostPayload("01-single-firing-autoheal.json").status, 503);
  EXPECT_THAT(Send("GET", "/metrics").body,
              HasSubstr("\nautoheal_audit_failures_total 1\n"));
  // A state clear whose audit line fails: 503 as well.
  ClientResponse cleared = Send("POST", "/state/clear", "{\"key\":\"k\"}");
  EXPECT_EQ(cleared.status, 503);
  EXPECT_THAT(json::parse(cleared.body)["error"].get<std::string>(),
              HasSubstr("audit record failed"));
  EXPECT_THAT(Send("GET", "/metrics").body,
              HasSubstr("\nautoheal_audit_failures_total 2\n"));
  // Once the log can be written again, nothing more is counted. The
  // refused delivery took the key's cooldown when it was decided, so the
  // redelivery is a cooling_down skip, and the action runs only once the
  // cooldown has passed.
  audit_.set_down(false);
  ClientResponse redelivered = PostPayload("01-single-firing-autoheal.json");
  EXPECT_EQ(redelivered.status, 200);
  EXPECT_EQ(json::parse(redelivered.body)["decisions"][0]["reason"],
            "cooling_down");
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(PostPayload("01-single-firing-autoheal.json").status, 200);
  EXPECT_EQ(executor_.requests().size(), 1u);
  EXPECT_THAT(Send("GET", "/metrics").body,
              HasSubstr("\nautoheal_audit_failures_total 2\n"));
}

TEST_F(ReceiverTest, AFullExecutorQueueIsA200WithTheRefusalCounted) {
  env_["AUTOHEAL_ENABLED"] = "true";
  StartWith("");
  executor_.set_reject(true);
  ClientResponse r = PostPayload("01-single-firing-autoheal.json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["decisions"][0]["verdict"], "execute");
  EXPECT_THAT(Send("GET", "/metrics").body,
              HasSubstr("autoheal_actions_total{action=\"restart-tcp-endpoint\",outcome=\"spawn_error\"} 1"));
}

TEST_F(ReceiverTest, StatusHasTheOriginalFieldsAndMore) {
  ClientResponse before = Send("GET", "/");
  ASSERT_EQ(before.status, 200);
  json s = json::parse(before.body);
  // The original service's contract, exactly.
  EXPECT_EQ(s["service"], "running");
  EXPECT_EQ(s["status"], "running");
  EXPECT_EQ(s["enabled"], false);
  EXPECT_EQ(s["cooldown_sec"], 120);
  ASSERT_TRUE(s["actions"].is_array());
  // The allowlisted alertnames, in the policy's order.
  EXPECT_EQ(s["actions"], json::parse(R"(["CrmMetricsScrapeStale",
      "TcpEndpointDownFast","UptimeProbeFailing"])"));
  EXPECT_EQ(before.body.rfind(R"({"service":"running","status":"running","enabled":false,"actions":[)", 0), 0u)
      << before.body;
  EXPECT_EQ(s["name"], "autoheal");
  EXPECT_TRUE(s["action_details"].contains("TcpEndpointDownFast"));
  EXPECT_EQ(s["action_details"].size(), 3u);
  EXPECT_EQ(s["timestamp"], "2026-01-01T00:00:00.000Z");
  EXPECT_FALSE(s["version"].get<std::string>().empty());
  EXPECT_EQ(s["policy_digest"].get<std::string>().size(), 64u);
  EXPECT_EQ(s["policy_source"], "embedded default");
  EXPECT_EQ(s["inflight_actions"], 0);
  EXPECT_TRUE(s["last_decision_at"].is_null());

  clock_.Advance(absl::Seconds(5));
  PostPayload("01-single-firing-autoheal.json");
  json after = json::parse(Send("GET", "/").body);
  EXPECT_EQ(after["last_decision_at"], "2026-01-01T00:00:05.000Z");
}

TEST_F(ReceiverTest, HealthzAnswers) {
  ClientResponse r = Send("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["status"], "ok");
}

TEST_F(ReceiverTest, ReadyzFollowsTheStoreFromMemory) {
  ClientResponse ready = Send("GET", "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(json::parse(ready.body),
            json::parse(R"({"status":"ready","state_store":"ok"})"));
  EXPECT_THAT(Send("GET", "/metrics").body,
              HasSubstr("autoheal_state_store_ready 1"));

  // A delivery that fails closed marks the store unavailable at once.
  faulty_store_.set_down(true);
  clock_.Advance(absl::Seconds(3));
  EXPECT_EQ(PostPayload("01-single-firing-autoheal.json").status, 503);
  ClientResponse down = Send("GET", "/readyz");
  EXPECT_EQ(down.status, 503);
  json body = json::parse(down.body);
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_EQ(body["state_store"], "unavailable");
  EXPECT_THAT(body["error"].get<std::string>(), HasSubstr("injected fault"));
  EXPECT_EQ(body["since"], "2026-01-01T00:00:03.000Z");
  EXPECT_THAT(Send("GET", "/metrics").body,
              HasSubstr("autoheal_state_store_ready 0"));
  EXPECT_EQ(Send("GET", "/healthz").status, 200);  // alive all along

  // The probe brings readiness back without any delivery.
  receiver_->CheckStore();
  EXPECT_EQ(Send("GET", "/readyz").status, 503);
  faulty_store_.set_down(false);
  receiver_->CheckStore();
  EXPECT_EQ(Send("GET", "/readyz").status, 200);
  EXPECT_THAT(Send("GET", "/metrics").body,
              HasSubstr("autoheal_state_store_ready 1"));
}

TEST_F(ReceiverTest, AStalledStoreHoldsOnlyItsOwnDeliveries) {
  blocking_store_.Hold();
  auto delivery = HttpClient::Connect(server_->port());
  ASSERT_THAT(delivery, IsOk());
  ASSERT_THAT(delivery->Send(testutil::BuildRequest(
                  "POST", "/alerts",
                  ReadFileOrDie(TestDataPath("payloads/01-single-firing-autoheal.json")),
                  kJsonAuth)),
              IsOk());
  blocking_store_.AwaitWaiting(1);

  // The delivery waits on the store in a worker; the loop answers the rest.
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    ClientResponse r = Send("GET", path);
    EXPECT_EQ(r.status, 200) << path;
  }
  EXPECT_EQ(Send("GET", "/nope").status, 404);

  blocking_store_.Release();
  absl::StatusOr<ClientResponse> answer = delivery->ReadResponse();
  ASSERT_THAT(answer, IsOk());
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(json::parse(answer->body)["decisions"][0]["reason"], "dry_run");
}

TEST(ReceiverOffloadTest, OnlyRoutesThatTouchStateOrAuditAreOffloaded) {
  auto offloaded = [](absl::string_view method, absl::string_view path) {
    http::HttpRequest request;
    request.method = method;
    request.path = path;
    return Receiver::Offload(request);
  };
  EXPECT_TRUE(offloaded("POST", "/alerts"));
  EXPECT_TRUE(offloaded("POST", "/alert"));
  EXPECT_TRUE(offloaded("POST", "/state/clear"));
  EXPECT_TRUE(offloaded("POST", "/explain"));
  EXPECT_TRUE(offloaded("GET", "/"));
  for (const char* path : {"/healthz", "/readyz", "/metrics", "/nope"}) {
    EXPECT_FALSE(offloaded("GET", path)) << path;
  }
  EXPECT_FALSE(offloaded("GET", "/alerts"));  // a 405, answered at once
  EXPECT_FALSE(offloaded("POST", "/"));
}

TEST_F(ReceiverTest, MetricsCountDecisionsWithBoundedAlertnames) {
  PostPayload("04-mixed-group.json");
  Send("GET", "/nope");
  ClientResponse r = Send("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.Header("Content-Type").value_or(""), HasSubstr("text/plain"));
  const std::string& m = r.body;
  // Malformed alerts are exported from the start, so a rise shows from 0.
  EXPECT_THAT(m, HasSubstr("autoheal_decisions_total{alertname=\"other\","
                           "reason=\"invalid_alert\",verdict=\"skip\"} 0"));
  EXPECT_THAT(m, HasSubstr("autoheal_decisions_total{alertname=\"other\",reason=\"not_allowlisted\",verdict=\"skip\"} 1"));
  EXPECT_THAT(m, HasSubstr("autoheal_decisions_total{alertname=\"UptimeProbeFailing\",reason=\"dry_run\",verdict=\"dry_run\"} 1"));
  EXPECT_THAT(m, HasSubstr("autoheal_decisions_total{alertname=\"other\",reason=\"not_opted_in\",verdict=\"skip\"} 1"));
  EXPECT_THAT(m, ::testing::Not(HasSubstr("DiskWillFillIn4Hours")));
  EXPECT_THAT(m, ::testing::Not(HasSubstr("PaymentRate")));
  EXPECT_THAT(m, HasSubstr("autoheal_http_requests_total{code=\"200\"} 1"));
  EXPECT_THAT(m, HasSubstr("autoheal_http_requests_total{code=\"404\"} 1"));
  EXPECT_THAT(m, HasSubstr("autoheal_enabled 0"));
  EXPECT_THAT(m, HasSubstr("autoheal_inflight_actions 0"));
  EXPECT_THAT(m, HasSubstr("autoheal_config_reloads_total{result=\"failure\"} 0"));
  EXPECT_THAT(m, HasSubstr("\nautoheal_audit_failures_total 0\n"));
}

TEST_F(ReceiverTest, SeriesThatRulesWatchExistAtZeroFromStartAndReload) {
  // increase() cannot see the first increment of a series born at 1, so
  // autoheal-alerts.yml relies on these being exported at 0.
  std::string path = WriteTempPolicy(
      "escalation: {argv: [/bin/page]}\n"
      "actions:\n  ApiDown: {name: restart-api, argv: [/bin/true]}\n");
  StartWith(path);
  std::string m = Send("GET", "/metrics").body;
  for (const char* outcome : {"success", "failed", "timed_out", "spawn_error"}) {
    EXPECT_THAT(m, HasSubstr(absl::StrCat(
                       "autoheal_actions_total{action=\"restart-api\",outcome=\"",
                       outcome, "\"} 0\n")));
    EXPECT_THAT(m, HasSubstr(absl::StrCat(
                       "autoheal_actions_total{action=\"escalation\",outcome=\"",
                       outcome, "\"} 0\n")));
  }
  EXPECT_THAT(m, HasSubstr("autoheal_escalations_total{action=\"restart-api\"} 0\n"));
  EXPECT_THAT(m, HasSubstr("autoheal_decisions_total{alertname=\"ApiDown\","
                           "reason=\"budget_exhausted\",verdict=\"skip\"} 0\n"));
  // Families with no event yet are exported too (an empty family is not).
  EXPECT_THAT(m, HasSubstr("autoheal_action_duration_seconds_count{action=\"restart-api\"} 0\n"));
  EXPECT_THAT(m, HasSubstr("autoheal_action_duration_seconds_count{action=\"escalation\"} 0\n"));
  EXPECT_THAT(m, HasSubstr("autoheal_http_requests_total{code=\"503\"} 0\n"));
  EXPECT_THAT(m, HasSubstr("autoheal_state_clears_total{latched=\"true\"} 0\n"));
  EXPECT_THAT(m, HasSubstr("autoheal_state_clears_total{latched=\"false\"} 0\n"));

  std::ofstream(path) << "actions:\n  DbDown: {name: restart-db, argv: [/bin/true]}\n";
  ASSERT_THAT(receiver_->Reload(), IsOk());
  m = Send("GET", "/metrics").body;
  EXPECT_THAT(m, HasSubstr("autoheal_actions_total{action=\"restart-db\",outcome=\"failed\"} 0\n"));
  EXPECT_THAT(m, HasSubstr("autoheal_escalations_total{action=\"restart-db\"} 0\n"));
  EXPECT_THAT(m, HasSubstr("autoheal_decisions_total{alertname=\"DbDown\","
                           "reason=\"budget_exhausted\",verdict=\"skip\"} 0\n"));
}

TEST_F(ReceiverTest, ActionOutcomesAreCounted) {
  env_["AUTOHEAL_ENABLED"] = "yes";
  StartWith("");
  ActionOutcome failed;
  failed.kind = OutcomeKind::kFailed;
  failed.exit_code = 3;
  failed.duration = absl::Milliseconds(300);
  executor_.set_outcome(failed);
  PostPayload("01-single-firing-autoheal.json");
  std::string m = Send("GET", "/metrics").body;
  EXPECT_THAT(m, HasSubstr("autoheal_actions_total{action=\"restart-tcp-endpoint\",outcome=\"failed\"} 1"));
  EXPECT_THAT(m, HasSubstr("autoheal_action_duration_seconds_count{action=\"restart-tcp-endpoint\"} 1"));
  EXPECT_THAT(m, HasSubstr("autoheal_enabled 1"));
}

TEST_F(ReceiverTest, ReloadSwapsThePolicyAndKeepsItOnError) {
  std::string path = WriteTempPolicy(
      "enabled: true\nactions:\n  ApiDown:\n    name: restart-api\n"
      "    argv: [/bin/true]\n");
  StartWith(path);
  std::string first_digest = receiver_->policy_digest();
  EXPECT_TRUE(receiver_->enabled());

  std::ofstream(path) << "enabled: false\nactions: {}\n";
  ASSERT_THAT(receiver_->Reload(), IsOk());
  EXPECT_FALSE(receiver_->enabled());
  EXPECT_NE(receiver_->policy_digest(), first_digest);

  std::string good_digest = receiver_->policy_digest();
  std::ofstream(path) << "enabled: maybe\n";
  EXPECT_THAT(receiver_->Reload(),
              StatusIs(absl::StatusCode::kInvalidArgument, "enabled: expected true or false"));
  EXPECT_EQ(receiver_->policy_digest(), good_digest);
  std::string m = Send("GET", "/metrics").body;
  EXPECT_THAT(m, HasSubstr("autoheal_config_reloads_total{result=\"success\"} 1"));
  EXPECT_THAT(m, HasSubstr("autoheal_config_reloads_total{result=\"failure\"} 1"));
  std::remove(path.c_str());
}

TEST_F(ReceiverTest, CooldownsSurviveAReload) {
  env_["AUTOHEAL_ENABLED"] = "true";
  StartWith("");
  PostPayload("01-single-firing-autoheal.json");
  ASSERT_THAT(receiver_->Reload(), IsOk());
  json d = json::parse(PostPayload("01-single-firing-autoheal.json").body);
  EXPECT_EQ(d["decisions"][0]["reason"], "cooling_down");
  EXPECT_EQ(executor_.requests().size(), 1u);
}

TEST_F(ReceiverTest, BadEnvironmentIsAStartupErrorNamingTheVariable) {
  ReceiverDeps deps;
  deps.clock = &clock_;
  deps.store = &store_;
  deps.executor = &executor_;
  deps.audit = &audit_;
  for (auto [name, value, message] :
       std::initializer_list<std::tuple<const char*, const char*, const char*>>{
           {"AUTOHEAL_ENABLED", "enabled", "AUTOHEAL_ENABLED: expected"},
           {"AUTOHEAL_ENABLED", "", "AUTOHEAL_ENABLED: expected"},
           {"AUTOHEAL_ENABLED", " true", "AUTOHEAL_ENABLED: expected"},
           // Exactly the six documented values, in lowercase.
           {"AUTOHEAL_ENABLED", "TRUE",
            "AUTOHEAL_ENABLED: expected true/false/1/0/yes/no (exactly, in "
            "lowercase), got \"TRUE\""},
           {"AUTOHEAL_ENABLED", "Yes", "AUTOHEAL_ENABLED: expected"},
           {"AUTOHEAL_ENABLED", "on", "AUTOHEAL_ENABLED: expected"},
           {"AUTOHEAL_COOLDOWN_SEC", "0", "AUTOHEAL_COOLDOWN_SEC: expected"},
           {"AUTOHEAL_COOLDOWN_SEC", "-5", "AUTOHEAL_COOLDOWN_SEC: expected"},
           {"AUTOHEAL_COOLDOWN_SEC", "120s", "AUTOHEAL_COOLDOWN_SEC: expected"},
           {"AUTOHEAL_COOLDOWN_SEC", "99999999999999999999", "AUTOHEAL_COOLDOWN_SEC"}}) {
    std::string n = name, v = value;
    deps.env = [n, v](const char* var) -> std::optional<std::string> {
      if (n == var) return v;
      return std::nullopt;
    };
    EXPECT_THAT(Receiver::Create(ReceiverConfig(), deps),
                StatusIs(absl::StatusCode::kInvalidArgument, message))
        << name << "=" << value;
  }
}

TEST_F(ReceiverTest, CooldownSecondsFromTheEnvironment) {
  env_["AUTOHEAL_ENABLED"] = "true";
  env_["AUTOHEAL_COOLDOWN_SEC"] = "30";
  StartWith("");
  EXPECT_EQ(json::parse(Send("GET", "/").body)["cooldown_sec"], 30);
}

TEST_F(ReceiverTest, MissingPolicyFileIsAStartupErrorNamingIt) {
  ReceiverConfig config;
  config.policy_path = "/nonexistent/policy.yml";
  ReceiverDeps deps;
  deps.store = &store_;
  deps.executor = &executor_;
  deps.audit = &audit_;
  deps.env = [](const char*) { return std::optional<std::string>(); };
  EXPECT_THAT(Receiver::Create(config, deps),
              StatusIs(absl::StatusCode::kNotFound, "/nonexistent/policy.yml"));
}

constexpr char kFlappingPolicy[] = R"yaml(
version: 1
enabled: true
cooldown: 10s
flap_guard: {max_executions: 1, window: 1h}
escalation:
  argv: ["/usr/local/bin/page-oncall", "--team", "sre"]
  timeout: 5s
actions:
  TcpEndpointDownFast:
    name: restart-tcp-endpoint
    argv: ["/bin/echo", "restart"]
    key_labels: [instance]
)yaml";

TEST_F(ReceiverTest, AFixThatDoesNotFixEscalatesOncePagesAndCanBeCleared) {
  StartWith(WriteTempPolicy(kFlappingPolicy));
  ASSERT_EQ(PostPayload("01-single-firing-autoheal.json").status, 200);
  clock_.Advance(absl::Seconds(10));
  ClientResponse tripped = PostPayload("01-single-firing-autoheal.json");
  ASSERT_EQ(tripped.status, 200) << tripped.body;
  json d = json::parse(tripped.body)["decisions"][0];
  EXPECT_EQ(d["verdict"], "skip");
  EXPECT_EQ(d["reason"], "escalated");
  EXPECT_EQ(d["escalation"], "new");
  const std::string key = d["key"].get<std::string>();
  // The action ran once, then the escalation command once.
  std::vector<ActionRequest> runs = executor_.requests();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].action.name, "restart-tcp-endpoint");
  EXPECT_EQ(runs[1].action.name, "escalation");
  EXPECT_EQ(runs[1].action.argv[0], "/usr/local/bin/page-oncall");
  EXPECT_EQ(runs[1].key, key);

  clock_.Advance(absl::Seconds(10));
  ClientResponse latched = PostPayload("01-single-firing-autoheal.json");
  EXPECT_EQ(json::parse(latched.body)["decisions"][0]["escalation"], "latched");
  EXPECT_EQ(executor_.requests().size(), 2u) << "pages only once";
  EXPECT_THAT(Send("GET", "/metrics").body,
              HasSubstr("autoheal_escalations_total{action=\"restart-tcp-endpoint\"} 1"));
  json status = json::parse(Send("GET", "/").body);
  ASSERT_EQ(status["escalated"].size(), 1u);
  EXPECT_EQ(status["escalated"][0]["key"], key);

  const std::string clear_body = json({{"key", key}}).dump();
  EXPECT_EQ(Send("POST", "/state/clear", clear_body,
                 {{"Content-Type", "application/json"}}).status, 401);
  EXPECT_EQ(Send("GET", "/state/clear").status, 405);
  ClientResponse cleared = Send("POST", "/state/clear", clear_body);
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(json::parse(cleared.body)["cleared"], true);
  std::vector<testing::AuditEntry> entries = audit_.entries();
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.back().type, testing::AuditEntry::Type::kStateClear);
  EXPECT_EQ(entries.back().key, key);

  ClientResponse after = PostPayload("01-single-firing-autoheal.json");
  EXPECT_EQ(json::parse(after.body)["decisions"][0]["reason"], "execute");
  EXPECT_EQ(executor_.requests().size(), 3u);
  ClientResponse again = Send("POST", "/state/clear", clear_body);
  EXPECT_EQ(json::parse(again.body)["cleared"], false);
}

TEST_F(ReceiverTest, StateClearRejectsBadBodiesAndAnUnreachableStore) {
  for (const char* body : {"", "{", "[]", "{\"key\": 5}", "{\"key\": \"\"}",
                           "{\"key\": \"k\", \"x\": 1}", "\"k\"",
                           "{\"key\": \"\xff\xfe\"}"}) {
    ClientResponse r = Send("POST", "/state/clear", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_TRUE(json::parse(r.body).contains("error")) << body;
  }
  EXPECT_EQ(Send("POST", "/state/clear", "{\"key\":\"k\"}",
                 {{"Authorization", "Bearer s3cret-token"},
                  {"Content-Type", "text/plain"}}).status, 415);
  faulty_store_.set_down(true);
  ClientResponse down = Send("POST", "/state/clear", "{\"key\":\"k\"}");
  EXPECT_EQ(down.status, 503);
  json status = json::parse(Send("GET", "/").body);
  EXPECT_THAT(status["state"].get<std::string>(), HasSubstr("down"));
}

TEST_F(ReceiverTest, StateClearIsForbiddenWithoutAConfiguredToken) {
  server_.reset();
  ReceiverConfig config;  // no token
  ReceiverDeps deps;
  deps.clock = &clock_;
  deps.store = &store_;
  deps.executor = &executor_;
  deps.audit = &audit_;
  auto receiver = Receiver::Create(config, deps);
  ASSERT_THAT(receiver, IsOk());
  http::HttpRequest request;
  request.method = "POST";
  request.path = "/state/clear";
  request.body = "{\"key\":\"k\"}";
  EXPECT_EQ((*receiver)->Handle(request).status, 403);
}

TEST_F(ReceiverTest, BudgetStopsAreAnsweredWithTheBudget) {
  StartWith(WriteTempPolicy(R"yaml(
enabled: true
budget: {max_executions: 1, window: 10m}
actions:
  UptimeProbeFailing: {name: restart-web, argv: [/bin/true], key_labels: [instance]}
  TcpEndpointDownFast: {name: restart-tcp, argv: [/bin/true], key_labels: [instance]}
  CrmMetricsScrapeStale: {name: restart-crm, argv: [/bin/true]}
)yaml"));
  ClientResponse r = PostPayload("04-mixed-group.json");
  ASSERT_EQ(r.status, 200);
  int executed = 0;
  int exhausted = 0;
  const json body = json::parse(r.body);
  for (const json& d : body["decisions"]) {
    if (d["reason"] == "execute") ++executed;
    if (d["reason"] == "budget_exhausted") {
      ++exhausted;
      EXPECT_EQ(d["budget"], "global");
      EXPECT_GT(d["seconds_left"].get<double>(), 0);
    }
  }
  EXPECT_EQ(executed, 1) << r.body;
  EXPECT_EQ(exhausted, 2) << r.body;
  EXPECT_EQ(executor_.requests().size(), 1u);
}

}  // namespace
}  // namespace receiver
}  // namespace autoheal

// Fuzz target: the webhook receiver's request handling (Receiver::Handle),
// without a socket: routing, bearer auth, content type, parsing, deciding
// (live, with the embedded default policy), and every JSON response.
//
// The input is a request in a small text form, so seeds stay readable:
//   POST /alerts?query
//   Content-Type: application/json
//   Authorization: Bearer fuzz-token
//
//   {"version":"4", ...}
// The first line is the method and the target; then header lines up to an
// empty line; the rest is the body. One receiver answers every input, with
// the clock a day later each time, so no cooldown carries over (see World).
//
// Invariants, checked on every input:
//   - no 5xx: nothing is down, so every request gets a 2xx or 4xx answer;
//   - a JSON response is valid JSON (and so valid UTF-8), whatever bytes
//     the request held; an error response is {"error": "..."};
//   - no response header holds CR, LF or NUL;
//   - a POST to /alerts with the token and a JSON content type is answered
//     200 exactly when the parser accepts its body, with one decision per
//     alert (a malformed alert's is an invalid_alert skip naming its problem,
//     with a null status); without the right token it is 401;
//   - actions run only for a 200 answer to a POST of alerts.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "autoheal/action_executor.h"
#include "autoheal/alert.h"
#include "autoheal/audit_sink.h"
#include "autoheal/cooldown_store.h"
#include "autoheal/http_server.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/payload.h"
#include "autoheal/testing/fake_clock.h"
#include "fuzz/fuzz_util.h"
#include "nlohmann/json.hpp"
#include "receiver/receiver.h"

namespace autoheal {
namespace fuzz {
namespace {

using Json = nlohmann::json;

constexpr absl::string_view kToken = "fuzz-token";

// Splits `input` into a request whose views point into `input`.
http::HttpRequest ParseRequest(absl::string_view input) {
  http::HttpRequest request;
  request.peer = "127.0.0.1";
  size_t end = input.find('\n');
  absl::string_view line = input.substr(0, end);
  input = end == absl::string_view::npos ? "" : input.substr(end + 1);
  size_t space = line.find(' ');
  request.method = line.substr(0, space);
  absl::string_view target =
      space == absl::string_view::npos ? "" : line.substr(space + 1);
  size_t question = target.find('?');
  request.path = target.substr(0, question);
  if (question != absl::string_view::npos) {
    request.query = target.substr(question + 1);
  }
  while (!input.empty()) {
    end = input.find('\n');
    line = input.substr(0, end);
    input = end == absl::string_view::npos ? "" : input.substr(end + 1);
    if (line.empty()) break;  // the blank line before the body
    size_t colon = line.find(':');
    absl::string_view value =
        colon == absl::string_view::npos ? "" : line.substr(colon + 1);
    request.headers.emplace_back(line.substr(0, colon),
                                 absl::StripLeadingAsciiWhitespace(value));
  }
  request.body = input;
  return request;
}

bool IsAlertsPost(const http::HttpRequest& request) {
  return request.method == "POST" &&
         (request.path == "/alerts" || request.path == "/alert");
}

bool HasToken(const http::HttpRequest& request) {
  std::optional<absl::string_view> auth = request.Header("Authorization");
  return auth.has_value() && auth->size() == 7 + kToken.size() &&
         absl::EqualsIgnoreCase(auth->substr(0, 7), "Bearer ") &&
         auth->substr(7) == kToken;
}

bool IsJson(const http::HttpRequest& request) {
  std::optional<absl::string_view> type = request.Header("Content-Type");
  if (!type.has_value()) return false;
  absl::string_view media = type->substr(0, type->find(';'));
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(media),
                                "application/json");
}

bool HeaderIsClean(absl::string_view text) {
  return text.find_first_of(absl::string_view("\r\n\0", 3)) ==
         absl::string_view::npos;
}

void CheckResponseShape(const http::HttpResponse& response) {
  FUZZ_CHECK(response.status >= 200 && response.status < 500,
             "with nothing down, every request gets a 2xx or 4xx answer");
  for (const auto& [name, value] : response.headers) {
    FUZZ_CHECK(HeaderIsClean(name) && HeaderIsClean(value),
               "no response header holds CR, LF or NUL");
  }
  if (!absl::StartsWith(response.content_type, "application/json")) return;
  Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!body.is_discarded(), "a JSON response is valid JSON");
  if (response.status >= 400) {
    FUZZ_CHECK(body.is_object() && body.contains("error") &&
                   body["error"].is_string(),
               "an error response is {\"error\": \"...\"}");
  }
}

void CheckAlertsPost(const http::HttpRequest& request,
                     const http::HttpResponse& response) {
  if (!HasToken(request)) {
    FUZZ_CHECK(response.status == 401, "no token, no entry: 401");
    return;
  }
  if (!IsJson(request)) {
    FUZZ_CHECK(response.status == 415, "a body that is not JSON is 415");
    return;
  }
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(request.body);
  FUZZ_CHECK((response.status == 200) == message.ok(),
             "200 exactly when the parser accepts the body, else 400");
  if (!message.ok()) return;
  Json body = Json::parse(response.body);
  const Json& decisions = body["decisions"];
  FUZZ_CHECK(decisions.is_array() &&
                 decisions.size() == message->alerts.size(),
             "one decision per alert");
  for (size_t i = 0; i < decisions.size(); ++i) {
    const Alert& alert = message->alerts[i];
    const Json& d = decisions[i];
    // The parser only accepts valid UTF-8, so the writer's escaping must
    // give back every byte, NULs and control characters included.
    FUZZ_CHECK(d["alertname"] == std::string(alert.alertname()) &&
                   d["fingerprint"] == alert.fingerprint,
               "a decision names its alert byte for byte");
    if (alert.problem.empty()) {
      FUZZ_CHECK(d["status"] == std::string(AlertStatusName(alert.status)) &&
                     !d.contains("problem"),
                 "a decision carries its alert's own status");
    } else {
      FUZZ_CHECK(d["reason"] == "invalid_alert" &&
                     d["problem"] == alert.problem && d["status"].is_null(),
                 "a malformed alert is an invalid_alert skip naming its "
                 "problem, with no status");
    }
    const bool passed = d["verdict"] == "execute" || d["verdict"] == "dry_run";
    FUZZ_CHECK(passed || d["verdict"] == "skip", "a known verdict");
    FUZZ_CHECK(!passed || (alert.problem.empty() &&
                           alert.status == AlertStatus::kFiring &&
                           alert.annotations.Find("autoheal") ==
                               std::optional<absl::string_view>("true")),
               "only a well-formed, firing, exactly opted-in alert passes");
  }
}

// Counts submissions and completes each at once, keeping nothing: the
// receiver lives across inputs, so the fakes must not grow.
class CountingExecutor final : public ActionExecutor {
 public:
  absl::Status Submit(ActionRequest request, DoneCallback done) override {
    submitted_.fetch_add(1, std::memory_order_relaxed);
    if (done) done(request, ActionOutcome());
    return absl::OkStatus();
  }
  int64_t submitted() const {
    return submitted_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> submitted_{0};
};

// Accepts every record and keeps none.
class DiscardingAuditSink final : public AuditSink {
 public:
  absl::Status RecordDecision(const Alert& /*alert*/,
                              const Decision& /*decision*/,
                              absl::Time /*at*/) override {
    return absl::OkStatus();
  }
  absl::Status RecordOutcome(const ActionRequest& /*request*/,
                             const ActionOutcome& /*outcome*/,
                             absl::Time /*at*/) override {
    return absl::OkStatus();
  }
  absl::Status RecordStateClear(absl::string_view /*key*/, bool /*was_latched*/,
                                absl::string_view /*by*/,
                                absl::Time /*at*/) override {
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
};

// One receiver for the whole run: building one per input (policy, metrics
// registry) would cost far more than handling the request. Each input moves
// the clock a day on, past every cooldown of the default policy (120 s), so
// it meets a receiver that remembers nothing that could change its answer,
// and the store sweeps the expired keys.
struct World {
  World() {
    receiver::ReceiverConfig config;
    config.bearer_token = std::string(kToken);
    receiver::ReceiverDeps deps;
    deps.clock = &clock;
    deps.store = &store;
    deps.executor = &executor;
    deps.audit = &audit;
    deps.env = [](const char* name) -> std::optional<std::string> {
      if (absl::string_view(name) == "AUTOHEAL_ENABLED") return "true";
      return std::nullopt;
    };
    absl::StatusOr<std::unique_ptr<receiver::Receiver>> created =
        receiver::Receiver::Create(config, deps);
    FUZZ_CHECK(created.ok(), "the receiver starts with the default policy");
    receiver = *std::move(created);
  }

  testing::FakeClock clock;
  InMemoryCooldownStore store;
  CountingExecutor executor;
  DiscardingAuditSink audit;
  std::unique_ptr<receiver::Receiver> receiver;
};

void FuzzOneInput(absl::string_view input) {
  static World* const world = new World();
  world->clock.Advance(absl::Hours(24));
  const http::HttpRequest request = ParseRequest(input);
  const int64_t submitted_before = world->executor.submitted();

  const http::HttpResponse response = world->receiver->Handle(request);
  CheckResponseShape(response);
  if (IsAlertsPost(request)) CheckAlertsPost(request, response);
  FUZZ_CHECK(world->executor.submitted() == submitted_before ||
                 (IsAlertsPost(request) && response.status == 200),
             "actions run only for a 200 answer to a POST of alerts");
  FUZZ_CHECK(world->receiver->InFlight() == 0,
             "nothing stays in flight once every action has ended");
}

}  // namespace
}  // namespace fuzz
}  // namespace autoheal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  autoheal::fuzz::FuzzOneInput(autoheal::fuzz::AsView(data, size));
  return 0;
}

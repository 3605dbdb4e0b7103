#include "receiver/receiver.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "autoheal/version.h"
#include "cli/explain.h"
#include "receiver/fast_payload.h"
#include "receiver/policy_digest.h"
#include "receiver/responses.h"

namespace autoheal {
namespace receiver {
namespace {

using http::HttpRequest;
using http::HttpResponse;

HttpResponse Json(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse Error(int status, absl::string_view message) {
  return Json(status, ErrorJson(message));
}

HttpResponse MethodNotAllowed(absl::string_view allow) {
  HttpResponse response =
      Error(405, absl::StrCat("method not allowed; use ", allow));
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

// Compares in time that depends only on the lengths, never on where the
// first difference is, so a token cannot be guessed byte by byte.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i]) ^
            static_cast<unsigned char>(b.empty() ? 0 : b[i % b.size()]);
  }
  return diff == 0;
}

// Accepts application/json with any parameters (charset=utf-8 and the like).
bool IsJsonContentType(const HttpRequest& request) {
  std::optional<absl::string_view> type = request.Header("Content-Type");
  if (!type.has_value()) return false;
  absl::string_view media = type->substr(0, type->find(';'));
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(media),
                                "application/json");
}

// Fills the defaults of the optional dependencies, once, before any member
// that uses them is built.
ReceiverDeps WithDefaults(ReceiverDeps deps) {
  if (deps.clock == nullptr) deps.clock = RealClock();
  if (!deps.env) deps.env = ProcessEnv();
  return deps;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Receiver>> Receiver::Create(
    ReceiverConfig config, ReceiverDeps deps) {
  if (deps.store == nullptr || deps.executor == nullptr ||
      deps.audit == nullptr) {
    return absl::InvalidArgumentError(
        "receiver needs a cooldown store, an executor and an audit sink");
  }
  std::unique_ptr<Receiver> receiver(
      new Receiver(std::move(config), std::move(deps)));
  absl::StatusOr<std::shared_ptr<Policy>> policy = receiver->LoadPolicy();
  if (!policy.ok()) return policy.status();
  receiver->metrics_.SetPolicy((*policy)->engine->options());
  internal::MutexLock lock(&receiver->mu_);
  receiver->policy_ = *std::move(policy);
  return receiver;
}

Receiver::Receiver(ReceiverConfig config, ReceiverDeps deps)
    : config_(std::move(config)),
      deps_(WithDefaults(std::move(deps))),
      remediator_(RemediatorDeps{deps_.executor, deps_.audit, &in_flight_,
                                 deps_.clock, &metrics_}),
      store_health_(deps_.clock->Now()) {
  metrics_.SetStoreReady(true);
}

absl::StatusOr<std::shared_ptr<Receiver::Policy>> Receiver::LoadPolicy() {
  absl::StatusOr<EngineOptions> options =
      LoadReceiverPolicy(config_.policy_path, deps_.env);
  if (!options.ok()) return options.status();
  auto policy = std::make_shared<Policy>();
  policy->digest = PolicyDigest(*options);
  EngineDeps engine_deps;
  engine_deps.clock = deps_.clock;
  engine_deps.store = deps_.store;
  engine_deps.in_flight = &in_flight_;
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(*std::move(options), engine_deps);
  if (!engine.ok()) return engine.status();
  policy->engine = *std::move(engine);
  // POST /explain's twin: same policy, store and in-flight registry, but it
  // takes nothing (no cooldown, budget or flap history).
  engine_deps.preview = true;
  absl::StatusOr<std::unique_ptr<Engine>> preview =
      Engine::Create(policy->engine->options(), engine_deps);
  if (!preview.ok()) return preview.status();
  policy->preview_engine = *std::move(preview);
  return policy;
}

absl::Status Receiver::Reload() {
  absl::StatusOr<std::shared_ptr<Policy>> policy = LoadPolicy();
  metrics_.CountReload(policy.ok());
  if (!policy.ok()) return policy.status();
  metrics_.SetPolicy((*policy)->engine->options());
  internal::MutexLock lock(&mu_);
  policy_ = *std::move(policy);
  return absl::OkStatus();
}

std::shared_ptr<Receiver::Policy> Receiver::CurrentPolicy() const {
  internal::MutexLock lock(&mu_);
  return policy_;
}

bool Receiver::enabled() const {
  return CurrentPolicy()->engine->options().enabled;
}

std::string Receiver::policy_digest() const { return CurrentPolicy()->digest; }

HttpResponse Receiver::Handle(const HttpRequest& request) {
  HttpResponse response = Route(request);
  metrics_.CountHttpResponse(response.status);
  return response;
}

HttpResponse Receiver::Route(const HttpRequest& request) {
  const absl::string_view path = request.path;
  if (path == "/alerts" || path == "/alert") {
    if (request.method != "POST") return MethodNotAllowed("POST");
    return PostAlerts(request);
  }
  if (path == "/state/clear") {
    if (request.method != "POST") return MethodNotAllowed("POST");
    return PostStateClear(request);
  }
  if (path == "/explain") {
    if (request.method != "POST") return MethodNotAllowed("POST");
    return PostExplain(request);
  }
  if (path == "/" || path == "/metrics" || path == "/healthz" ||
      path == "/readyz") {
    if (request.method != "GET") return MethodNotAllowed("GET");
    if (path == "/") return GetStatus();
    if (path == "/metrics") return GetMetrics();
    if (path == "/readyz") return GetReady();
    return Json(200, R"({"status":"ok"})");
  }
  return Error(404, absl::StrCat("no route for ", path,
                                 "; POST alerts to /alerts"));
}

bool Receiver::Offload(const HttpRequest& request) {
  const absl::string_view path = request.path;
  if (request.method == "POST") {
    return path == "/alerts" || path == "/alert" || path == "/state/clear" ||
           path == "/explain";
  }
  return request.method == "GET" && path == "/";
}

void Receiver::CheckStore() { ObserveStore(deps_.store->Ping()); }

void Receiver::ObserveStore(const absl::Status& status) {
  if (store_health_.Observe(status, deps_.clock->Now())) {
    metrics_.SetStoreReady(status.ok());
  }
}

void Receiver::ObserveDecisions(const RemediationResult& result) {
  bool answered = false;
  for (const Decision& decision : result.decisions) {
    switch (decision.reason) {
      case Reason::kStoreUnavailable:
        ObserveStore(decision.store_error);
        return;
      case Reason::kEscalated:
      case Reason::kInFlight:
      case Reason::kCoolingDown:
      case Reason::kBudgetExhausted:
      case Reason::kExecute:
      case Reason::kDryRun:
        answered = true;
        break;
      default:
        break;  // decided before the store was asked
    }
  }
  if (answered) ObserveStore(absl::OkStatus());
}

HttpResponse Receiver::GetReady() const {
  const StoreHealth::Snapshot health = store_health_.Get();
  return Json(health.ready ? 200 : 503, ReadinessJson(health.ready, health.error,
                                                      health.since));
}

bool Receiver::Authorized(const HttpRequest& request) const {
  if (config_.bearer_token.empty()) return true;
  std::optional<absl::string_view> header = request.Header("Authorization");
  if (!header.has_value()) return false;
  constexpr absl::string_view kScheme = "Bearer ";
  if (header->size() < kScheme.size() ||
      !absl::EqualsIgnoreCase(header->substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  return ConstantTimeEquals(header->substr(kScheme.size()),
                            config_.bearer_token);
}

std::optional<WebhookMessage> Receiver::ReadMessage(
    const HttpRequest& request, HttpResponse& refusal) const {
  if (!Authorized(request)) {
    refusal = Error(401, "missing or wrong bearer token");
    refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
    return std::nullopt;
  }
  if (!IsJsonContentType(request)) {
    refusal = Error(415, "Content-Type must be application/json");
    return std::nullopt;
  }
  absl::StatusOr<WebhookMessage> message =
      ParseNotification(request.body, config_.parse);
  if (!message.ok()) {
    refusal = Error(400, message.status().message());
    return std::nullopt;
  }
  return *std::move(message);
}

HttpResponse Receiver::PostAlerts(const HttpRequest& request) {
  HttpResponse refusal;
  std::optional<WebhookMessage> message = ReadMessage(request, refusal);
  if (!message.has_value()) return refusal;

  std::shared_ptr<Policy> policy = CurrentPolicy();
  RemediationResult result = remediator_.Remediate(*policy->engine, *message);
  last_decision_unix_nanos_.store(absl::ToUnixNanos(deps_.clock->Now()),
                                  std::memory_order_relaxed);
  ObserveDecisions(result);
  if (result.store_unavailable) {
    return Error(503, "state store unavailable; nothing ran, deliver again "
                      "later");
  }
  if (!result.audit_error.ok()) return Error(503, result.audit_error.message());
  // A refused submission (executor queue full) is not a reason to make
  // Alertmanager deliver again: the retry would only meet the cooldown. It
  // is audited and counted as a spawn_error outcome instead.
  return Json(200, DecisionsJson(*message, result.decisions,
                                 policy->engine->options().enabled));
}

HttpResponse Receiver::PostExplain(const HttpRequest& request) {
  HttpResponse refusal;
  std::optional<WebhookMessage> message = ReadMessage(request, refusal);
  if (!message.has_value()) return refusal;
  std::shared_ptr<Policy> policy = CurrentPolicy();
  // A preview: nothing is taken, run, audited or counted as a decision. A
  // store that fails is an answer here (store_unavailable), not a 503:
  // nobody delivers an explanation again.
  const std::vector<Decision> decisions =
      policy->preview_engine->DecideAll(*message);
  // The policy already has the environment's overrides applied (the
  // engine's options say what they made of it), so none are listed again.
  return Json(200, cli::ExplainJson(*message, decisions,
                                    policy->preview_engine->options(),
                                    /*overrides=*/{}));
}

HttpResponse Receiver::PostStateClear(const HttpRequest& request) {
  // Clearing an escalation re-arms remediation: never without a token.
  if (config_.bearer_token.empty()) {
    return Error(403, "POST /state/clear needs a bearer token: start the "
                      "receiver with --bearer-token-file");
  }
  if (!Authorized(request)) {
    HttpResponse response = Error(401, "missing or wrong bearer token");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  if (!IsJsonContentType(request)) {
    return Error(415, "Content-Type must be application/json");
  }
  absl::StatusOr<std::string> key = ParseStateClearBody(request.body);
  if (!key.ok()) return Error(400, key.status().message());
  absl::StatusOr<bool> was_latched = deps_.store->ClearEscalation(*key);
  ObserveStore(was_latched.status());
  if (!was_latched.ok()) {
    return Error(503, absl::StrCat("state store unavailable; nothing was "
                                   "cleared: ", was_latched.status().message()));
  }
  metrics_.CountStateClear(*was_latched);
  absl::Status audited = deps_.audit->RecordStateClear(
      *key, *was_latched, "http", deps_.clock->Now());
  if (!audited.ok()) {
    metrics_.OnAuditFailure(audited);
    return Error(503, absl::StrCat("the key was cleared, but the audit record "
                                   "failed: ", audited.message()));
  }
  return Json(200, StateClearJson(*key, *was_latched));
}

HttpResponse Receiver::GetStatus() {
  std::shared_ptr<Policy> policy = CurrentPolicy();
  StatusInfo info;
  info.options = &policy->engine->options();
  info.version = AUTOHEAL_VERSION_STRING;
  info.policy_digest = policy->digest;
  info.policy_source =
      config_.policy_path.empty() ? "embedded default" : config_.policy_path;
  info.inflight = in_flight_.size();
  info.now = deps_.clock->Now();
  absl::StatusOr<std::vector<EscalatedKey>> escalated =
      deps_.store->ListEscalated(info.now, kMaxEscalatedInStatus);
  ObserveStore(escalated.status());
  if (escalated.ok()) {
    info.escalated = *std::move(escalated);
  } else {
    info.state = escalated.status();
  }
  int64_t last = last_decision_unix_nanos_.load(std::memory_order_relaxed);
  if (last != 0) info.last_decision_at = absl::FromUnixNanos(last);
  return Json(200, StatusJson(info));
}

HttpResponse Receiver::GetMetrics() {
  HttpResponse response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = metrics_.Serialize(in_flight_.size());
  return response;
}

}  // namespace receiver
}  // namespace autoheal

// The webhook receiver's request handling: routes, auth, decisions, status,
// metrics and policy reloads. `examples/webhook/main.cc` wires it to an
// `http::HttpServer`; tests call `Handle()` directly or through a server.
//
// Routes (DESIGN.md, "The receiver's HTTP contract"):
//   POST /alerts, /alert  200 decisions | 400 malformed | 401 | 415 | 503
//   GET  /                status JSON
//   GET  /metrics         Prometheus text exposition
//   GET  /healthz         liveness: {"status":"ok"}, at once, always
//   GET  /readyz          readiness: 200 while the state store is
//                         reachable, 503 naming its error otherwise; from
//                         memory (see StoreHealth), never waits on the store
//   POST /explain         an Alertmanager payload -> what POST /alerts
//                         would decide now, as a preview that takes no
//                         cooldown, budget or flap history and runs
//                         nothing: {"enabled", "alerts": [{fingerprint,
//                         alertname, status, verdict, reason, sentence,
//                         key, seconds_left, action, to_act}]} (to_act is
//                         `autoheal explain`'s hint); 200 | 400 | 401 |
//                         415; authenticated as POST /alerts is
//   POST /state/clear     {"key": K}: opens K's escalation latch; needs the
//                         bearer token (403 when none is configured)
//   other paths 404; other methods 405 with an Allow header.
// Only POST routes need the bearer token (when one is configured); status,
// health and metrics stay readable by probes and Prometheus.
//
// The routes that touch the state store or the audit log (POST /alerts,
// POST /explain, POST /state/clear, GET /) are the ones `Offload()` selects: the HTTP
// server answers them on its workers, never on the thread that serves the
// other connections.
//
// Thread safety: `Handle()` and `Reload()` may be called concurrently. A
// reload swaps the engine atomically; requests in progress finish on the
// engine they started with, and cooldowns survive because the store is kept.

#ifndef AUTOHEAL_RECEIVER_RECEIVER_H_
#define AUTOHEAL_RECEIVER_RECEIVER_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "autoheal/action_executor.h"
#include "autoheal/audit_sink.h"
#include "autoheal/clock.h"
#include "autoheal/cooldown_store.h"
#include "autoheal/engine.h"
#include "autoheal/http_server.h"
#include "autoheal/in_flight.h"
#include "autoheal/internal/mutex.h"
#include "autoheal/payload.h"
#include "autoheal/remediator.h"
#include "receiver/metrics.h"
#include "receiver/policy_source.h"
#include "receiver/store_health.h"

namespace autoheal {
namespace receiver {

struct ReceiverConfig {
  // The YAML policy file. Default: empty, the embedded default policy.
  std::string policy_path;
  // The bearer token POST requests must present. Default: empty, no auth.
  std::string bearer_token;
  // Limits for the payload parser. Default: ParseOptions().
  ParseOptions parse;
};

// What the receiver uses but does not own; each must outlive it.
struct ReceiverDeps {
  Clock* clock = nullptr;            // default: RealClock()
  CooldownStore* store = nullptr;    // required
  ActionExecutor* executor = nullptr;  // required
  AuditSink* audit = nullptr;        // required
  EnvLookup env;                     // default: ProcessEnv()
};

// GET / lists at most this many escalated keys.
inline constexpr size_t kMaxEscalatedInStatus = 50;

class Receiver {
 public:
  // Loads the policy (file or embedded default, then the environment) and
  // builds the engine. Returns kInvalidArgument naming what is wrong.
  static absl::StatusOr<std::unique_ptr<Receiver>> Create(ReceiverConfig config,
                                                          ReceiverDeps deps);

  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Answers one HTTP request. Never waits for an action.
  http::HttpResponse Handle(const http::HttpRequest& request);

  // Returns true for a request whose answer may wait on the state store or
  // the audit log: the HTTP server's `offload` predicate. Cheap; reads only
  // the method and path.
  static bool Offload(const http::HttpRequest& request);

  // Pings the state store and records the answer for GET /readyz. Blocks
  // up to the store's own timeout: call it off the request loop (the
  // service's StoreProber does, every second).
  void CheckStore();

  // Reloads the policy from the same source. On error keeps the current
  // policy and returns the error; both results are counted in metrics.
  absl::Status Reload() ABSL_LOCKS_EXCLUDED(mu_);

  // Returns the number of actions submitted and not yet ended.
  size_t InFlight() const { return in_flight_.size(); }
  // Returns whether the current policy is enabled (not dry-run).
  bool enabled() const ABSL_LOCKS_EXCLUDED(mu_);
  // Returns the SHA-256 of the current canonical policy.
  std::string policy_digest() const ABSL_LOCKS_EXCLUDED(mu_);

  // Counts an HTTP response the server produced on its own (e.g. 413).
  void CountHttpResponse(int code) { metrics_.CountHttpResponse(code); }

 private:
  struct Policy {
    std::unique_ptr<Engine> engine;
    // The same policy with EngineDeps::preview, for POST /explain.
    std::unique_ptr<Engine> preview_engine;
    std::string digest;
  };

  Receiver(ReceiverConfig config, ReceiverDeps deps);
  absl::StatusOr<std::shared_ptr<Policy>> LoadPolicy();
  std::shared_ptr<Policy> CurrentPolicy() const ABSL_LOCKS_EXCLUDED(mu_);

  http::HttpResponse Route(const http::HttpRequest& request);
  http::HttpResponse PostAlerts(const http::HttpRequest& request);
  http::HttpResponse PostExplain(const http::HttpRequest& request);
  http::HttpResponse PostStateClear(const http::HttpRequest& request);
  http::HttpResponse GetStatus();
  http::HttpResponse GetMetrics();
  http::HttpResponse GetReady() const;
  // Records the result of a store call for readiness.
  void ObserveStore(const absl::Status& status);
  // Records what a notification's decisions say of the store: unreachable
  // when one failed closed, reachable when one was answered by it.
  void ObserveDecisions(const RemediationResult& result);
  bool Authorized(const http::HttpRequest& request) const;
  // What POST /alerts and POST /explain check alike: the bearer token, the
  // content type, then the body. Returns the message, or nullopt with the
  // answer to send (401, 415 or 400) in `refusal`.
  std::optional<WebhookMessage> ReadMessage(const http::HttpRequest& request,
                                            http::HttpResponse& refusal) const;

  const ReceiverConfig config_;
  ReceiverDeps deps_;
  InFlightRegistry in_flight_;
  ReceiverMetrics metrics_;
  Remediator remediator_;
  std::atomic<int64_t> last_decision_unix_nanos_{0};
  StoreHealth store_health_;

  mutable internal::Mutex mu_;
  std::shared_ptr<Policy> policy_ ABSL_GUARDED_BY(mu_);
};

}  // namespace receiver
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_RECEIVER_H_

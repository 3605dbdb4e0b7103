// autoheal-webhook as a service: configuration resolution, startup, signal
// handling and graceful shutdown. `receiver/flags.h` turns the command line
// into a `ServiceConfig`; `examples/webhook/main.cc` then calls
// `RunService()`.
//
//   SIGHUP          reload the policy; a bad file keeps the old policy
//   SIGTERM/SIGINT  stop accepting, wait up to `shutdown_grace` for running
//                   actions, flush the audit, exit 0
//
// Thread safety: `RunService()` is called once, from the main thread, before
// any other thread exists (it blocks the signals it handles).

#ifndef AUTOHEAL_RECEIVER_SERVICE_H_
#define AUTOHEAL_RECEIVER_SERVICE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "receiver/policy_source.h"
#include "state/open_state_store.h"

namespace autoheal {
namespace receiver {

struct ServiceConfig {
  // host:port to listen on. Default: 127.0.0.1:9009 (env AUTOHEAL_LISTEN).
  std::string listen = "127.0.0.1:9009";
  // YAML policy file. Default: empty, the embedded default (dry-run).
  std::string policy_path;
  // Audit log file, opened O_APPEND. Default: empty, audit lines to stdout.
  std::string audit_log;
  // Bearer token for POST requests. Default: empty, no auth.
  std::string bearer_token;
  // PEM files for TLS. Default: empty, plain HTTP.
  std::string tls_cert_path;
  std::string tls_key_path;
  // Largest accepted request body. Default: 1 MiB.
  size_t max_body_bytes = size_t{1} << 20;
  // Actions running at once, and waiting. Default: 4 and 64.
  int max_concurrent_actions = 4;
  int max_queued_actions = 64;
  // How long SIGTERM waits for running actions. Default: 10 s.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Threads that decide notifications and answer the other requests that
  // touch the state store or the audit log, off the thread that serves the
  // connections. 0: one per core. Default: 0.
  int workers = 0;
  // Such requests waiting for a worker at most; one more is answered 503
  // with Retry-After (Alertmanager delivers again). Default: 256.
  int max_queued_requests = 256;
  // Idle read/write timeout per connection. Default: 10 s.
  absl::Duration connection_timeout = absl::Seconds(10);
  // Where cooldowns, budgets and escalations live. Default: SQLite at
  // /var/lib/autoheal/state.db (env AUTOHEAL_STATE_PATH), whose directory
  // is created (mode 0750) when missing; any other path's directory must
  // exist.
  StateOptions state;
  // The longest a client may take to send one whole request, counted from
  // its connection's accept or previous response (slowloris bound; see
  // http::HttpServerOptions::request_timeout). Default: 30 s.
  absl::Duration request_timeout = absl::Seconds(30);
};

// Fills the parts of `config` that may come from the environment or files:
// AUTOHEAL_LISTEN when `listen_from_flag` is false, AUTOHEAL_BEARER_TOKEN
// when no token was given, the token file's content (trailing newline
// stripped) when `token_file` is set, and AUTOHEAL_STATE_PATH when
// `state_path_from_flag` is false. Errors name the variable or file.
absl::Status ResolveServiceConfig(const EnvLookup& env, bool listen_from_flag,
                                  const std::string& token_file,
                                  bool state_path_from_flag,
                                  ServiceConfig& config);

// Splits "host:port" into its parts. Errors name the value.
absl::Status ParseListenAddress(const std::string& listen, std::string* host,
                                uint16_t* port);

// Runs the receiver until SIGTERM or SIGINT. Returns the process exit code:
// 0 after a clean shutdown, 1 when startup failed (the reason is printed).
int RunService(const ServiceConfig& config);

}  // namespace receiver
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_SERVICE_H_

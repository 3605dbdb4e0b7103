// autoheal-webhook: the Alertmanager webhook receiver. This file only turns
// flags into a ServiceConfig; the logic lives in src/receiver/.
//
//   autoheal-webhook [--listen 127.0.0.1:9009] [--policy FILE]
//                    [--audit-log FILE] [--bearer-token-file FILE]
//                    [--state-backend sqlite|memory|redis] [--state-path FILE]
//                    [--redis-address HOST:PORT] [--redis-prefix P]
//                    ...
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "receiver/service.h"

ABSL_FLAG(std::string, listen, "",
          "host:port to listen on (default 127.0.0.1:9009, or $AUTOHEAL_LISTEN)");
ABSL_FLAG(std::string, policy, "",
          "YAML policy file (default: the embedded default policy, dry-run)");
ABSL_FLAG(std::string, audit_log, "",
          "append audit JSON lines to this file (default: stdout)");
ABSL_FLAG(std::string, bearer_token, "",
          "token POST requests must present; prefer $AUTOHEAL_BEARER_TOKEN or "
          "--bearer-token-file, which do not show in ps");
ABSL_FLAG(std::string, bearer_token_file, "", "file holding the bearer token");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate: serve HTTPS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls-cert");
ABSL_FLAG(int64_t, max_body_bytes, 1 << 20, "largest request body accepted");
ABSL_FLAG(int, max_concurrent_actions, 4, "actions running at once");
ABSL_FLAG(int, max_queued_actions, 64, "actions waiting to run");
ABSL_FLAG(int, workers, 0,
          "threads that decide notifications and answer the requests that "
          "touch the state store or the audit log, off the thread that serves "
          "connections (0: one per core)");
ABSL_FLAG(int, max_queued_requests, 256,
          "such requests waiting for a worker at most; one more is answered "
          "503 with Retry-After");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "on SIGTERM, how long to wait for running actions");
ABSL_FLAG(absl::Duration, connection_timeout, absl::Seconds(10),
          "idle read/write timeout per connection");
ABSL_FLAG(std::string, state_backend, "sqlite",
          "where cooldowns, budgets and escalations live: sqlite (durable, "
          "one host), memory (forgotten on exit), redis (shared by replicas)");
ABSL_FLAG(std::string, state_path, "",
          "SQLite state database (default /var/lib/autoheal/state.db, or "
          "$AUTOHEAL_STATE_PATH); its directory must exist, except the "
          "default's, which is created");
ABSL_FLAG(std::string, redis_address, "127.0.0.1:6379",
          "--state-backend=redis: the server, host:port");
ABSL_FLAG(std::string, redis_prefix, "autoheal",
          "--state-backend=redis: the prefix of every key (one per deployment)");
ABSL_FLAG(absl::Duration, redis_timeout, absl::Milliseconds(500),
          "--state-backend=redis: connect and command timeout");
ABSL_FLAG(absl::Duration, request_timeout, absl::Seconds(30),
          "the longest a client may take to send one whole request, from "
          "its connection's accept or previous response");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Prometheus Alertmanager webhook receiver: decides, for every alert, "
      "whether to run its remediation, dry-run it, or skip it, and why.");
  // Accept the documented --audit-log spelling as well as --audit_log.
  std::vector<std::string> args = autoheal::receiver::NormalizeFlagNames(
      std::vector<std::string>(argv, argv + argc));
  std::vector<char*> arg_ptrs;
  for (std::string& arg : args) arg_ptrs.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());

  autoheal::receiver::ServiceConfig config;
  std::string listen = absl::GetFlag(FLAGS_listen);
  if (!listen.empty()) config.listen = listen;
  config.policy_path = absl::GetFlag(FLAGS_policy);
  config.audit_log = absl::GetFlag(FLAGS_audit_log);
  config.bearer_token = absl::GetFlag(FLAGS_bearer_token);
  config.tls_cert_path = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key_path = absl::GetFlag(FLAGS_tls_key);
  config.max_body_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_body_bytes));
  config.max_concurrent_actions = absl::GetFlag(FLAGS_max_concurrent_actions);
  config.max_queued_actions = absl::GetFlag(FLAGS_max_queued_actions);
  config.workers = absl::GetFlag(FLAGS_workers);
  config.max_queued_requests = absl::GetFlag(FLAGS_max_queued_requests);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  config.connection_timeout = absl::GetFlag(FLAGS_connection_timeout);
  config.state.backend = absl::GetFlag(FLAGS_state_backend);
  std::string state_path = absl::GetFlag(FLAGS_state_path);
  if (!state_path.empty()) config.state.sqlite_path = state_path;
  config.state.redis_address = absl::GetFlag(FLAGS_redis_address);
  config.state.redis_prefix = absl::GetFlag(FLAGS_redis_prefix);
  config.state.redis_timeout = absl::GetFlag(FLAGS_redis_timeout);
  config.request_timeout = absl::GetFlag(FLAGS_request_timeout);

  absl::Status resolved = autoheal::receiver::ResolveServiceConfig(
      autoheal::receiver::ProcessEnv(), !listen.empty(),
      absl::GetFlag(FLAGS_bearer_token_file), !state_path.empty(), config);
  if (!resolved.ok()) {
    std::fprintf(stderr, "autoheal-webhook: %s\n",
                 std::string(resolved.message()).c_str());
    return 1;
  }
  return autoheal::receiver::RunService(config);
}

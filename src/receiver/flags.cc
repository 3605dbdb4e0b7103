#include "receiver/flags.h"

#include <string>
#include <utility>

#include "CLI/CLI.hpp"
#include "flags/flags.h"

namespace autoheal {
namespace receiver {

WebhookCommandLine ParseWebhookFlags(int argc, const char* const* argv,
                                     const EnvLookup& env, std::ostream& out,
                                     std::ostream& err) {
  using flags::Names;
  ServiceConfig config;
  std::string token_file;

  CLI::App app(
      "Prometheus Alertmanager webhook receiver: decides, for every alert, "
      "whether to run its remediation, dry-run it, or skip it, and why.",
      "autoheal-webhook");
  flags::ConfigureApp(app);
  app.footer(
      "Environment: AUTOHEAL_ENABLED (true/false/1/0/yes/no, exactly) and\n"
      "AUTOHEAL_COOLDOWN_SEC (seconds) override the policy; AUTOHEAL_LISTEN,\n"
      "AUTOHEAL_BEARER_TOKEN and AUTOHEAL_STATE_PATH apply when their flag is\n"
      "not given.\n"
      "Exit codes: 0 after SIGTERM/SIGINT (or --help, --version), 1 a startup\n"
      "error (the message names the flag, variable or file), 2 a usage error.");

  CLI::Option* listen =
      app.add_option(Names("listen"), config.listen,
                     "where to listen; $AUTOHEAL_LISTEN when not given")
          ->type_name("HOST:PORT");
  app.add_option(Names("policy"), config.policy_path,
                 "YAML policy file (default: the embedded dry-run policy)")
      ->type_name("FILE");
  app.add_option(Names("audit-log"), config.audit_log,
                 "append audit JSON lines to this file (default: stdout)")
      ->type_name("FILE");
  app.add_option(Names("bearer-token"), config.bearer_token,
                 "token POST requests must send; prefer $AUTOHEAL_BEARER_TOKEN "
                 "or --bearer-token-file, which do not show in ps")
      ->type_name("TOKEN");
  app.add_option(Names("bearer-token-file"), token_file,
                 "file holding the bearer token")
      ->type_name("FILE");
  app.add_option(Names("tls-cert"), config.tls_cert_path,
                 "PEM certificate: serve HTTPS (with --tls-key)")
      ->type_name("FILE");
  app.add_option(Names("tls-key"), config.tls_key_path,
                 "PEM private key for --tls-cert")
      ->type_name("FILE");
  app.add_option(Names("max-body-bytes"), config.max_body_bytes,
                 "largest request body accepted")
      ->type_name("N")
      ->check(flags::PositiveInteger());
  app.add_option(Names("max-concurrent-actions"), config.max_concurrent_actions,
                 "actions running at once")
      ->type_name("N");
  app.add_option(Names("max-queued-actions"), config.max_queued_actions,
                 "actions waiting to run")
      ->type_name("N");
  app.add_option(Names("workers"), config.workers,
                 "threads that decide, audit and answer deliveries off the "
                 "connection loop (0: one per core)")
      ->type_name("N");
  app.add_option(Names("max-queued-requests"), config.max_queued_requests,
                 "deliveries that may wait for a worker; one more is answered "
                 "503 with Retry-After")
      ->type_name("N");
  flags::AddDurationFlag(app, "shutdown-grace", &config.shutdown_grace,
                         "on SIGTERM, how long running actions may finish");
  flags::AddDurationFlag(app, "connection-timeout", &config.connection_timeout,
                         "close a connection idle this long");
  flags::AddDurationFlag(app, "request-timeout", &config.request_timeout,
                         "close a connection whose request is not complete "
                         "this long after its accept or previous response");
  app.add_option(Names("state-backend"), config.state.backend,
                 "where cooldowns, budgets and escalations live: sqlite "
                 "(durable, one host), memory (forgotten on exit), redis "
                 "(shared by replicas)")
      ->type_name("sqlite|memory|redis");
  CLI::Option* state_path =
      app.add_option(Names("state-path"), config.state.sqlite_path,
                     "the SQLite state database; $AUTOHEAL_STATE_PATH when "
                     "not given. Its directory must exist, except the "
                     "default's, which is created")
          ->type_name("FILE");
  app.add_option(Names("redis-address"), config.state.redis_address,
                 "with --state-backend redis: the server")
      ->type_name("HOST:PORT");
  app.add_option(Names("redis-prefix"), config.state.redis_prefix,
                 "with --state-backend redis: the prefix of every key, one "
                 "per deployment")
      ->type_name("P");
  flags::AddDurationFlag(app, "redis-timeout", &config.state.redis_timeout,
                         "with --state-backend redis: connect and command "
                         "timeout");

  WebhookCommandLine line;
  if (std::optional<int> exit = flags::Parse(app, argc, argv, out, err)) {
    line.exit_code = *exit;
    return line;
  }
  absl::Status resolved =
      ResolveServiceConfig(env, listen->count() > 0, token_file,
                           state_path->count() > 0, config);
  if (!resolved.ok()) {
    err << "autoheal-webhook: " << resolved.message() << "\n";
    line.exit_code = 1;
    return line;
  }
  line.config = std::move(config);
  return line;
}

}  // namespace receiver
}  // namespace autoheal

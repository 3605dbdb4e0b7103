// autoheal: the command-line tool. This file only parses arguments and maps
// results to exit codes; the logic lives in src/cli/.
//
//   autoheal explain [--policy FILE] [--enabled] [--format text|json] PAYLOAD|-
//   autoheal validate POLICY
//   autoheal state list|clear KEY [--state FILE] [--audit_log FILE]
//   autoheal state list|clear KEY --redis_address HOST:PORT
//                                 [--redis_prefix P] [--audit_log FILE]
//   autoheal lint [--policy FILE] [--compose F]... [--alertmanager F]...
//                 [--rules F]... [--allow-host H]... [--strict]
//                 [--format text|json|github]
//   autoheal doctor --receiver URL [--prometheus URL] [--alertmanager URL]
//                   [--alertname NAME]... [--bearer-token-file FILE]
//                   [--format text|json] [--timeout 10s]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "autoheal/clock.h"
#include "autoheal/engine.h"
#include "autoheal/json_audit_sink.h"
#include "autoheal/payload.h"
#include "autoheal/yaml_policy.h"
#include "cli/explain.h"
#include "cli/lint_command.h"
#include "cli/state_command.h"
#include "doctor/doctor.h"
#include "state/open_state_store.h"
#include "lint/file_reader.h"

ABSL_FLAG(std::string, policy, "",
          "YAML policy file (default: the receiver's embedded default policy)");
ABSL_FLAG(bool, enabled, false, "decide as if AUTOHEAL_ENABLED were on");
ABSL_FLAG(std::string, format, "text", "output format: text or json");
ABSL_FLAG(std::string, state, "",
          "the receiver's SQLite state file: explain reads real cooldowns, "
          "budgets and escalations from it (without changing it); state "
          "commands default to /var/lib/autoheal/state.db");
ABSL_FLAG(std::string, audit_log, "",
          "state clear: also append a state_clear line to this audit log");
ABSL_FLAG(std::string, redis_address, "",
          "the receivers' Redis (host:port), instead of a SQLite --state file: "
          "state commands and explain use the state the replicas share");
ABSL_FLAG(std::string, redis_prefix, "autoheal",
          "with --redis_address: the receivers' --redis-prefix");
ABSL_FLAG(absl::Duration, redis_timeout, absl::Seconds(2),
          "with --redis_address: connect and command timeout");

namespace {

constexpr int kUsageError = 2;

bool ReadInput(const std::string& path, std::string* out) {
  if (path == "-") {
    out->assign(std::istreambuf_iterator<char>(std::cin), {});
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

absl::StatusOr<autoheal::EngineOptions> LoadPolicy() {
  const std::string path = absl::GetFlag(FLAGS_policy);
  if (path.empty()) {
    return autoheal::ParsePolicy(autoheal::EmbeddedDefaultPolicy(),
                                 "<embedded default policy>");
  }
  return autoheal::LoadPolicyFile(path);
}

// Opens the state store the flags name; `fallback_path` when --state is
// not given (empty: no store).
absl::StatusOr<std::unique_ptr<autoheal::CooldownStore>> OpenState(
    const std::string& fallback_path) {
  autoheal::StateOptions state;
  state.redis_address = absl::GetFlag(FLAGS_redis_address);
  if (!state.redis_address.empty()) {
    if (!absl::GetFlag(FLAGS_state).empty()) {
      return absl::InvalidArgumentError(
          "give --state (SQLite) or --redis_address (Redis), not both");
    }
    state.backend = "redis";
    state.redis_prefix = absl::GetFlag(FLAGS_redis_prefix);
    state.redis_timeout = absl::GetFlag(FLAGS_redis_timeout);
    return autoheal::OpenStateStore(state);
  }
  state.sqlite_path = absl::GetFlag(FLAGS_state);
  if (state.sqlite_path.empty()) state.sqlite_path = fallback_path;
  if (state.sqlite_path.empty()) {
    return std::unique_ptr<autoheal::CooldownStore>();
  }
  return autoheal::OpenStateStore(state);
}

int Explain(const std::vector<char*>& args) {
  const std::string format = absl::GetFlag(FLAGS_format);
  if (args.size() != 3 || (format != "text" && format != "json")) {
    std::cerr << "usage: autoheal explain [--policy FILE] [--enabled] "
                 "[--format text|json] PAYLOAD|-\n";
    return kUsageError;
  }
  absl::StatusOr<autoheal::EngineOptions> options = LoadPolicy();
  if (!options.ok()) {
    std::cerr << "autoheal: " << options.status().message() << "\n";
    return kUsageError;
  }
  options->enabled = options->enabled || absl::GetFlag(FLAGS_enabled);
  std::string body;
  if (!ReadInput(args[2], &body)) {
    std::cerr << "autoheal: " << args[2] << ": cannot read\n";
    return kUsageError;
  }
  absl::StatusOr<autoheal::WebhookMessage> message =
      autoheal::ParseWebhookMessage(body);
  if (!message.ok()) {
    std::cerr << "autoheal: " << args[2] << ": " << message.status().message()
              << "\n";
    return kUsageError;
  }
  absl::StatusOr<std::unique_ptr<autoheal::CooldownStore>> store =
      OpenState("");
  if (!store.ok()) {
    std::cerr << "autoheal: " << store.status().message() << "\n";
    return kUsageError;
  }
  autoheal::EngineDeps deps;
  deps.store = store->get();  // null: a fresh in-memory store
  deps.preview = true;        // never change the receiver's state
  auto engine = autoheal::Engine::Create(*options, deps);
  if (!engine.ok()) {
    std::cerr << "autoheal: " << engine.status().message() << "\n";
    return kUsageError;
  }
  std::vector<autoheal::Decision> decisions = (*engine)->DecideAll(*message);
  std::cout << (format == "json"
                    ? autoheal::cli::ExplainJson(*message, decisions, *options)
                    : autoheal::cli::ExplainText(*message, decisions, *options));
  return 0;
}

int Validate(const std::vector<char*>& args) {
  if (args.size() != 3) {
    std::cerr << "usage: autoheal validate POLICY\n";
    return kUsageError;
  }
  absl::StatusOr<autoheal::EngineOptions> options =
      autoheal::LoadPolicyFile(args[2]);
  if (!options.ok()) {
    std::cout << options.status().message() << "\n";
    return 1;
  }
  std::cout << "OK: " << args[2] << ": " << options->actions.size()
            << " action(s), " << (options->enabled ? "enabled" : "dry-run")
            << "\n";
  return 0;
}

int State(const std::vector<char*>& args) {
  const std::string sub = args.size() > 2 ? args[2] : "";
  const bool list = sub == "list" && args.size() == 3;
  const bool clear = sub == "clear" && args.size() == 4;
  if (!list && !clear) {
    std::cerr << "usage: autoheal state list [--state FILE | --redis_address "
                 "HOST:PORT [--redis_prefix P]]\n"
                 "       autoheal state clear KEY [--state FILE | "
                 "--redis_address HOST:PORT [--redis_prefix P]] "
                 "[--audit_log FILE]\n";
    return kUsageError;
  }
  absl::StatusOr<std::unique_ptr<autoheal::CooldownStore>> store =
      OpenState(autoheal::kDefaultSqlitePath);
  if (!store.ok()) {
    std::cerr << "autoheal: " << store.status().message() << "\n";
    return autoheal::cli::kStateUnavailable;
  }
  const absl::Time now = autoheal::RealClock()->Now();
  if (list) {
    return autoheal::cli::ListEscalations(**store, now, std::cout, std::cerr);
  }
  std::unique_ptr<autoheal::AuditSink> audit;
  if (const std::string path = absl::GetFlag(FLAGS_audit_log); !path.empty()) {
    absl::StatusOr<std::unique_ptr<autoheal::JsonLinesAuditSink>> sink =
        autoheal::JsonLinesAuditSink::OpenFile(path);
    if (!sink.ok()) {
      std::cerr << "autoheal: " << sink.status().message() << "\n";
      return kUsageError;
    }
    audit = *std::move(sink);
  }
  return autoheal::cli::ClearEscalation(**store, args[3], audit.get(), now,
                                        std::cout, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  // doctor parses its own arguments: --alertname repeats.
  if (argc > 1 && std::string(argv[1]) == "doctor") {
    return autoheal::doctor::RunDoctorCommand(
        std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
  }
  // lint parses its own arguments: its file flags repeat.
  if (argc > 1 && std::string(argv[1]) == "lint") {
    autoheal::lint::DiskFileReader files;
    return autoheal::cli::RunLintCommand(
        std::vector<std::string>(argv + 2, argv + argc), files, std::cout,
        std::cerr);
  }
  absl::SetProgramUsageMessage(
      "autoheal explain|validate|lint ...: explain why alerts would or would "
      "not be remediated, check a policy file, or check monitoring "
      "configuration against it");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string command = args.size() > 1 ? args[1] : "";
  if (command == "explain") return Explain(args);
  if (command == "validate") return Validate(args);
  if (command == "state") return State(args);
  std::cerr << "usage: autoheal explain [--policy FILE] [--enabled] "
               "[--format text|json] PAYLOAD|-\n"
               "       autoheal validate POLICY\n"
               "       autoheal state list|clear KEY [--state FILE | "
               "--redis_address HOST:PORT [--redis_prefix P]] "
               "[--audit_log FILE]\n"
               "       autoheal lint [--policy FILE] [--compose F]... "
               "[--alertmanager F]... [--rules F]...\n"
               "                     [--allow-host H]... [--strict] "
               "[--format text|json|github]\n"
               "       autoheal doctor --receiver URL [--prometheus URL] "
               "[--alertmanager URL] [--alertname NAME]...\n"
               "                       [--bearer-token-file FILE] "
               "[--format text|json] [--timeout 10s]\n";
  return kUsageError;
}

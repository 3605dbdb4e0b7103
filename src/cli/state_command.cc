#include "cli/state_command.h"

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"
#include "core/utf8.h"
#include "autoheal/json_audit_sink.h"
#include "flags/flags.h"
#include "state/open_state_store.h"

namespace autoheal {
namespace cli {
namespace {

// More would not fit a terminal; the status page shows the same list.
constexpr size_t kMaxListed = 1000;

// A key holds label values: escaped as every message escapes untrusted text,
// so that a hostile one cannot break or forge a line.
std::string Printable(absl::string_view key) {
  return internal::EscapeText(key);
}

// OpenCliState() for the state commands, which need a store: on failure,
// says why on `err`.
absl::StatusOr<std::unique_ptr<CooldownStore>> OpenStateOrSay(
    const StateArgs& args, SqliteOpenMode mode, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<CooldownStore>> store =
      OpenCliState(args, mode);
  if (store.ok() && *store == nullptr) {
    store = absl::InvalidArgumentError(
        "no state store: give --state FILE or --redis-address HOST:PORT");
  }
  if (!store.ok()) err << "autoheal: " << store.status().message() << "\n";
  return store;
}

class StateCommand final : public Command {
 public:
  StateCommand(const CLI::App* state, const CLI::App* list,
               const CLI::App* clear)
      : Command(state), list_(list), clear_(clear) {}

  int Run(const CommandContext& context) override {
    const absl::Time now = context.deps->clock->Now();
    if (list_->parsed()) {
      return RunStateList(list_args, now, *context.out, *context.err);
    }
    if (clear_->parsed()) {
      return RunStateClear(clear_args, clear_key, clear_audit_log, now,
                           *context.out, *context.err);
    }
    // CLI11 requires one of them; this is a bug.
    *context.err << "autoheal state: no subcommand was parsed\n";
    return kStateUsageError;
  }

  StateArgs list_args;
  StateArgs clear_args;
  std::string clear_key;
  std::string clear_audit_log;

 private:
  const CLI::App* const list_;
  const CLI::App* const clear_;
};

}  // namespace

void AddStateFlags(CLI::App& command, StateArgs* state,
                   std::string state_help) {
  CLI::Option* file = command
                          .add_option(flags::Names("state"), state->sqlite_path,
                                      std::move(state_help))
                          ->type_name("FILE");
  CLI::Option* redis =
      command
          .add_option(flags::Names("redis-address"), state->redis_address,
                      "the receivers' Redis, instead of a SQLite file")
          ->type_name("HOST:PORT");
  file->excludes(redis);
  command
      .add_option(flags::Names("redis-prefix"), state->redis_prefix,
                  "the receivers' --redis-prefix")
      ->type_name("P")
      ->needs(redis);
  flags::AddDurationFlag(command, "redis-timeout", &state->redis_timeout,
                         "connect and command timeout")
      ->needs(redis);
}

std::unique_ptr<Command> AddStateCommand(CLI::App& app) {
  CLI::App* state = app.add_subcommand(
      "state", "list or clear escalated keys in the receiver's state");
  state->require_subcommand(1, 1);
  state->footer(
      "Exit codes: 0 done (clearing a key that was not latched is not an "
      "error),\n2 a usage error, 3 the state store could not be opened (a "
      "missing file\nincluded) or failed: nothing changed.");
  CLI::App* list = state->add_subcommand(
      "list", "list the escalated keys and when they open by themselves");
  CLI::App* clear = state->add_subcommand(
      "clear", "open the escalation latch of KEY: its next firing is "
               "decided afresh");
  auto command = std::make_unique<StateCommand>(state, list, clear);
  command->list_args.sqlite_path = kDefaultSqlitePath;
  AddStateFlags(*list, &command->list_args,
                "the receiver's SQLite state database, opened read-only");
  command->clear_args.sqlite_path = kDefaultSqlitePath;
  AddStateFlags(*clear, &command->clear_args,
                "the receiver's SQLite state database; it must exist (only "
                "the receiver creates it)");
  clear
      ->add_option(flags::Names("audit-log"), command->clear_audit_log,
                   "also append a state_clear line to this audit log")
      ->type_name("FILE");
  clear
      ->add_option("KEY", command->clear_key,
                   "the escalated key, as state list prints it")
      ->required();
  return command;
}

int ListEscalations(CooldownStore& store, absl::Time now, std::ostream& out,
                    std::ostream& err) {
  absl::StatusOr<std::vector<EscalatedKey>> keys =
      store.ListEscalated(now, kMaxListed);
  if (!keys.ok()) {
    err << "autoheal: state store unavailable: " << keys.status().message()
        << "\n";
    return kStateUnavailable;
  }
  if (keys->empty()) {
    out << "no escalated keys\n";
    return kStateOk;
  }
  for (const EscalatedKey& key : *keys) {
    out << Printable(key.key) << "  escalated; opens by itself at "
        << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", key.quiet_until,
                            absl::UTCTimeZone())
        << " if it stays quiet\n";
  }
  return kStateOk;
}

int ClearEscalation(CooldownStore& store, absl::string_view key,
                    AuditSink* audit, absl::Time now, std::ostream& out,
                    std::ostream& err) {
  absl::StatusOr<bool> was_latched = store.ClearEscalation(key);
  if (!was_latched.ok()) {
    err << "autoheal: state store unavailable, nothing cleared: "
        << was_latched.status().message() << "\n";
    return kStateUnavailable;
  }
  out << Printable(key)
      << (*was_latched ? ": escalation cleared; the next firing is decided "
                         "afresh\n"
                       : ": was not escalated; nothing to clear\n");
  if (audit == nullptr) return kStateOk;
  absl::Status recorded = audit->RecordStateClear(key, *was_latched, "cli", now);
  if (!recorded.ok()) {
    err << "autoheal: cleared, but the audit record failed: "
        << recorded.message() << "\n";
    return kStateUnavailable;
  }
  return kStateOk;
}

absl::StatusOr<std::unique_ptr<CooldownStore>> OpenCliState(
    const StateArgs& args, SqliteOpenMode mode) {
  StateOptions state;
  if (!args.redis_address.empty()) {
    state.backend = "redis";
    state.redis_address = args.redis_address;
    state.redis_prefix = args.redis_prefix;
    state.redis_timeout = args.redis_timeout;
    return OpenStateStore(state);
  }
  if (args.sqlite_path.empty()) return std::unique_ptr<CooldownStore>();
  state.backend = "sqlite";
  state.sqlite_path = args.sqlite_path;
  state.sqlite_mode = mode;
  return OpenStateStore(state);
}

int RunStateList(const StateArgs& args, absl::Time now, std::ostream& out,
                 std::ostream& err) {
  absl::StatusOr<std::unique_ptr<CooldownStore>> store =
      OpenStateOrSay(args, SqliteOpenMode::kReadOnly, err);
  if (!store.ok()) return kStateUnavailable;
  return ListEscalations(**store, now, out, err);
}

int RunStateClear(const StateArgs& args, absl::string_view key,
                  const std::string& audit_log, absl::Time now,
                  std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<CooldownStore>> store =
      OpenStateOrSay(args, SqliteOpenMode::kReadWrite, err);
  if (!store.ok()) return kStateUnavailable;
  std::unique_ptr<AuditSink> audit;
  if (!audit_log.empty()) {
    absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>> sink =
        JsonLinesAuditSink::OpenFile(audit_log);
    if (!sink.ok()) {
      err << "autoheal: " << sink.status().message() << "\n";
      return kStateUsageError;
    }
    audit = *std::move(sink);
  }
  return ClearEscalation(**store, key, audit.get(), now, out, err);
}

}  // namespace cli
}  // namespace autoheal

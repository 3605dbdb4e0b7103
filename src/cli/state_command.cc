#include "cli/state_command.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "autoheal/internal/utf8.h"

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

}  // namespace

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

}  // namespace cli
}  // namespace autoheal

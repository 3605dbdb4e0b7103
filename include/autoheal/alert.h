// The alert model: what one Alertmanager notification carries.
//
// `Alert` is one element of a webhook message's `alerts[]`; `WebhookMessage`
// is the whole notification (payload version "4"). Both are plain values with
// no behaviour beyond lookups, produced by `ParseWebhookMessage()` in
// "autoheal/payload.h" or built by hand in tests. `==` compares every field
// (`LabelSet`, `Alert` and `WebhookMessage` alike), e.g. to check that two
// parsers agree on a body.
//
// Thread safety: plain values. Concurrent const access is safe; mutation needs
// external synchronisation, as for any standard container.

#ifndef AUTOHEAL_ALERT_H_
#define AUTOHEAL_ALERT_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace autoheal {

// An alert's own status. A firing group can carry resolved alerts, so the
// engine always reads this, never the group's status.
enum class AlertStatus { kFiring, kResolved };

// Returns "firing" or "resolved".
absl::string_view AlertStatusName(AlertStatus status);

// A set of string pairs (labels or annotations), kept sorted by name with
// unique names, as Prometheus keeps label sets.
//
//   LabelSet labels({{"alertname", "X"}, {"instance", "db-01"}});
//   if (auto v = labels.Find("instance")) Use(*v);
class LabelSet {
 public:
  using Entry = std::pair<std::string, std::string>;

  LabelSet() = default;
  // Sorts `entries` by name. Precondition: names are unique. A later
  // duplicate replaces an earlier one when this precondition is broken (the
  // payload parser breaks it only for an alert it marks malformed, whose
  // labels are kept for reporting, never for deciding).
  explicit LabelSet(std::vector<Entry> entries);
  LabelSet(std::initializer_list<Entry> entries)
      : LabelSet(std::vector<Entry>(entries)) {}

  // Returns the value for `name`, or nullopt when absent. The view points
  // into this set and is valid until the set is modified or destroyed.
  // Inline for the decision path: real label sets are small, and a linear
  // scan that compares lengths first skips nearly every memcmp.
  std::optional<absl::string_view> Find(absl::string_view name) const {
    if (entries_.size() > kLinearScanLimit) return FindSorted(name);
    for (const Entry& e : entries_) {
      if (e.first.size() == name.size() && absl::string_view(e.first) == name) {
        return absl::string_view(e.second);
      }
    }
    return std::nullopt;
  }

  // Sets `name` to `value`, replacing any existing value.
  void Set(std::string name, std::string value);

  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  friend bool operator==(const LabelSet& a, const LabelSet& b) {
    return a.entries_ == b.entries_;
  }

 private:
  // Up to this many entries, Find() scans; beyond, it binary-searches.
  static constexpr size_t kLinearScanLimit = 16;

  std::optional<absl::string_view> FindSorted(absl::string_view name) const;

  std::vector<Entry> entries_;  // sorted by name, names unique
};

// One alert as Alertmanager sends it.
//
// An alert from the parser is either well-formed (`problem` empty; `labels`
// holds a string `alertname`) or malformed: `problem` then says what is
// wrong, starting with its JSON path, e.g. "alerts[3].labels.alertname:
// missing", and the engine skips the alert with reason `invalid_alert`
// before reading anything else. A malformed alert keeps whatever the parser
// could read around the problem (labels, annotations and string fields that
// were well-formed), for reporting only; its `status` is `kFiring` when the
// alert carried no valid one.
struct Alert {
  AlertStatus status = AlertStatus::kFiring;
  LabelSet labels;
  LabelSet annotations;
  std::string starts_at;      // RFC 3339 as sent; not interpreted
  std::string ends_at;        // "0001-01-01T00:00:00Z" while firing
  std::string generator_url;
  std::string fingerprint;    // 16 hex digits from Alertmanager; may be empty
  // Empty for a well-formed alert; else the first problem found in it,
  // "<JSON path>: <what is wrong>", short valid UTF-8.
  std::string problem;

  // Returns the `alertname` label, or "" when it is absent.
  absl::string_view alertname() const;
};

// Returns whether `a` and `b` hold the same values in every field, `problem`
// included.
bool operator==(const Alert& a, const Alert& b);
inline bool operator!=(const Alert& a, const Alert& b) { return !(a == b); }

// A whole Alertmanager webhook notification, payload version "4".
struct WebhookMessage {
  std::string version;        // always "4" after a successful parse
  std::string receiver;
  AlertStatus status = AlertStatus::kFiring;  // the group's; informational
  std::vector<Alert> alerts;
  LabelSet group_labels;
  LabelSet common_labels;
  LabelSet common_annotations;
  std::string external_url;
  std::string group_key;
  int64_t truncated_alerts = 0;
};

// Returns whether `a` and `b` hold the same values in every field, every
// alert compared with `==` in order.
bool operator==(const WebhookMessage& a, const WebhookMessage& b);
inline bool operator!=(const WebhookMessage& a, const WebhookMessage& b) {
  return !(a == b);
}

}  // namespace autoheal

#endif  // AUTOHEAL_ALERT_H_

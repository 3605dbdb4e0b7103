// The alert model: status names and the sorted label set.

#include "autoheal/alert.h"

#include <algorithm>
#include <iterator>

namespace autoheal {
namespace {

bool NameLess(const LabelSet::Entry& a, const LabelSet::Entry& b) {
  return a.first < b.first;
}

bool SameName(const LabelSet::Entry& a, const LabelSet::Entry& b) {
  return a.first == b.first;
}

// Collapses each run of equal names in the sorted `entries` into its last
// entry, so that a later duplicate replaces an earlier one.
void KeepLastOfEachName(std::vector<LabelSet::Entry>& entries) {
  auto first_dup = std::adjacent_find(entries.begin(), entries.end(), SameName);
  if (first_dup == entries.end()) return;  // the usual case: already unique
  auto out = first_dup;
  for (auto in = std::next(first_dup); in != entries.end(); ++in) {
    if (!SameName(*out, *in)) ++out;
    if (out != in) *out = std::move(*in);
  }
  entries.erase(std::next(out), entries.end());
}

}  // namespace

absl::string_view AlertStatusName(AlertStatus status) {
  switch (status) {
    case AlertStatus::kFiring:
      return "firing";
    case AlertStatus::kResolved:
      return "resolved";
  }
  return "unknown";
}

LabelSet::LabelSet(std::vector<Entry> entries) : entries_(std::move(entries)) {
  // Alertmanager sends label names sorted, so the sort is usually skipped.
  // stable_sort keeps duplicates in input order for KeepLastOfEachName.
  if (!std::is_sorted(entries_.begin(), entries_.end(), NameLess)) {
    std::stable_sort(entries_.begin(), entries_.end(), NameLess);
  }
  KeepLastOfEachName(entries_);
}

std::optional<absl::string_view> LabelSet::FindSorted(
    absl::string_view name) const {
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), name,
      [](const Entry& e, absl::string_view n) { return e.first < n; });
  if (it == entries_.end() || it->first != name) return std::nullopt;
  return absl::string_view(it->second);
}

void LabelSet::Set(std::string name, std::string value) {
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), name,
      [](const Entry& e, const std::string& n) { return e.first < n; });
  if (it != entries_.end() && it->first == name) {
    it->second = std::move(value);
    return;
  }
  entries_.emplace(it, std::move(name), std::move(value));
}

absl::string_view Alert::alertname() const {
  return labels.Find("alertname").value_or(absl::string_view());
}

bool operator==(const Alert& a, const Alert& b) {
  return a.status == b.status && a.labels == b.labels &&
         a.annotations == b.annotations && a.starts_at == b.starts_at &&
         a.ends_at == b.ends_at && a.generator_url == b.generator_url &&
         a.fingerprint == b.fingerprint && a.problem == b.problem;
}

bool operator==(const WebhookMessage& a, const WebhookMessage& b) {
  return a.version == b.version && a.receiver == b.receiver &&
         a.status == b.status && a.alerts == b.alerts &&
         a.group_labels == b.group_labels &&
         a.common_labels == b.common_labels &&
         a.common_annotations == b.common_annotations &&
         a.external_url == b.external_url && a.group_key == b.group_key &&
         a.truncated_alerts == b.truncated_alerts;
}

}  // namespace autoheal

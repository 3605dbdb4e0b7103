#include "alertmanager/prom_duration.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/utf8.h"

namespace autoheal {
namespace alertmanager {
namespace {

struct Unit {
  absl::string_view name;
  absl::Duration size;
};

// In the only order Prometheus accepts.
constexpr int kUnitCount = 7;
const Unit* Units() {
  static const Unit kUnits[kUnitCount] = {
      {"y", absl::Hours(24 * 365)}, {"w", absl::Hours(24 * 7)},
      {"d", absl::Hours(24)},       {"h", absl::Hours(1)},
      {"m", absl::Minutes(1)},      {"s", absl::Seconds(1)},
      {"ms", absl::Milliseconds(1)},
  };
  return kUnits;
}

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "not a Prometheus duration: ", internal::QuoteText(text), " (", why,
      "; expected e.g. \"30s\", \"5m\", \"1h30m\", \"500ms\")"));
}

}  // namespace

absl::StatusOr<absl::Duration> ParsePrometheusDuration(absl::string_view text) {
  if (text.empty()) return Bad(text, "empty");
  if (text == "0") return absl::ZeroDuration();
  absl::Duration total = absl::ZeroDuration();
  int next_unit = 0;  // units must come in Units() order, each at most once
  size_t i = 0;
  while (i < text.size()) {
    const size_t digits_start = i;
    uint64_t value = 0;
    while (i < text.size() && absl::ascii_isdigit(text[i])) {
      if (value > (std::numeric_limits<uint64_t>::max() - 9) / 10) {
        return Bad(text, "number too large");
      }
      value = value * 10 + static_cast<uint64_t>(text[i] - '0');
      ++i;
    }
    if (i == digits_start) return Bad(text, "a number must precede each unit");
    const size_t unit_start = i;
    while (i < text.size() && absl::ascii_isalpha(text[i])) ++i;
    const absl::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit.empty()) return Bad(text, "a unit must follow each number");
    int found = -1;
    for (int u = 0; u < kUnitCount; ++u) {
      if (Units()[u].name == unit) found = u;
    }
    if (found < 0) {
      return Bad(text, absl::StrCat("unknown unit \"", unit,
                                    "\"; units are y, w, d, h, m, s, ms"));
    }
    if (found < next_unit) {
      return Bad(text, "units must come once each, largest first");
    }
    next_unit = found + 1;
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Bad(text, "number too large");
    }
    const absl::Duration part =
        Units()[found].size * static_cast<int64_t>(value);
    total += part;
    // Prometheus holds durations in int64 nanoseconds (about 292 years).
    if (part == absl::InfiniteDuration() ||
        total > absl::Nanoseconds(std::numeric_limits<int64_t>::max())) {
      return Bad(text, "too long: over 292 years");
    }
  }
  return total;
}

std::string FormatPrometheusDuration(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return "0s";
  std::string out;
  for (int u = 0; u < kUnitCount; ++u) {
    const int64_t n = absl::IDivDuration(d, Units()[u].size, &d);
    if (n > 0) absl::StrAppend(&out, n, Units()[u].name);
  }
  return out.empty() ? "0s" : out;
}

}  // namespace alertmanager
}  // namespace autoheal

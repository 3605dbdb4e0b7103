// Prometheus's duration syntax, as Alertmanager's config uses it for
// group_wait, group_interval and repeat_interval: one or more of
// <digits><unit> in the order y, w, d, h, m, s, ms, with no spaces, e.g.
// "30s", "5m", "1h30m", "1d", "2w", "1y", "500ms"; "0" alone is zero.
// A year is 365 days and a week 7 days, as in Prometheus (model.Duration).
//
// Thread-safety: a pure function, safe from any thread.
//
// This header is internal to autoheal (not installed).

#ifndef AUTOHEAL_ALERTMANAGER_PROM_DURATION_H_
#define AUTOHEAL_ALERTMANAGER_PROM_DURATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace autoheal {
namespace alertmanager {

// Parses `text` as a Prometheus duration.
//
// Errors: kInvalidArgument naming the text (quoted) and the expected form,
// for an empty text, an unknown unit ("5x"), units out of order ("5m1h"),
// a repeated unit, a sign, a fraction ("1.5h"), spaces, or a value beyond
// what absl::Duration holds.
absl::StatusOr<absl::Duration> ParsePrometheusDuration(absl::string_view text);

// Returns `d` in Prometheus's syntax, largest units first ("1h30m", "500ms",
// "0s"); the inverse of ParsePrometheusDuration for whole milliseconds.
std::string FormatPrometheusDuration(absl::Duration d);

}  // namespace alertmanager
}  // namespace autoheal

#endif  // AUTOHEAL_ALERTMANAGER_PROM_DURATION_H_

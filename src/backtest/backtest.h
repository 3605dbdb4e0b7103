// `autoheal backtest`: what a policy would have done, replayed from
// Prometheus history.
//
//   autoheal backtest --prometheus URL --rules FILE [--rules FILE]...
//                     [--policy FILE] [--alertmanager FILE [--receiver NAME]]
//                     --start TIME --end TIME [--format text|json|html]
//                     [--output FILE] [--chunk DURATION] [--quiet]
//
// History comes from Prometheus's `ALERTS{alertstate="firing"}` raw samples
// (backtest/history.h), annotations from the rule files, delivery timing
// from an Alertmanager configuration or the per-alert model
// (backtest/deliveries.h), and decisions from the real Engine, as if the
// policy were enabled (backtest/replay.h). Nothing is executed.
//
// TIME is RFC 3339 ("2026-11-01T00:00:00Z"), "now", or a duration before
// now ("30d", "1h30m").
//
// Exit codes: 0 with a report; 1 when the backtest cannot be done or would
// be partial (Prometheus unreachable, an HTTP or Prometheus error, no
// `ALERTS` at all in the range, a range older than Prometheus keeps, a rule
// file or Alertmanager configuration that does not parse, a policy that
// does not validate); 2 for a usage error. Every failure prints one line
// "autoheal backtest: ..." on `err`.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: one call at
// a time per options object; RunBacktest shares no state.

#ifndef AUTOHEAL_BACKTEST_BACKTEST_H_
#define AUTOHEAL_BACKTEST_BACKTEST_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/clock.h"
#include "backtest/history.h"

namespace autoheal {
namespace backtest {

inline constexpr int kBacktestFailed = 1;
inline constexpr int kBacktestUsage = 2;

struct BacktestOptions {
  // Prometheus's base URL. Default: none; required.
  std::string prometheus_url;
  // Prometheus rule files, read for annotations. Default: none; at least one.
  std::vector<std::string> rule_files;
  // The policy file. Default: "" (the embedded default policy).
  std::string policy_file;
  // An Alertmanager configuration: deliveries follow its routes' timing.
  // Default: "" (the per-alert model).
  std::string alertmanager_file;
  // With `alertmanager_file`: the webhook receiver that is autoheal.
  // Default: "" (the only receiver with webhook_configs).
  std::string receiver;
  // TIME texts, see above. Default: none; required.
  std::string start;
  std::string end;
  // "text", "json" or "html". Default: text.
  std::string format = "text";
  // Where the report goes. Default: "" (`out`).
  std::string output;
  // The range of one Prometheus query. Default: 6h.
  absl::Duration chunk = absl::Hours(6);
  // Without `alertmanager_file`: how often a firing alert is delivered again.
  // Default: 4h (Alertmanager's default repeat_interval).
  absl::Duration repeat_interval = absl::Hours(4);
  // Progress lines on `err` (days done, alerts seen). Default: on.
  bool progress = true;
  // Reads "now" for relative times and the retention check. Not owned; must
  // outlive the call. Default: `RealClock()`.
  Clock* clock = nullptr;
  // GETs Prometheus's API. Default: libcurl (net::HttpGet) with a 5 s
  // connect timeout and a 120 s timeout.
  HttpGetter http_get;
};

// Parses the command's arguments (after "backtest"). Returns
// kInvalidArgument naming the flag at fault, with the usage, for a usage
// error.
absl::StatusOr<BacktestOptions> ParseBacktestArgs(
    const std::vector<std::string>& args);

// Returns the usage text.
absl::string_view BacktestUsage();

// Parses a TIME ("2026-11-01T00:00:00Z", "now", "30d") against `now`.
// Returns kInvalidArgument quoting `text` when it is none of them.
absl::StatusOr<absl::Time> ParseBacktestTime(absl::string_view text,
                                             absl::Time now);

// Runs the backtest and writes the report to `out` (or `options.output`);
// progress and errors go to `err`. Returns the exit code (see above).
int RunBacktest(const BacktestOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace backtest
}  // namespace autoheal

#endif  // AUTOHEAL_BACKTEST_BACKTEST_H_

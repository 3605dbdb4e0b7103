// `autoheal backtest`'s report: what the policy would have done, as text,
// JSON or a self-contained HTML page.
//
// Text: one row per action (executions, cooling down, budget exhausted,
// escalations, not opted in, not allowlisted, invalid target), then the
// busiest hours and every note (partial or undecided history).
// JSON: {"totals": {REASON: N, ...}, "actions": [...], "decisions":
// [{"time", "alertname", "labels", "verdict", "reason", "key"}, ...], ...}.
// HTML: inline CSS and SVG only, under a Content-Security-Policy that
// forbids every fetch: a timeline per action of when it would have run and
// what held it back, and the summary table.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: pure
// functions.

#ifndef AUTOHEAL_BACKTEST_REPORT_H_
#define AUTOHEAL_BACKTEST_REPORT_H_

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "autoheal/decision.h"
#include "autoheal/options.h"
#include "backtest/history.h"
#include "backtest/replay.h"

namespace autoheal {
namespace backtest {

// Everything a report shows.
struct Report {
  std::string prometheus_url;
  absl::Time start;
  absl::Time end;
  // How deliveries were timed, e.g. "per alert, repeated every 4h".
  std::string delivery_model;
  std::vector<AlertHistory> histories;
  size_t deliveries = 0;
  ReplayResult replay;
  std::map<std::string, RuleInfo> rules;
  EngineOptions policy;
  // What the reader must know to trust the numbers: firings cut by the
  // range, alerts never routed to the webhook, undecided alertnames.
  std::vector<std::string> notes;
};

// One row of the summary: an action, or an alertname without one.
struct ReportRow {
  std::string action;  // "" when no action has the alertname(s)
  std::vector<std::string> alertnames;
  std::array<size_t, kReasonCount> counts{};
  size_t count(Reason r) const { return counts[static_cast<size_t>(r)]; }
};

// Returns the summary rows: actions in policy order, then alertnames
// without an action, sorted. Only rows with at least one decision.
std::vector<ReportRow> SummaryRows(const Report& report);

// Returns the count of decisions per reason.
std::array<size_t, kReasonCount> Totals(const Report& report);

std::string RenderText(const Report& report);
std::string RenderJson(const Report& report);
std::string RenderHtml(const Report& report);

}  // namespace backtest
}  // namespace autoheal

#endif  // AUTOHEAL_BACKTEST_REPORT_H_

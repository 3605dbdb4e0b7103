#include "backtest/report.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace backtest {
namespace {

using json = nlohmann::ordered_json;

constexpr Reason kShownReasons[] = {
    Reason::kExecute,        Reason::kCoolingDown,   Reason::kBudgetExhausted,
    Reason::kEscalated,      Reason::kNotOptedIn,    Reason::kNotAllowlisted,
    Reason::kInvalidTarget,  Reason::kResolved};

size_t Index(Reason r) { return static_cast<size_t>(r); }

std::string UtcText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string ShortTime(absl::Time t) {
  return absl::FormatTime("%b %d %H:%M", t, absl::UTCTimeZone());
}

const Action* ActionFor(const EngineOptions& policy,
                        absl::string_view alertname) {
  for (const Action& a : policy.actions) {
    if (a.alertname == alertname) return &a;
  }
  return nullptr;
}

// The row label: the action's name, or "(no action)".
std::string RowName(const ReportRow& row) {
  return row.action.empty() ? "(no action)" : row.action;
}

// Hours (UTC) with the most executions, busiest first: (hour, executions,
// held back).
struct Hour {
  absl::Time start;
  size_t executions = 0;
  size_t held = 0;
};
std::vector<Hour> BusiestHours(const Report& report, size_t limit) {
  std::map<int64_t, Hour> hours;
  for (const DecisionRecord& d : report.replay.decisions) {
    const bool held = d.reason == Reason::kCoolingDown ||
                      d.reason == Reason::kBudgetExhausted ||
                      d.reason == Reason::kEscalated;
    if (d.reason != Reason::kExecute && !held) continue;
    const int64_t h = absl::ToUnixSeconds(d.time) / 3600;
    Hour& hour = hours[h];
    hour.start = absl::FromUnixSeconds(h * 3600);
    (d.reason == Reason::kExecute ? hour.executions : hour.held)++;
  }
  std::vector<Hour> out;
  for (const auto& [h, hour] : hours) out.push_back(hour);
  std::stable_sort(out.begin(), out.end(), [](const Hour& a, const Hour& b) {
    return a.executions != b.executions ? a.executions > b.executions
                                        : a.held > b.held;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::string Escape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string DurationText(absl::Duration d) {
  return absl::FormatDuration(absl::Trunc(d, absl::Seconds(1)));
}

}  // namespace

std::array<size_t, kReasonCount> Totals(const Report& report) {
  std::array<size_t, kReasonCount> totals{};
  for (const DecisionRecord& d : report.replay.decisions) {
    ++totals[Index(d.reason)];
  }
  return totals;
}

std::vector<ReportRow> SummaryRows(const Report& report) {
  std::map<std::string, ReportRow> by_action;
  std::map<std::string, ReportRow> by_alertname;
  for (const DecisionRecord& d : report.replay.decisions) {
    const std::string& alertname = report.histories[d.alert].alertname;
    const Action* action = ActionFor(report.policy, alertname);
    ReportRow& row = action != nullptr ? by_action[action->name]
                                       : by_alertname[alertname];
    if (action != nullptr) row.action = action->name;
    if (std::find(row.alertnames.begin(), row.alertnames.end(), alertname) ==
        row.alertnames.end()) {
      row.alertnames.push_back(alertname);
      std::sort(row.alertnames.begin(), row.alertnames.end());
    }
    ++row.counts[Index(d.reason)];
  }
  std::vector<ReportRow> rows;
  std::set<std::string> done;
  for (const Action& a : report.policy.actions) {
    auto it = by_action.find(a.name);
    if (it != by_action.end() && done.insert(a.name).second) {
      rows.push_back(it->second);
    }
  }
  for (auto& [name, row] : by_alertname) rows.push_back(row);
  return rows;
}

std::string RenderText(const Report& report) {
  std::string out;
  const std::array<size_t, kReasonCount> totals = Totals(report);
  size_t firings = 0;
  for (const AlertHistory& h : report.histories) firings += h.firings.size();
  absl::StrAppend(&out, "autoheal backtest: ", UtcText(report.start), " .. ",
                  UtcText(report.end), " from ", report.prometheus_url,
                  "\n");
  absl::StrAppend(&out, "deliveries: ", report.delivery_model, "\n");
  absl::StrAppend(&out, report.histories.size(), " alert series, ", firings,
                  " firings, ", report.deliveries, " deliveries, ",
                  report.replay.decisions.size(),
                  " decisions (as if enabled; nothing was executed)\n\n");
  absl::StrAppend(&out, "would have run: ", totals[Index(Reason::kExecute)],
                  " execution(s)\n\n");
  const std::vector<ReportRow> rows = SummaryRows(report);
  size_t name_width = 6;
  for (const ReportRow& row : rows) {
    name_width = std::max(name_width, RowName(row).size());
  }
  absl::StrAppend(&out, absl::StrFormat("%-*s", name_width, "action"),
                  "  execute  cooling_down  budget_exhausted  escalated  "
                  "not_opted_in  not_allowlisted  invalid_target  alertnames\n");
  for (const ReportRow& row : rows) {
    absl::StrAppend(
        &out, absl::StrFormat("%-*s", name_width, RowName(row)),
        absl::StrFormat("  %7d  %12d  %16d  %9d  %12d  %15d  %14d  ",
                        row.count(Reason::kExecute),
                        row.count(Reason::kCoolingDown),
                        row.count(Reason::kBudgetExhausted),
                        row.count(Reason::kEscalated),
                        row.count(Reason::kNotOptedIn),
                        row.count(Reason::kNotAllowlisted),
                        row.count(Reason::kInvalidTarget)),
        absl::StrJoin(row.alertnames, ","), "\n");
  }
  const std::vector<Hour> hours = BusiestHours(report, 5);
  if (!hours.empty()) {
    absl::StrAppend(&out, "\nbusiest hours (UTC):\n");
    for (const Hour& h : hours) {
      absl::StrAppend(&out, "  ", UtcText(h.start), "  ", h.executions,
                      " execution(s), ", h.held, " held back\n");
    }
  }
  if (!report.notes.empty()) {
    absl::StrAppend(&out, "\nnotes:\n");
    for (const std::string& note : report.notes) {
      absl::StrAppend(&out, "  - ", note, "\n");
    }
  }
  return out;
}

std::string RenderJson(const Report& report) {
  json doc;
  doc["range"] = {{"start", UtcText(report.start)},
                  {"end", UtcText(report.end)}};
  doc["prometheus"] = report.prometheus_url;
  doc["delivery_model"] = report.delivery_model;
  size_t firings = 0;
  for (const AlertHistory& h : report.histories) firings += h.firings.size();
  doc["alerts"] = {{"series", report.histories.size()},
                   {"firings", firings},
                   {"deliveries", report.deliveries}};
  const std::array<size_t, kReasonCount> totals = Totals(report);
  json& totals_json = doc["totals"] = json::object();
  for (size_t r = 0; r < kReasonCount; ++r) {
    totals_json[std::string(ReasonName(static_cast<Reason>(r)))] = totals[r];
  }
  json& actions = doc["actions"] = json::array();
  for (const ReportRow& row : SummaryRows(report)) {
    json a;
    a["action"] = row.action.empty() ? json(nullptr) : json(row.action);
    a["alertnames"] = row.alertnames;
    for (size_t r = 0; r < kReasonCount; ++r) {
      a[std::string(ReasonName(static_cast<Reason>(r)))] = row.counts[r];
    }
    actions.push_back(std::move(a));
  }
  json& rules = doc["rules"] = json::object();
  for (const auto& [name, info] : report.rules) {
    json r = {{"opt_in", OptInStateName(info.state)}};
    if (!info.why.empty()) r["why"] = info.why;
    rules[name] = std::move(r);
  }
  doc["undecided"] = report.replay.undecided;
  doc["notes"] = report.notes;
  json& decisions = doc["decisions"] = json::array();
  for (const DecisionRecord& d : report.replay.decisions) {
    const AlertHistory& h = report.histories[d.alert];
    json labels = json::object();
    for (const auto& [k, v] : h.labels.entries()) labels[k] = v;
    json item = {{"time", UtcText(d.time)},
                 {"alertname", h.alertname},
                 {"labels", std::move(labels)},
                 {"verdict", VerdictName(d.verdict)},
                 {"reason", ReasonName(d.reason)},
                 {"key", d.key}};
    if (!d.action.empty()) item["action"] = d.action;
    if (d.time_left > absl::ZeroDuration()) {
      item["time_left_seconds"] = absl::ToDoubleSeconds(d.time_left);
    }
    item["explanation"] = d.sentence;
    decisions.push_back(std::move(item));
  }
  return doc.dump(2) + "\n";
}

namespace {

// Colours of the timeline lanes and the table's badges.
struct Lane {
  Reason reason;
  const char* label;
  const char* color;
};
constexpr Lane kLanes[] = {
    {Reason::kExecute, "would run", "#1a9e55"},
    {Reason::kCoolingDown, "cooling down", "#e0a100"},
    {Reason::kBudgetExhausted, "budget exhausted", "#d64545"},
    {Reason::kEscalated, "escalated", "#7b4bd6"},
    {Reason::kInvalidTarget, "invalid target", "#7a8594"},
    {Reason::kNotOptedIn, "not opted in", "#9aa5b1"},
};

constexpr double kPlotLeft = 130;
constexpr double kPlotWidth = 840;
constexpr double kLaneHeight = 26;

// The tick step for an axis over `span`: at most about 10 ticks.
absl::Duration AxisStep(absl::Duration span) {
  for (absl::Duration step :
       {absl::Hours(1), absl::Hours(3), absl::Hours(6), absl::Hours(12),
        absl::Hours(24), absl::Hours(24 * 2), absl::Hours(24 * 7)}) {
    if (span / step <= 10) return step;
  }
  return absl::Hours(24 * 14);
}

std::string Timeline(const Report& report, const ReportRow& row) {
  const double span = absl::ToDoubleSeconds(report.end - report.start);
  auto x_of = [&](absl::Time t) {
    const double f = absl::ToDoubleSeconds(t - report.start) / span;
    return kPlotLeft + std::clamp(f, 0.0, 1.0) * kPlotWidth;
  };
  std::vector<const Lane*> lanes;
  for (const Lane& lane : kLanes) {
    if (lane.reason == Reason::kExecute || row.count(lane.reason) > 0) {
      lanes.push_back(&lane);
    }
  }
  const double firing_top = 22;
  const double lanes_top = firing_top + kLaneHeight + 6;
  const double height = lanes_top + lanes.size() * kLaneHeight + 28;
  std::string svg = absl::StrFormat(
      "<svg class=\"timeline\" viewBox=\"0 0 1000 %.0f\" role=\"img\" "
      "aria-label=\"timeline of %s\">",
      height, Escape(RowName(row)));
  // Day (or hour) grid and labels.
  const absl::Duration step = AxisStep(report.end - report.start);
  const absl::Time first_tick =
      absl::FromUnixSeconds((absl::ToUnixSeconds(report.start) /
                                 absl::ToInt64Seconds(step) +
                             1) *
                            absl::ToInt64Seconds(step));
  for (absl::Time t = first_tick; t < report.end; t += step) {
    const double x = x_of(t);
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" "
        "class=\"grid\"/><text x=\"%.1f\" y=\"%.0f\" class=\"tick\">%s</text>",
        x, firing_top - 4, x, height - 22, x, height - 8,
        step >= absl::Hours(24)
            ? absl::FormatTime("%b %d", t, absl::UTCTimeZone())
            : absl::FormatTime("%b %d %H:%M", t, absl::UTCTimeZone()));
  }
  // Firing: every firing of the row's alerts, translucent, so that a storm
  // of many instances shows darker.
  absl::StrAppendFormat(&svg,
                        "<text x=\"%.0f\" y=\"%.0f\" class=\"lane\">firing"
                        "</text><rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" "
                        "height=\"%.0f\" class=\"track\"/>",
                        kPlotLeft - 10, firing_top + 17, kPlotLeft, firing_top,
                        kPlotWidth, kLaneHeight - 6);
  size_t drawn = 0;
  for (const AlertHistory& h : report.histories) {
    if (std::find(row.alertnames.begin(), row.alertnames.end(),
                  h.alertname) == row.alertnames.end()) {
      continue;
    }
    for (const Firing& f : h.firings) {
      if (++drawn > 20000) break;
      const double x0 = x_of(f.start);
      const double x1 = std::max(x_of(f.end), x0 + 1.5);
      absl::StrAppendFormat(
          &svg,
          "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" "
          "class=\"firing\"><title>%s firing %s .. %s</title></rect>",
          x0, firing_top, x1 - x0, kLaneHeight - 6, Escape(h.alertname),
          ShortTime(f.start), f.open_at_end ? "still firing" : ShortTime(f.end));
    }
  }
  // One lane per outcome; decisions are binned per 2 px so that a month of
  // history stays a small page, and each bin says what it holds.
  for (size_t l = 0; l < lanes.size(); ++l) {
    const Lane& lane = *lanes[l];
    const double y = lanes_top + l * kLaneHeight;
    absl::StrAppendFormat(
        &svg,
        "<text x=\"%.0f\" y=\"%.0f\" class=\"lane\">%s</text><rect x=\"%.0f\" "
        "y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" class=\"track\"/>",
        kPlotLeft - 10, y + 17, lane.label, kPlotLeft, y, kPlotWidth,
        kLaneHeight - 6);
    std::map<int, std::pair<size_t, absl::Time>> bins;
    for (const DecisionRecord& d : report.replay.decisions) {
      if (d.reason != lane.reason) continue;
      const std::string& alertname = report.histories[d.alert].alertname;
      if (std::find(row.alertnames.begin(), row.alertnames.end(), alertname) ==
          row.alertnames.end()) {
        continue;
      }
      auto& bin = bins[static_cast<int>(x_of(d.time) / 2)];
      if (bin.first++ == 0) bin.second = d.time;
    }
    for (const auto& [bin, value] : bins) {
      absl::StrAppendFormat(
          &svg,
          "<rect x=\"%.1f\" y=\"%.0f\" width=\"3\" height=\"%.0f\" rx=\"1\" "
          "fill=\"%s\"><title>%s: %d at %s</title></rect>",
          bin * 2.0 - 0.5, y + 2, kLaneHeight - 10, lane.color, lane.label,
          value.first, ShortTime(value.second));
    }
  }
  svg += "</svg>";
  return svg;
}

}  // namespace

std::string RenderHtml(const Report& report) {
  const std::array<size_t, kReasonCount> totals = Totals(report);
  const std::vector<ReportRow> rows = SummaryRows(report);
  size_t firings = 0;
  for (const AlertHistory& h : report.histories) firings += h.firings.size();
  std::string html = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>autoheal backtest</title>
<style>
:root{--ink:#1d2733;--muted:#5d6b7a;--line:#e3e8ee;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1080px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.sub{color:var(--muted);margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.card b{display:block;font-size:26px;line-height:1.2}
.card span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card.run b{color:#1a9e55}.card.cool b{color:#b88400}.card.budget b{color:#d64545}.card.esc b{color:#7b4bd6}
section.action{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin:14px 0}
section.action h3{margin:0 0 2px;font-size:15px}
section.action p{margin:0 0 6px;color:var(--muted);font-size:12.5px}
svg.timeline{width:100%;height:auto;display:block}
svg .grid{stroke:#edf1f5;stroke-width:1}
svg .tick{fill:#8a96a3;font-size:11px;text-anchor:middle}
svg .lane{fill:#5d6b7a;font-size:12px;text-anchor:end}
svg .track{fill:#f3f5f8}
svg .firing{fill:#4a78c2;fill-opacity:.28}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:10px;overflow:hidden}
th,td{padding:8px 10px;text-align:right;border-bottom:1px solid var(--line);font-variant-numeric:tabular-nums}
th{background:#f0f3f7;font-size:12px;color:var(--muted);font-weight:600}
th:first-child,td:first-child,td.names{text-align:left}
td.zero{color:#c2cad3}
.legend{display:flex;gap:16px;flex-wrap:wrap;color:var(--muted);font-size:12.5px;margin:6px 0}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
ul.notes{background:#fff8e6;border:1px solid #f0dca8;border-radius:10px;padding:10px 14px 10px 30px}
footer{color:var(--muted);font-size:12px;margin-top:28px}
</style></head><body><main>
)";
  absl::StrAppend(&html, "<h1>What this policy would have done</h1>",
                  "<p class=\"sub\">", Escape(UtcText(report.start)),
                  " &rarr; ", Escape(UtcText(report.end)), " &middot; ",
                  report.histories.size(), " alert series, ", firings,
                  " firings, ", report.deliveries, " deliveries (",
                  Escape(report.delivery_model),
                  ") &middot; decided as if enabled; nothing was executed</p>");
  auto card = [&](const char* cls, size_t n, const char* label) {
    absl::StrAppend(&html, "<div class=\"card ", cls, "\"><b>", n,
                    "</b><span>", label, "</span></div>");
  };
  html += "<div class=\"cards\">";
  card("run", totals[Index(Reason::kExecute)], "would have run");
  card("cool", totals[Index(Reason::kCoolingDown)], "held by cooldown");
  card("budget", totals[Index(Reason::kBudgetExhausted)], "held by budget");
  card("esc", totals[Index(Reason::kEscalated)], "escalated");
  card("", totals[Index(Reason::kNotOptedIn)] +
               totals[Index(Reason::kNotAllowlisted)] +
               totals[Index(Reason::kInvalidTarget)],
       "not eligible");
  html += "</div>";
  if (!report.notes.empty()) {
    html += "<h2>Read this first</h2><ul class=\"notes\">";
    for (const std::string& note : report.notes) {
      absl::StrAppend(&html, "<li>", Escape(note), "</li>");
    }
    html += "</ul>";
  }
  html += "<h2>Timeline per action</h2><div class=\"legend\">"
          "<span><i style=\"background:#4a78c2;opacity:.5\"></i>alert "
          "firing</span>";
  for (const Lane& lane : kLanes) {
    absl::StrAppend(&html, "<span><i style=\"background:", lane.color,
                    "\"></i>", lane.label, "</span>");
  }
  html += "</div>";
  for (const ReportRow& row : rows) {
    absl::StrAppend(
        &html, "<section class=\"action\"><h3>", Escape(RowName(row)),
        "</h3><p>", Escape(absl::StrJoin(row.alertnames, ", ")), " &middot; ",
        row.count(Reason::kExecute), " run(s), ",
        row.count(Reason::kCoolingDown), " held by cooldown, ",
        row.count(Reason::kBudgetExhausted), " by budget, ",
        row.count(Reason::kEscalated), " escalated</p>", Timeline(report, row),
        "</section>");
  }
  html += "<h2>Summary</h2><table><tr><th>action</th>";
  for (Reason r : kShownReasons) {
    absl::StrAppend(&html, "<th>", ReasonName(r), "</th>");
  }
  html += "<th style=\"text-align:left\">alertnames</th></tr>";
  for (const ReportRow& row : rows) {
    absl::StrAppend(&html, "<tr><td>", Escape(RowName(row)), "</td>");
    for (Reason r : kShownReasons) {
      const size_t n = row.count(r);
      absl::StrAppend(&html, n == 0 ? "<td class=\"zero\">" : "<td>", n,
                      "</td>");
    }
    absl::StrAppend(&html, "<td class=\"names\">",
                    Escape(absl::StrJoin(row.alertnames, ", ")), "</td></tr>");
  }
  html += "</table>";
  const std::vector<Hour> hours = BusiestHours(report, 5);
  if (!hours.empty()) {
    html += "<h2>Busiest hours (UTC)</h2><table><tr><th>hour</th>"
            "<th>would have run</th><th>held back</th></tr>";
    for (const Hour& h : hours) {
      absl::StrAppend(&html, "<tr><td>", Escape(UtcText(h.start)),
                      "</td><td>", h.executions, "</td><td>", h.held,
                      "</td></tr>");
    }
    html += "</table>";
  }
  absl::StrAppend(&html, "<footer>autoheal backtest &middot; history from ",
                  Escape(report.prometheus_url),
                  " &middot; cooldowns, budgets and the flap guard as the "
                  "policy sets them (default cooldown ",
                  Escape(DurationText(report.policy.default_cooldown)),
                  ")</footer></main></body></html>\n");
  return html;
}

}  // namespace backtest
}  // namespace autoheal

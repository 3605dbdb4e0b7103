#include "backtest/backtest.h"

#include <fstream>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "alertmanager/prom_duration.h"
#include "autoheal/yaml_policy.h"
#include "backtest/alertmanager_router.h"
#include "backtest/deliveries.h"
#include "backtest/replay.h"
#include "backtest/report.h"
#include "lint/file_reader.h"
#include "lint/rules.h"
#include "net/http_fetch.h"

namespace autoheal {
namespace backtest {
namespace {

constexpr absl::string_view kUsage =
    "usage: autoheal backtest --prometheus URL --rules FILE [--rules FILE]...\n"
    "                         [--policy FILE] [--alertmanager FILE "
    "[--receiver NAME]]\n"
    "                         --start TIME --end TIME [--format "
    "text|json|html]\n"
    "                         [--output FILE] [--chunk DURATION] "
    "[--repeat-interval DURATION] [--quiet]\n"
    "TIME: RFC 3339 (2026-11-01T00:00:00Z), now, or a duration before now "
    "(30d, 1h30m)\n";

absl::Status Usage(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(what, "\n", kUsage));
}

HttpGetter DefaultGetter() {
  return [](const std::string& url) -> absl::StatusOr<HttpAnswer> {
    net::FetchOptions options;
    options.connect_timeout = absl::Seconds(5);
    options.timeout = absl::Seconds(120);
    options.max_body_bytes = size_t{1} << 30;
    absl::StatusOr<net::FetchResponse> response = net::HttpGet(url, options);
    if (!response.ok()) return response.status();
    return HttpAnswer{response->status, std::move(response->body)};
  };
}

// Returns the rule files' alerting rules, or kInvalidArgument quoting the
// first finding that shows a file could not be read as rules.
absl::StatusOr<std::vector<lint::AlertRuleAnnotations>> ReadRules(
    const std::vector<std::string>& files, const EngineOptions& policy) {
  lint::DiskFileReader reader;
  std::vector<lint::AlertRuleAnnotations> rules;
  for (const std::string& file : files) {
    absl::StatusOr<std::string> text = reader.Read(file);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--rules ", file, ": ", text.status().message()));
    }
    lint::RulesReport report = lint::LintRules(*text, file, &policy);
    for (const lint::Finding& f : report.findings) {
      if (f.parse_error) {
        return absl::InvalidArgumentError(
            absl::StrCat(f.file, ":", f.line, ":", f.column,
                         ": the rule file does not parse: ", f.message));
      }
    }
    for (lint::AlertRuleAnnotations& r : report.alert_rules) {
      rules.push_back(std::move(r));
    }
  }
  return rules;
}

std::string Days(absl::Duration d) {
  return absl::StrFormat("%.1f", absl::ToDoubleHours(d) / 24);
}

}  // namespace

absl::string_view BacktestUsage() { return kUsage; }

absl::StatusOr<absl::Time> ParseBacktestTime(absl::string_view text,
                                             absl::Time now) {
  if (text == "now") return now;
  absl::Time t;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &error)) {
    return t;
  }
  absl::StatusOr<absl::Duration> ago = alertmanager::ParsePrometheusDuration(text);
  if (ago.ok()) return now - *ago;
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text,
      "\" is not a TIME: expected RFC 3339 (2026-11-01T00:00:00Z), now, or a "
      "duration before now (30d)"));
}

absl::StatusOr<BacktestOptions> ParseBacktestArgs(
    const std::vector<std::string>& args) {
  BacktestOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (const size_t eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "-h" || flag == "--help") return Usage("");
    if (flag == "--quiet") {
      options.progress = false;
      continue;
    }
    if (!value.has_value()) {
      if (i + 1 >= args.size()) return Usage(absl::StrCat(flag, ": needs a value"));
      value = args[++i];
    }
    if (flag == "--prometheus") {
      options.prometheus_url = *value;
    } else if (flag == "--rules") {
      options.rule_files.push_back(*value);
    } else if (flag == "--policy") {
      options.policy_file = *value;
    } else if (flag == "--alertmanager") {
      options.alertmanager_file = *value;
    } else if (flag == "--receiver") {
      options.receiver = *value;
    } else if (flag == "--start") {
      options.start = *value;
    } else if (flag == "--end") {
      options.end = *value;
    } else if (flag == "--format") {
      if (*value != "text" && *value != "json" && *value != "html") {
        return Usage(absl::StrCat("--format: expected text, json or html, got \"",
                                  *value, "\""));
      }
      options.format = *value;
    } else if (flag == "--output") {
      options.output = *value;
    } else if (flag == "--chunk" || flag == "--repeat-interval") {
      absl::StatusOr<absl::Duration> d = alertmanager::ParsePrometheusDuration(*value);
      if (!d.ok() || *d <= absl::ZeroDuration()) {
        return Usage(absl::StrCat(flag, ": expected a positive duration like "
                                        "6h, got \"", *value, "\""));
      }
      (flag == "--chunk" ? options.chunk : options.repeat_interval) = *d;
    } else {
      return Usage(absl::StrCat("unknown argument \"", args[i], "\""));
    }
  }
  if (options.prometheus_url.empty()) return Usage("--prometheus is required");
  if (options.rule_files.empty()) return Usage("--rules is required");
  if (options.start.empty() || options.end.empty()) {
    return Usage("--start and --end are required");
  }
  if (!options.receiver.empty() && options.alertmanager_file.empty()) {
    return Usage("--receiver needs --alertmanager");
  }
  return options;
}

int RunBacktest(const BacktestOptions& options, std::ostream& out,
                std::ostream& err) {
  auto fail = [&](int code, absl::string_view message) {
    err << "autoheal backtest: " << message << "\n";
    return code;
  };
  Clock* clock = options.clock != nullptr ? options.clock : RealClock();
  const absl::Time now = clock->Now();
  absl::StatusOr<absl::Time> start = ParseBacktestTime(options.start, now);
  if (!start.ok()) return fail(kBacktestUsage, absl::StrCat("--start: ", start.status().message()));
  absl::StatusOr<absl::Time> end = ParseBacktestTime(options.end, now);
  if (!end.ok()) return fail(kBacktestUsage, absl::StrCat("--end: ", end.status().message()));
  if (*start >= *end) {
    return fail(kBacktestUsage,
                absl::StrCat("--start (", absl::FormatTime(*start),
                             ") must be before --end (",
                             absl::FormatTime(*end), ")"));
  }
  if (*end > now) {
    return fail(kBacktestFailed,
                absl::StrCat("--end (", absl::FormatTime(*end),
                             ") is in the future: history after now (",
                             absl::FormatTime(now),
                             ") does not exist yet, and a backtest over it "
                             "would be partial; use --end now"));
  }

  // Configuration first: a typo should not cost a month of queries.
  absl::StatusOr<EngineOptions> policy =
      options.policy_file.empty()
          ? ParsePolicy(EmbeddedDefaultPolicy(), "<embedded default policy>")
          : LoadPolicyFile(options.policy_file);
  if (!policy.ok()) {
    return fail(kBacktestFailed,
                absl::StrCat("--policy: ", policy.status().message()));
  }
  if (absl::Status valid = ValidateOptions(*policy); !valid.ok()) {
    return fail(kBacktestFailed,
                absl::StrCat("--policy ", options.policy_file,
                             " does not validate: ", valid.message()));
  }
  absl::StatusOr<std::vector<lint::AlertRuleAnnotations>> rule_list =
      ReadRules(options.rule_files, *policy);
  if (!rule_list.ok()) return fail(kBacktestFailed, rule_list.status().message());
  std::unique_ptr<Router> router;
  std::string model = absl::StrCat(
      "per alert: at start, every ",
      absl::FormatDuration(options.repeat_interval),
      " while firing, at resolution (no --alertmanager)");
  if (!options.alertmanager_file.empty()) {
    absl::StatusOr<std::unique_ptr<Router>> am =
        LoadAlertmanagerRouter(options.alertmanager_file, options.receiver);
    if (!am.ok()) return fail(kBacktestFailed, am.status().message());
    router = *std::move(am);
    model = absl::StrCat("Alertmanager timing from ", options.alertmanager_file,
                         ", receiver ",
                         static_cast<AlertmanagerRouter*>(router.get())->receiver());
  }
  std::ofstream file;
  if (!options.output.empty()) {
    file.open(options.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      return fail(kBacktestFailed,
                  absl::StrCat("--output ", options.output,
                               ": cannot open for writing"));
    }
  }

  const HttpGetter get = options.http_get ? options.http_get : DefaultGetter();
  absl::StatusOr<absl::Duration> retention =
      FetchRetention(options.prometheus_url, get);
  if (!retention.ok()) return fail(kBacktestFailed, retention.status().message());
  if (*retention > absl::ZeroDuration() && *start < now - *retention) {
    return fail(kBacktestFailed,
                absl::StrCat("--start (", absl::FormatTime(*start),
                             ") is older than Prometheus keeps (retention ",
                             absl::FormatDuration(*retention),
                             "): the history would be partial; start after ",
                             absl::FormatTime(now - *retention)));
  }
  HistoryRequest request;
  request.prometheus_url = options.prometheus_url;
  request.start = *start;
  request.end = *end;
  request.chunk = options.chunk;
  int64_t days_reported = 0;
  ProgressFn progress;
  if (options.progress) {
    progress = [&](absl::Duration done, absl::Duration total, size_t seen) {
      const int64_t days = absl::ToInt64Hours(done) / 24;
      if (days == days_reported && done < total) return;
      days_reported = days;
      err << "backtest: " << Days(done) << "/" << Days(total)
          << " days fetched, " << seen << " alert series seen\n";
    };
  }
  absl::StatusOr<std::vector<SeriesSamples>> samples =
      FetchAlertSamples(request, get, progress);
  if (!samples.ok()) return fail(kBacktestFailed, samples.status().message());

  Report report;
  report.prometheus_url = options.prometheus_url;
  report.start = *start;
  report.end = *end;
  report.delivery_model = model;
  report.policy = *policy;
  report.histories = ExtractFirings(*samples, *start, *end);
  if (report.histories.empty()) {
    return fail(kBacktestFailed,
                absl::StrCat("no ALERTS{alertstate=\"firing\"} samples between ",
                             absl::FormatTime(*start), " and ",
                             absl::FormatTime(*end), " at ",
                             options.prometheus_url,
                             ": nothing to replay (is this the Prometheus that "
                             "evaluates the alerting rules, and is the range "
                             "right?)"));
  }
  report.rules = ClassifyRules(*rule_list, *policy);

  std::vector<Delivery> deliveries;
  if (router != nullptr) {
    AlertmanagerPlan plan =
        AlertmanagerDeliveries(report.histories, *router, *end);
    deliveries = std::move(plan.deliveries);
    if (!plan.unrouted.empty()) {
      std::map<std::string, size_t> by_name;
      for (size_t i : plan.unrouted) ++by_name[report.histories[i].alertname];
      std::vector<std::string> parts;
      for (const auto& [name, n] : by_name) {
        parts.push_back(absl::StrCat(name, " (", n, ")"));
      }
      report.notes.push_back(absl::StrCat(
          plan.unrouted.size(),
          " alert series never reach the webhook receiver and were not "
          "delivered: ",
          absl::StrJoin(parts, ", ")));
    }
  } else {
    deliveries =
        PerAlertDeliveries(report.histories, options.repeat_interval, *end);
  }
  report.deliveries = deliveries.size();

  // What the reader must know before trusting the numbers.
  std::map<std::string, size_t> no_rule;
  size_t before = 0;
  size_t open = 0;
  for (const AlertHistory& h : report.histories) {
    if (report.rules.find(h.alertname) == report.rules.end()) {
      ++no_rule[h.alertname];
    }
    for (const Firing& f : h.firings) {
      before += f.began_before_start ? 1 : 0;
      open += f.open_at_end ? 1 : 0;
    }
  }
  for (const auto& [name, n] : no_rule) {
    report.notes.push_back(absl::StrCat(
        "alertname ", name, " has history (", n,
        " series) but no rule in the --rules files: its annotations are "
        "unknown, so it was not decided"));
    report.rules[name].state = OptInState::kNoRule;
  }
  for (const auto& [name, info] : report.rules) {
    if (info.state == OptInState::kUnknown) {
      report.notes.push_back(absl::StrCat("alertname ", name,
                                          ": opt-in unknown, not decided: ",
                                          info.why));
    }
  }
  if (before > 0) {
    report.notes.push_back(absl::StrCat(
        before,
        " firing(s) were already in progress at the start: each counts as "
        "delivered at the start, and what happened before it is not known"));
  }
  if (open > 0) {
    report.notes.push_back(
        absl::StrCat(open, " firing(s) were still in progress at the end"));
  }

  absl::StatusOr<ReplayResult> replay =
      Replay(*policy, report.histories, deliveries, report.rules);
  if (!replay.ok()) return fail(kBacktestFailed, replay.status().message());
  report.replay = *std::move(replay);
  for (const auto& [name, n] : report.replay.undecided) {
    report.notes.push_back(absl::StrCat(n, " delivered alert(s) of ", name,
                                        " were not decided"));
  }

  const std::string text = options.format == "json"   ? RenderJson(report)
                           : options.format == "html" ? RenderHtml(report)
                                                      : RenderText(report);
  std::ostream& sink = options.output.empty() ? out : file;
  sink << text;
  sink.flush();
  if (!sink) {
    return fail(kBacktestFailed,
                absl::StrCat("cannot write the report to ",
                             options.output.empty() ? "stdout" : options.output));
  }
  if (options.progress) {
    err << "backtest: " << report.replay.decisions.size() << " decisions, "
        << Totals(report)[static_cast<size_t>(Reason::kExecute)]
        << " would have run\n";
  }
  return 0;
}

}  // namespace backtest
}  // namespace autoheal

#include "backtest/history.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "alertmanager/prom_duration.h"
#include "nlohmann/json.hpp"
#include "net/http_fetch.h"

namespace autoheal {
namespace backtest {
namespace {

using json = nlohmann::json;

absl::Duration Median(std::vector<absl::Duration> values) {
  std::nth_element(values.begin(), values.begin() + values.size() / 2,
                   values.end());
  return values[values.size() / 2];
}

std::string BaseUrl(const std::string& url) {
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

// Returns the body of a 200 answer, or the error FetchAlertSamples promises.
absl::StatusOr<std::string> Get(const HttpGetter& get, const std::string& url) {
  absl::StatusOr<HttpAnswer> answer = get(url);
  if (!answer.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach Prometheus: ", answer.status().message()));
  }
  if (answer->status != 200) {
    return absl::FailedPreconditionError(
        absl::StrCat("Prometheus answered HTTP ", answer->status, " to ", url,
                     ": ", answer->body.substr(0, 2000)));
  }
  return std::move(answer->body);
}

// Prometheus's API time: Unix seconds with milliseconds.
std::string UnixSecondsText(absl::Time t) {
  const int64_t ms = absl::ToUnixMillis(t);
  return absl::StrFormat("%d.%03d", ms / 1000, ms % 1000);
}

}  // namespace

std::string LabelKey(const LabelSet& labels) {
  std::string key = "{";
  for (const auto& [name, value] : labels.entries()) {
    if (key.size() > 1) key += ", ";
    absl::StrAppend(&key, name, "=", json(value).dump());
  }
  key += "}";
  return key;
}

std::map<std::string, absl::Duration> EstimateEvaluationIntervals(
    const std::vector<SeriesSamples>& series) {
  std::map<std::string, std::vector<absl::Duration>> gaps;
  std::vector<absl::Duration> all;
  for (const SeriesSamples& s : series) {
    const std::string alertname(s.labels.Find("alertname").value_or(""));
    std::vector<absl::Duration>& mine = gaps[alertname];
    for (size_t i = 1; i < s.times.size(); ++i) {
      const absl::Duration gap = s.times[i] - s.times[i - 1];
      if (gap > absl::ZeroDuration()) {
        mine.push_back(gap);
        all.push_back(gap);
      }
    }
  }
  // Only the shortest gaps are evaluations; longer ones are quiet periods.
  // The median is robust while most gaps are evaluations, as they are for
  // any alert that fires for more than a few evaluations.
  const absl::Duration fallback =
      all.empty() ? kDefaultEvaluationInterval : Median(all);
  std::map<std::string, absl::Duration> intervals;
  for (auto& [alertname, mine] : gaps) {
    intervals[alertname] = mine.empty() ? fallback : Median(std::move(mine));
  }
  return intervals;
}

std::vector<AlertHistory> ExtractFirings(
    const std::vector<SeriesSamples>& series, absl::Time start,
    absl::Time end) {
  const std::map<std::string, absl::Duration> intervals =
      EstimateEvaluationIntervals(series);
  std::vector<AlertHistory> histories;
  for (const SeriesSamples& s : series) {
    AlertHistory history;
    history.labels = s.labels;
    history.alertname = std::string(s.labels.Find("alertname").value_or(""));
    history.evaluation_interval = intervals.at(history.alertname);
    const absl::Duration interval = history.evaluation_interval;
    const absl::Duration max_gap = interval * kGapIntervals;
    size_t i = 0;
    while (i < s.times.size()) {
      size_t j = i;
      while (j + 1 < s.times.size() && s.times[j + 1] - s.times[j] <= max_gap) {
        ++j;
      }
      const absl::Time first = s.times[i];
      const absl::Time last = s.times[j];
      i = j + 1;
      if (last < start || first > end) continue;
      Firing firing;
      firing.began_before_start = first < start;
      firing.start = firing.began_before_start ? start : first;
      firing.open_at_end = end - last <= max_gap;
      firing.end = firing.open_at_end ? end : last + interval;
      history.firings.push_back(firing);
    }
    if (!history.firings.empty()) histories.push_back(std::move(history));
  }
  std::sort(histories.begin(), histories.end(),
            [](const AlertHistory& a, const AlertHistory& b) {
              return a.labels.entries() < b.labels.entries();
            });
  return histories;
}

absl::Status MergeMatrixAnswer(absl::string_view body,
                               std::map<std::string, SeriesSamples>* series) {
  const json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError(
        "Prometheus's answer is not a JSON object (is --prometheus the "
        "Prometheus server's URL?)");
  }
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_string() || *status != "success") {
    std::string what = "Prometheus's answer has no status \"success\"";
    auto error = doc.find("error");
    if (error != doc.end() && error->is_string()) {
      what = absl::StrCat("Prometheus answered an error: ",
                          error->get<std::string>());
    }
    return absl::FailedPreconditionError(what);
  }
  auto warnings = doc.find("warnings");
  if (warnings != doc.end() && warnings->is_array() && !warnings->empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("Prometheus warned that its answer may be incomplete, so "
                     "the history would be partial: ",
                     warnings->dump()));
  }
  auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) {
    return absl::InvalidArgumentError("Prometheus's answer has no data object");
  }
  auto type = data->find("resultType");
  auto result = data->find("result");
  if (type == data->end() || *type != "matrix" || result == data->end() ||
      !result->is_array()) {
    return absl::InvalidArgumentError(
        "Prometheus's answer is not a matrix (data.resultType)");
  }
  for (const json& item : *result) {
    auto metric = item.find("metric");
    auto values = item.find("values");
    if (!item.is_object() || metric == item.end() || !metric->is_object() ||
        values == item.end() || !values->is_array()) {
      return absl::InvalidArgumentError(
          "Prometheus's answer has a series without metric and values");
    }
    std::vector<LabelSet::Entry> entries;
    for (auto it = metric->begin(); it != metric->end(); ++it) {
      if (!it.value().is_string()) {
        return absl::InvalidArgumentError(
            absl::StrCat("Prometheus's answer has a non-string label ",
                         it.key()));
      }
      if (it.key() == "__name__" || it.key() == "alertstate") continue;
      entries.emplace_back(it.key(), it.value().get<std::string>());
    }
    LabelSet labels(std::move(entries));
    SeriesSamples& s = (*series)[LabelKey(labels)];
    if (s.labels.empty()) s.labels = std::move(labels);
    for (const json& sample : *values) {
      if (!sample.is_array() || sample.size() != 2 ||
          !sample[0].is_number()) {
        return absl::InvalidArgumentError(
            "Prometheus's answer has a sample that is not [time, value]");
      }
      const double seconds = sample[0].get<double>();
      s.times.push_back(
          absl::FromUnixMillis(static_cast<int64_t>(std::llround(seconds * 1000))));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SeriesSamples>> FetchAlertSamples(
    const HistoryRequest& request, const HttpGetter& get,
    const ProgressFn& progress) {
  if (request.chunk <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("chunk: expected a positive duration");
  }
  const std::string base = BaseUrl(request.prometheus_url);
  std::map<std::string, SeriesSamples> series;
  const absl::Time from = request.start - request.lookback;
  absl::Time chunk_start = from;
  while (chunk_start < request.end) {
    const absl::Time chunk_end = std::min(chunk_start + request.chunk,
                                          request.end);
    const int64_t range_ms =
        absl::ToInt64Milliseconds(chunk_end - chunk_start);
    const std::string query =
        absl::StrCat("ALERTS{alertstate=\"firing\"}[", range_ms, "ms]");
    const std::string url =
        absl::StrCat(base, "/api/v1/query?query=", net::UrlQueryEscape(query),
                     "&time=", UnixSecondsText(chunk_end));
    absl::StatusOr<std::string> body = Get(get, url);
    if (!body.ok()) return body.status();
    absl::Status merged = MergeMatrixAnswer(*body, &series);
    if (!merged.ok()) {
      return absl::Status(merged.code(),
                          absl::StrCat(merged.message(), " (query ", query,
                                       " at ", absl::FormatTime(chunk_end),
                                       ")"));
    }
    if (progress) {
      progress(std::max(chunk_end - request.start, absl::ZeroDuration()),
               request.end - request.start, series.size());
    }
    chunk_start = chunk_end;
  }
  std::vector<SeriesSamples> out;
  out.reserve(series.size());
  for (auto& [key, s] : series) {
    // Range selectors include both ends: a sample on a chunk boundary may
    // come twice.
    std::sort(s.times.begin(), s.times.end());
    s.times.erase(std::unique(s.times.begin(), s.times.end()), s.times.end());
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<absl::Duration> FetchRetention(const std::string& prometheus_url,
                                              const HttpGetter& get) {
  const std::string url =
      absl::StrCat(BaseUrl(prometheus_url), "/api/v1/status/runtimeinfo");
  absl::StatusOr<std::string> body = Get(get, url);
  if (!body.ok()) return body.status();
  const json doc = json::parse(body->begin(), body->end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("data") ||
      !doc["data"].is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        url, ": not Prometheus's JSON (is --prometheus the Prometheus "
             "server's URL?)"));
  }
  const json& data = doc["data"];
  auto retention = data.find("storageRetention");
  if (retention == data.end() || !retention->is_string()) {
    return absl::ZeroDuration();
  }
  // "15d", "15d or 10GiB", "10GiB".
  for (absl::string_view part :
       absl::StrSplit(retention->get<std::string>(), " or ")) {
    absl::StatusOr<absl::Duration> d = alertmanager::ParsePrometheusDuration(part);
    if (d.ok()) return *d;
  }
  return absl::ZeroDuration();
}

}  // namespace backtest
}  // namespace autoheal

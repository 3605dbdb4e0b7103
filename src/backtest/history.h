// `autoheal backtest`'s history: when each alert fired, read from the raw
// samples of Prometheus's `ALERTS{alertstate="firing"}` series.
//
// Prometheus writes one `ALERTS` sample per rule evaluation while an alert
// fires. `query_range` would smear short quiet gaps away with its
// five-minute lookback, so the history is read as raw samples instead:
// range-vector instant queries (`ALERTS{alertstate="firing"}[6h]` evaluated
// at each chunk's end), chunk after chunk, so that a month stays within
// Prometheus's per-query sample limit. A gap longer than
// `kGapIntervals` evaluation intervals between two samples ends a firing.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: a
// PrometheusHistory is used by one thread; the free functions are pure.

#ifndef AUTOHEAL_BACKTEST_HISTORY_H_
#define AUTOHEAL_BACKTEST_HISTORY_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/alert.h"

namespace autoheal {
namespace backtest {

// A gap between two samples longer than this many evaluation intervals ends
// a firing: two intervals ("about two") plus half a one of slack for
// evaluation jitter.
inline constexpr double kGapIntervals = 2.5;

// The evaluation interval assumed for an alertname whose samples show none
// (each of its firings has a single sample) when no other alertname does.
inline constexpr absl::Duration kDefaultEvaluationInterval = absl::Minutes(1);

// The raw samples of one `ALERTS` series, without `__name__` and
// `alertstate`: the alert's labels, as Alertmanager would see them.
struct SeriesSamples {
  LabelSet labels;
  std::vector<absl::Time> times;  // sorted, unique
};

// One firing of one alert, clipped to the backtest range.
struct Firing {
  absl::Time start;
  // When Prometheus first evaluated the rule without it: the last sample
  // plus one evaluation interval. Meaningless when `open_at_end`.
  absl::Time end;
  // It was already firing when the range starts: `start` is the range's
  // start, and the real start (and any delivery before it) is not known.
  bool began_before_start = false;
  // Still firing when the range ends: it has no resolution.
  bool open_at_end = false;
};

// All firings of one alert (one label set), in time order.
struct AlertHistory {
  LabelSet labels;
  std::string alertname;
  absl::Duration evaluation_interval;
  std::vector<Firing> firings;
};

// Returns the evaluation interval of each alertname: the median of the
// positive gaps between consecutive samples of its series. An alertname
// without any gap gets the median over all alertnames, or
// `kDefaultEvaluationInterval` when there is no gap at all.
std::map<std::string, absl::Duration> EstimateEvaluationIntervals(
    const std::vector<SeriesSamples>& series);

// Turns raw samples into firings within [start, end]. Samples before
// `start` only tell whether a firing was already in progress. A firing whose
// last sample is within `kGapIntervals` intervals of `end` is open at the
// end.
std::vector<AlertHistory> ExtractFirings(
    const std::vector<SeriesSamples>& series, absl::Time start,
    absl::Time end);

// Parses one Prometheus API answer to a range-vector instant query and
// merges its samples into `*series` (keyed by the canonical text of the
// labels, see `LabelKey()`). Returns kInvalidArgument when the body is not
// a successful matrix answer, and kFailedPrecondition, quoting them, when
// the answer carries warnings (Prometheus may have returned partial data).
absl::Status MergeMatrixAnswer(absl::string_view body,
                               std::map<std::string, SeriesSamples>* series);

// Returns a canonical, unambiguous text for `labels`, e.g.
// {alertname="X", instance="db-01"}.
std::string LabelKey(const LabelSet& labels);

// What PrometheusHistory needs from HTTP: GET a URL, returning the status
// and the body, or an error naming the URL when no answer came.
struct HttpAnswer {
  long status = 0;
  std::string body;
};
using HttpGetter =
    std::function<absl::StatusOr<HttpAnswer>(const std::string& url)>;

// Called after each chunk: how much of the range is done, and how many
// distinct alert series were seen so far.
using ProgressFn = std::function<void(absl::Duration done, absl::Duration total,
                                      size_t series_seen)>;

struct HistoryRequest {
  // Base URL, e.g. http://127.0.0.1:9090 (a trailing slash is ignored).
  std::string prometheus_url;
  absl::Time start;
  absl::Time end;
  // The range of one query. Default: 6 hours.
  absl::Duration chunk = absl::Hours(6);
  // How far before `start` to look, to tell firings already in progress.
  // Default: 10 minutes.
  absl::Duration lookback = absl::Minutes(10);
};

// Fetches every `ALERTS{alertstate="firing"}` sample in
// [start - lookback, end] through `get`, chunk by chunk, calling `progress`
// (when set) after each. Stops at the first failure, never returning part
// of the range: kUnavailable naming the URL when Prometheus cannot be
// reached, kFailedPrecondition with the HTTP status and body for an HTTP
// error (or a Prometheus error answer, or warnings), kInvalidArgument for
// an answer that is not Prometheus's JSON.
absl::StatusOr<std::vector<SeriesSamples>> FetchAlertSamples(
    const HistoryRequest& request, const HttpGetter& get,
    const ProgressFn& progress);

// Returns the time-based retention Prometheus reports at
// /api/v1/status/runtimeinfo (`storageRetention`, e.g. "15d" or
// "15d or 10GiB"), or zero when it has none (size-based only) or cannot
// tell. Errors as FetchAlertSamples.
absl::StatusOr<absl::Duration> FetchRetention(const std::string& prometheus_url,
                                              const HttpGetter& get);

}  // namespace backtest
}  // namespace autoheal

#endif  // AUTOHEAL_BACKTEST_HISTORY_H_

// `autoheal backtest`'s deliveries: when Alertmanager would have sent which
// alerts to the webhook, given when each alert fired.
//
// Two models:
//   - per alert (no Alertmanager configuration): each alert is delivered
//     alone when it starts firing, again every `repeat_interval` while it
//     fires, and once when it resolves;
//   - Alertmanager's own timing (`AlertmanagerDeliveries()`): the routes
//     that reach the webhook receiver group alerts by `group_by`; a new
//     group is flushed after `group_wait`, then checked every
//     `group_interval`, and a check sends when a firing alert was not in
//     the last notification, when an alert resolved since, or when the last
//     notification is more than `repeat_interval` old (Alertmanager's
//     dedup stage: "more than", so a repeat leaves at the first check after
//     `repeat_interval`). A notification carries all the group's alerts,
//     firing and resolved; resolved alerts leave the group after it, and an
//     empty group ends (Alertmanager drops it within 30 s), so the next
//     alert starts a new one, with `group_wait` again.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: pure
// functions; a Router is called from one thread.

#ifndef AUTOHEAL_BACKTEST_DELIVERIES_H_
#define AUTOHEAL_BACKTEST_DELIVERIES_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "autoheal/alert.h"
#include "backtest/history.h"

namespace autoheal {
namespace backtest {

// Alertmanager's default repeat interval, used by the per-alert model.
inline constexpr absl::Duration kDefaultRepeatInterval = absl::Hours(4);

// One notification to the webhook.
struct Delivery {
  absl::Time time;
  // Which route sent it ("" in the per-alert model); for stable ordering
  // and for reports.
  std::string route;
  // Indexes into the histories the deliveries were computed from, with the
  // status each alert has in this notification.
  std::vector<std::pair<size_t, AlertStatus>> alerts;
};

// Returns the per-alert model's deliveries for `histories`, in time order
// (ties in history order). A firing already in progress at the range's
// start is delivered at the start; nothing is delivered after `end`.
std::vector<Delivery> PerAlertDeliveries(
    const std::vector<AlertHistory>& histories, absl::Duration repeat_interval,
    absl::Time end);

// The timing of one route that reaches the webhook receiver.
struct RouteTiming {
  // Identifies the route in group keys and reports, e.g. "route[0]".
  std::string id;
  std::vector<std::string> group_by;
  bool group_by_all = false;  // group_by: ['...']
  absl::Duration group_wait = absl::Seconds(30);
  absl::Duration group_interval = absl::Minutes(5);
  absl::Duration repeat_interval = kDefaultRepeatInterval;
};

// Which routes reaching the webhook an alert takes (several with
// `continue`); empty when the alert never reaches it.
class Router {
 public:
  virtual ~Router() = default;
  virtual std::vector<RouteTiming> Route(const LabelSet& labels) const = 0;
};

struct AlertmanagerPlan {
  std::vector<Delivery> deliveries;  // in time order
  // The histories (indexes) no route to the webhook takes.
  std::vector<size_t> unrouted;
};

// Returns Alertmanager's deliveries for `histories` routed by `router`, in
// time order, none after `end`. Does not keep `router`.
AlertmanagerPlan AlertmanagerDeliveries(
    const std::vector<AlertHistory>& histories, const Router& router,
    absl::Time end);

}  // namespace backtest
}  // namespace autoheal

#endif  // AUTOHEAL_BACKTEST_DELIVERIES_H_

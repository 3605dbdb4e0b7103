#include "backtest/deliveries.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"

namespace autoheal {
namespace backtest {
namespace {

bool IsSubset(const std::set<size_t>& subset, const std::set<size_t>& set) {
  return std::includes(set.begin(), set.end(), subset.begin(), subset.end());
}

void SortByTime(std::vector<Delivery>* deliveries) {
  std::stable_sort(deliveries->begin(), deliveries->end(),
                   [](const Delivery& a, const Delivery& b) {
                     return a.time < b.time;
                   });
}

// One aggregation group: its route's timing and its alerts (indexes into
// the histories, ascending).
struct Group {
  RouteTiming timing;
  std::vector<size_t> members;
};

// Returns whether history `h` fires at `t`, advancing `*cursor` (its first
// firing that may still cover `t`; times only grow).
bool FiringAt(const AlertHistory& h, absl::Time t, size_t* cursor) {
  while (*cursor < h.firings.size() && !h.firings[*cursor].open_at_end &&
         h.firings[*cursor].end <= t) {
    ++*cursor;
  }
  return *cursor < h.firings.size() && h.firings[*cursor].start <= t;
}

void SimulateGroup(const std::vector<AlertHistory>& histories,
                   const Group& group, absl::Time end,
                   std::vector<Delivery>* out) {
  const RouteTiming& timing = group.timing;
  // Every firing start of the group's alerts, as (time, member position).
  std::vector<std::pair<absl::Time, size_t>> arrivals;
  for (size_t m = 0; m < group.members.size(); ++m) {
    for (const Firing& f : histories[group.members[m]].firings) {
      arrivals.emplace_back(f.start, m);
    }
  }
  std::sort(arrivals.begin(), arrivals.end());
  std::vector<size_t> cursors(group.members.size(), 0);
  std::set<size_t> in_group;
  // The notification log's entry for this group: it outlives the group.
  std::set<size_t> sent_firing;
  std::set<size_t> sent_resolved;
  std::optional<absl::Time> sent_at;
  size_t next_arrival = 0;
  absl::Time flush;
  while (true) {
    if (in_group.empty()) {
      if (next_arrival == arrivals.size()) break;
      flush = arrivals[next_arrival].first + timing.group_wait;
    } else {
      flush += timing.group_interval;
    }
    if (flush > end) break;
    while (next_arrival < arrivals.size() &&
           arrivals[next_arrival].first <= flush) {
      in_group.insert(arrivals[next_arrival].second);
      ++next_arrival;
    }
    std::set<size_t> firing;
    std::set<size_t> resolved;
    for (size_t m : in_group) {
      if (FiringAt(histories[group.members[m]], flush, &cursors[m])) {
        firing.insert(m);
      } else {
        resolved.insert(m);
      }
    }
    // Alertmanager's DedupStage.needsUpdate, with send_resolved on.
    bool send;
    if (!sent_at.has_value()) {
      send = !firing.empty();
    } else if (!IsSubset(firing, sent_firing)) {
      send = true;
    } else if (firing.empty()) {
      send = !sent_firing.empty();
    } else if (!IsSubset(resolved, sent_resolved)) {
      send = true;
    } else {
      send = flush - *sent_at > timing.repeat_interval;
    }
    if (send) {
      Delivery& d = out->emplace_back();
      d.time = flush;
      d.route = timing.id;
      for (size_t m : in_group) {
        d.alerts.emplace_back(group.members[m], firing.count(m) != 0
                                                    ? AlertStatus::kFiring
                                                    : AlertStatus::kResolved);
      }
      sent_firing = firing;
      sent_resolved = resolved;
      sent_at = flush;
    }
    for (size_t m : resolved) in_group.erase(m);
  }
}

}  // namespace

std::vector<Delivery> PerAlertDeliveries(
    const std::vector<AlertHistory>& histories, absl::Duration repeat_interval,
    absl::Time end) {
  std::vector<Delivery> deliveries;
  for (size_t i = 0; i < histories.size(); ++i) {
    for (const Firing& f : histories[i].firings) {
      const absl::Time last = f.open_at_end ? end : f.end;
      for (absl::Time t = f.start; t < last && t <= end;
           t += repeat_interval) {
        deliveries.push_back({t, "", {{i, AlertStatus::kFiring}}});
      }
      if (!f.open_at_end && f.end <= end) {
        deliveries.push_back({f.end, "", {{i, AlertStatus::kResolved}}});
      }
    }
  }
  SortByTime(&deliveries);
  return deliveries;
}

AlertmanagerPlan AlertmanagerDeliveries(
    const std::vector<AlertHistory>& histories, const Router& router,
    absl::Time end) {
  AlertmanagerPlan plan;
  std::map<std::string, Group> groups;
  for (size_t i = 0; i < histories.size(); ++i) {
    const LabelSet& labels = histories[i].labels;
    std::vector<RouteTiming> routes = router.Route(labels);
    if (routes.empty()) plan.unrouted.push_back(i);
    for (RouteTiming& route : routes) {
      std::string key = absl::StrCat(route.id, "|");
      if (route.group_by_all) {
        absl::StrAppend(&key, LabelKey(labels));
      } else {
        for (const std::string& name : route.group_by) {
          absl::StrAppend(&key, name.size(), ":", name, "=",
                          labels.Find(name).value_or("").size(), ":",
                          labels.Find(name).value_or(""), ";");
        }
      }
      Group& group = groups[key];
      if (group.members.empty()) group.timing = std::move(route);
      group.members.push_back(i);
    }
  }
  for (const auto& [key, group] : groups) {
    SimulateGroup(histories, group, end, &plan.deliveries);
  }
  SortByTime(&plan.deliveries);
  return plan;
}

}  // namespace backtest
}  // namespace autoheal

#include "autoheal/acquire.h"

#include <algorithm>

namespace autoheal {

bool RecentTimes::Full(int limit, absl::Time now,
                       absl::Duration window) const {
  if (limit <= 0 || times_.size() < static_cast<size_t>(limit)) return false;
  return times_[times_.size() - limit] > now - window;
}

absl::Duration RecentTimes::UntilSlotFrees(int limit, absl::Time now,
                                           absl::Duration window) const {
  if (!Full(limit, now, window)) return absl::ZeroDuration();
  return times_[times_.size() - limit] + window - now;
}

void RecentTimes::Record(const absl::Time& now, int limit) {
  if (times_.empty() || now >= times_.back()) {
    times_.push_back(now);
  } else {
    // Callers read their clocks before they take the store's lock, so
    // times may arrive out of order; kept sorted, the newest `limit` are
    // the ones that count, whatever the order they came in.
    times_.insert(std::upper_bound(times_.begin(), times_.end(), now), now);
  }
  // Only the newest `limit` count. Dropping the older ones once twice that
  // many are held costs one move per Record on average, where dropping the
  // oldest at every Record would move them all each time.
  const size_t kept = static_cast<size_t>(limit);
  if (limit > 0 && times_.size() >= 2 * kept) {
    times_.erase(times_.begin(), times_.end() - kept);
  }
}

absl::Time RecentTimes::Newest() const {
  return times_.empty() ? absl::InfinitePast() : times_.back();
}

absl::Time KeyRecord::ForgetAfter(absl::Duration flap_window) const {
  absl::Time after = cooldown_until;
  if (latched) after = std::max(after, quiet_until);
  if (!executions.empty()) {
    after = std::max(after, executions.Newest() + flap_window);
  }
  return after;
}

// Checks 1-4 of the contract, on the key alone. Returns true with `result`
// set when one of them answers.
bool KeyGateAnswers(const AcquireRequest& request, KeyRecord& record,
                    AcquireResult& result, bool* changed) {
  const absl::Time now = request.now;
  const FlapLimit& flap = request.flap;
  if (record.latched && now >= record.quiet_until) {
    // Quiet for a whole window: the latch opens and the history restarts.
    if (!request.preview) {
      record.latched = false;
      record.executions.Clear();
      *changed = true;
    }
  } else if (record.latched) {
    result.outcome = AcquireOutcome::kEscalated;
    result.remaining = flap.window;
    if (!request.preview) {
      record.quiet_until = std::max(record.quiet_until, now + flap.window);
      *changed = true;
    }
    return true;
  }
  if (request.in_flight) {
    result.outcome = AcquireOutcome::kInFlight;
    return true;
  }
  if (now < record.cooldown_until) {
    result.outcome = AcquireOutcome::kCoolingDown;
    result.remaining = record.cooldown_until - now;
    return true;
  }
  if (flap.max_executions > 0 &&
      record.executions.Full(flap.max_executions, now, flap.window)) {
    result.outcome = AcquireOutcome::kEscalated;
    result.remaining = flap.window;
    if (!request.preview) {
      record.latched = true;
      record.quiet_until = now + flap.window;
      result.newly_escalated = true;
      *changed = true;
    }
    return true;
  }
  return false;
}

AcquireResult ApplyAcquire(const AcquireRequest& request, KeyRecord& record,
                           absl::Span<RecentTimes* const> budgets,
                           bool* changed) {
  AcquireResult result;
  *changed = false;
  if (KeyGateAnswers(request, record, result, changed)) return result;
  return ReserveAndCommit(request, record, budgets, changed);
}

AcquireResult ReserveAndCommit(const AcquireRequest& request,
                               KeyRecord& record,
                               absl::Span<RecentTimes* const> budgets,
                               bool* changed) {
  AcquireResult result;
  const absl::Time now = request.now;
  for (size_t i = 0; i < request.budgets.size(); ++i) {
    const BudgetReservation& budget = request.budgets[i];
    if (budgets[i]->Full(budget.limit, now, budget.window)) {
      result.outcome = AcquireOutcome::kBudgetExhausted;
      result.remaining =
          budgets[i]->UntilSlotFrees(budget.limit, now, budget.window);
      result.exhausted_budget = static_cast<int>(i);
      return result;
    }
  }
  result.outcome = AcquireOutcome::kAcquired;
  if (request.preview) return result;
  // A clock that stepped back never shortens the cooldown already held.
  record.cooldown_until = std::max(record.cooldown_until,
                                   now + request.cooldown);
  for (size_t i = 0; i < request.budgets.size(); ++i) {
    budgets[i]->Record(now, request.budgets[i].limit);
  }
  if (request.flap.max_executions > 0) {
    record.executions.Record(now, request.flap.max_executions);
  }
  *changed = true;
  return result;
}

}  // namespace autoheal

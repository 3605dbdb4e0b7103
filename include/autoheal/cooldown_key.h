// Cooldown keys: how an alert maps to the state that rate-limits its action.
//
// A key names one action for one alertname (plus the action's key labels,
// when it has any) in one namespace: live or dry-run, so that dry-run
// previews never hold a cooldown that would delay the first live action.
//
// Keys are encoded without ambiguity: every part is length-prefixed, so no
// label value, however hostile, can make two different alerts share a key.
//   ah1|live|11:restart-api|19:TcpEndpointDownFast|8:instance|5:db-01
// ("ah1" is the encoding's schema version.)
//
// Thread safety: plain values and pure functions.

#ifndef AUTOHEAL_COOLDOWN_KEY_H_
#define AUTOHEAL_COOLDOWN_KEY_H_

#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace autoheal {

enum class KeySpace { kLive, kDryRun };

// Returns "live" or "dry_run".
absl::string_view KeySpaceName(KeySpace space);

// Builds a key part by part. Append the action name and the alertname, then
// each key label's name and value, in the action's key_labels order.
//
//   CooldownKeyBuilder b(KeySpace::kLive);
//   b.Add("restart-api").Add("ApiDown").Add("instance").Add("api-1");
//   std::string key = b.Finish();
class CooldownKeyBuilder {
 public:
  explicit CooldownKeyBuilder(KeySpace space);
  // Appends one length-prefixed part.
  CooldownKeyBuilder& Add(absl::string_view part);
  // Returns the key and leaves the builder empty.
  std::string Finish() { return std::move(key_); }

 private:
  std::string key_;
};

// A cooldown key held by a decision: either borrowed from the engine
// (precomputed when the key is the action and alertname alone, so that the
// hot path does not allocate) or owned (built when it includes label values).
// Returns the key of a budget counter: the global budget of `space` when
// `action` is null, else that action's own budget. Budget keys start with
// "ah1budget|", so they never equal a cooldown key ("ah1|...").
std::string BudgetKey(KeySpace space, const std::string* action_name,
                      const std::string* alertname);

class CooldownKey {
 public:
  CooldownKey() = default;
  // Refers to `*key`, which must outlive this object and its copies.
  static CooldownKey Borrowed(const std::string* key) {
    CooldownKey k;
    k.borrowed_ = key;
    return k;
  }
  static CooldownKey Owned(std::string key) {
    CooldownKey k;
    k.owned_ = std::move(key);
    return k;
  }

  absl::string_view view() const {
    return borrowed_ != nullptr ? absl::string_view(*borrowed_)
                                : absl::string_view(owned_);
  }
  bool empty() const { return view().empty(); }

 private:
  const std::string* borrowed_ = nullptr;
  std::string owned_;
};

}  // namespace autoheal

#endif  // AUTOHEAL_COOLDOWN_KEY_H_

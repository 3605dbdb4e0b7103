// A cheap hash for maps whose keys come from the policy (alertnames, budget
// keys), not from alerts.
//
// It hashes only a key's length and its first and last eight bytes, so it
// costs the same for any length. Keys that share those collide, which costs
// a probe and a compare, never a wrong answer. That is safe only where an
// attacker can at most look keys up, never insert them: a map filled from
// alert content (cooldown keys carry label values) must use absl::Hash.
//
// Thread safety: stateless.

#ifndef AUTOHEAL_INTERNAL_POLICY_KEY_HASH_H_
#define AUTOHEAL_INTERNAL_POLICY_KEY_HASH_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"

namespace autoheal {
namespace internal {

struct PolicyKeyHash {
  using is_transparent = void;
  size_t operator()(absl::string_view key) const {
    const size_t n = key.size();
    uint64_t head = 0;
    uint64_t tail = 0;
    if (n >= 8) {
      // Fixed-size copies: one load each. (A variable-length copy is made
      // of narrower stores, and reading `head` back whole then stalls on
      // store forwarding: the profile's hottest instruction.)
      std::memcpy(&head, key.data(), 8);
      std::memcpy(&tail, key.data() + n - 8, 8);
    } else if (n > 0) {
      // An absent key may be a null view, and memcpy from null is
      // undefined even for zero bytes.
      std::memcpy(&head, key.data(), n);
    }
    uint64_t h =
        (head ^ (tail * 0x9E3779B97F4A7C15ull) ^ n) * 0xC2B2AE3D27D4EB4Full;
    return static_cast<size_t>(h ^ (h >> 31));
  }
};

struct PolicyKeyEq {
  using is_transparent = void;
  bool operator()(absl::string_view a, absl::string_view b) const {
    return a == b;
  }
};

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_INTERNAL_POLICY_KEY_HASH_H_

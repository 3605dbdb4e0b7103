// Test hooks of `RedisCooldownStore`, kept out of its public header: a test
// connects through `ConnectRedisWithHooks()` to run code at points inside
// an acquire that no real caller can reach.
//
// This header is internal to autoheal (not installed).

#ifndef AUTOHEAL_SRC_REDIS_REDIS_TEST_HOOKS_H_
#define AUTOHEAL_SRC_REDIS_REDIS_TEST_HOOKS_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "autoheal/redis_cooldown_store.h"

namespace autoheal {
namespace internal {

struct RedisTestHooks {
  // Called with the key between the flap script and SET NX of a single
  // Acquire() (on the acquiring thread, holding a pooled connection), so
  // that a test can let another replica act at that very point. A batch
  // runs as one script and has no such point.
  std::function<void(absl::string_view key)> before_set;
};

// Connects as `RedisCooldownStore::Connect()` does, with `hooks`.
absl::StatusOr<std::unique_ptr<RedisCooldownStore>> ConnectRedisWithHooks(
    RedisOptions options, RedisTestHooks hooks);

// The one way in to a store's hooks.
class RedisStoreTestPeer {
 public:
  static void SetHooks(RedisCooldownStore& store, RedisTestHooks hooks);
};

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_SRC_REDIS_REDIS_TEST_HOOKS_H_

#include "state/open_state_store.h"

#include "absl/strings/str_cat.h"
#include "autoheal/redis_cooldown_store.h"

namespace autoheal {
namespace {

absl::StatusOr<std::unique_ptr<CooldownStore>> OpenRedis(
    const StateOptions& options) {
  RedisOptions redis;
  redis.address = options.redis_address;
  redis.prefix = options.redis_prefix;
  redis.connect_timeout = options.redis_timeout;
  redis.command_timeout = options.redis_timeout;
  absl::StatusOr<std::unique_ptr<RedisCooldownStore>> store =
      RedisCooldownStore::Connect(std::move(redis));
  if (!store.ok()) {
    return absl::Status(store.status().code(),
                        absl::StrCat("--state_backend=redis: ",
                                     store.status().message()));
  }
  return {*std::move(store)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<CooldownStore>> OpenStateStore(
    const StateOptions& options) {
  if (options.backend == "memory") {
    return {std::make_unique<InMemoryCooldownStore>()};
  }
  if (options.backend == "redis") return OpenRedis(options);
  return absl::InvalidArgumentError(
      absl::StrCat("--state_backend \"", options.backend,
                   "\": expected memory or redis"));
}

}  // namespace autoheal

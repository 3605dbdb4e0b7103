#include "state/open_state_store.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/redis_cooldown_store.h"
#include "autoheal/sqlite_cooldown_store.h"

namespace autoheal {
namespace {

using StoreOrError = absl::StatusOr<std::unique_ptr<CooldownStore>>;

StoreOrError OpenMemory(const StateOptions&) {
  return {std::make_unique<InMemoryCooldownStore>()};
}

StoreOrError OpenSqlite(const StateOptions& options) {
  SqliteOptions sqlite;
  sqlite.mode = options.sqlite_mode;
  absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
      SqliteCooldownStore::Open(options.sqlite_path, sqlite);
  if (!store.ok()) return store.status();
  return {*std::move(store)};
}

StoreOrError OpenRedis(const StateOptions& options) {
  RedisOptions redis;
  redis.address = options.redis_address;
  redis.prefix = options.redis_prefix;
  redis.connect_timeout = options.redis_timeout;
  redis.command_timeout = options.redis_timeout;
  absl::StatusOr<std::unique_ptr<RedisCooldownStore>> store =
      RedisCooldownStore::Connect(std::move(redis));
  if (!store.ok()) return store.status();
  return {*std::move(store)};
}

struct Backend {
  const char* name;
  StoreOrError (*open)(const StateOptions&);
};

constexpr Backend kBackends[] = {
    {"memory", OpenMemory},
    {"sqlite", OpenSqlite},
    {"redis", OpenRedis},
};

}  // namespace

StoreOrError OpenStateStore(const StateOptions& options) {
  for (const Backend& backend : kBackends) {
    if (options.backend == backend.name) return backend.open(options);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "state backend \"", options.backend, "\": expected one of ",
      absl::StrJoin(kBackends, ", ", [](std::string* out, const Backend& b) {
        out->append(b.name);
      })));
}

std::string DescribeStateStore(const StateOptions& options) {
  if (options.backend == "memory") return "memory (not persisted)";
  if (options.backend == "sqlite") {
    return absl::StrCat("sqlite ", options.sqlite_path);
  }
  if (options.backend == "redis") {
    return absl::StrCat("redis ", options.redis_address, " prefix ",
                        options.redis_prefix);
  }
  return options.backend;
}

absl::StatusOr<bool> CreateDirectoryIfMissing(const std::string& dir,
                                              mode_t mode) {
  if (::mkdir(dir.c_str(), mode) == 0) return true;
  if (errno == EEXIST) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return false;
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": exists and is not a directory"));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot create directory ", dir, ": ", std::strerror(errno)));
}

}  // namespace autoheal

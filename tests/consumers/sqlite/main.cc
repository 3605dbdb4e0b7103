// Component sqlite alone, from the installed package: the durable store
// keeps a cooldown across closing and reopening its file. Exits 0 when it
// does.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "autoheal/sqlite_cooldown_store.h"
#include "autoheal/testing/fake_clock.h"

namespace {

// Takes `key` for a minute; returns the outcome, or -1 on an error.
int Take(const std::string& db, autoheal::Clock& clock) {
  auto store = autoheal::SqliteCooldownStore::Open(db, {});
  if (!store.ok()) {
    std::cerr << store.status() << "\n";
    return -1;
  }
  auto taken = (*store)->TryAcquire("key", clock.Now(), absl::Minutes(1));
  if (!taken.ok()) {
    std::cerr << taken.status() << "\n";
    return -1;
  }
  return static_cast<int>(taken->outcome);
}

}  // namespace

int main() {
  char dir[] = "/tmp/autoheal-consumer-sqlite-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  const std::string db = std::string(dir) + "/state.db";
  autoheal::testing::FakeClock clock;
  const int first = Take(db, clock);
  const int second = Take(db, clock);  // a new connection: read from disk
  clock.Advance(absl::Minutes(1));
  const int third = Take(db, clock);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::remove((db + suffix).c_str());
  }
  rmdir(dir);
  std::cout << "outcomes " << first << " " << second << " " << third << "\n";
  using autoheal::AcquireOutcome;
  bool ok = first == static_cast<int>(AcquireOutcome::kAcquired) &&
            second == static_cast<int>(AcquireOutcome::kCoolingDown) &&
            third == static_cast<int>(AcquireOutcome::kAcquired);
  return ok ? 0 : 1;
}

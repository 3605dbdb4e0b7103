// Proves, in the TSan build only, that ThreadSanitizer is live and that
// autoheal::internal::Mutex is what makes it usable with Debian's uninstrumented
// libabsl. Each mode runs two threads that each increment one shared counter
// 10,000 times:
//
//   unlocked   no lock at all: a real race, TSan must report it;
//   absl       under a bare absl::Mutex: correct code, but its Lock() and
//              Unlock() run in uninstrumented libabsl, so TSan reports a
//              (false) race: why autoheal never uses absl::Mutex directly;
//   autoheal   under autoheal::internal::Mutex: the same code, annotated; no report.
//
// tests/sanitizer_suites.cmake registers one ctest per mode and matches
// TSan's output, so the TSan suite fails if TSan stops seeing races, or if
// the annotations stop working. Also prints the final count, which must be
// 20000 whenever a lock was held.
//
// This file is exempt from scripts/check_no_raw_mutex.sh: the absl mode
// needs the bare mutex.
#include <cstdio>
#include <cstring>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "autoheal/internal/mutex.h"

namespace {

constexpr int kIncrements = 10'000;

// Runs `increment` kIncrements times on each of two threads.
template <typename Fn>
void OnTwoThreads(Fn increment) {
  auto body = [&] {
    for (int i = 0; i < kIncrements; ++i) increment();
  };
  std::thread first(body);
  std::thread second(body);
  first.join();
  second.join();
}

int Unlocked() {
  int count = 0;
  OnTwoThreads([&] { ++count; });
  return count;
}

int UnderAbslMutex() {
  absl::Mutex mu;
  int count = 0;
  OnTwoThreads([&] {
    absl::MutexLock lock(&mu);
    ++count;
  });
  return count;
}

int UnderAutohealMutex() {
  autoheal::internal::Mutex mu;
  int count = 0;
  OnTwoThreads([&] {
    autoheal::internal::MutexLock lock(&mu);
    ++count;
  });
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s unlocked|absl|autoheal\n", argv[0]);
    return 2;
  }
  int count;
  if (std::strcmp(argv[1], "unlocked") == 0) {
    count = Unlocked();
  } else if (std::strcmp(argv[1], "absl") == 0) {
    count = UnderAbslMutex();
  } else if (std::strcmp(argv[1], "autoheal") == 0) {
    count = UnderAutohealMutex();
  } else {
    std::fprintf(stderr, "unknown mode \"%s\"\n", argv[1]);
    return 2;
  }
  std::printf("count %d\n", count);
  return 0;
}

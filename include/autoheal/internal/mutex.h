// autoheal's mutex: absl::Mutex, visible to ThreadSanitizer.
//
// Internal (namespace autoheal::internal): installed only because public
// headers hold these types as members; not part of the API, and may change
// without notice. Users lock with their own primitives.
//
// Every lock in autoheal is an `autoheal::internal::Mutex` taken with
// `internal::MutexLock` (or `ReaderMutexLock`), never an `absl::Mutex`
// directly; scripts/check_no_raw_mutex.sh enforces that. The reason is TSan:
// Debian's libabsl is built without it, so TSan never sees absl::Mutex's
// Lock() and Unlock() happen (they run in uninstrumented code) and reports a
// race on every access that the mutex orders. Under TSan these wrappers tell
// it about each lock operation with the annotations of
// <sanitizer/tsan_interface.h>; everywhere else they are inline forwarders to
// absl::Mutex, with the same size and the same machine code.
//
// The lock annotations (ABSL_LOCKABLE, ABSL_GUARDED_BY, ...) work as they do
// on absl::Mutex, so clang's -Wthread-safety keeps checking every use.
//
// Waiting on a condition has no timed variant here: a timed wait reads the
// real clock, which only src/core/clock.cc may do. Use
// `internal::AwaitWithRealTimeout()` (declared below, defined there).
//
// Thread safety: as absl::Mutex. A Mutex must outlive every lock on it.
//
// This header is internal to autoheal: it is installed only because public
// headers hold a Mutex as a private member.
//
//   class Counter {
//    public:
//     void Add() ABSL_LOCKS_EXCLUDED(mu_) {
//       MutexLock lock(&mu_);
//       ++count_;
//     }
//    private:
//     Mutex mu_;
//     int count_ ABSL_GUARDED_BY(mu_) = 0;
//   };

#ifndef AUTOHEAL_INTERNAL_MUTEX_H_
#define AUTOHEAL_INTERNAL_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#if defined(__SANITIZE_THREAD__)
#define AUTOHEAL_TSAN_ANNOTATE_MUTEXES 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AUTOHEAL_TSAN_ANNOTATE_MUTEXES 1
#endif
#endif

#ifdef AUTOHEAL_TSAN_ANNOTATE_MUTEXES
#include <sanitizer/tsan_interface.h>
#endif

namespace autoheal {
namespace internal {

class Mutex;

// Waits until `condition` holds or `timeout` passes on the real clock (a
// non-positive timeout does not wait), like absl::Mutex::AwaitWithTimeout:
// releases `mu` while waiting and holds it again on return. Returns whether
// `condition` holds. Defined in src/core/clock.cc, the one file that may read
// the real clock, so that every real-time wait is visible in one place.
bool AwaitWithRealTimeout(Mutex& mu, const absl::Condition& condition,
                          absl::Duration timeout)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

// A reader-writer mutex; absl::Mutex under another name (see the file
// comment for why).
class ABSL_LOCKABLE Mutex {
 public:
  Mutex() { Annotate(kCreate); }
  ~Mutex() { Annotate(kDestroy); }
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // Blocks until this thread holds the mutex exclusively.
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    Annotate(kPreLock);
    mu_.Lock();
    Annotate(kPostLock);
  }

  // Releases an exclusive hold.
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    Annotate(kPreUnlock);
    mu_.Unlock();
    Annotate(kPostUnlock);
  }

  // Takes the mutex exclusively if it is free at once; returns whether it
  // did.
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    Annotate(kPreTryLock);
    const bool locked = mu_.TryLock();
    Annotate(locked ? kPostTryLock : kPostTryLockFailed);
    return locked;
  }

  // Blocks until this thread holds the mutex shared (with other readers).
  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION() {
    Annotate(kPreReaderLock);
    mu_.ReaderLock();
    Annotate(kPostReaderLock);
  }

  // Releases a shared hold.
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION() {
    Annotate(kPreReaderUnlock);
    mu_.ReaderUnlock();
    Annotate(kPostReaderUnlock);
  }

  // Dies (in debug builds of Abseil) unless this thread holds the mutex
  // exclusively; tells -Wthread-safety that it does.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() { mu_.AssertHeld(); }

  // As AssertHeld(), for a shared or exclusive hold.
  void AssertReaderHeld() const ABSL_ASSERT_SHARED_LOCK() {
    mu_.AssertReaderHeld();
  }

  // Releases the mutex until `condition` holds, then holds it again and
  // returns. `condition` is evaluated with the mutex held, possibly on
  // another thread. Precondition: this thread holds the mutex exclusively.
  void Await(const absl::Condition& condition)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    ReleaseForWait();
    mu_.Await(condition);
    ReacquireAfterWait();
  }

 private:
  friend class CondVar;
  friend bool AwaitWithRealTimeout(Mutex& mu,
                                             const absl::Condition& condition,
                                             absl::Duration timeout);

  enum Event {
    kCreate,
    kDestroy,
    kPreLock,
    kPostLock,
    kPreTryLock,
    kPostTryLock,
    kPostTryLockFailed,
    kPreReaderLock,
    kPostReaderLock,
    kPreUnlock,
    kPostUnlock,
    kPreReaderUnlock,
    kPostReaderUnlock,
  };

  // Tells TSan about one step of a lock operation on `mu_`; nothing outside
  // TSan builds. TSan ignores the memory accesses between a pre and its post
  // event (Abseil's own bookkeeping, and conditions it evaluates).
  void Annotate(Event event) const {
#ifdef AUTOHEAL_TSAN_ANNOTATE_MUTEXES
    void* const addr = const_cast<absl::Mutex*>(&mu_);
    constexpr unsigned kTry = __tsan_mutex_try_lock;
    constexpr unsigned kRead = __tsan_mutex_read_lock;
    switch (event) {
      case kCreate:
        __tsan_mutex_create(addr, 0);
        break;
      case kDestroy:
        __tsan_mutex_destroy(addr, 0);
        break;
      case kPreLock:
        __tsan_mutex_pre_lock(addr, 0);
        break;
      case kPostLock:
        __tsan_mutex_post_lock(addr, 0, 0);
        break;
      case kPreTryLock:
        __tsan_mutex_pre_lock(addr, kTry);
        break;
      case kPostTryLock:
        __tsan_mutex_post_lock(addr, kTry, 0);
        break;
      case kPostTryLockFailed:
        __tsan_mutex_post_lock(addr, kTry | __tsan_mutex_try_lock_failed, 0);
        break;
      case kPreReaderLock:
        __tsan_mutex_pre_lock(addr, kRead);
        break;
      case kPostReaderLock:
        __tsan_mutex_post_lock(addr, kRead, 0);
        break;
      case kPreUnlock:
        __tsan_mutex_pre_unlock(addr, 0);
        break;
      case kPostUnlock:
        __tsan_mutex_post_unlock(addr, 0);
        break;
      case kPreReaderUnlock:
        __tsan_mutex_pre_unlock(addr, kRead);
        break;
      case kPostReaderUnlock:
        __tsan_mutex_post_unlock(addr, kRead);
        break;
    }
#else
    (void)event;
#endif
  }

  // A wait releases the mutex and takes it back inside Abseil. TSan learns
  // of the release before the wait (so the thread that takes the mutex next
  // sees our writes) and of the acquisition after it; whatever Abseil does
  // in between, including evaluating the condition, is ignored.
  void ReleaseForWait() {
    Annotate(kPreUnlock);
    Annotate(kPostUnlock);
    Annotate(kPreLock);
  }
  void ReacquireAfterWait() { Annotate(kPostLock); }

  absl::Mutex mu_;
};

// Holds `mu` exclusively for its own lifetime.
//
//   MutexLock lock(&mu_);
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  // Blocks until this thread holds `*mu`. `mu` must outlive the lock.
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// Holds `mu` shared for its own lifetime.
class ABSL_SCOPED_LOCKABLE ReaderMutexLock {
 public:
  // Blocks until this thread holds `*mu` shared. `mu` must outlive the lock.
  explicit ReaderMutexLock(Mutex* mu) ABSL_SHARED_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->ReaderLock();
  }
  ~ReaderMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->ReaderUnlock(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// A condition variable for Mutex; absl::CondVar under another name. Prefer
// Mutex::Await() with an absl::Condition, which cannot miss a wake-up.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases `*mu`, waits for Signal() or SignalAll() (or a spurious
  // wake-up: re-check the predicate in a loop), then holds `*mu` again.
  void Wait(Mutex* mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    mu->ReleaseForWait();
    cv_.Wait(&mu->mu_);
    mu->ReacquireAfterWait();
  }

  // Wakes at least one waiter, if any.
  void Signal() { cv_.Signal(); }

  // Wakes every waiter.
  void SignalAll() { cv_.SignalAll(); }

 private:
  absl::CondVar cv_;
};

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_INTERNAL_MUTEX_H_

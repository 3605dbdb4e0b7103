// SqliteCooldownStore against real processes (tests/sqlite_crash_helper.cc):
// a process SIGKILLed right after acknowledging acquires, one at a time or
// a batch at a time (the receiver's path), loses none of them; two processes racing on one file acquire each key once; a lock held
// by another process is a startup error naming the file; a full disk fails
// closed and loses nothing acknowledged.
#include <signal.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "autoheal/sqlite_cooldown_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"
#include "test_util.h"

#ifndef AUTOHEAL_SQLITE_HELPER_BIN
#error "AUTOHEAL_SQLITE_HELPER_BIN must name the sqlite_crash_helper binary"
#endif

namespace autoheal {
namespace {

using ::autoheal::testutil::CompleteLines;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::autoheal::testutil::Subprocess;
using ::autoheal::testutil::SubprocessOptions;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::WaitUntil;
using ::testing::HasSubstr;

class SqliteCrashTest : public ::testing::Test {
 protected:
  std::unique_ptr<Subprocess> StartHelper(std::vector<std::string> args,
                                          const std::string& name) {
    SubprocessOptions options;
    options.argv = {AUTOHEAL_SQLITE_HELPER_BIN};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.stdout_path = dir_.Path(name + ".out");
    options.stderr_path = dir_.Path(name + ".err");
    absl::StatusOr<std::unique_ptr<Subprocess>> helper =
        Subprocess::Start(std::move(options));
    EXPECT_THAT(helper, IsOk());
    return helper.ok() ? *std::move(helper) : nullptr;
  }

  std::unique_ptr<SqliteCooldownStore> MustOpen() {
    absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
        SqliteCooldownStore::Open(path_, SqliteOptions());
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Returns how many of `keys` are not cooling down in a fresh store on the
  // file, listing the first few in `*missing`.
  int CountNotHonoured(const std::vector<std::string>& keys,
                       std::string* missing) {
    std::unique_ptr<SqliteCooldownStore> store = MustOpen();
    if (store == nullptr) return static_cast<int>(keys.size());
    int not_honoured = 0;
    for (const std::string& key : keys) {
      absl::StatusOr<AcquireResult> result =
          store->TryAcquire(key, absl::Now(), absl::Hours(1));
      if (result.ok() && result->outcome == AcquireOutcome::kCoolingDown) {
        continue;
      }
      if (++not_honoured <= 5) {
        absl::StrAppend(missing, " ", key, "=",
                        result.ok() ? "acquired" : result.status().ToString());
      }
    }
    return not_honoured;
  }

  TempDir dir_;
  std::string path_ = dir_.Path("state.db");
};

TEST_F(SqliteCrashTest, EveryAcknowledgedCooldownSurvivesSigkill) {
  std::mt19937 random(std::random_device{}());
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const std::string prefix = absl::StrCat("round", round);
    std::unique_ptr<Subprocess> helper =
        StartHelper({"acquire", path_, prefix, "0"}, prefix);
    ASSERT_NE(helper, nullptr);
    const size_t target =
        std::uniform_int_distribution<size_t>(200, 500)(random);
    ASSERT_THAT(WaitUntil(
                    [&] { return CompleteLines(helper->ReadStdout()).size() >=
                                 target; },
                    absl::Seconds(120), absl::StrCat(target, " acknowledgements"),
                    {helper.get()}, absl::Milliseconds(1)),
                IsOk());
    // A random moment: between commits, inside one, or inside an fsync.
    absl::SleepFor(absl::Microseconds(
        std::uniform_int_distribution<int>(0, 10'000)(random)));
    ASSERT_THAT(helper->Signal(SIGKILL), IsOk());
    absl::StatusOr<testutil::ProcessExit> exit = helper->Wait(absl::Seconds(10));
    ASSERT_THAT(exit, IsOk());
    ASSERT_TRUE(exit->Signaled() && exit->TermSignal() == SIGKILL)
        << helper->Describe();

    // A last line without its newline was not acknowledged.
    const std::vector<std::string> acked = CompleteLines(helper->ReadStdout());
    ASSERT_GE(acked.size(), target);
    for (size_t i = 0; i < acked.size(); ++i) {
      ASSERT_EQ(acked[i], absl::StrCat(prefix, "-", i));
    }
    std::string missing;
    EXPECT_EQ(CountNotHonoured(acked, &missing), 0)
        << "of " << acked.size() << " acknowledged:" << missing;
  }
}

// The receiver decides a notification with one AcquireBatch(): one
// transaction, one fsync. A batch acknowledged before the SIGKILL is whole
// in the file; a batch the kill interrupted is not half there either (its
// keys are never acknowledged, and the next batch's keys come after them).
TEST_F(SqliteCrashTest, EveryAcknowledgedBatchSurvivesSigkill) {
  std::mt19937 random(std::random_device{}());
  constexpr int kBatch = 25;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const std::string prefix = absl::StrCat("batch", round);
    std::unique_ptr<Subprocess> helper = StartHelper(
        {"acquire-batch", path_, prefix, absl::StrCat(kBatch)}, prefix);
    ASSERT_NE(helper, nullptr);
    const size_t target =
        kBatch * std::uniform_int_distribution<size_t>(4, 20)(random);
    ASSERT_THAT(WaitUntil(
                    [&] { return CompleteLines(helper->ReadStdout()).size() >=
                                 target; },
                    absl::Seconds(120), absl::StrCat(target, " acknowledgements"),
                    {helper.get()}, absl::Milliseconds(1)),
                IsOk());
    absl::SleepFor(absl::Microseconds(
        std::uniform_int_distribution<int>(0, 10'000)(random)));
    ASSERT_THAT(helper->Signal(SIGKILL), IsOk());
    absl::StatusOr<testutil::ProcessExit> exit = helper->Wait(absl::Seconds(10));
    ASSERT_THAT(exit, IsOk());
    ASSERT_TRUE(exit->Signaled() && exit->TermSignal() == SIGKILL)
        << helper->Describe();

    // Acknowledged: every key of each batch, in order, never the duplicate.
    std::vector<std::string> acked = CompleteLines(helper->ReadStdout());
    ASSERT_GE(acked.size(), target);
    for (size_t i = 0; i < acked.size(); ++i) {
      ASSERT_EQ(acked[i], absl::StrCat(prefix, "-", i));
    }
    std::string missing;
    EXPECT_EQ(CountNotHonoured(acked, &missing), 0)
        << "of " << acked.size() << " acknowledged:" << missing;
    // A batch is all or nothing in the file: the keys after the last
    // acknowledged one are all there (a committed batch whose
    // acknowledgement the kill cut short) or none are.
    ASSERT_EQ(acked.size() % kBatch, 0u) << "one write(2) per batch";
    std::vector<std::string> next;
    for (size_t i = acked.size(); i < acked.size() + kBatch; ++i) {
      next.push_back(absl::StrCat(prefix, "-", i));
    }
    const int not_honoured = CountNotHonoured(next, &missing);
    EXPECT_TRUE(not_honoured == 0 || not_honoured == kBatch)
        << not_honoured << " of the next batch's keys are missing";
  }
}

TEST_F(SqliteCrashTest, TwoProcessesOnOneFileAcquireEachKeyOnce) {
  ASSERT_NE(MustOpen(), nullptr);  // create the file before the race
  constexpr int kKeys = 150;
  std::unique_ptr<Subprocess> a =
      StartHelper({"acquire", path_, "shared", absl::StrCat(kKeys)}, "a");
  std::unique_ptr<Subprocess> b =
      StartHelper({"acquire", path_, "shared", absl::StrCat(kKeys)}, "b");
  ASSERT_TRUE(a != nullptr && b != nullptr);
  for (Subprocess* helper : {a.get(), b.get()}) {
    absl::StatusOr<testutil::ProcessExit> exit = helper->Wait(absl::Seconds(120));
    ASSERT_THAT(exit, IsOk());
    ASSERT_TRUE(exit->Succeeded()) << helper->Describe();
  }
  std::multiset<std::string> acquired;
  for (Subprocess* helper : {a.get(), b.get()}) {
    for (std::string& key : CompleteLines(helper->ReadStdout())) {
      acquired.insert(std::move(key));
    }
  }
  EXPECT_EQ(acquired.size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    EXPECT_EQ(acquired.count(absl::StrCat("shared-", i)), 1u) << i;
  }
}

TEST_F(SqliteCrashTest, ALockHeldByAnotherProcessIsAStartupErrorNamingTheFile) {
  ASSERT_NE(MustOpen(), nullptr);
  std::unique_ptr<Subprocess> holder = StartHelper({"hold-lock", path_}, "lock");
  ASSERT_NE(holder, nullptr);
  ASSERT_THAT(testutil::WaitForFileLine(holder->stdout_path(), "locked",
                                        absl::Seconds(20), {holder.get()}),
              IsOk());
  SqliteOptions options;
  options.busy_timeout = absl::Milliseconds(300);
  absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
      SqliteCooldownStore::Open(path_, options);
  EXPECT_THAT(store, StatusIs(absl::StatusCode::kUnavailable,
                              absl::StrCat("state database ", path_,
                                           ": open: begin transaction: locked "
                                           "by another connection or process "
                                           "for longer than the 300ms")));
  holder->Kill();
  store = SqliteCooldownStore::Open(path_, options);
  EXPECT_THAT(store, IsOk());
}

TEST_F(SqliteCrashTest, AFullDiskFailsClosedAndLosesNothingAcknowledged) {
  std::unique_ptr<Subprocess> filler =
      StartHelper({"fill", path_, absl::StrCat(512 * 1024)}, "fill");
  ASSERT_NE(filler, nullptr);
  absl::StatusOr<testutil::ProcessExit> exit = filler->Wait(absl::Seconds(120));
  ASSERT_THAT(exit, IsOk());
  ASSERT_TRUE(exit->Succeeded()) << filler->Describe() << filler->ReadStdout();
  std::vector<std::string> lines = CompleteLines(filler->ReadStdout());
  ASSERT_GE(lines.size(), 2u);
  const std::string error = lines.back();
  lines.pop_back();
  EXPECT_THAT(error, HasSubstr(absl::StrCat("error: UNAVAILABLE: state "
                                            "database ", path_, ": acquire: ")));
  EXPECT_TRUE(absl::StrContains(error, "I/O error") ||
              absl::StrContains(error, "the disk is full"))
      << error;
  std::string missing;
  EXPECT_EQ(CountNotHonoured(lines, &missing), 0)
      << "of " << lines.size() << " acknowledged:" << missing;
}

}  // namespace
}  // namespace autoheal

// OpenStateStore: the backend table, its errors, and the directory helper
// the receiver uses for the default state path.
#include "state/open_state_store.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::autoheal::testutil::TempDir;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

TEST(OpenStateStoreTest, DefaultsToSqliteUnderVarLib) {
  StateOptions options;
  EXPECT_EQ(options.backend, "sqlite");
  EXPECT_EQ(options.sqlite_path, "/var/lib/autoheal/state.db");
  EXPECT_EQ(DescribeStateStore(options), "sqlite /var/lib/autoheal/state.db");
}

TEST(OpenStateStoreTest, MemoryForgetsWhatSqliteKeeps) {
  TempDir dir;
  for (const char* backend : {"memory", "sqlite"}) {
    StateOptions options;
    options.backend = backend;
    options.sqlite_path = dir.Path("state.db");
    auto first = OpenStateStore(options);
    ASSERT_THAT(first, IsOk()) << backend;
    auto taken = (*first)->TryAcquire("k", kT0, absl::Hours(1));
    ASSERT_THAT(taken, IsOk());
    ASSERT_TRUE(taken->acquired());
    first->reset();
    auto second = OpenStateStore(options);
    ASSERT_THAT(second, IsOk()) << backend;
    auto again = (*second)->TryAcquire("k", kT0, absl::Hours(1));
    ASSERT_THAT(again, IsOk());
    EXPECT_EQ(again->acquired(), std::string(backend) == "memory") << backend;
  }
}

TEST(OpenStateStoreTest, UnknownBackendListsTheChoices) {
  StateOptions options;
  options.backend = "etcd";
  EXPECT_THAT(OpenStateStore(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "state backend \"etcd\": expected one of memory, sqlite"));
}

TEST(OpenStateStoreTest, SqliteErrorsNameTheFile) {
  TempDir dir;
  StateOptions options;
  options.sqlite_path = dir.Path("missing/state.db");
  EXPECT_THAT(OpenStateStore(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("state database ", options.sqlite_path)));
}

TEST(CreateDirectoryIfMissingTest, CreatesOnlyTheLastLevelOnce) {
  TempDir dir;
  const std::string created = dir.Path("autoheal");
  absl::StatusOr<bool> made = CreateDirectoryIfMissing(created, 0750);
  ASSERT_THAT(made, IsOk());
  EXPECT_TRUE(*made);
  struct stat st;
  ASSERT_EQ(::stat(created.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  const mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0750 & ~mask);
  made = CreateDirectoryIfMissing(created, 0750);
  ASSERT_THAT(made, IsOk());
  EXPECT_FALSE(*made);

  const std::string deep = dir.Path("a/b");
  EXPECT_THAT(CreateDirectoryIfMissing(deep, 0750),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("cannot create directory ", deep,
                                    ": No such file or directory")));
  EXPECT_NE(::stat(dir.Path("a").c_str(), &st), 0);

  const std::string file = dir.Path("file");
  ASSERT_THAT(testutil::WriteFileAtomically(file, "x"), IsOk());
  EXPECT_THAT(CreateDirectoryIfMissing(file, 0750),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "exists and is not a directory"));
}

}  // namespace
}  // namespace autoheal

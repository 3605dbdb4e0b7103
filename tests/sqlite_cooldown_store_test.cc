// SqliteCooldownStore: the store conformance suite, persistence across a
// close and reopen, pruning, two connections on one file, and the startup
// and runtime errors, each naming the file.
#include "autoheal/sqlite_cooldown_store.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store_conformance.h"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::WriteFileAtomically;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

// A raw SQLite connection, to look into the file or to hold its locks the
// way another process would.
class RawConnection {
 public:
  explicit RawConnection(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK) << path;
  }
  ~RawConnection() { sqlite3_close(db_); }

  void Exec(const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error),
              SQLITE_OK)
        << sql << ": " << (error != nullptr ? error : "");
    sqlite3_free(error);
  }

  int64_t QueryInt(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr),
              SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
    int64_t value = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Holds conformance stores' files for the whole test binary.
TempDir& ConformanceDir() {
  static TempDir* dir = new TempDir();
  return *dir;
}

std::unique_ptr<CooldownStore> MakeConformanceStore() {
  static std::atomic<int> next{0};
  absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
      SqliteCooldownStore::Open(
          ConformanceDir().Path(absl::StrCat("conformance-", next++, ".db")),
          SqliteOptions());
  EXPECT_THAT(store, IsOk());
  if (!store.ok()) return nullptr;
  return *std::move(store);
}

using conformance::BackendName;
using conformance::StoreBackend;
using conformance::StoreBatchTest;
using conformance::StoreConformanceTest;

const StoreBackend kSqlite{"sqlite", MakeConformanceStore,
                          /*caller_time=*/true};
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         conformance::BothForms(kSqlite), BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreBatchTest, ::testing::Values(kSqlite),
                         BackendName);

class SqliteCooldownStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteCooldownStore> MustOpen(
      SqliteOptions options = SqliteOptions()) {
    absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
        SqliteCooldownStore::Open(path_, options);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  absl::Status OpenError(const std::string& path,
                         SqliteOptions options = SqliteOptions()) {
    absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
        SqliteCooldownStore::Open(path, options);
    EXPECT_FALSE(store.ok()) << "opened " << path;
    return store.status();
  }

  // The request holds a view of `key`: the caller keeps `key` alive.
  static AcquireRequest Request(absl::string_view key, absl::Time now,
                                absl::Duration cooldown = absl::Hours(1)) {
    AcquireRequest request;
    request.key = key;
    request.now = now;
    request.cooldown = cooldown;
    return request;
  }

  static AcquireResult MustAcquire(CooldownStore& store,
                                   const AcquireRequest& request) {
    absl::StatusOr<AcquireResult> result = store.Acquire(request);
    EXPECT_THAT(result, IsOk());
    return result.value_or(AcquireResult());
  }

  TempDir dir_;
  std::string path_ = dir_.Path("state.db");
};

TEST_F(SqliteCooldownStoreTest, StatePersistsAcrossCloseAndReopen) {
  const std::string binary_key("a\0|b", 4);
  const BudgetReservation budget{"budget", 2, absl::Hours(1)};
  const FlapLimit flap2{2, absl::Hours(1)};
  const FlapLimit flap1{1, absl::Hours(1)};
  const absl::Duration cooldown = absl::Minutes(1);
  {
    std::unique_ptr<SqliteCooldownStore> store = MustOpen();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(MustAcquire(*store, Request(binary_key, kT0)).acquired());
    AcquireRequest spend = Request("k1", kT0, cooldown);
    spend.budgets = absl::MakeConstSpan(&budget, 1);
    ASSERT_TRUE(MustAcquire(*store, spend).acquired());
    // Two executions of "flappy" within the window: the next one escalates.
    for (absl::Time t : {kT0, kT0 + cooldown}) {
      AcquireRequest fire = Request("flappy", t, cooldown);
      fire.flap = flap2;
      ASSERT_TRUE(MustAcquire(*store, fire).acquired());
    }
    // "latched" is escalated (latched) before the restart.
    for (absl::Time t : {kT0, kT0 + cooldown}) {
      AcquireRequest fire = Request("latched", t, cooldown);
      fire.flap = flap1;
      MustAcquire(*store, fire);
    }
  }
  const absl::Time later = kT0 + 2 * cooldown;
  std::unique_ptr<SqliteCooldownStore> store = MustOpen();
  ASSERT_NE(store, nullptr);

  AcquireResult cooling = MustAcquire(*store, Request(binary_key, later));
  EXPECT_EQ(cooling.outcome, AcquireOutcome::kCoolingDown);
  EXPECT_EQ(cooling.remaining, absl::Hours(1) - 2 * cooldown);

  AcquireRequest k2 = Request("k2", later, cooldown);
  k2.budgets = absl::MakeConstSpan(&budget, 1);
  EXPECT_TRUE(MustAcquire(*store, k2).acquired());
  AcquireRequest k3 = Request("k3", later, cooldown);
  k3.budgets = absl::MakeConstSpan(&budget, 1);
  AcquireResult spent = MustAcquire(*store, k3);
  EXPECT_EQ(spent.outcome, AcquireOutcome::kBudgetExhausted);
  EXPECT_EQ(spent.remaining, absl::Hours(1) - 2 * cooldown);

  AcquireRequest flappy = Request("flappy", later, cooldown);
  flappy.flap = flap2;
  AcquireResult tripped = MustAcquire(*store, flappy);
  EXPECT_EQ(tripped.outcome, AcquireOutcome::kEscalated);
  EXPECT_TRUE(tripped.newly_escalated);

  AcquireRequest latched = Request("latched", later, cooldown);
  latched.flap = flap1;
  AcquireResult still = MustAcquire(*store, latched);
  EXPECT_EQ(still.outcome, AcquireOutcome::kEscalated);
  EXPECT_FALSE(still.newly_escalated);

  absl::StatusOr<std::vector<EscalatedKey>> listed =
      store->ListEscalated(later, 10);
  ASSERT_THAT(listed, IsOk());
  std::vector<std::string> keys;
  for (const EscalatedKey& key : *listed) keys.push_back(key.key);
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("flappy", "latched"));

  absl::StatusOr<bool> cleared = store->ClearEscalation("latched");
  ASSERT_THAT(cleared, IsOk());
  EXPECT_TRUE(*cleared);
  store = MustOpen();
  ASSERT_NE(store, nullptr);
  latched.now = later + cooldown;
  EXPECT_TRUE(MustAcquire(*store, latched).acquired());
}

TEST_F(SqliteCooldownStoreTest, PruningBoundsTheTablesAndKeepsWhatMatters) {
  SqliteOptions options;
  options.prune_every = 8;
  options.prune_batch = 32;
  std::unique_ptr<SqliteCooldownStore> store = MustOpen(options);
  ASSERT_NE(store, nullptr);
  AcquireRequest flapping = Request("flapping", kT0, absl::Milliseconds(20));
  flapping.flap = {1, absl::Hours(1)};
  ASSERT_TRUE(MustAcquire(*store, flapping).acquired());

  // One new key per millisecond, each held 20 ms, each with its own 10 ms
  // budget: about 20 keys and 10 budgets matter at any moment, out of 400.
  RawConnection raw(path_);
  constexpr int kKeys = 400;
  int64_t peak_keys = 0;
  int64_t peak_budgets = 0;
  absl::Time now = kT0 + absl::Minutes(1);
  for (int i = 0; i < kKeys; ++i) {
    now += absl::Milliseconds(1);
    const std::string budget_key = absl::StrCat("budget-", i);
    const BudgetReservation budget{budget_key, 1, absl::Milliseconds(10)};
    const std::string key = absl::StrCat("key-", i);
    AcquireRequest request = Request(key, now, absl::Milliseconds(20));
    request.budgets = absl::MakeConstSpan(&budget, 1);
    ASSERT_TRUE(MustAcquire(*store, request).acquired()) << i;
    peak_keys = std::max(peak_keys, raw.QueryInt("SELECT count(*) FROM keys"));
    peak_budgets =
        std::max(peak_budgets, raw.QueryInt("SELECT count(*) FROM budgets"));
  }
  // Live rows plus at most `prune_every` written since the last pass (and
  // the flapping key).
  EXPECT_LE(peak_keys, 20 + 8 + 2);
  EXPECT_LE(peak_budgets, 10 + 8 + 2);
  EXPECT_GT(peak_keys, 20);  // the table did fill between passes
  // The flapping key's history outlived every pass.
  flapping.now = now;
  EXPECT_EQ(MustAcquire(*store, flapping).outcome, AcquireOutcome::kEscalated);
}

TEST_F(SqliteCooldownStoreTest, TwoConnectionsOnOneFileAcquireExactlyOnce) {
  std::unique_ptr<SqliteCooldownStore> a = MustOpen();
  std::unique_ptr<SqliteCooldownStore> b = MustOpen();
  ASSERT_TRUE(a != nullptr && b != nullptr);
  CooldownStore* stores[] = {a.get(), b.get()};
  int acquired = conformance::CountConcurrentAcquires(8, 40, [&](int t, int) {
    return MustAcquire(*stores[t % 2], Request("hot", kT0)).outcome;
  });
  EXPECT_EQ(acquired, 1);

  const BudgetReservation budget{"budget", 5, absl::Hours(1)};
  acquired = conformance::CountConcurrentAcquires(8, 10, [&](int t, int i) {
    std::string key = absl::StrCat("key-", t, "-", i);
    AcquireRequest request = Request(key, kT0);
    request.budgets = absl::MakeConstSpan(&budget, 1);
    return MustAcquire(*stores[t % 2], request).outcome;
  });
  EXPECT_EQ(acquired, 5);
}

TEST_F(SqliteCooldownStoreTest, AMissingDirectoryIsAnErrorNamingIt) {
  const std::string path = dir_.Path("missing/state.db");
  EXPECT_THAT(OpenError(path),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("state database ", path, ": directory ",
                                    dir_.Path("missing"), " does not exist")));
}

TEST_F(SqliteCooldownStoreTest, BadOptionsAndPathsAreInvalidArguments) {
  EXPECT_THAT(OpenError(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "state database path is empty"));
  SqliteOptions options;
  options.prune_every = 0;
  EXPECT_THAT(OpenError(path_, options),
              StatusIs(absl::StatusCode::kInvalidArgument, "prune_every"));
  EXPECT_THAT(OpenError(dir_.path()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "is a directory"));
}

// Runs Open(path) in a child process without root's privileges (as
// "nobody" when the test runs as root, which may write anywhere) and
// returns its status as "CODE: message".
std::string OpenAsUnprivilegedChild(const std::string& path) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      _exit(2);
    }
    absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
        SqliteCooldownStore::Open(path, SqliteOptions());
    std::string text =
        store.ok() ? "OK"
                   : absl::StrCat(absl::StatusCodeToString(store.status().code()),
                                  ": ", store.status().message());
    if (::write(fds[1], text.data(), text.size()) < 0) _exit(3);
    _exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0) text.append(buffer, n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  return text;
}

TEST_F(SqliteCooldownStoreTest, AnUnwritableDirectoryOrFileIsAnErrorNamingIt) {
  // Traversable by the unprivileged child.
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  const std::string read_only_dir = dir_.Path("read-only");
  ASSERT_EQ(::mkdir(read_only_dir.c_str(), 0555), 0);
  const std::string in_read_only = read_only_dir + "/state.db";
  EXPECT_EQ(OpenAsUnprivilegedChild(in_read_only),
            absl::StrCat("FAILED_PRECONDITION: state database ", in_read_only,
                         ": directory ", read_only_dir,
                         " is not writable (Permission denied); WAL mode "
                         "creates the -wal and -shm files beside the database"));

  const std::string open_dir = dir_.Path("open");
  ASSERT_EQ(::mkdir(open_dir.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(open_dir.c_str(), 0777), 0);  // past the umask
  const std::string read_only_file = open_dir + "/state.db";
  ASSERT_THAT(WriteFileAtomically(read_only_file, "", 0444), IsOk());
  EXPECT_EQ(OpenAsUnprivilegedChild(read_only_file),
            absl::StrCat("FAILED_PRECONDITION: state database ", read_only_file,
                         ": the file is not readable and writable "
                         "(Permission denied)"));
}

TEST_F(SqliteCooldownStoreTest, AFileThatIsNotADatabaseIsAnErrorNamingIt) {
  ASSERT_THAT(WriteFileAtomically(path_, std::string(8192, '\x5a')), IsOk());
  EXPECT_THAT(OpenError(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("state database ", path_,
                                    ": set journal_mode=WAL: the file is not "
                                    "an SQLite database")));
}

TEST_F(SqliteCooldownStoreTest, ACorruptDatabaseIsAnErrorNamingIt) {
  ASSERT_NE(MustOpen(), nullptr);  // created, then closed (checkpointed)
  std::string bytes = testutil::ReadFileOrDie(path_);
  ASSERT_GT(bytes.size(), 4096u);
  // Keep the 100-byte header, destroy the schema table's root page.
  for (size_t i = 100; i < 4096; ++i) bytes[i] = '\xff';
  ASSERT_THAT(WriteFileAtomically(path_, bytes), IsOk());
  absl::Status status = OpenError(path_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("state database ", path_)));
  EXPECT_THAT(status.message(), HasSubstr("corrupt"));
}

TEST_F(SqliteCooldownStoreTest, ANewerSchemaVersionIsRefused) {
  ASSERT_NE(MustOpen(), nullptr);
  RawConnection(path_).Exec("PRAGMA user_version = 99");
  EXPECT_THAT(OpenError(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("state database ", path_,
                                    ": schema version 99 is newer than this "
                                    "autoheal's (1)")));
}

TEST_F(SqliteCooldownStoreTest, AnotherApplicationsDatabaseIsRefused) {
  RawConnection(path_).Exec("CREATE TABLE accounts (id INTEGER)");
  EXPECT_THAT(OpenError(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("state database ", path_,
                                    ": not an autoheal state database")));
}

TEST_F(SqliteCooldownStoreTest, ADatabaseLockedBeyondTheBusyTimeoutIsAnError) {
  ASSERT_NE(MustOpen(), nullptr);
  RawConnection other(path_);
  other.Exec("BEGIN EXCLUSIVE");
  SqliteOptions options;
  options.busy_timeout = absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  EXPECT_THAT(OpenError(path_, options),
              StatusIs(absl::StatusCode::kUnavailable,
                       absl::StrCat("state database ", path_,
                                    ": open: begin transaction: locked by "
                                    "another connection or process for "
                                    "longer than the 200ms busy timeout")));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  other.Exec("COMMIT");
  EXPECT_NE(MustOpen(options), nullptr);
}

TEST_F(SqliteCooldownStoreTest, ALockHeldBeyondTheBusyTimeoutFailsClosed) {
  SqliteOptions options;
  options.busy_timeout = absl::Milliseconds(100);
  std::unique_ptr<SqliteCooldownStore> store = MustOpen(options);
  ASSERT_NE(store, nullptr);
  RawConnection other(path_);
  other.Exec("BEGIN EXCLUSIVE");
  absl::StatusOr<AcquireResult> blocked = store->Acquire(Request("k", kT0));
  EXPECT_THAT(blocked, StatusIs(absl::StatusCode::kUnavailable,
                                absl::StrCat("state database ", path_,
                                             ": acquire: begin transaction: "
                                             "locked by another")));
  EXPECT_THAT(store->ClearEscalation("k"),
              StatusIs(absl::StatusCode::kUnavailable, "locked"));
  // The readiness probe sees what an acquire would: the write lock.
  EXPECT_THAT(store->Ping(),
              StatusIs(absl::StatusCode::kUnavailable, "ping: begin transaction: locked"));
  other.Exec("COMMIT");
  EXPECT_THAT(store->Ping(), IsOk());
  // Nothing was taken while blocked; the store recovers by itself.
  EXPECT_TRUE(MustAcquire(*store, Request("k", kT0)).acquired());
  EXPECT_EQ(MustAcquire(*store, Request("k", kT0)).outcome,
            AcquireOutcome::kCoolingDown);
}

TEST_F(SqliteCooldownStoreTest, PreviewsDoNotWrite) {
  std::unique_ptr<SqliteCooldownStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  RawConnection other(path_);
  // Another writer holds the write lock: a preview still answers.
  other.Exec("BEGIN IMMEDIATE");
  AcquireRequest preview = Request("k", kT0);
  preview.preview = true;
  EXPECT_TRUE(MustAcquire(*store, preview).acquired());
  other.Exec("COMMIT");
  EXPECT_EQ(other.QueryInt("SELECT count(*) FROM keys"), 0);
}

SqliteOptions InMode(SqliteOpenMode mode) {
  SqliteOptions options;
  options.mode = mode;
  return options;
}

// The CLI's modes: a mistyped path is an error naming it, never a new file.
TEST_F(SqliteCooldownStoreTest, ReadOnlyAndReadWriteNeverCreateTheFile) {
  for (SqliteOpenMode mode :
       {SqliteOpenMode::kReadOnly, SqliteOpenMode::kReadWrite}) {
    EXPECT_THAT(OpenError(path_, InMode(mode)),
                StatusIs(absl::StatusCode::kNotFound,
                         absl::StrCat("state database ", path_,
                                      ": does not exist")));
    const std::string nested = dir_.Path("typo/state.db");
    EXPECT_THAT(OpenError(nested, InMode(mode)),
                StatusIs(mode == SqliteOpenMode::kReadOnly
                             ? absl::StatusCode::kNotFound
                             : absl::StatusCode::kFailedPrecondition,
                         absl::StrCat("state database ", nested)));
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      EXPECT_FALSE(testutil::ReadFileIfExists(path_ + suffix).has_value())
          << path_ << suffix;
    }
    EXPECT_FALSE(testutil::ReadFileIfExists(dir_.Path("typo")).has_value());
  }
}

TEST_F(SqliteCooldownStoreTest, ReadOnlyAndReadWriteRefuseWhatIsNotAutohealState) {
  for (SqliteOpenMode mode :
       {SqliteOpenMode::kReadOnly, SqliteOpenMode::kReadWrite}) {
    // An empty file: what a CLI that created databases would have left.
    ASSERT_THAT(WriteFileAtomically(path_, ""), IsOk());
    EXPECT_THAT(OpenError(path_, InMode(mode)),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         absl::StrCat("state database ", path_,
                                      ": not an autoheal state database")));
    EXPECT_EQ(testutil::ReadFileOrDie(path_), "");  // no schema written
    ASSERT_THAT(WriteFileAtomically(path_, std::string(8192, '\x5a')), IsOk());
    EXPECT_THAT(OpenError(path_, InMode(mode)),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         "the file is not an SQLite database"));
    ASSERT_EQ(::unlink(path_.c_str()), 0);
    RawConnection(path_).Exec("CREATE TABLE accounts (id INTEGER)");
    EXPECT_THAT(OpenError(path_, InMode(mode)),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         absl::StrCat("state database ", path_,
                                      ": not an autoheal state database")));
    ASSERT_EQ(::unlink(path_.c_str()), 0);
  }
}

TEST_F(SqliteCooldownStoreTest, ReadOnlySeesTheStateAndNeverChangesIt) {
  {
    std::unique_ptr<SqliteCooldownStore> writer = MustOpen();
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(MustAcquire(*writer, Request("k", kT0)).acquired());
  }
  const std::string before = testutil::ReadFileOrDie(path_);
  std::unique_ptr<SqliteCooldownStore> store =
      MustOpen(InMode(SqliteOpenMode::kReadOnly));
  ASSERT_NE(store, nullptr);
  AcquireRequest preview = Request("k", kT0 + absl::Minutes(1));
  preview.preview = true;
  EXPECT_EQ(MustAcquire(*store, preview).outcome, AcquireOutcome::kCoolingDown);
  AcquireRequest fresh = Request("other", kT0);
  fresh.preview = true;
  EXPECT_TRUE(MustAcquire(*store, fresh).acquired());
  EXPECT_THAT(store->ListEscalated(kT0, 10), IsOk());
  EXPECT_THAT(store->Ping(), IsOk());
  // Anything that would write is refused before SQLite is asked.
  EXPECT_THAT(store->Acquire(Request("other", kT0)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("state database ", path_,
                                    ": acquire: opened read-only")));
  std::vector<AcquireRequest> batch = {fresh, Request("other", kT0)};
  std::vector<AcquireResult> results(batch.size());
  EXPECT_THAT(store->AcquireBatch(batch, absl::MakeSpan(results)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "acquire batch: opened read-only"));
  EXPECT_THAT(store->ClearEscalation("k"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "clear escalation: opened read-only"));
  store.reset();
  EXPECT_EQ(testutil::ReadFileOrDie(path_), before);
}

TEST_F(SqliteCooldownStoreTest, ReadOnlyReadsWhatARunningReceiverCommits) {
  std::unique_ptr<SqliteCooldownStore> writer = MustOpen();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(MustAcquire(*writer, Request("a", kT0)).acquired());
  std::unique_ptr<SqliteCooldownStore> reader =
      MustOpen(InMode(SqliteOpenMode::kReadOnly));
  ASSERT_NE(reader, nullptr);
  for (const char* key : {"a", "b"}) {
    if (std::string(key) == "b") {
      ASSERT_TRUE(MustAcquire(*writer, Request("b", kT0)).acquired());
    }
    AcquireRequest preview = Request(key, kT0);
    preview.preview = true;
    EXPECT_EQ(MustAcquire(*reader, preview).outcome,
              AcquireOutcome::kCoolingDown)
        << key;
  }
}

TEST_F(SqliteCooldownStoreTest, ReadWriteOpensAnExistingDatabase) {
  ASSERT_NE(MustOpen(), nullptr);
  std::unique_ptr<SqliteCooldownStore> store =
      MustOpen(InMode(SqliteOpenMode::kReadWrite));
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(MustAcquire(*store, Request("k", kT0)).acquired());
  EXPECT_THAT(store->ClearEscalation("k"), IsOk());
}

// A notification-sized batch: new keys with both budgets and the flap
// guard, a duplicate, a preview, a key held before the batch.
std::vector<AcquireRequest> MixedBatch(const std::vector<std::string>& keys,
                                       absl::Time now) {
  static const BudgetReservation kBudgets[] = {
      {"global", 4, absl::Hours(1)}, {"action", 10, absl::Hours(1)}};
  std::vector<AcquireRequest> requests;
  for (const std::string& key : keys) {
    AcquireRequest request;
    request.key = key;
    request.now = now;
    request.cooldown = absl::Hours(1);
    request.budgets = kBudgets;
    request.flap = {2, absl::Hours(1)};
    requests.push_back(request);
  }
  requests[2].preview = true;
  return requests;
}

class SqliteBatchTest : public SqliteCooldownStoreTest {
 protected:
  static std::vector<AcquireResult> MustBatch(
      CooldownStore& store, const std::vector<AcquireRequest>& requests) {
    std::vector<AcquireResult> results(requests.size());
    EXPECT_THAT(store.AcquireBatch(requests, absl::MakeSpan(results)), IsOk());
    return results;
  }

  static void ExpectSameAnswers(const std::vector<AcquireResult>& actual,
                                const std::vector<AcquireResult>& expected) {
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); ++i) {
      EXPECT_EQ(actual[i].outcome, expected[i].outcome) << i;
      EXPECT_EQ(actual[i].remaining, expected[i].remaining) << i;
      EXPECT_EQ(actual[i].exhausted_budget, expected[i].exhausted_budget) << i;
      EXPECT_EQ(actual[i].newly_escalated, expected[i].newly_escalated) << i;
    }
  }
};

// A write that fails partway through the batch (after other rows of the
// same transaction were written) rolls the whole batch back: afterwards the
// same batch answers exactly as on a store that never saw it.
TEST_F(SqliteBatchTest, AWriteFailingMidBatchLeavesNothingTaken) {
  std::unique_ptr<SqliteCooldownStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(MustAcquire(*store, Request("held", kT0)).acquired());
  const std::vector<std::string> keys = {"k0", "k1", "k2", "held", "k1",
                                         "k3", "k4", "k5", "k6"};
  const std::vector<AcquireRequest> requests = MixedBatch(keys, kT0);

  // A fresh store (another file, the same history) shows what the batch
  // must answer.
  TempDir other_dir;
  absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> fresh =
      SqliteCooldownStore::Open(other_dir.Path("state.db"), SqliteOptions());
  ASSERT_THAT(fresh, IsOk());
  ASSERT_TRUE(MustAcquire(**fresh, Request("held", kT0)).acquired());
  const std::vector<AcquireResult> expected = MustBatch(**fresh, requests);
  ASSERT_EQ(expected[3].outcome, AcquireOutcome::kCoolingDown);
  ASSERT_EQ(expected[4].outcome, AcquireOutcome::kCoolingDown);
  ASSERT_EQ(expected[6].outcome, AcquireOutcome::kAcquired);  // 4th of 4
  ASSERT_EQ(expected[7].outcome, AcquireOutcome::kBudgetExhausted);

  // Writing k3's row fails; k0 and k1 were written before it.
  RawConnection raw(path_);
  raw.Exec(
      "CREATE TRIGGER fail_k3 BEFORE INSERT ON keys WHEN NEW.key = X'6B33' "
      "BEGIN SELECT RAISE(ABORT, 'injected write failure'); END");
  std::vector<AcquireResult> results(requests.size());
  EXPECT_THAT(store->AcquireBatch(requests, absl::MakeSpan(results)),
              StatusIs(absl::StatusCode::kUnavailable,
                       absl::StrCat("state database ", path_,
                                    ": write key: SQLite error (injected "
                                    "write failure)")));
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM keys"), 1);  // "held"
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM budgets"), 0);

  raw.Exec("DROP TRIGGER fail_k3");
  ExpectSameAnswers(MustBatch(*store, requests), expected);
  // Both stores hold the same state now.
  ExpectSameAnswers(MustBatch(*store, requests), MustBatch(**fresh, requests));
}

// A batch that takes nothing writes nothing: no new WAL frames (so its
// COMMIT costs no fsync), and other connections see no new data version.
TEST_F(SqliteBatchTest, ABatchThatTakesNothingWritesNothing) {
  std::unique_ptr<SqliteCooldownStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  std::vector<std::string> keys;
  for (int i = 0; i < 50; ++i) keys.push_back(absl::StrCat("key-", i));
  std::vector<AcquireRequest> requests;
  for (const std::string& key : keys) requests.push_back(Request(key, kT0));
  for (const AcquireResult& result : MustBatch(*store, requests)) {
    ASSERT_TRUE(result.acquired());
  }
  RawConnection raw(path_);
  const int64_t version = raw.QueryInt("PRAGMA data_version");
  struct stat wal_before;
  ASSERT_EQ(::stat((path_ + "-wal").c_str(), &wal_before), 0);
  for (AcquireRequest& request : requests) {
    request.now = kT0 + absl::Minutes(1);
  }
  for (const AcquireResult& result : MustBatch(*store, requests)) {
    EXPECT_EQ(result.outcome, AcquireOutcome::kCoolingDown);
  }
  EXPECT_EQ(raw.QueryInt("PRAGMA data_version"), version);
  struct stat wal_after;
  ASSERT_EQ(::stat((path_ + "-wal").c_str(), &wal_after), 0);
  EXPECT_EQ(wal_after.st_size, wal_before.st_size);
  // The control: a batch that takes one key does write.
  requests.push_back(Request("new", kT0));
  MustBatch(*store, requests);
  EXPECT_NE(raw.QueryInt("PRAGMA data_version"), version);
}

TEST_F(SqliteBatchTest, APreviewBatchOnlyReads) {
  std::unique_ptr<SqliteCooldownStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  RawConnection other(path_);
  // Another writer holds the write lock: a preview batch still answers.
  other.Exec("BEGIN IMMEDIATE");
  std::vector<AcquireRequest> requests = {Request("a", kT0), Request("a", kT0),
                                          Request("b", kT0)};
  for (AcquireRequest& request : requests) request.preview = true;
  for (const AcquireResult& result : MustBatch(*store, requests)) {
    EXPECT_TRUE(result.acquired());
  }
  other.Exec("COMMIT");
  EXPECT_EQ(other.QueryInt("SELECT count(*) FROM keys"), 0);
}

TEST_F(SqliteBatchTest, ABatchLockedOutBeyondTheBusyTimeoutFailsClosed) {
  SqliteOptions options;
  options.busy_timeout = absl::Milliseconds(100);
  std::unique_ptr<SqliteCooldownStore> store = MustOpen(options);
  ASSERT_NE(store, nullptr);
  RawConnection other(path_);
  other.Exec("BEGIN EXCLUSIVE");
  const std::vector<AcquireRequest> requests = {Request("a", kT0),
                                                Request("b", kT0)};
  std::vector<AcquireResult> results(requests.size());
  EXPECT_THAT(store->AcquireBatch(requests, absl::MakeSpan(results)),
              StatusIs(absl::StatusCode::kUnavailable,
                       "acquire batch: begin transaction: locked"));
  other.Exec("COMMIT");
  for (const AcquireResult& result : MustBatch(*store, requests)) {
    EXPECT_TRUE(result.acquired());
  }
}

// Pruning counts every writing request of a batch.
TEST_F(SqliteBatchTest, BatchesPruneAsSingleAcquiresDo) {
  SqliteOptions options;
  options.prune_every = 8;
  options.prune_batch = 64;
  std::unique_ptr<SqliteCooldownStore> store = MustOpen(options);
  ASSERT_NE(store, nullptr);
  RawConnection raw(path_);
  absl::Time now = kT0;
  int64_t peak = 0;
  for (int round = 0; round < 40; ++round) {
    now += absl::Milliseconds(10);
    std::vector<std::string> keys;
    for (int i = 0; i < 5; ++i) keys.push_back(absl::StrCat(round, "-", i));
    std::vector<AcquireRequest> requests;
    for (const std::string& key : keys) {
      requests.push_back(Request(key, now, absl::Milliseconds(20)));
    }
    for (const AcquireResult& result : MustBatch(*store, requests)) {
      ASSERT_TRUE(result.acquired());
    }
    peak = std::max(peak, raw.QueryInt("SELECT count(*) FROM keys"));
  }
  // 10-15 live keys, plus at most a pass's worth written since the last.
  EXPECT_LE(peak, 15 + 8 + 5);
}

}  // namespace
}  // namespace autoheal

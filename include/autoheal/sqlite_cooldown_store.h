// The durable state store: cooldowns, budgets, flap history and escalation
// latches in one SQLite database file (target autoheal::sqlite, which links
// libsqlite3). The receiver's default: a restart, or a crash, forgets
// nothing that was acknowledged.
//
// Durability: the database runs in WAL mode with synchronous=FULL, and each
// `Acquire()` that changes state is one transaction (BEGIN IMMEDIATE ...
// COMMIT) that is on disk (fsync'd) before the call returns. A process
// killed right after an acquire was acknowledged leaves that cooldown in
// the file. A preview (`AcquireRequest::preview`) only reads.
// `AcquireBatch()` is one such transaction for the whole batch: it reads
// each key and budget once, decides every request in memory, writes back
// only the rows that changed and commits once, so a notification costs one
// fsync when it takes anything and none when it takes nothing.
//
// Expired rows (a key whose cooldown, flap history and latch all lie in the
// past; a budget whose times all left its window) are deleted inside an
// acquire's own transaction once every `SqliteOptions::prune_every`
// writing acquires, at most `prune_batch` rows per table at a time, so the
// file stays proportional to the keys that still matter.
//
// Thread safety: every method may be called concurrently; calls on one
// store are serialised on its single connection. Several stores (and
// several processes) may open the same file: BEGIN IMMEDIATE takes SQLite's
// write lock, and a call that cannot get it within `busy_timeout` fails
// with kUnavailable. Among all of them, at most one acquire of a key
// succeeds per cooldown window, and no budget is over-reserved. (SQLite's
// locks need a local file system; do not put the file on NFS.)
//
//   SqliteOptions options;
//   absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
//       SqliteCooldownStore::Open("/var/lib/autoheal/state.db", options);
//   if (!store.ok()) return store.status();  // names the file and the cause
//   EngineDeps deps;
//   deps.store = store->get();

#ifndef AUTOHEAL_SQLITE_COOLDOWN_STORE_H_
#define AUTOHEAL_SQLITE_COOLDOWN_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "autoheal/cooldown_store.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {

namespace internal {
class SqliteDb;
struct SqliteStoreStatements;
}  // namespace internal

// How Open() treats the file.
enum class SqliteOpenMode {
  // Read-write; creates the file and its schema when absent. The receiver,
  // which owns the state.
  kCreate,
  // Read-write; the file must exist and be an autoheal state database
  // (`autoheal state clear`: a mistyped path is an error, not a new
  // database).
  kReadWrite,
  // SQLITE_OPEN_READONLY; the file must exist and be an autoheal state
  // database, and is never changed: only previews (`AcquireRequest::preview`)
  // and ListEscalated() work, anything that would write fails with
  // kFailedPrecondition (`autoheal explain --state`, `autoheal state list`).
  kReadOnly,
};

struct SqliteOptions {
  // Whether Open() may create the file, and whether the store may write.
  // Default: kCreate.
  SqliteOpenMode mode = SqliteOpenMode::kCreate;
  // How long a call waits for a lock held by another connection or process
  // before it fails: Open() with kUnavailable ("locked"), a later call with
  // kUnavailable (the engine then fails closed). Default: 5 s.
  absl::Duration busy_timeout = absl::Seconds(5);
  // Expired rows are pruned once every this many acquires that write.
  // Default: 256.
  int prune_every = 256;
  // The most rows deleted from each table by one pruning pass; more than
  // `prune_every`, so pruning outpaces growth. Default: 1024.
  int prune_batch = 1024;
};

// The SQLite schema version this build reads and writes (PRAGMA
// user_version). A file with a newer version is refused at Open().
inline constexpr int kSqliteSchemaVersion = 1;

class SqliteCooldownStore final : public CooldownStore {
 public:
  // Opens the database at `path`, creating the file and its schema when
  // absent if `options.mode` is kCreate; its directory must exist. Errors
  // name `path` and the cause:
  //   kInvalidArgument     empty path, or `options` out of range;
  //   kNotFound            the file does not exist (kReadWrite, kReadOnly);
  //   kFailedPrecondition  the directory does not exist or is not writable
  //                        (WAL mode creates `path`-wal and `path`-shm
  //                        beside the file; not checked for kReadOnly),
  //                        the file is not readable (and, unless kReadOnly,
  //                        writable), is not an SQLite database (or is
  //                        corrupt), belongs to another application (for
  //                        kReadWrite and kReadOnly: is anything but an
  //                        autoheal state database, an empty one
  //                        included), or has a schema version newer than
  //                        `kSqliteSchemaVersion`;
  //   kUnavailable         another process held a lock on the file for
  //                        longer than `options.busy_timeout`, or an I/O
  //                        error.
  static absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> Open(
      const std::string& path, SqliteOptions options);

  ~SqliteCooldownStore() override;

  // See `CooldownStore`. Every SQLite failure (I/O error, disk full, a lock
  // held beyond `busy_timeout`, corruption found later) returns kUnavailable
  // naming the file; the transaction is then rolled back, so the state is
  // as before the call. A store opened kReadOnly answers previews only;
  // any other request is kFailedPrecondition.
  absl::StatusOr<AcquireResult> Acquire(const AcquireRequest& request) override
      ABSL_LOCKS_EXCLUDED(mu_);
  // See `CooldownStore`: one transaction (BEGIN IMMEDIATE, or a read
  // transaction when every request is a preview). Any failure rolls the
  // whole batch back and returns kUnavailable naming the file.
  absl::Status AcquireBatch(absl::Span<const AcquireRequest> requests,
                            absl::Span<AcquireResult> results) override
      ABSL_LOCKS_EXCLUDED(mu_);
  // kFailedPrecondition when opened kReadOnly.
  absl::StatusOr<bool> ClearEscalation(absl::string_view key) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::vector<EscalatedKey>> ListEscalated(
      absl::Time now, size_t limit) override ABSL_LOCKS_EXCLUDED(mu_);
  // Takes the write lock an acquire needs, waiting up to the busy timeout,
  // and gives it back without writing; opened kReadOnly, a read lock.
  absl::Status Ping() override;

  // Returns the database file's path, as given to Open().
  const std::string& path() const { return path_; }

 private:
  // Returns kFailedPrecondition naming `what` when opened kReadOnly.
  absl::Status CheckWritable(absl::string_view what) const;

  SqliteCooldownStore(std::string path, SqliteOptions options,
                      std::unique_ptr<internal::SqliteDb> db,
                      std::unique_ptr<internal::SqliteStoreStatements> sql);

  absl::StatusOr<AcquireResult> AcquireLocked(const AcquireRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AcquireBatchLocked(absl::Span<const AcquireRequest> requests,
                                  absl::Span<AcquireResult> results)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<bool> ReadKey(absl::string_view key, KeyRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteKey(absl::string_view key, const KeyRecord& record,
                        absl::Time forget_after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<RecentTimes> ReadBudget(absl::string_view key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteBudget(absl::string_view key, const RecentTimes& times,
                           absl::Time forget_after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts `writes` writing acquires and, once every `prune_every` of them,
  // deletes expired rows.
  absl::Status MaybePrune(absl::Time now, int writes = 1)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const SqliteOptions options_;
  internal::Mutex mu_;
  // Declared before `sql_`, so the statements are finalised first.
  std::unique_ptr<internal::SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<internal::SqliteStoreStatements> sql_ ABSL_GUARDED_BY(mu_);
  int writes_since_prune_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace autoheal

#endif  // AUTOHEAL_SQLITE_COOLDOWN_STORE_H_

// A thin C++ layer over one SQLite connection: open with the pragmas
// autoheal needs, prepared statements with blob/integer binding, and
// transactions that roll back unless committed. Every failure becomes an
// absl::Status whose message names the database file and the operation.
//
// Thread safety: none. A connection and its statements are used by one
// thread at a time; the owner serialises (SqliteCooldownStore holds a
// mutex).

#ifndef AUTOHEAL_SQLITE_SQLITE_DB_H_
#define AUTOHEAL_SQLITE_SQLITE_DB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace autoheal {
namespace internal {

class SqliteDb;

// One prepared statement. Bind parameters (1-based), then Execute() or
// Step(); the statement is reset by Execute(), by a Step() that reaches the
// end, and by a `ResetOnExit` guard.
class SqliteStatement {
 public:
  SqliteStatement(SqliteDb* db, sqlite3_stmt* stmt, absl::string_view what);
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Binds `bytes` as a BLOB (never TEXT, never NULL: an empty value is a
  // zero-length blob). The bytes must stay valid until the statement is
  // reset. A bind failure is reported by the next Execute() or Step().
  void BindBlob(int index, absl::string_view bytes);
  void BindInt64(int index, int64_t value);

  // Runs the statement to completion and resets it. `context` (e.g. the
  // caller's operation, "acquire") prefixes the statement's name in errors.
  absl::Status Execute(absl::string_view context = "");
  // Steps once: true when a row is readable, false (and reset) at the end.
  absl::StatusOr<bool> Step(absl::string_view context = "");
  // Column readers for the current row. A blob's bytes stay valid until the
  // statement steps again or is reset.
  int64_t ColumnInt64(int column) const;
  absl::string_view ColumnBlob(int column) const;
  std::string ColumnText(int column) const;

  // Resets the statement and clears its bindings.
  void Reset();

 private:
  SqliteDb* db_;
  sqlite3_stmt* stmt_;
  std::string what_;
  int bind_error_ = 0;
};

// Resets a statement at scope exit, so that no statement stays active (and
// holds a read snapshot) after a query that read only its first row.
class ResetOnExit {
 public:
  explicit ResetOnExit(SqliteStatement& statement) : statement_(statement) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() { statement_.Reset(); }

 private:
  SqliteStatement& statement_;
};

class SqliteDb {
 public:
  // How Open() opens the file.
  enum class Access {
    kCreate,     // read-write, creating the file when absent
    kReadWrite,  // read-write, the file must exist
    kReadOnly,   // SQLITE_OPEN_READONLY, the file must exist
  };

  // Opens the database at `path` (not empty; never taken as a URI or
  // ":memory:") as `access` says, with extended result codes and
  // `busy_timeout`; read-write, also with journal_mode=WAL and
  // synchronous=FULL (read-only changes nothing: the file's journal mode is
  // used as it is). Errors as described by `Error()`.
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(
      const std::string& path, absl::Duration busy_timeout,
      Access access = Access::kCreate);

  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  // Closes the connection (statements must have been destroyed).
  ~SqliteDb();

  // Prepares `sql` (one statement); `what` names it in error messages.
  absl::StatusOr<std::unique_ptr<SqliteStatement>> Prepare(
      absl::string_view sql, absl::string_view what);
  // Runs `sql` (any number of statements, no results).
  absl::Status Exec(const std::string& sql, absl::string_view what);

  // Marks the end of opening: from now on every error is kUnavailable (see
  // `Error()`).
  void FinishOpening() { opening_ = false; }

  // Returns the status for SQLite result code `rc` of operation `what`:
  // "state database PATH: WHAT: <SQLite's explanation>". While opening, the
  // code says whether someone must fix the file (kFailedPrecondition: not a
  // database, corrupt, read-only, cannot be opened) or a retry may help
  // (kUnavailable: locked, I/O error); after opening it is always
  // kUnavailable, so that callers fail closed and retry later.
  absl::Status Error(int rc, absl::string_view what) const;

  bool InTransaction() const;
  const std::string& path() const { return path_; }

 private:
  friend class SqliteStatement;
  friend class SqliteTransaction;

  SqliteDb(std::string path, sqlite3* db, absl::Duration busy_timeout)
      : path_(std::move(path)), db_(db), busy_timeout_(busy_timeout) {}

  // Sets the connection's options and prepares the transaction statements.
  absl::Status Configure(bool read_only);

  const std::string path_;
  sqlite3* const db_;
  const absl::Duration busy_timeout_;
  bool opening_ = true;
  // Prepared once: every acquire runs them.
  std::unique_ptr<SqliteStatement> begin_read_;
  std::unique_ptr<SqliteStatement> begin_write_;
  std::unique_ptr<SqliteStatement> commit_;
  std::unique_ptr<SqliteStatement> rollback_;
};

// A transaction that rolls back at scope exit unless committed. A write
// transaction (BEGIN IMMEDIATE) takes the database's write lock at once,
// waiting up to the busy timeout, so two writers never both read a key and
// then both write it; a read transaction (BEGIN) reads one snapshot.
class SqliteTransaction {
 public:
  enum class Mode { kRead, kWrite };

  explicit SqliteTransaction(SqliteDb& db) : db_(db) {}
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  ~SqliteTransaction();

  absl::Status Begin(Mode mode, absl::string_view what);
  absl::Status Commit(absl::string_view what);

 private:
  SqliteDb& db_;
};

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_SQLITE_SQLITE_DB_H_

#include "sqlite/sqlite_db.h"

#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace autoheal {
namespace internal {
namespace {

// What a result code means for the operator, in words.
std::string Explain(int primary, absl::Duration busy_timeout) {
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StrCat(
          "locked by another connection or process for longer than the ",
          absl::FormatDuration(busy_timeout), " busy timeout");
    case SQLITE_NOTADB:
      return "the file is not an SQLite database";
    case SQLITE_CORRUPT:
      return "the database file is corrupt";
    case SQLITE_READONLY:
      return "the database is read-only";
    case SQLITE_CANTOPEN:
      return "cannot open the database file";
    case SQLITE_FULL:
      return "the disk is full";
    case SQLITE_IOERR:
      return "I/O error";
    default:
      return "SQLite error";
  }
}

}  // namespace

SqliteStatement::SqliteStatement(SqliteDb* db, sqlite3_stmt* stmt,
                                 absl::string_view what)
    : db_(db), stmt_(stmt), what_(what) {}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::BindBlob(int index, absl::string_view bytes) {
  // A null pointer would bind NULL; an empty key is a zero-length blob.
  int rc = bytes.empty()
               ? sqlite3_bind_zeroblob(stmt_, index, 0)
               : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(),
                                     SQLITE_STATIC);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void SqliteStatement::BindInt64(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

absl::StatusOr<bool> SqliteStatement::Step(absl::string_view context) {
  const int rc = bind_error_ != SQLITE_OK ? bind_error_ : sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  // Build the error before Reset(), which may replace SQLite's message.
  absl::Status error =
      rc == SQLITE_DONE
          ? absl::OkStatus()
          : db_->Error(rc, context.empty() ? what_
                                           : absl::StrCat(context, ": ", what_));
  Reset();
  if (!error.ok()) return error;
  return false;
}

absl::Status SqliteStatement::Execute(absl::string_view context) {
  absl::StatusOr<bool> row;
  do {
    row = Step(context);
  } while (row.ok() && *row);
  return row.status();
}

int64_t SqliteStatement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

absl::string_view SqliteStatement::ColumnBlob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return absl::string_view();
  return absl::string_view(static_cast<const char*>(data),
                           static_cast<size_t>(size));
}

std::string SqliteStatement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text));
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
}

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(
    const std::string& path, absl::Duration busy_timeout, Access access) {
  // With URI filenames compiled in, "file:..." would be parsed as a URI, and
  // ":memory:" is special: a directory prefix makes any path a plain file.
  const std::string file = path[0] == '/' ? path : absl::StrCat("./", path);
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (access) {
    case Access::kCreate:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case Access::kReadWrite:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case Access::kReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      break;
  }
  sqlite3* handle = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &handle, flags, nullptr);
  // Even a failed open returns a handle (for the message), to be closed.
  std::unique_ptr<SqliteDb> db(new SqliteDb(path, handle, busy_timeout));
  if (handle == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("state database ", path, ": open: out of memory"));
  }
  if (rc != SQLITE_OK) return db->Error(rc, "open");
  absl::Status configured = db->Configure(access == Access::kReadOnly);
  if (!configured.ok()) return configured;
  return db;
}

absl::Status SqliteDb::Configure(bool read_only) {
  sqlite3_extended_result_codes(db_, 1);
  const int64_t ms = std::clamp<int64_t>(
      absl::ToInt64Milliseconds(busy_timeout_), 0, INT_MAX);
  sqlite3_busy_timeout(db_, static_cast<int>(ms));
  if (!read_only) {
    if (sqlite3_db_readonly(db_, "main") == 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "state database ", path_, ": opened read-only; autoheal must write it"));
    }
    // The first statement that reads the file: a file that is not a
    // database fails here. (Read-only, the caller's first query does.)
    absl::StatusOr<std::unique_ptr<SqliteStatement>> wal =
        Prepare("PRAGMA journal_mode=WAL", "set journal_mode=WAL");
    if (!wal.ok()) return wal.status();
    absl::StatusOr<bool> row = (*wal)->Step();
    if (!row.ok()) return row.status();
    std::string mode = *row ? (*wal)->ColumnText(0) : std::string();
    (*wal)->Reset();
    if (mode != "wal") {
      return absl::FailedPreconditionError(
          absl::StrCat("state database ", path_,
                       ": cannot use WAL mode (journal_mode is \"", mode, "\")"));
    }
    absl::Status status =
        Exec("PRAGMA synchronous=FULL", "set synchronous=FULL");
    if (!status.ok()) return status;
  }
  struct {
    std::unique_ptr<SqliteStatement>* slot;
    const char* sql;
    const char* what;
  } statements[] = {{&begin_read_, "BEGIN", "begin transaction"},
                    {&begin_write_, "BEGIN IMMEDIATE", "begin transaction"},
                    {&commit_, "COMMIT", "commit"},
                    {&rollback_, "ROLLBACK", "rollback"}};
  for (const auto& s : statements) {
    absl::StatusOr<std::unique_ptr<SqliteStatement>> prepared =
        Prepare(s.sql, s.what);
    if (!prepared.ok()) return prepared.status();
    *s.slot = *std::move(prepared);
  }
  return absl::OkStatus();
}

SqliteDb::~SqliteDb() {
  begin_read_.reset();
  begin_write_.reset();
  commit_.reset();
  rollback_.reset();
  sqlite3_close_v2(db_);
}

absl::StatusOr<std::unique_ptr<SqliteStatement>> SqliteDb::Prepare(
    absl::string_view sql, absl::string_view what) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status error = Error(rc, what);
    sqlite3_finalize(stmt);
    return error;
  }
  return std::make_unique<SqliteStatement>(this, stmt, what);
}

absl::Status SqliteDb::Exec(const std::string& sql, absl::string_view what) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? absl::OkStatus() : Error(rc, what);
}

absl::Status SqliteDb::Error(int rc, absl::string_view what) const {
  const int primary = rc & 0xff;
  // SQLite's own message is about the connection's latest failure; use it
  // only when it is this one.
  std::string detail = sqlite3_extended_errcode(db_) == rc
                           ? sqlite3_errmsg(db_)
                           : sqlite3_errstr(rc);
  if (const int err = sqlite3_system_errno(db_);
      err != 0 && (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN ||
                   primary == SQLITE_FULL)) {
    absl::StrAppend(&detail, ": ", std::strerror(err));
  }
  std::string message =
      absl::StrCat("state database ", path_, ": ", what, ": ",
                   Explain(primary, busy_timeout_), " (", detail, ")");
  const bool retry_may_help =
      !opening_ || primary == SQLITE_BUSY || primary == SQLITE_LOCKED ||
      primary == SQLITE_IOERR || primary == SQLITE_FULL ||
      primary == SQLITE_NOMEM;
  return retry_may_help ? absl::UnavailableError(message)
                        : absl::FailedPreconditionError(message);
}

bool SqliteDb::InTransaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

SqliteTransaction::~SqliteTransaction() {
  // Also after a failed COMMIT, which may leave the transaction open.
  if (db_.InTransaction()) db_.rollback_->Execute().IgnoreError();
}

absl::Status SqliteTransaction::Begin(Mode mode, absl::string_view what) {
  return (mode == Mode::kWrite ? db_.begin_write_ : db_.begin_read_)
      ->Execute(what);
}

absl::Status SqliteTransaction::Commit(absl::string_view what) {
  return db_.commit_->Execute(what);
}

}  // namespace internal
}  // namespace autoheal

#include "autoheal/sqlite_cooldown_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sqlite/sqlite_db.h"

namespace autoheal {
namespace internal {

struct SqliteStoreStatements {
  std::unique_ptr<SqliteStatement> read_key;
  std::unique_ptr<SqliteStatement> write_key;
  std::unique_ptr<SqliteStatement> read_budget;
  std::unique_ptr<SqliteStatement> write_budget;
  std::unique_ptr<SqliteStatement> prune_keys;
  std::unique_ptr<SqliteStatement> prune_budgets;
  std::unique_ptr<SqliteStatement> list_escalated;
};

}  // namespace internal

namespace {

using internal::SqliteDb;
using internal::SqliteStatement;
using internal::SqliteStoreStatements;
using internal::SqliteTransaction;

// PRAGMA application_id: "AHST", marks the file as autoheal state.
constexpr int64_t kApplicationId = 0x41485354;

// Times are INTEGER nanoseconds since the Unix epoch; the infinite past and
// future (and anything beyond int64 nanoseconds) saturate to the extremes.
// Times as blobs: 8 bytes each, little-endian, oldest first.
//
// keys.forget_after and budgets.forget_after: from then on the row holds
// nothing that matters and may be pruned.
constexpr char kSchema[] = R"sql(
CREATE TABLE keys (
  key BLOB NOT NULL PRIMARY KEY,
  cooldown_until INTEGER NOT NULL,
  latched INTEGER NOT NULL,
  quiet_until INTEGER NOT NULL,
  executions BLOB NOT NULL,
  forget_after INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX keys_by_forget_after ON keys(forget_after);
CREATE INDEX latched_keys_by_quiet_until ON keys(quiet_until) WHERE latched = 1;
CREATE TABLE budgets (
  key BLOB NOT NULL PRIMARY KEY,
  times BLOB NOT NULL,
  forget_after INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX budgets_by_forget_after ON budgets(forget_after);
)sql";

int64_t EncodeTime(absl::Time t) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (t <= absl::FromUnixNanos(kMin)) return kMin;
  if (t >= absl::FromUnixNanos(kMax)) return kMax;
  return absl::ToUnixNanos(t);
}

absl::Time DecodeTime(int64_t ns) {
  if (ns == std::numeric_limits<int64_t>::min()) return absl::InfinitePast();
  if (ns == std::numeric_limits<int64_t>::max()) return absl::InfiniteFuture();
  return absl::FromUnixNanos(ns);
}

std::string EncodeTimes(const RecentTimes& times) {
  std::string bytes;
  bytes.reserve(times.times().size() * 8);
  for (absl::Time t : times.times()) {
    const uint64_t v = static_cast<uint64_t>(EncodeTime(t));
    for (int shift = 0; shift < 64; shift += 8) {
      bytes.push_back(static_cast<char>((v >> shift) & 0xff));
    }
  }
  return bytes;
}

bool DecodeTimes(absl::string_view bytes, RecentTimes& times) {
  if (bytes.size() % 8 != 0) return false;
  std::vector<absl::Time> decoded;
  decoded.reserve(bytes.size() / 8);
  for (size_t i = 0; i < bytes.size(); i += 8) {
    uint64_t v = 0;
    for (int b = 7; b >= 0; --b) {
      v = (v << 8) | static_cast<unsigned char>(bytes[i + b]);
    }
    decoded.push_back(DecodeTime(static_cast<int64_t>(v)));
  }
  times.Assign(std::move(decoded));
  return true;
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Checks what SQLite would otherwise report vaguely ("unable to open
// database file"), or not at all until the first write.
absl::Status CheckLocation(const std::string& path, SqliteOpenMode mode) {
  const std::string dir = DirectoryOf(path);
  auto error = [&](absl::string_view what) {
    return absl::FailedPreconditionError(
        absl::StrCat("state database ", path, ": ", what));
  };
  struct stat st;
  if (mode == SqliteOpenMode::kReadOnly) {
    // Nothing is written, so only the file matters.
    if (::stat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) {
        return error(absl::StrCat("cannot access: ", std::strerror(errno)));
      }
      return absl::NotFoundError(absl::StrCat(
          "state database ", path, ": does not exist (autoheal-webhook "
          "creates it; check the path)"));
    }
    if (S_ISDIR(st.st_mode)) return error("is a directory");
    if (::faccessat(AT_FDCWD, path.c_str(), R_OK, AT_EACCESS) != 0) {
      return error(absl::StrCat("the file is not readable (",
                                std::strerror(errno), ")"));
    }
    return absl::OkStatus();
  }
  if (::stat(dir.c_str(), &st) != 0) {
    return error(errno == ENOENT
                     ? absl::StrCat("directory ", dir, " does not exist")
                     : absl::StrCat("cannot access directory ", dir, ": ",
                                    std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) return error(absl::StrCat(dir, " is not a directory"));
  if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
    return error(absl::StrCat(
        "directory ", dir, " is not writable (", std::strerror(errno),
        "); WAL mode creates the -wal and -shm files beside the database"));
  }
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return error("is a directory");
    if (::faccessat(AT_FDCWD, path.c_str(), R_OK | W_OK, AT_EACCESS) != 0) {
      return error(absl::StrCat("the file is not readable and writable (",
                                std::strerror(errno), ")"));
    }
  } else if (mode == SqliteOpenMode::kReadWrite) {
    return absl::NotFoundError(absl::StrCat(
        "state database ", path, ": does not exist (autoheal-webhook "
        "creates it; check the path)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> QueryInt(SqliteDb& db, const char* sql) {
  absl::StatusOr<std::unique_ptr<SqliteStatement>> query = db.Prepare(sql, sql);
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> row = (*query)->Step();
  if (!row.ok()) return row.status();
  return *row ? (*query)->ColumnInt64(0) : 0;
}

// Validates the file's schema version and, when `mode` may create it,
// creates the schema in a new file, under the write lock so that two
// processes opening a new file create it once.
absl::Status PrepareSchema(SqliteDb& db, SqliteOpenMode mode) {
  SqliteTransaction txn(db);
  absl::Status status = txn.Begin(mode == SqliteOpenMode::kReadOnly
                                      ? SqliteTransaction::Mode::kRead
                                      : SqliteTransaction::Mode::kWrite,
                                  "open");
  if (!status.ok()) return status;
  absl::StatusOr<int64_t> app_id = QueryInt(db, "PRAGMA application_id");
  absl::StatusOr<int64_t> version = QueryInt(db, "PRAGMA user_version");
  absl::StatusOr<int64_t> objects =
      QueryInt(db, "SELECT count(*) FROM sqlite_schema");
  for (const absl::Status& s :
       {app_id.status(), version.status(), objects.status()}) {
    if (!s.ok()) return s;
  }
  auto error = [&](absl::string_view what) {
    return absl::FailedPreconditionError(
        absl::StrCat("state database ", db.path(), ": ", what));
  };
  const bool fresh = *version == 0 && *app_id == 0 && *objects == 0;
  if (fresh && mode != SqliteOpenMode::kCreate) {
    return error(
        "not an autoheal state database (an empty file or SQLite database; "
        "autoheal-webhook creates the state database on its first start: "
        "check the path)");
  }
  if (!fresh && *app_id != kApplicationId) {
    return error(absl::StrFormat(
        "not an autoheal state database (application_id 0x%x, user_version "
        "%d, %d schema objects); move it aside or choose another path",
        *app_id, *version, *objects));
  }
  if (*version > kSqliteSchemaVersion) {
    return error(absl::StrCat(
        "schema version ", *version, " is newer than this autoheal's (",
        kSqliteSchemaVersion, "): it was written by a newer autoheal; "
        "upgrade, or move the file aside to start with empty state"));
  }
  if (fresh) {
    status = db.Exec(absl::StrCat(kSchema, "PRAGMA application_id = ",
                                  kApplicationId, "; PRAGMA user_version = ",
                                  kSqliteSchemaVersion, ";"),
                     "create schema");
    if (!status.ok()) return status;
  }
  return txn.Commit("open");
}

absl::StatusOr<std::unique_ptr<SqliteStoreStatements>> PrepareStatements(
    SqliteDb& db) {
  auto sql = std::make_unique<SqliteStoreStatements>();
  struct {
    std::unique_ptr<SqliteStatement>* slot;
    const char* what;
    const char* sql;
  } statements[] = {
      {&sql->read_key, "read key",
       "SELECT cooldown_until, latched, quiet_until, executions FROM keys "
       "WHERE key = ?1"},
      {&sql->write_key, "write key",
       "REPLACE INTO keys (key, cooldown_until, latched, quiet_until, "
       "executions, forget_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&sql->read_budget, "read budget",
       "SELECT times FROM budgets WHERE key = ?1"},
      {&sql->write_budget, "write budget",
       "REPLACE INTO budgets (key, times, forget_after) VALUES (?1, ?2, ?3)"},
      {&sql->prune_keys, "prune keys",
       "DELETE FROM keys WHERE key IN (SELECT key FROM keys "
       "WHERE forget_after <= ?1 LIMIT ?2)"},
      {&sql->prune_budgets, "prune budgets",
       "DELETE FROM budgets WHERE key IN (SELECT key FROM budgets "
       "WHERE forget_after <= ?1 LIMIT ?2)"},
      {&sql->list_escalated, "list escalated",
       "SELECT key, quiet_until FROM keys WHERE latched = 1 AND "
       "quiet_until > ?1 ORDER BY quiet_until LIMIT ?2"},
  };
  for (const auto& s : statements) {
    absl::StatusOr<std::unique_ptr<SqliteStatement>> prepared =
        db.Prepare(s.sql, s.what);
    if (!prepared.ok()) return prepared.status();
    *s.slot = *std::move(prepared);
  }
  return sql;
}

absl::Status CheckOptions(const std::string& path, const SqliteOptions& o) {
  if (path.empty()) {
    return absl::InvalidArgumentError("state database path is empty");
  }
  if (o.busy_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SqliteOptions.busy_timeout: must be >= 0, got ",
        absl::FormatDuration(o.busy_timeout)));
  }
  if (o.prune_every < 1 || o.prune_batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SqliteOptions.prune_every and prune_batch: must be >= 1, got ",
        o.prune_every, " and ", o.prune_batch));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> SqliteCooldownStore::Open(
    const std::string& path, SqliteOptions options) {
  absl::Status status = CheckOptions(path, options);
  if (status.ok()) status = CheckLocation(path, options.mode);
  if (!status.ok()) return status;
  SqliteDb::Access access = SqliteDb::Access::kCreate;
  if (options.mode == SqliteOpenMode::kReadWrite) {
    access = SqliteDb::Access::kReadWrite;
    // Look before writing: a read-write open sets WAL mode, which rewrites
    // the header of whatever the file is. Only autoheal state may change.
    absl::StatusOr<std::unique_ptr<SqliteDb>> look = SqliteDb::Open(
        path, options.busy_timeout, SqliteDb::Access::kReadOnly);
    if (!look.ok()) return look.status();
    status = PrepareSchema(**look, SqliteOpenMode::kReadOnly);
    if (!status.ok()) return status;
  } else if (options.mode == SqliteOpenMode::kReadOnly) {
    access = SqliteDb::Access::kReadOnly;
  }
  absl::StatusOr<std::unique_ptr<SqliteDb>> db =
      SqliteDb::Open(path, options.busy_timeout, access);
  if (!db.ok()) return db.status();
  status = PrepareSchema(**db, options.mode);
  if (!status.ok()) return status;
  absl::StatusOr<std::unique_ptr<SqliteStoreStatements>> sql =
      PrepareStatements(**db);
  if (!sql.ok()) return sql.status();
  (*db)->FinishOpening();
  return std::unique_ptr<SqliteCooldownStore>(new SqliteCooldownStore(
      path, options, *std::move(db), *std::move(sql)));
}

SqliteCooldownStore::SqliteCooldownStore(
    std::string path, SqliteOptions options,
    std::unique_ptr<internal::SqliteDb> db,
    std::unique_ptr<internal::SqliteStoreStatements> sql)
    : path_(std::move(path)),
      options_(options),
      db_(std::move(db)),
      sql_(std::move(sql)) {}

SqliteCooldownStore::~SqliteCooldownStore() = default;

absl::Status SqliteCooldownStore::CheckWritable(absl::string_view what) const {
  if (options_.mode != SqliteOpenMode::kReadOnly) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "state database ", path_, ": ", what, ": opened read-only"));
}

absl::StatusOr<AcquireResult> SqliteCooldownStore::Acquire(
    const AcquireRequest& request) {
  if (!request.preview) {
    absl::Status writable = CheckWritable("acquire");
    if (!writable.ok()) return writable;
  }
  internal::MutexLock lock(&mu_);
  return AcquireLocked(request);
}

absl::StatusOr<AcquireResult> SqliteCooldownStore::AcquireLocked(
    const AcquireRequest& request) {
  SqliteTransaction txn(*db_);
  absl::Status status =
      txn.Begin(request.preview ? SqliteTransaction::Mode::kRead
                                : SqliteTransaction::Mode::kWrite,
                "acquire");
  if (!status.ok()) return status;
  KeyRecord record;
  absl::StatusOr<bool> found = ReadKey(request.key, record);
  if (!found.ok()) return found.status();

  // One value per distinct budget key, shared by every reservation naming
  // it, as the in-memory store's map does.
  const size_t n = request.budgets.size();
  absl::InlinedVector<RecentTimes, 4> budgets;
  budgets.reserve(n);  // no reallocation: `pointers` point into it
  absl::InlinedVector<RecentTimes*, 4> pointers(n, nullptr);
  absl::InlinedVector<absl::Duration, 4> windows;  // per distinct budget
  absl::InlinedVector<size_t, 4> first_of;         // request index
  for (size_t i = 0; i < n; ++i) {
    const BudgetReservation& budget = request.budgets[i];
    for (size_t d = 0; d < budgets.size(); ++d) {
      if (request.budgets[first_of[d]].key == budget.key) {
        pointers[i] = &budgets[d];
        windows[d] = std::max(windows[d], budget.window);
        break;
      }
    }
    if (pointers[i] != nullptr) continue;
    absl::StatusOr<RecentTimes> times = ReadBudget(budget.key);
    if (!times.ok()) return times.status();
    budgets.push_back(*std::move(times));
    pointers[i] = &budgets.back();
    windows.push_back(budget.window);
    first_of.push_back(i);
  }

  bool changed = false;
  const AcquireResult result =
      ApplyAcquire(request, record, absl::MakeSpan(pointers), &changed);
  if (changed && !request.preview) {
    status = WriteKey(request.key, record,
                      record.ForgetAfter(request.flap.window));
    for (size_t d = 0; status.ok() && result.acquired() && d < budgets.size();
         ++d) {
      status = WriteBudget(request.budgets[first_of[d]].key, budgets[d],
                           budgets[d].Newest() + windows[d]);
    }
    if (status.ok()) status = MaybePrune(request.now);
    if (!status.ok()) return status;
  }
  status = txn.Commit("acquire");
  if (!status.ok()) return status;
  return result;
}

absl::Status SqliteCooldownStore::AcquireBatch(
    absl::Span<const AcquireRequest> requests,
    absl::Span<AcquireResult> results) {
  absl::Status sizes = CheckBatchSizes(requests, results);
  if (!sizes.ok()) return sizes;
  if (requests.empty()) return absl::OkStatus();
  if (!std::all_of(requests.begin(), requests.end(),
                   [](const AcquireRequest& r) { return r.preview; })) {
    absl::Status writable = CheckWritable("acquire batch");
    if (!writable.ok()) return writable;
  }
  internal::MutexLock lock(&mu_);
  return AcquireBatchLocked(requests, results);
}

absl::Status SqliteCooldownStore::AcquireBatchLocked(
    absl::Span<const AcquireRequest> requests,
    absl::Span<AcquireResult> results) {
  const bool writes = std::any_of(
      requests.begin(), requests.end(),
      [](const AcquireRequest& request) { return !request.preview; });
  SqliteTransaction txn(*db_);
  absl::Status status = txn.Begin(writes ? SqliteTransaction::Mode::kWrite
                                         : SqliteTransaction::Mode::kRead,
                                  "acquire batch");
  if (!status.ok()) return status;

  // The batch's working set: every key and budget row is read once, then
  // each request in turn decides on (and changes) the copy in memory, so
  // request i sees what requests 0..i-1 took. Deques: the pointers handed
  // to ApplyAcquire() stay valid as rows are added. Views name the rows:
  // they point into `requests`, which outlive this call.
  struct CachedKey {
    absl::string_view key;
    KeyRecord record;
    absl::Duration flap_window;  // of the request that changed it last
    bool dirty = false;
  };
  struct CachedBudget {
    absl::string_view key;
    RecentTimes times;
    // The widest window of the last request that reserved it, as
    // Acquire() writes its forget_after.
    absl::Duration window;
    size_t reserved_by = SIZE_MAX;
    bool dirty = false;
  };
  std::deque<CachedKey> keys;
  std::deque<CachedBudget> budgets;
  absl::flat_hash_map<absl::string_view, CachedKey*> key_rows;
  absl::flat_hash_map<absl::string_view, CachedBudget*> budget_rows;
  absl::InlinedVector<CachedBudget*, 4> request_budgets;
  absl::InlinedVector<RecentTimes*, 4> pointers;
  int writing_acquires = 0;
  absl::Time prune_now;

  for (size_t i = 0; i < requests.size(); ++i) {
    const AcquireRequest& request = requests[i];
    auto [key_it, new_key] = key_rows.try_emplace(request.key, nullptr);
    if (new_key) {
      CachedKey& row = keys.emplace_back();
      row.key = request.key;
      absl::StatusOr<bool> found = ReadKey(request.key, row.record);
      if (!found.ok()) return found.status();
      key_it->second = &row;
    }
    CachedKey& key = *key_it->second;
    request_budgets.clear();
    pointers.clear();
    for (const BudgetReservation& budget : request.budgets) {
      auto [budget_it, new_budget] =
          budget_rows.try_emplace(budget.key, nullptr);
      if (new_budget) {
        absl::StatusOr<RecentTimes> times = ReadBudget(budget.key);
        if (!times.ok()) return times.status();
        CachedBudget& row = budgets.emplace_back();
        row.key = budget.key;
        row.times = *std::move(times);
        budget_it->second = &row;
      }
      request_budgets.push_back(budget_it->second);
      pointers.push_back(&budget_it->second->times);
    }

    bool changed = false;
    results[i] =
        ApplyAcquire(request, key.record, absl::MakeSpan(pointers), &changed);
    if (!changed || request.preview) continue;
    key.dirty = true;
    key.flap_window = request.flap.window;
    ++writing_acquires;
    prune_now = request.now;
    if (!results[i].acquired()) continue;
    for (size_t b = 0; b < request_budgets.size(); ++b) {
      CachedBudget& row = *request_budgets[b];
      const absl::Duration window = request.budgets[b].window;
      row.window = row.reserved_by == i ? std::max(row.window, window) : window;
      row.reserved_by = i;
      row.dirty = true;
    }
  }

  // Only the rows that changed: a batch that took nothing writes nothing,
  // and its COMMIT then costs no fsync.
  for (const CachedKey& key : keys) {
    if (!key.dirty) continue;
    status = WriteKey(key.key, key.record, key.record.ForgetAfter(key.flap_window));
    if (!status.ok()) return status;
  }
  for (const CachedBudget& budget : budgets) {
    if (!budget.dirty) continue;
    status = WriteBudget(budget.key, budget.times,
                         budget.times.Newest() + budget.window);
    if (!status.ok()) return status;
  }
  if (writing_acquires > 0) {
    status = MaybePrune(prune_now, writing_acquires);
    if (!status.ok()) return status;
  }
  return txn.Commit("acquire batch");
}

absl::StatusOr<bool> SqliteCooldownStore::ReadKey(absl::string_view key,
                                                  KeyRecord& record) {
  SqliteStatement& read = *sql_->read_key;
  internal::ResetOnExit reset(read);
  read.BindBlob(1, key);
  absl::StatusOr<bool> row = read.Step();
  if (!row.ok() || !*row) return row;
  record.cooldown_until = DecodeTime(read.ColumnInt64(0));
  record.latched = read.ColumnInt64(1) != 0;
  record.quiet_until = DecodeTime(read.ColumnInt64(2));
  if (!DecodeTimes(read.ColumnBlob(3), record.executions)) {
    return absl::UnavailableError(absl::StrCat(
        "state database ", path_, ": read key: malformed executions column"));
  }
  return true;
}

absl::Status SqliteCooldownStore::WriteKey(absl::string_view key,
                                           const KeyRecord& record,
                                           absl::Time forget_after) {
  const std::string executions = EncodeTimes(record.executions);
  SqliteStatement& write = *sql_->write_key;
  write.BindBlob(1, key);
  write.BindInt64(2, EncodeTime(record.cooldown_until));
  write.BindInt64(3, record.latched ? 1 : 0);
  write.BindInt64(4, EncodeTime(record.quiet_until));
  write.BindBlob(5, executions);
  write.BindInt64(6, EncodeTime(forget_after));
  return write.Execute();
}

absl::StatusOr<RecentTimes> SqliteCooldownStore::ReadBudget(
    absl::string_view key) {
  SqliteStatement& read = *sql_->read_budget;
  internal::ResetOnExit reset(read);
  read.BindBlob(1, key);
  absl::StatusOr<bool> row = read.Step();
  if (!row.ok()) return row.status();
  RecentTimes times;
  if (*row && !DecodeTimes(read.ColumnBlob(0), times)) {
    return absl::UnavailableError(absl::StrCat(
        "state database ", path_, ": read budget: malformed times column"));
  }
  return times;
}

absl::Status SqliteCooldownStore::WriteBudget(absl::string_view key,
                                              const RecentTimes& times,
                                              absl::Time forget_after) {
  const std::string encoded = EncodeTimes(times);
  SqliteStatement& write = *sql_->write_budget;
  write.BindBlob(1, key);
  write.BindBlob(2, encoded);
  write.BindInt64(3, EncodeTime(forget_after));
  return write.Execute();
}

absl::Status SqliteCooldownStore::MaybePrune(absl::Time now, int writes) {
  writes_since_prune_ += writes;
  if (writes_since_prune_ < options_.prune_every) return absl::OkStatus();
  writes_since_prune_ = 0;
  for (SqliteStatement* prune : {sql_->prune_keys.get(),
                                 sql_->prune_budgets.get()}) {
    prune->BindInt64(1, EncodeTime(now));
    prune->BindInt64(2, options_.prune_batch);
    absl::Status status = prune->Execute();
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> SqliteCooldownStore::ClearEscalation(
    absl::string_view key) {
  absl::Status writable = CheckWritable("clear escalation");
  if (!writable.ok()) return writable;
  internal::MutexLock lock(&mu_);
  SqliteTransaction txn(*db_);
  absl::Status status =
      txn.Begin(SqliteTransaction::Mode::kWrite, "clear escalation");
  if (!status.ok()) return status;
  KeyRecord record;
  absl::StatusOr<bool> found = ReadKey(key, record);
  if (!found.ok()) return found.status();
  const bool was_latched = *found && record.latched;
  if (*found) {
    record.latched = false;
    record.executions.Clear();
    // Neither latched nor any history: only the cooldown still matters.
    status = WriteKey(key, record, record.ForgetAfter(absl::ZeroDuration()));
    if (!status.ok()) return status;
  }
  status = txn.Commit("clear escalation");
  if (!status.ok()) return status;
  return was_latched;
}

absl::Status SqliteCooldownStore::Ping() {
  internal::MutexLock lock(&mu_);
  // What an acquire needs: the write lock (BEGIN IMMEDIATE), then nothing
  // is written and the transaction rolls back (no fsync).
  SqliteTransaction txn(*db_);
  if (options_.mode != SqliteOpenMode::kReadOnly) {
    return txn.Begin(SqliteTransaction::Mode::kWrite, "ping");
  }
  // Read-only: a read that needs the shared lock (BEGIN alone takes none).
  absl::Status status = txn.Begin(SqliteTransaction::Mode::kRead, "ping");
  if (!status.ok()) return status;
  SqliteStatement& list = *sql_->list_escalated;
  internal::ResetOnExit reset(list);
  list.BindInt64(1, EncodeTime(absl::InfiniteFuture()));
  list.BindInt64(2, 1);
  return list.Step("ping").status();
}

absl::StatusOr<std::vector<EscalatedKey>> SqliteCooldownStore::ListEscalated(
    absl::Time now, size_t limit) {
  internal::MutexLock lock(&mu_);
  SqliteStatement& list = *sql_->list_escalated;
  internal::ResetOnExit reset(list);
  list.BindInt64(1, EncodeTime(now));
  list.BindInt64(2, static_cast<int64_t>(std::min<size_t>(
                        limit, std::numeric_limits<int64_t>::max())));
  std::vector<EscalatedKey> latched;
  while (true) {
    absl::StatusOr<bool> row = list.Step();
    if (!row.ok()) return row.status();
    if (!*row) return latched;
    absl::string_view key = list.ColumnBlob(0);
    latched.push_back({std::string(key), DecodeTime(list.ColumnInt64(1))});
  }
}

}  // namespace autoheal

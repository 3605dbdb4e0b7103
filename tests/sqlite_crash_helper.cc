// A process that uses a SqliteCooldownStore the way the receiver does, for
// sqlite_crash_test, which kills it, races two of it, or starves it of
// disk. Modes:
//
//   acquire PATH PREFIX COUNT
//       Acquires PREFIX-0, PREFIX-1, ... (forever when COUNT is 0) with a
//       one-hour cooldown at the real time. After each acquire that
//       succeeds, writes the key and a newline to stdout with one write(2)
//       (unbuffered): the key is then "acknowledged". Exits 0 when done, 1
//       on a store error (printed to stderr).
//   acquire-batch PATH PREFIX SIZE
//       As `acquire`, forever, but SIZE keys at a time with one
//       AcquireBatch() (the receiver's path: one per notification), each
//       batch also asking for its first key a second time (a duplicate,
//       cooling down). After each batch, writes the keys it acquired, a
//       newline after each, with one write(2).
//   hold-lock PATH
//       Takes the database's write lock (BEGIN EXCLUSIVE), prints "locked",
//       and holds it until killed.
//   fill PATH LIMIT_BYTES
//       Opens the store, then limits every file it writes to LIMIT_BYTES
//       (RLIMIT_FSIZE: writes beyond fail as on a full disk) and acquires
//       distinct 1 KiB keys, acknowledging each as in `acquire`, until one
//       fails. Prints "error: CODE: message" and exits 0 when that error is
//       kUnavailable, 3 otherwise, 4 when nothing ever failed.
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "autoheal/sqlite_cooldown_store.h"

namespace autoheal {
namespace {

void WriteOut(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(1, text.data() + done, text.size() - done);
    if (n <= 0) std::_Exit(5);
    done += static_cast<size_t>(n);
  }
}

std::unique_ptr<SqliteCooldownStore> OpenOrDie(const std::string& path) {
  absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
      SqliteCooldownStore::Open(path, SqliteOptions());
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(store);
}

// Acquires `key` now for an hour; acknowledges it on stdout when acquired.
absl::Status AcquireAndAcknowledge(SqliteCooldownStore& store,
                                   const std::string& key) {
  absl::StatusOr<AcquireResult> result =
      store.TryAcquire(key, absl::Now(), absl::Hours(1));
  if (!result.ok()) return result.status();
  if (result->acquired()) WriteOut(key + "\n");
  return absl::OkStatus();
}

int AcquireMode(const std::string& path, const std::string& prefix,
                int64_t count) {
  std::unique_ptr<SqliteCooldownStore> store = OpenOrDie(path);
  for (int64_t i = 0; count == 0 || i < count; ++i) {
    absl::Status status =
        AcquireAndAcknowledge(*store, absl::StrCat(prefix, "-", i));
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.ToString().c_str());
      return 1;
    }
  }
  return 0;
}

int AcquireBatchMode(const std::string& path, const std::string& prefix,
                     int64_t size) {
  std::unique_ptr<SqliteCooldownStore> store = OpenOrDie(path);
  for (int64_t first = 0;; first += size) {
    std::vector<std::string> keys;
    for (int64_t i = first; i < first + size; ++i) {
      keys.push_back(absl::StrCat(prefix, "-", i));
    }
    const absl::Time now = absl::Now();
    std::vector<AcquireRequest> requests;
    for (const std::string& key : keys) {
      AcquireRequest request;
      request.key = key;
      request.now = now;
      request.cooldown = absl::Hours(1);
      requests.push_back(request);
    }
    requests.push_back(requests.front());
    std::vector<AcquireResult> results(requests.size());
    absl::Status status =
        store->AcquireBatch(requests, absl::MakeSpan(results));
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.ToString().c_str());
      return 1;
    }
    std::string acknowledged;
    for (size_t i = 0; i < requests.size(); ++i) {
      if (results[i].acquired()) {
        absl::StrAppend(&acknowledged, requests[i].key, "\n");
      }
    }
    WriteOut(acknowledged);
  }
}

int HoldLockMode(const std::string& path) {
  sqlite3* db = nullptr;
  char* error = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK ||
      sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, &error) !=
          SQLITE_OK) {
    std::fprintf(stderr, "hold-lock %s: %s\n", path.c_str(),
                 error != nullptr ? error : sqlite3_errmsg(db));
    return 1;
  }
  WriteOut("locked\n");
  while (true) ::pause();
}

int FillMode(const std::string& path, int64_t limit_bytes) {
  std::unique_ptr<SqliteCooldownStore> store = OpenOrDie(path);
  ::signal(SIGXFSZ, SIG_IGN);  // a write beyond the limit fails with EFBIG
  struct rlimit limit;
  limit.rlim_cur = limit.rlim_max = static_cast<rlim_t>(limit_bytes);
  if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
  const std::string padding(1024, 'x');
  for (int i = 0; i < 1'000'000; ++i) {
    absl::Status status = AcquireAndAcknowledge(
        *store, absl::StrCat("fill-", i, "-", padding));
    if (!status.ok()) {
      WriteOut(absl::StrCat("error: ", status.ToString(), "\n"));
      return status.code() == absl::StatusCode::kUnavailable ? 0 : 3;
    }
  }
  return 4;
}

int Usage() {
  std::fprintf(stderr,
               "usage: sqlite_crash_helper acquire PATH PREFIX COUNT\n"
               "       sqlite_crash_helper acquire-batch PATH PREFIX SIZE\n"
               "       sqlite_crash_helper hold-lock PATH\n"
               "       sqlite_crash_helper fill PATH LIMIT_BYTES\n");
  return 2;
}

int Main(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string mode = argv[1];
  const std::string path = argv[2];
  int64_t number = 0;
  if (mode == "acquire" && argc == 5 && absl::SimpleAtoi(argv[4], &number)) {
    return AcquireMode(path, argv[3], number);
  }
  if (mode == "acquire-batch" && argc == 5 &&
      absl::SimpleAtoi(argv[4], &number) && number > 0) {
    return AcquireBatchMode(path, argv[3], number);
  }
  if (mode == "hold-lock" && argc == 3) return HoldLockMode(path);
  if (mode == "fill" && argc == 4 && absl::SimpleAtoi(argv[3], &number)) {
    return FillMode(path, number);
  }
  return Usage();
}

}  // namespace
}  // namespace autoheal

int main(int argc, char** argv) { return autoheal::Main(argc, argv); }

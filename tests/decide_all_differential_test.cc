// A randomized differential test of Engine::DecideAll (one AcquireBatch per
// notification) against a loop of Engine::Decide (one Acquire per alert):
// the same random policy, notifications, clock steps and in-flight marks go
// through DecideAll on one store and through Decide, alert by alert, on a
// second fresh store of the same kind; every decision must be equal
// (verdict, reason, key, time left, new escalation, budget scope).
//
// Notifications mix duplicates of a key, keys from a small set, shared
// global and per-action budgets, the flap guard, in-flight keys, resolved,
// not opted-in, not allowlisted and invalid-target alerts, and now and then
// a preview engine (`autoheal explain --state`). Between notifications the
// fake clock moves by a random step: nothing, a little, about a cooldown, a
// flap window, or back in time.
//
// Backends: memory, SQLite (on tmpfs: this checks semantics, not the disk)
// and Redis. Redis judges time by its own clock, so there the durations are
// hours (nothing expires while the test runs), the fake clock's steps do not
// matter, and the time left, which each round trip reads anew, is not
// compared.
//
// The seed is fixed so that a failure replays; AUTOHEAL_DIFFERENTIAL_SEED
// overrides it (a failure prints the seed of its scenario).
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "autoheal/engine.h"
#include "autoheal/in_flight.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/redis_cooldown_store.h"
#include "autoheal/sqlite_cooldown_store.h"
#include "autoheal/testing/fake_clock.h"
#include "engine_test_util.h"
#include "gtest/gtest.h"
#include "redis_server.h"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::FiringAlert;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::RedisServer;
using ::autoheal::testutil::TempDir;

struct Backend {
  std::string name;
  // Makes a fresh, empty store; null on failure (the test then fails).
  std::function<std::unique_ptr<CooldownStore>()> make;
  // False for a store on its own clock (Redis).
  bool caller_time = true;
  int scenarios = 0;
  int notifications = 0;
};

void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

// The SQLite stores' directory: on tmpfs when there is one, since these
// stores check semantics and an fsync per decision on a real disk would
// only make the test slow. Removed at exit with the files it holds.
class SqliteDir {
 public:
  static SqliteDir& Get() {
    static SqliteDir* dir = new SqliteDir();
    return *dir;
  }

  // A new database path in the directory.
  std::string NewPath() {
    return absl::StrCat(path_, "/store-", next_.fetch_add(1), ".db");
  }

 private:
  SqliteDir() {
    std::string pattern = "/dev/shm/autoheal-differential-XXXXXX";
    if (::access("/dev/shm", W_OK) == 0 &&
        ::mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
    } else {
      fallback_ = std::make_unique<TempDir>();
      path_ = fallback_->path();
    }
    std::atexit([] { Get().Remove(); });
  }

  void Remove() {
    for (int i = 0; i < next_.load(); ++i) {
      for (const char* suffix : {"", "-wal", "-shm"}) {
        ::unlink(absl::StrCat(path_, "/store-", i, ".db", suffix).c_str());
      }
    }
    if (fallback_ == nullptr) ::rmdir(path_.c_str());
  }

  std::string path_;
  std::unique_ptr<TempDir> fallback_;
  std::atomic<int> next_{0};
};

std::unique_ptr<CooldownStore> MakeSqlite() {
  absl::StatusOr<std::unique_ptr<SqliteCooldownStore>> store =
      SqliteCooldownStore::Open(SqliteDir::Get().NewPath(), SqliteOptions());
  EXPECT_THAT(store, IsOk());
  if (!store.ok()) return nullptr;
  return *std::move(store);
}

std::unique_ptr<CooldownStore> MakeRedis() {
  static TempDir dir;
  static absl::StatusOr<std::unique_ptr<RedisServer>> server =
      RedisServer::Start(dir);
  if (!server.ok()) {
    ADD_FAILURE() << "cannot start redis-server: " << server.status();
    return nullptr;
  }
  static std::atomic<int> next{0};
  RedisOptions options;
  options.address = (*server)->address();
  options.prefix = absl::StrCat("differential-", getpid(), "-", next++);
  options.command_timeout = absl::Seconds(2);
  options.connect_timeout = absl::Seconds(2);
  absl::StatusOr<std::unique_ptr<RedisCooldownStore>> store =
      RedisCooldownStore::Connect(options);
  EXPECT_THAT(store, IsOk());
  if (!store.ok()) return nullptr;
  return *std::move(store);
}

uint64_t BaseSeed() {
  const char* text = std::getenv("AUTOHEAL_DIFFERENTIAL_SEED");
  uint64_t seed = 0;
  if (text != nullptr && absl::SimpleAtoi(text, &seed)) return seed;
  return 20240611;
}

// One scenario: a random policy, two stores of one kind, and the engines
// that decide on them.
class Scenario {
 public:
  Scenario(const Backend& backend, uint64_t seed)
      : backend_(backend), random_(seed) {}

  // Builds the policy, the stores and the engines; false on failure.
  bool SetUp() {
    options_ = RandomPolicy();
    batch_store_ = backend_.make();
    loop_store_ = backend_.make();
    if (batch_store_ == nullptr || loop_store_ == nullptr) return false;
    for (bool preview : {false, true}) {
      for (CooldownStore* store : {batch_store_.get(), loop_store_.get()}) {
        EngineDeps deps;
        deps.clock = &clock_;
        deps.store = store;
        deps.in_flight = &in_flight_;
        deps.preview = preview;
        absl::StatusOr<std::unique_ptr<Engine>> engine =
            Engine::Create(options_, deps);
        EXPECT_THAT(engine, IsOk());
        if (!engine.ok()) return false;
        engines_.push_back(*std::move(engine));
      }
    }
    return true;
  }

  // Decides one random notification both ways and compares every decision.
  void RunNotification(int n) {
    Step();
    WebhookMessage message = RandomNotification();
    const bool preview = Chance(8);
    Engine& batch = *engines_[preview ? 2 : 0];
    Engine& loop = *engines_[preview ? 3 : 1];
    const std::vector<Decision> batched = batch.DecideAll(message);
    ASSERT_EQ(batched.size(), message.alerts.size());
    for (size_t i = 0; i < message.alerts.size(); ++i) {
      const Decision one = loop.Decide(message.alerts[i]);
      const Decision& all = batched[i];
      SCOPED_TRACE(absl::StrCat("notification ", n, " alert ", i, " (",
                                message.alerts[i].alertname(), ") ",
                                preview ? "preview" : ""));
      ASSERT_EQ(all.reason, one.reason)
          << "DecideAll: " << all.Sentence() << "\nDecide: " << one.Sentence();
      ASSERT_EQ(all.verdict, one.verdict);
      ASSERT_EQ(all.key.view(), one.key.view());
      ASSERT_EQ(all.newly_escalated, one.newly_escalated);
      ASSERT_EQ(all.budget_scope, one.budget_scope);
      if (backend_.caller_time) {
        ASSERT_EQ(all.time_left, one.time_left)
            << "DecideAll: " << all.Sentence() << "\nDecide: "
            << one.Sentence();
      }
      reasons_seen_ |= uint32_t{1} << static_cast<int>(all.reason);
    }
  }

  uint32_t reasons_seen() const { return reasons_seen_; }

 private:
  bool Chance(int one_in) {
    return std::uniform_int_distribution<int>(0, one_in - 1)(random_) == 0;
  }
  int Uniform(int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random_);
  }
  // A duration in [low, high] whole seconds; hours on a store that keeps
  // time itself, so that nothing expires while the test runs.
  absl::Duration Seconds(int low, int high) {
    const absl::Duration d = absl::Seconds(Uniform(low, high));
    return backend_.caller_time ? d : absl::Hours(1) + d;
  }

  EngineOptions RandomPolicy() {
    EngineOptions options;
    options.enabled = Chance(2);
    options.default_cooldown = Seconds(30, 300);
    options.global_budget = {Chance(3) ? 0 : Uniform(1, 12),
                             Seconds(60, 1800)};
    options.flap_guard = {Chance(4) ? 0 : Uniform(1, 3), Seconds(300, 3600)};

    Action api = testutil::MakeAction("ApiDown", "restart-api");
    if (Chance(2)) api.cooldown = Seconds(10, 600);
    Action tcp = testutil::MakeAction("TcpEndpointDownFast", "restart-tcp",
                                      {"instance"});
    tcp.argv = {"/usr/bin/restart", "--target={{labels.instance}}"};
    tcp.label_patterns = {{"instance", "[a-z0-9-]+"}};
    if (Chance(2)) tcp.cooldown = Seconds(10, 600);
    Action disk = testutil::MakeAction("DiskFull", "clean-disk",
                                       {"instance", "job"});
    for (Action* action : {&api, &tcp, &disk}) {
      if (Chance(2)) action->budget = {Uniform(1, 6), Seconds(60, 1800)};
    }
    options.actions = {api, tcp, disk};
    return options;
  }

  Alert RandomAlert() {
    static const char* const kInstances[] = {"db-1", "db-2", "web-1", "web-2"};
    static const char* const kJobs[] = {"node", "mysql"};
    Alert alert;
    switch (Uniform(0, 9)) {
      case 0:
      case 1:
        alert = FiringAlert("ApiDown");
        break;
      case 2:
      case 3:
      case 4:
        alert = FiringAlert("TcpEndpointDownFast",
                            {{"instance", Chance(10) ? "Bad Host!"
                                                     : kInstances[Uniform(0, 3)]}});
        break;
      case 5:
      case 6:
      case 7:
        alert = FiringAlert("DiskFull", {{"instance", kInstances[Uniform(0, 3)]},
                                         {"job", kJobs[Uniform(0, 1)]}});
        break;
      case 8:
        alert = FiringAlert("NotConfigured");
        break;
      default:
        alert = FiringAlert("ApiDown");
        alert.annotations = LabelSet({{"autoheal", "false"}});
        break;
    }
    if (Chance(10)) alert.status = AlertStatus::kResolved;
    return alert;
  }

  WebhookMessage RandomNotification() {
    WebhookMessage message;
    message.status = AlertStatus::kFiring;
    const int size = Chance(5) ? Uniform(20, 40) : Uniform(0, 8);
    for (int i = 0; i < size; ++i) {
      // Now and then the same alert again, right away.
      if (i > 0 && Chance(6)) {
        message.alerts.push_back(message.alerts.back());
      } else {
        message.alerts.push_back(RandomAlert());
      }
    }
    return message;
  }

  // Moves the clock and changes which keys have an action running.
  void Step() {
    if (backend_.caller_time) {
      switch (Uniform(0, 5)) {
        case 0:
          break;
        case 1:
          clock_.Advance(absl::Seconds(Uniform(1, 30)));
          break;
        case 2:
        case 3:
          clock_.Advance(absl::Seconds(Uniform(30, 400)));
          break;
        case 4:
          clock_.Advance(absl::Seconds(Uniform(400, 4000)));
          break;
        default:
          clock_.Advance(-absl::Seconds(Uniform(1, 200)));
          break;
      }
    }
    // In flight: a decided key's action starts or ends.
    const std::string keys[] = {
        CooldownKeyBuilder(options_.enabled ? KeySpace::kLive
                                            : KeySpace::kDryRun)
            .Add("restart-api")
            .Add("ApiDown")
            .Finish(),
        CooldownKeyBuilder(options_.enabled ? KeySpace::kLive
                                            : KeySpace::kDryRun)
            .Add("restart-tcp")
            .Add("TcpEndpointDownFast")
            .Add("instance")
            .Add("db-1")
            .Finish()};
    for (const std::string& key : keys) {
      if (Chance(4)) {
        if (in_flight_.Contains(key)) {
          in_flight_.End(key);
        } else {
          in_flight_.Begin(key);
        }
      }
    }
  }

  const Backend& backend_;
  std::mt19937_64 random_;
  EngineOptions options_;
  testing::FakeClock clock_;
  InFlightRegistry in_flight_;
  std::unique_ptr<CooldownStore> batch_store_;
  std::unique_ptr<CooldownStore> loop_store_;
  // Batch live, loop live, batch preview, loop preview.
  std::vector<std::unique_ptr<Engine>> engines_;
  uint32_t reasons_seen_ = 0;
};

class DecideAllDifferentialTest : public ::testing::TestWithParam<Backend> {};

TEST_P(DecideAllDifferentialTest, DecideAllEqualsDecideOneByOne) {
  const Backend& backend = GetParam();
  const uint64_t base = BaseSeed();
  uint32_t reasons_seen = 0;
  for (int s = 0; s < backend.scenarios; ++s) {
    const uint64_t seed = base + static_cast<uint64_t>(s);
    SCOPED_TRACE(absl::StrCat("AUTOHEAL_DIFFERENTIAL_SEED=", base,
                              ", scenario ", s, " (seed ", seed, ")"));
    Scenario scenario(backend, seed);
    ASSERT_TRUE(scenario.SetUp());
    for (int n = 0; n < backend.notifications; ++n) {
      scenario.RunNotification(n);
      if (HasFatalFailure()) return;
    }
    reasons_seen |= scenario.reasons_seen();
  }
  // The scenarios reached every reason a store gives (and the local ones).
  std::vector<Reason> expected = {
      Reason::kResolved,        Reason::kNotOptedIn,  Reason::kNotAllowlisted,
      Reason::kInvalidTarget,   Reason::kInFlight,    Reason::kCoolingDown,
      Reason::kBudgetExhausted, Reason::kExecute,     Reason::kDryRun};
  if (backend.caller_time) expected.push_back(Reason::kEscalated);
  for (Reason reason : expected) {
    EXPECT_TRUE(reasons_seen & (uint32_t{1} << static_cast<int>(reason)))
        << "no scenario reached " << reason;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Stores, DecideAllDifferentialTest,
    ::testing::Values(
        Backend{"memory", [] { return std::make_unique<InMemoryCooldownStore>(); },
                true, 300, 60},
        Backend{"sqlite", MakeSqlite, true, 40, 40},
        Backend{"redis", MakeRedis, false, 20, 25}),
    BackendName);

}  // namespace
}  // namespace autoheal

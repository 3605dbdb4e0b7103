// Decides on a payload with a policy loaded from YAML, using only the
// installed headers and libraries. Exits 0 when the decisions are as expected.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "autoheal/engine.h"
#include "autoheal/json_audit_sink.h"
#include "autoheal/process_executor.h"
#include "autoheal/redis_cooldown_store.h"
#include "autoheal/remediator.h"
#include "autoheal/sqlite_cooldown_store.h"
#include "autoheal/payload.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/version.h"
#include "autoheal/yaml_policy.h"

int main() {
  const char* policy = R"(
actions:
  ApiDown:
    name: restart-api
    argv: ["/usr/bin/true"]
  EndpointDown:
    name: restart-endpoint
    argv: ["/usr/bin/true", "--target={{labels.instance}}"]
    label_patterns:
      instance: '[a-z0-9.-]+:[0-9]{1,5}'
)";
  const char* payload = R"({"version":"4","status":"firing","alerts":[
    {"status":"firing","labels":{"alertname":"ApiDown"},
     "annotations":{"autoheal":"true"}},
    {"status":"firing","labels":{"alertname":"Other"},
     "annotations":{"autoheal":"true"}},
    {"status":"firing","labels":{"alertname":"EndpointDown",
     "instance":"db-01:5432;reboot"},"annotations":{"autoheal":"true"}}]})";

  auto options = autoheal::ParsePolicy(policy, "inline.yml");
  if (!options.ok()) {
    std::cerr << options.status() << "\n";
    return 1;
  }
  autoheal::testing::FakeClock clock;
  autoheal::EngineDeps deps;
  deps.clock = &clock;
  auto engine = autoheal::Engine::Create(*options, deps);
  auto message = autoheal::ParseWebhookMessage(payload);
  if (!engine.ok() || !message.ok()) return 1;
  // The optional components link from the installed tree too.
  auto executor = autoheal::ProcessExecutor::Create({}, &clock);
  auto audit = autoheal::JsonLinesAuditSink::ForStdout();
  if (!executor.ok() || audit == nullptr) return 1;
  // The durable store too, in a directory of its own.
  char dir[] = "/tmp/autoheal-consumer-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  const std::string db = std::string(dir) + "/state.db";
  bool stored = false;
  {
    auto store = autoheal::SqliteCooldownStore::Open(db, {});
    absl::StatusOr<autoheal::AcquireResult> taken =
        store.ok() ? (*store)->TryAcquire("k", clock.Now(), absl::Seconds(1))
                   : absl::StatusOr<autoheal::AcquireResult>(store.status());
    stored = taken.ok() && taken->acquired();
    if (!taken.ok()) std::cerr << taken.status() << "\n";
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::remove((db + suffix).c_str());
  }
  rmdir(dir);
  // autoheal::redis links too (bad options: no connection is attempted).
  autoheal::RedisOptions redis;
  redis.prefix = "";
  if (autoheal::RedisCooldownStore::Connect(redis).status().code() !=
      absl::StatusCode::kInvalidArgument) {
    return 1;
  }
  auto decisions = (*engine)->DecideAll(*message);
  for (const auto& d : decisions) {
    std::cout << d.alertname << " " << d.reason << ": " << d.Sentence() << "\n";
  }
  std::cout << "autoheal " << AUTOHEAL_VERSION_STRING << "\n";
  // The third alert's label fails its pattern: RE2 links from the installed
  // package's dependencies too.
  bool ok = stored && decisions.size() == 3 &&
            decisions[0].reason == autoheal::Reason::kDryRun &&
            decisions[1].reason == autoheal::Reason::kNotAllowlisted &&
            decisions[2].reason == autoheal::Reason::kInvalidTarget;
  return ok ? 0 : 1;
}

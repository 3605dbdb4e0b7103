// The core alone, from the installed package: an engine built from options
// written in code decides on an Alertmanager payload with the in-memory
// store. Exits 0 when every decision is as expected.
#include <iostream>
#include <utility>

#include "autoheal/engine.h"
#include "autoheal/options.h"
#include "autoheal/payload.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/version.h"

int main() {
  autoheal::EngineOptions options;
  options.enabled = true;
  autoheal::Action restart;
  restart.alertname = "EndpointDown";
  restart.name = "restart-endpoint";
  restart.argv = {"/usr/bin/true", "--target={{labels.instance}}"};
  // RE2, the core's third dependency, compiles and matches this.
  restart.label_patterns["instance"] = "[a-z0-9.-]+:[0-9]{1,5}";
  options.actions.push_back(restart);

  autoheal::testing::FakeClock clock;
  autoheal::EngineDeps deps;
  deps.clock = &clock;
  auto engine = autoheal::Engine::Create(std::move(options), deps);
  if (!engine.ok()) {
    std::cerr << engine.status() << "\n";
    return 1;
  }
  auto message = autoheal::ParseWebhookMessage(R"({"version":"4",
    "status":"firing","alerts":[
    {"status":"firing","labels":{"alertname":"EndpointDown",
     "instance":"db-01:5432"},"annotations":{"autoheal":"true"}},
    {"status":"firing","labels":{"alertname":"EndpointDown",
     "instance":"db-01:5432"},"annotations":{"autoheal":"true"}},
    {"status":"firing","labels":{"alertname":"EndpointDown",
     "instance":"db-01:5432;reboot"},"annotations":{"autoheal":"true"}},
    {"status":"firing","labels":{"alertname":"Other"},
     "annotations":{"autoheal":"true"}}]})");
  if (!message.ok()) {
    std::cerr << message.status() << "\n";
    return 1;
  }
  auto decisions = (*engine)->DecideAll(*message);
  for (const auto& d : decisions) {
    std::cout << d.alertname << " " << d.reason << ": " << d.Sentence() << "\n";
  }
  std::cout << "autoheal " << AUTOHEAL_VERSION_STRING << " (core)\n";
  // Executed once, then cooling down (the in-memory store), a target that
  // fails its pattern, an alert no action is allowed for.
  bool ok = decisions.size() == 4 &&
            decisions[0].verdict == autoheal::Verdict::kExecute &&
            decisions[1].reason == autoheal::Reason::kCoolingDown &&
            decisions[2].reason == autoheal::Reason::kInvalidTarget &&
            decisions[3].reason == autoheal::Reason::kNotAllowlisted;
  return ok ? 0 : 1;
}

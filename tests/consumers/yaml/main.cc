// Component yaml alone, from the installed package: a policy parsed from
// YAML drives the engine. Exits 0 when the policy and decision are as
// expected.
#include <iostream>
#include <utility>

#include "autoheal/engine.h"
#include "autoheal/payload.h"
#include "autoheal/testing/fake_clock.h"
#include "autoheal/yaml_policy.h"

int main() {
  auto options = autoheal::ParsePolicy(R"(
enabled: true
cooldown: 5m
actions:
  ApiDown:
    name: restart-api
    argv: ["/usr/bin/systemctl", "restart", "api"]
)", "inline.yml");
  if (!options.ok()) {
    std::cerr << options.status() << "\n";
    return 1;
  }
  if (!options->enabled || options->actions.size() != 1 ||
      options->actions[0].argv.size() != 3 ||
      options->default_cooldown != absl::Minutes(5)) {
    std::cerr << "the policy did not parse as written\n";
    return 1;
  }
  // A bad policy is an error that names the field.
  auto bad = autoheal::ParsePolicy("actions: [1, 2]\n", "bad.yml");
  if (bad.ok() || bad.status().code() != absl::StatusCode::kInvalidArgument) {
    std::cerr << "a bad policy was accepted\n";
    return 1;
  }
  std::cout << "bad.yml: " << bad.status().message() << "\n";

  autoheal::testing::FakeClock clock;
  autoheal::EngineDeps deps;
  deps.clock = &clock;
  auto engine = autoheal::Engine::Create(*std::move(options), deps);
  auto message = autoheal::ParseWebhookMessage(
      R"({"version":"4","status":"firing","alerts":[{"status":"firing",
      "labels":{"alertname":"ApiDown"},"annotations":{"autoheal":"true"}}]})");
  if (!engine.ok() || !message.ok()) return 1;
  auto decisions = (*engine)->DecideAll(*message);
  if (decisions.size() != 1) return 1;
  std::cout << decisions[0].Sentence() << "\n";
  return decisions[0].verdict == autoheal::Verdict::kExecute ? 0 : 1;
}

// The library quickstart: load a policy, decide on an Alertmanager payload,
// print each alert's verdict and reason.
//
//   autoheal_quickstart POLICY.yml PAYLOAD.json [--enabled]
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "autoheal/engine.h"
#include "autoheal/payload.h"
#include "autoheal/yaml_policy.h"

namespace {

bool ReadFile(const char* path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4 || (argc == 4 && std::strcmp(argv[3], "--enabled"))) {
    std::cerr << "usage: " << argv[0] << " POLICY.yml PAYLOAD.json [--enabled]\n";
    return 2;
  }
  absl::StatusOr<autoheal::EngineOptions> options =
      autoheal::LoadPolicyFile(argv[1]);
  if (!options.ok()) {
    std::cerr << options.status().message() << "\n";
    return 1;
  }
  options->enabled = options->enabled || argc == 4;
  absl::StatusOr<std::unique_ptr<autoheal::Engine>> engine =
      autoheal::Engine::Create(*std::move(options));
  if (!engine.ok()) {
    std::cerr << engine.status().message() << "\n";
    return 1;
  }
  std::string body;
  if (!ReadFile(argv[2], &body)) {
    std::cerr << argv[2] << ": cannot read\n";
    return 1;
  }
  absl::StatusOr<autoheal::WebhookMessage> message =
      autoheal::ParseWebhookMessage(body);
  if (!message.ok()) {
    std::cerr << argv[2] << ": " << message.status().message() << "\n";
    return 1;
  }
  for (const autoheal::Decision& d : (*engine)->DecideAll(*message)) {
    std::cout << d.alertname << ": " << d.verdict << " (" << d.reason
              << ") " << d.Sentence() << "\n";
  }
  return 0;
}

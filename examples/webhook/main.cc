// autoheal-webhook: the Alertmanager webhook receiver. Wiring only: the
// flags are defined in src/receiver/flags.cc (see --help), the service in
// src/receiver/service.cc.
#include <iostream>

#include "config/env_overrides.h"
#include "receiver/flags.h"
#include "receiver/service.h"

int main(int argc, char** argv) {
  autoheal::receiver::WebhookCommandLine line =
      autoheal::receiver::ParseWebhookFlags(argc, argv, autoheal::ProcessEnv(),
                                            std::cout, std::cerr);
  if (!line.config.has_value()) return line.exit_code;
  return autoheal::receiver::RunService(*line.config);
}

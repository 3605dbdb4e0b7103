// autoheal-webhook's command line: its flags (CLI11, see "flags/flags.h"),
// turned into a ServiceConfig, then completed from the environment and
// files (ResolveServiceConfig()). `examples/webhook/main.cc` calls this and
// RunService().
//
//   WebhookCommandLine line =
//       ParseWebhookFlags(argc, argv, ProcessEnv(), std::cout, std::cerr);
//   if (!line.config.has_value()) return line.exit_code;
//   return RunService(*line.config);
//
// Thread safety: reentrant.

#ifndef AUTOHEAL_RECEIVER_FLAGS_H_
#define AUTOHEAL_RECEIVER_FLAGS_H_

#include <optional>
#include <ostream>

#include "config/env_overrides.h"
#include "receiver/service.h"

namespace autoheal {
namespace receiver {

struct WebhookCommandLine {
  // The receiver's configuration, when it should start; otherwise empty,
  // and the process ends with `exit_code`.
  std::optional<ServiceConfig> config;
  // 0 after --help or --version (printed to `out`), 2 after a usage error
  // (an unknown flag, a missing value, a value of the wrong type), 1 when
  // a value from the environment or a file is wrong (the message names it).
  int exit_code = 0;
};

// Parses autoheal-webhook's flags (argv[0] is ignored) and resolves the
// configuration with `env` (AUTOHEAL_LISTEN, AUTOHEAL_BEARER_TOKEN,
// AUTOHEAL_STATE_PATH) and --bearer-token-file. Writes help and version to
// `out`, errors to `err`.
WebhookCommandLine ParseWebhookFlags(int argc, const char* const* argv,
                                     const EnvLookup& env, std::ostream& out,
                                     std::ostream& err);

}  // namespace receiver
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_FLAGS_H_

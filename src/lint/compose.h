// `autoheal lint --compose`: no docker compose service may switch autoheal
// on. The original stack's CI guard grepped for AUTOHEAL_ENABLED=true; this
// reads the file as compose does.
//
// Checked, for every service (profiles included):
//   - `environment` in map and list form, every true spelling
//     (see ClassifySwitch), quoted or not;
//   - compose interpolation: the default of ${AUTOHEAL_ENABLED:-true} or
//     ${X-true} counts when the variable is unset; variables set in the
//     `.env` file next to the compose file count as set;
//   - YAML anchors and merge keys (`<<: *defaults`, x- extension fields);
//   - `env_file` (a string, a list, or {path, required} entries), read
//     relative to the compose file's directory when it exists; its findings
//     point at the env file's line.
// Precedence follows compose: a value in `environment` wins over env files,
// and a later env file over an earlier one. `${AUTOHEAL_ENABLED}` without a
// default, and a bare `AUTOHEAL_ENABLED` (taken from the host), are not
// findings: the compose file does not switch autoheal on by itself.
// Not followed: `extends` and `include` of other files.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: reentrant;
// `files` must be safe to call from the calling thread.

#ifndef AUTOHEAL_LINT_COMPOSE_H_
#define AUTOHEAL_LINT_COMPOSE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lint/file_reader.h"
#include "lint/finding.h"

namespace autoheal {
namespace lint {

struct ComposeReport {
  // Sorted by file, line and column, without duplicates; env file findings
  // name the env file.
  std::vector<Finding> findings;
  // The names other containers of the project reach a service by: service
  // names, container_name, hostname and network aliases, as written.
  std::vector<std::string> hosts;
};

// Lints compose file `text`. `path` labels findings and locates env_file and
// .env (through `files`, which is not kept past the call). Never throws;
// malformed input yields parse-error or compose-invalid findings naming the
// key path.
ComposeReport LintCompose(absl::string_view text, const std::string& path,
                          const FileReader& files);

}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_LINT_COMPOSE_H_

// Environment values as docker compose sees them, for `autoheal lint`: what
// counts as switching AUTOHEAL_ENABLED on, compose's `${VAR:-default}`
// interpolation, and env files (env_file, .env).
//
// Internal to the `autoheal` CLI (not installed). Thread safety: pure
// functions.

#ifndef AUTOHEAL_LINT_ENV_H_
#define AUTOHEAL_LINT_ENV_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace autoheal {
namespace lint {

// What a value of a boolean switch such as AUTOHEAL_ENABLED means.
enum class SwitchValue { kOn, kOff, kUnknown };

// Classifies `value` generously, ignoring ASCII case and surrounding
// whitespace: on for every YAML 1.1, Go and shell spelling of true (true, t,
// yes, y, on, 1, enable, enabled); off for false, f, no, n, off, 0, disable,
// disabled and the empty string; unknown otherwise.
SwitchValue ClassifySwitch(absl::string_view value);

// A variable available to interpolation, and where it was set.
struct Variable {
  std::string value;
  // E.g. "deploy/.env:3".
  std::string origin;
};
using Variables = std::map<std::string, Variable>;

// The result of interpolating a value.
struct Interpolated {
  std::string value;
  // True when the text held at least one substitution (other than $$).
  bool substituted = false;
  // The origins of the variables that were set and used, in order.
  std::vector<std::string> origins;
};

// Interpolates `text` as docker compose does, with `variables` set and every
// other variable unset: $$ is a literal $; $NAME and ${NAME} are the value
// or empty; ${NAME:-default} and ${NAME-default} the default when NAME is
// unset (the first also when empty); ${NAME:+alt} and ${NAME+alt} the
// alternative when set (non-empty); ${NAME:?err} and ${NAME?err} are empty
// when unset (compose refuses to start). Defaults may nest up to 16 deep.
// Malformed references are kept as literal text. The result is never longer
// than `text` plus the values of the variables it uses.
Interpolated Interpolate(absl::string_view text, const Variables& variables);

// One `KEY=VALUE` assignment of an env file.
struct EnvAssignment {
  std::string key;
  // Unquoted, with escapes of a double-quoted value resolved.
  std::string value;
  // 1-based position of the value (of the key when the value is empty).
  int line = 0;
  int column = 0;
  // False for a single-quoted value, which compose does not interpolate.
  bool interpolate = true;
};

// A line of an env file that cannot be read.
struct EnvFileProblem {
  int line = 0;
  int column = 0;
  std::string message;
};

// Parses an env file as docker compose does: `KEY=VALUE` or `KEY: VALUE`
// lines, an optional `export ` prefix, `#` comments (also after an
// unquoted value, when preceded by a blank), single- and double-quoted
// values that may span lines. A line with a key and no value takes the
// variable from the host environment and is skipped. Lines that cannot be
// read are appended to `problems`. Never fails; linear in the text.
std::vector<EnvAssignment> ParseEnvFile(absl::string_view text,
                                        std::vector<EnvFileProblem>* problems);

}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_LINT_ENV_H_

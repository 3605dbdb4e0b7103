// What an action's process learns about the alert that triggered it: its
// environment and its stdin. This is public behaviour (docs/policy.md, "What
// an action receives"); a remediation script is written against it, so any
// change here is a breaking change for users.
//
// The environment (`ChildEnvironment()`), in this order, nothing inherited
// from the host:
//
//   PATH=<ProcessExecutorOptions::path>
//   AUTOHEAL_ALERTNAME=<the alertname label; empty when absent>
//   AUTOHEAL_FINGERPRINT=<Alertmanager's fingerprint; may be empty>
//   AUTOHEAL_STATUS=firing | resolved
//   AUTOHEAL_LABEL_<NAME>=<value>    one per label, sorted by label name
//
// <NAME> is the label name in ASCII upper case ("instance" becomes
// AUTOHEAL_LABEL_INSTANCE; "alertname" is there too, as
// AUTOHEAL_LABEL_ALERTNAME). A variable is left out, never shortened or
// escaped, when its value holds a NUL byte or is longer than
// kMaxEnvValueBytes (this applies to AUTOHEAL_ALERTNAME,
// AUTOHEAL_FINGERPRINT and the labels; PATH and AUTOHEAL_STATUS are always
// present). A label is also left out when its name is not
// [a-zA-Z_][a-zA-Z0-9_]*, and every label whose upper-cased name collides
// with another's ("env" and "ENV") is left out, all of them. Values are
// passed byte for byte (newlines, quotes, "$(...)" and invalid UTF-8
// included): no shell ever reads them.
//
// The stdin (`ChildStdin()`): one JSON object on a single line, with no
// trailing newline, then end of file:
//
//   {"annotations":{...},"endsAt":"...","fingerprint":"...",
//    "generatorURL":"...","labels":{...},"startsAt":"...","status":"firing"}
//
// Keys are sorted (objects included); `labels` and `annotations` are objects
// of strings holding every label and annotation, whatever their name, size
// or content; the other values are the alert's strings as Alertmanager sent
// them. Text is UTF-8 as received (not \u-escaped); a byte sequence that is
// not valid UTF-8 is replaced by U+FFFD. Control characters are escaped
// as JSON requires.
//
// Thread safety: thread-safe (pure functions).
//
// This header is internal to autoheal (not installed).

#ifndef AUTOHEAL_PROCESS_CHILD_CONTRACT_H_
#define AUTOHEAL_PROCESS_CHILD_CONTRACT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "autoheal/alert.h"

namespace autoheal {
namespace internal {

// The longest value an environment variable may carry (Linux refuses any
// single string over 128 KiB with E2BIG; 4 KiB keeps envp well inside it).
// A longer value is left out of the environment, not cut.
inline constexpr size_t kMaxEnvValueBytes = 4096;

// Returns the child's environment for `alert`, as "NAME=value" strings in
// the order of the file comment, with PATH set to `path`.
std::vector<std::string> ChildEnvironment(const Alert& alert,
                                          absl::string_view path);

// Returns the JSON text the child reads on stdin (file comment). Never
// throws: invalid UTF-8 is replaced, not rejected.
std::string ChildStdin(const Alert& alert);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_PROCESS_CHILD_CONTRACT_H_

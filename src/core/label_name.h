// The Prometheus label name rule, [a-zA-Z_][a-zA-Z0-9_]*, in one place.
//
// The same rule names key_labels and label_patterns in a policy,
// {{labels.NAME}} in argv templates, the labels the process executor puts
// in the environment (AUTOHEAL_LABEL_<NAME>), the payload parser's `.name`
// path segments, and the variables of compose interpolation, which follow
// the POSIX shell's identical rule. Prometheus 3's quoted UTF-8 label names
// are not label names here: a policy names its labels with the classic rule
// that every Prometheus version and promtool accept.
//
// Internal to autoheal (not installed). Thread safety: pure functions.

#ifndef AUTOHEAL_CORE_LABEL_NAME_H_
#define AUTOHEAL_CORE_LABEL_NAME_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace autoheal {
namespace internal {

// Returns whether `name` is a label name: [a-zA-Z_][a-zA-Z0-9_]*. An empty
// name, a leading digit, a colon (allowed in metric names only), '-', '.'
// and any byte outside ASCII make it invalid.
bool IsValidLabelName(absl::string_view name);

// Returns the length of the longest prefix of `text` that is a label name,
// 0 when `text` does not start with one: for scanners that find a name
// inside longer text, such as "$NAME" in a compose file.
size_t LabelNamePrefixLength(absl::string_view text);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_CORE_LABEL_NAME_H_

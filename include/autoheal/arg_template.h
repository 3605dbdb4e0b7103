// Argument templates: "{{labels.NAME}}" inside an action's argv.
//
//   argv: ["/usr/local/bin/restart-endpoint", "--target={{labels.instance}}"]
//
// A template is replaced by the label's value and the argument stays one
// argv element, so a value can never add arguments or reach a shell. The
// engine only lets an alert through when every templated label is present
// and fully matches the action's pattern (gate 4, `invalid_target`); then
// `ExpandArgv()` builds the argv to run. There is no escape for a literal
// "{{": an argument containing "{{" must be a valid template.
//
// Thread safety: pure functions.

#ifndef AUTOHEAL_ARG_TEMPLATE_H_
#define AUTOHEAL_ARG_TEMPLATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "autoheal/alert.h"

namespace autoheal {

// The longest label value a template accepts.
inline constexpr size_t kMaxTemplateValueBytes = 256;

// Returns the label names the templates in `argv` reference, in order of
// first use, or kInvalidArgument naming the argument with a malformed
// template ("{{" without "labels.NAME}}").
absl::StatusOr<std::vector<std::string>> TemplateLabels(
    const std::vector<std::string>& argv);

// Returns `argv` with every template replaced by the alert's label value
// (empty when absent). Precondition: `argv` passed TemplateLabels().
std::vector<std::string> ExpandArgv(const std::vector<std::string>& argv,
                                    const Alert& alert);

}  // namespace autoheal

#endif  // AUTOHEAL_ARG_TEMPLATE_H_

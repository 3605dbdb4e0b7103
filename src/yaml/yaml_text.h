// Checks on raw YAML text that yaml-cpp 0.7 does not make itself: shared by
// the policy loader (autoheal::yaml) and `autoheal lint`.
//
// yaml-cpp reads UTF-16/32 text, but its positions are then no longer byte
// offsets, and it silently accepts a quoted scalar left open at the end of
// the text (taking the rest of the file as its value). These checks reject
// both with a position.
//
// Internal to autoheal (not installed). Thread safety: pure functions.

#ifndef AUTOHEAL_YAML_YAML_TEXT_H_
#define AUTOHEAL_YAML_YAML_TEXT_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "yaml-cpp/mark.h"

namespace autoheal {
namespace internal {

// A problem in YAML text, at a 0-based yaml-cpp position.
struct YamlTextProblem {
  YAML::Mark mark;
  // E.g. "invalid YAML: unterminated quoted string".
  std::string message;
};

// Returns the 0-based position of byte `offset` of `text`, as yaml-cpp
// counts. Precondition: offset <= text.size().
YAML::Mark MarkAt(absl::string_view text, size_t offset);

// Returns a problem when `text` holds a NUL byte or starts with a UTF-16
// byte order mark: "invalid YAML: <what> must be UTF-8 text without NUL
// bytes". `what` names the document, e.g. "a policy". Call it after removing
// a UTF-8 byte order mark, so that positions stay byte offsets.
std::optional<YamlTextProblem> CheckYamlEncoding(absl::string_view text,
                                                 absl::string_view what);

// Returns the first quoted scalar of `text` that is never closed:
// "invalid YAML: unterminated quoted string" at its opening quote.
// Parses `text`, so it throws YAML::Exception on malformed YAML; call it
// inside the caller's try block. Precondition: `text` passed
// CheckYamlEncoding.
std::optional<YamlTextProblem> FindUnterminatedQuote(const std::string& text);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_YAML_YAML_TEXT_H_

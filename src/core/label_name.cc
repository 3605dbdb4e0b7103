#include "core/label_name.h"

#include "absl/strings/ascii.h"

namespace autoheal {
namespace internal {
namespace {

bool IsNameStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

}  // namespace

size_t LabelNamePrefixLength(absl::string_view text) {
  if (text.empty() || !IsNameStart(text[0])) return 0;
  size_t length = 1;
  while (length < text.size() && IsNameChar(text[length])) ++length;
  return length;
}

bool IsValidLabelName(absl::string_view name) {
  return !name.empty() && LabelNamePrefixLength(name) == name.size();
}

}  // namespace internal
}  // namespace autoheal

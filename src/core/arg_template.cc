#include "autoheal/arg_template.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/utf8.h"
#include "core/label_name.h"

namespace autoheal {

using internal::QuoteText;

namespace {

constexpr absl::string_view kOpen = "{{";
constexpr absl::string_view kClose = "}}";
constexpr absl::string_view kPrefix = "labels.";

// Parses the template starting at `arg[open]` ("{{"). Returns the label
// name and sets `*end` past "}}", or an empty view when malformed.
absl::string_view ParseTemplate(absl::string_view arg, size_t open,
                                size_t* end) {
  size_t close = arg.find(kClose, open + kOpen.size());
  if (close == absl::string_view::npos) return {};
  absl::string_view inner = absl::StripAsciiWhitespace(
      arg.substr(open + kOpen.size(), close - open - kOpen.size()));
  if (inner.substr(0, kPrefix.size()) != kPrefix) return {};
  absl::string_view name = inner.substr(kPrefix.size());
  if (!internal::IsValidLabelName(name)) return {};
  *end = close + kClose.size();
  return name;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> TemplateLabels(
    const std::vector<std::string>& argv) {
  std::vector<std::string> labels;
  for (size_t i = 0; i < argv.size(); ++i) {
    absl::string_view arg = argv[i];
    for (size_t open = arg.find(kOpen); open != absl::string_view::npos;) {
      size_t end = 0;
      absl::string_view name = ParseTemplate(arg, open, &end);
      if (name.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("argv[", i, "]: malformed template in ",
                         QuoteText(arg), "; expected {{labels.NAME}}"));
      }
      if (std::find(labels.begin(), labels.end(), name) == labels.end()) {
        labels.emplace_back(name);
      }
      open = arg.find(kOpen, end);
    }
  }
  return labels;
}

std::vector<std::string> ExpandArgv(const std::vector<std::string>& argv,
                                    const Alert& alert) {
  std::vector<std::string> expanded;
  expanded.reserve(argv.size());
  for (absl::string_view arg : argv) {
    std::string out;
    size_t done = 0;
    for (size_t open = arg.find(kOpen); open != absl::string_view::npos;
         open = arg.find(kOpen, done)) {
      size_t end = 0;
      absl::string_view name = ParseTemplate(arg, open, &end);
      if (name.empty()) break;  // not validated: leave the rest verbatim
      absl::StrAppend(&out, arg.substr(done, open - done),
                      alert.labels.Find(name).value_or(""));
      done = end;
    }
    absl::StrAppend(&out, arg.substr(done));
    expanded.push_back(std::move(out));
  }
  return expanded;
}

}  // namespace autoheal

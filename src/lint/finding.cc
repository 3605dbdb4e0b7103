#include "lint/finding.h"

#include <algorithm>
#include <exception>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace autoheal {
namespace lint {

absl::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kNotice:
      return "notice";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "error";
}

Finding ParseErrorFinding(std::string file, int line, int column,
                          std::string message) {
  Finding finding;
  finding.rule = std::string(rule::kParseError);
  finding.severity = Severity::kError;
  finding.file = std::move(file);
  finding.line = line;
  finding.column = column;
  finding.message = std::move(message);
  finding.parse_error = true;
  return finding;
}

void LintGuarded(const std::string& file, std::vector<Finding>* findings,
                 absl::FunctionRef<void()> lint) {
  try {
    lint();
    SortAndDeduplicate(findings);
  } catch (const std::exception& e) {
    findings->push_back(ParseErrorFinding(
        file, 0, 0, absl::StrCat("cannot read: ", EscapeText(e.what()))));
  }
}

void SortAndDeduplicate(std::vector<Finding>* findings) {
  absl::flat_hash_map<std::string, size_t> file_order;
  for (const Finding& finding : *findings) {
    file_order.emplace(finding.file, file_order.size());
  }
  auto key = [&file_order](const Finding& f) {
    return std::make_tuple(file_order[f.file], f.line, f.column);
  };
  std::stable_sort(findings->begin(), findings->end(),
                   [&key](const Finding& a, const Finding& b) {
                     return key(a) < key(b);
                   });
  auto same = [](const Finding& a, const Finding& b) {
    return a.file == b.file && a.line == b.line && a.column == b.column &&
           a.rule == b.rule && a.message == b.message;
  };
  std::vector<Finding> unique;
  unique.reserve(findings->size());
  for (Finding& finding : *findings) {
    bool seen = false;
    // Duplicates are adjacent up to other findings at the same position.
    for (auto it = unique.rbegin();
         it != unique.rend() && key(*it) == key(finding); ++it) {
      seen = seen || same(*it, finding);
    }
    if (!seen) unique.push_back(std::move(finding));
  }
  *findings = std::move(unique);
}

void PromoteWarnings(std::vector<Finding>* findings) {
  for (Finding& finding : *findings) {
    if (finding.severity == Severity::kWarning) {
      finding.severity = Severity::kError;
    }
  }
}

int ExitCode(const std::vector<Finding>& findings) {
  int code = 0;
  for (const Finding& finding : findings) {
    if (finding.parse_error) return 2;
    if (finding.severity == Severity::kError) code = 1;
  }
  return code;
}

FindingCounts CountFindings(const std::vector<Finding>& findings) {
  FindingCounts counts;
  for (const Finding& finding : findings) {
    switch (finding.severity) {
      case Severity::kError:
        ++counts.errors;
        break;
      case Severity::kWarning:
        ++counts.warnings;
        break;
      case Severity::kNotice:
        ++counts.notices;
        break;
    }
  }
  return counts;
}

}  // namespace lint
}  // namespace autoheal

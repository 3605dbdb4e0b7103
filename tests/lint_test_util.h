// Helpers shared by the `autoheal lint` tests.

#ifndef AUTOHEAL_TESTS_LINT_TEST_UTIL_H_
#define AUTOHEAL_TESTS_LINT_TEST_UTIL_H_

#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "lint/finding.h"

namespace autoheal {
namespace lint {

// Lets gtest print findings in failure messages.
inline void PrintTo(const Finding& f, std::ostream* os) {
  *os << f.file << ":" << f.line << ":" << f.column << ": "
      << SeverityName(f.severity) << ": " << f.message << " [" << f.rule
      << "]" << (f.parse_error ? " (parse error)" : "");
}

namespace testutil {

// Matches a finding with this rule id, line and column.
MATCHER_P3(IsFinding, rule, line, column,
           std::string("is a ") + std::string(rule) + " finding at " +
               std::to_string(line) + ":" + std::to_string(column)) {
  return arg.rule == rule && arg.line == line && arg.column == column;
}

// Matches a finding with this rule id, file and line.
MATCHER_P3(IsFindingIn, rule, file, line,
           std::string("is a ") + std::string(rule) + " finding at " +
               std::string(file) + ":" + std::to_string(line)) {
  return arg.rule == rule && arg.file == file && arg.line == line;
}

// Matches a finding whose message contains `text`.
MATCHER_P(MessageHas, text, "has a message containing \"" + std::string(text) + "\"") {
  return arg.message.find(text) != std::string::npos;
}

}  // namespace testutil
}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_LINT_TEST_UTIL_H_

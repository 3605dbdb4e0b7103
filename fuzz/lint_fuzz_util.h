// What every lint reader's findings must satisfy, whatever the input: the
// shared invariants of the compose, Alertmanager and rules fuzz targets.
//
//   - every finding names a rule, one of the expected files, a line >= 1
//     and a one-line, valid UTF-8 message;
//   - the three output formats render them; the JSON one parses and holds
//     one element per finding.
#ifndef AUTOHEAL_FUZZ_LINT_FUZZ_UTIL_H_
#define AUTOHEAL_FUZZ_LINT_FUZZ_UTIL_H_

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "fuzz/fuzz_util.h"
#include "lint/finding.h"
#include "lint/output.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace fuzz {

inline void CheckFindings(const std::vector<lint::Finding>& findings,
                          const std::vector<std::string>& files) {
  for (const lint::Finding& f : findings) {
    FUZZ_CHECK(!f.rule.empty(), "a finding without a rule id");
    bool known_file = false;
    for (const std::string& file : files) known_file |= f.file == file;
    FUZZ_CHECK(known_file, "a finding names an unexpected file");
    FUZZ_CHECK(f.line >= 1, "a finding without a line");
    FUZZ_CHECK(!f.message.empty(), "a finding without a message");
    FUZZ_CHECK(!absl::StrContains(f.message, '\n'), "a multi-line message");
    FUZZ_CHECK(IsValidUtf8(f.message), "a message that is not UTF-8");
  }
  for (lint::OutputFormat format :
       {lint::OutputFormat::kText, lint::OutputFormat::kGithub}) {
    FUZZ_CHECK(!lint::FormatFindings(findings, 1, format).empty(),
               "an empty report");
  }
  const std::string json =
      lint::FormatFindings(findings, 1, lint::OutputFormat::kJson);
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  FUZZ_CHECK(!parsed.is_discarded(), "the JSON report does not parse");
}

}  // namespace fuzz
}  // namespace autoheal

#endif  // AUTOHEAL_FUZZ_LINT_FUZZ_UTIL_H_

// Test helpers that keep README.md in step with what the binaries' --help
// prints: the usage line, every flag (dashed spelling) and its default.
//
//   std::string help = ...;  // `autoheal-webhook --help`
//   ExpectDocumented(help, ReadmeSection("## The webhook receiver"));
//
// Thread safety: pure functions.

#ifndef AUTOHEAL_TESTS_HELP_DOCS_H_
#define AUTOHEAL_TESTS_HELP_DOCS_H_

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace testutil {

// One flag as --help lists it.
struct HelpFlag {
  std::string name;           // "--listen"
  std::string default_value;  // "127.0.0.1:9009", or empty
};

// Returns the flags of a --help text (lines "  --name TYPE  description",
// the description maybe wrapped onto indented lines), without --help and
// --version.
inline std::vector<HelpFlag> FlagsInHelp(absl::string_view help) {
  std::vector<HelpFlag> flags;
  std::string description;
  auto finish = [&] {
    if (flags.empty()) return;
    const size_t at = description.find("(default: ");
    if (at != std::string::npos) {
      const size_t start = at + 10;
      flags.back().default_value =
          description.substr(start, description.find(')', start) - start);
    }
    description.clear();
  };
  bool in_flag = false;
  for (absl::string_view line : absl::StrSplit(help, '\n')) {
    if (absl::StartsWith(line, "  --") || absl::StartsWith(line, "  -h")) {
      finish();
      absl::string_view name = absl::StripPrefix(line, "  ");
      name = name.substr(0, name.find(' '));
      in_flag = name != "-h,--help" && name != "--version";
      if (in_flag) flags.push_back({std::string(name), ""});
      const size_t text = line.find("  ", 2 + name.size());
      if (in_flag && text != absl::string_view::npos) {
        description = std::string(absl::StripAsciiWhitespace(line.substr(text)));
      }
    } else if (in_flag && absl::StartsWith(line, "      ")) {
      absl::StrAppend(&description, description.empty() ? "" : " ",
                      absl::StripAsciiWhitespace(line));
    } else {
      in_flag = false;
    }
  }
  finish();
  return flags;
}

// Returns the part of README.md from the line starting with `heading` to
// the next heading of the same or a higher level.
inline std::string ReadmeSection(absl::string_view heading) {
  const std::string readme = ReadFileOrDie(TestDataPath("../../README.md"));
  const size_t start = readme.find(absl::StrCat("\n", heading));
  EXPECT_NE(start, std::string::npos) << "README.md has no " << heading;
  if (start == std::string::npos) return "";
  const size_t level = heading.find(' ');
  const std::string next = absl::StrCat("\n", heading.substr(0, level), " ");
  // A deeper heading ("### " inside "## ") does not match `next`.
  const size_t end = readme.find(next, start + 1);
  return readme.substr(start, end == std::string::npos ? std::string::npos
                                                       : end - start);
}

// Expects `section` of the docs to hold --help's usage line verbatim, and
// each flag of `help` in backticks ("`--listen ..."), its default (if any)
// on one of the lines that name it.
inline void ExpectDocumented(absl::string_view help, absl::string_view section) {
  for (absl::string_view line : absl::StrSplit(help, '\n')) {
    if (absl::StartsWith(line, "Usage: ")) {
      EXPECT_TRUE(absl::StrContains(section, line))
          << "the docs lack the usage line \"" << line << "\"";
    }
  }
  const std::vector<HelpFlag> flags = FlagsInHelp(help);
  for (const HelpFlag& flag : flags) {
    bool found = false;
    bool default_found = flag.default_value.empty();
    for (absl::string_view line : absl::StrSplit(section, '\n')) {
      if (!absl::StrContains(line, absl::StrCat("`", flag.name, " ")) &&
          !absl::StrContains(line, absl::StrCat("`", flag.name, "`"))) {
        continue;
      }
      found = true;
      default_found =
          default_found || absl::StrContains(line, flag.default_value);
    }
    EXPECT_TRUE(found) << "the docs do not list " << flag.name;
    EXPECT_TRUE(!found || default_found)
        << flag.name << ": no line of the docs that names it gives its "
        << "default, " << flag.default_value;
  }
}

}  // namespace testutil
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_HELP_DOCS_H_

// Helpers shared by autoheal's tests: status matchers and test data access.

#ifndef AUTOHEAL_TESTS_TEST_UTIL_H_
#define AUTOHEAL_TESTS_TEST_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace autoheal {
namespace testutil {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// Matches an OK absl::Status or absl::StatusOr.
MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

// Matches a status with `code` whose message contains `substring`.
MATCHER_P2(StatusIs, code, substring,
           "has code " + std::string(absl::StatusCodeToString(code)) +
               " and a message containing \"" + std::string(substring) + "\"") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         std::string(s.message()).find(substring) != std::string::npos;
}

// Returns the path of a file under tests/data.
// Returns the port in the digits after `prefix` in `line` (a service's log
// line such as "... address=127.0.0.1:40123"), or 0 when there is none.
inline uint16_t PortAfter(absl::string_view line, absl::string_view prefix) {
  const size_t at = line.find(prefix);
  if (at == absl::string_view::npos) return 0;
  absl::string_view rest = line.substr(at + prefix.size());
  size_t digits = 0;
  while (digits < rest.size() && absl::ascii_isdigit(rest[digits])) ++digits;
  uint32_t port = 0;
  if (!absl::SimpleAtoi(rest.substr(0, digits), &port) || port > 65535) {
    return 0;
  }
  return static_cast<uint16_t>(port);
}

inline std::string TestDataPath(const std::string& relative) {
  return std::string(AUTOHEAL_TEST_DATA) + "/" + relative;
}

// Returns the whole content of the file at `path`; fails the test if absent.
inline std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace testutil
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_TEST_UTIL_H_

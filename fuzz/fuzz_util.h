// Helpers shared by autoheal's libFuzzer targets.
//
// `FUZZ_CHECK(condition, what)` states an invariant inside a target: when it
// does not hold, it prints which one and traps, so libFuzzer records the
// input as a crash (and ctest fails).
//
// Thread safety: pure functions.

#ifndef AUTOHEAL_FUZZ_FUZZ_UTIL_H_
#define AUTOHEAL_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"

#define FUZZ_CHECK(condition, what)                                     \
  do {                                                                  \
    if (!(condition)) {                                                 \
      std::fprintf(stderr, "%s:%d: invariant violated: %s (%s)\n",      \
                   __FILE__, __LINE__, what, #condition);               \
      __builtin_trap();                                                 \
    }                                                                   \
  } while (0)

namespace autoheal {
namespace fuzz {

// Returns the fuzzer's input as a string_view.
inline absl::string_view AsView(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Returns whether `s` is well-formed UTF-8 as RFC 3629 defines it: no
// overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
// This is what JSON parsers such as nlohmann/json accept in strings.
// Deliberately written apart from autoheal::internal::IsValidUtf8: an
// oracle must not share the code whose output it checks.
inline bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto byte = static_cast<unsigned char>(s[i]);
    if (byte < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    unsigned char low = 0x80;   // the allowed range of the second byte
    unsigned char high = 0xBF;
    if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3;
      if (byte == 0xE0) low = 0xA0;   // overlong
      if (byte == 0xED) high = 0x9F;  // surrogates
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4;
      if (byte == 0xF0) low = 0x90;   // overlong
      if (byte == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (i + length > s.size()) return false;
    const auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < low || second > high) return false;
    for (size_t k = 2; k < length; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if (next < 0x80 || next > 0xBF) return false;
    }
    i += length;
  }
  return true;
}

// Returns a 64-bit FNV-1a hash of `s`: a deterministic source of choices
// (clock steps, fault switches) that depends on the whole input.
inline uint64_t Fnv1a(absl::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace fuzz
}  // namespace autoheal

#endif  // AUTOHEAL_FUZZ_FUZZ_UTIL_H_

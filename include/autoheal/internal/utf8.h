// UTF-8 checks and the quoting of untrusted text in messages, shared by the
// payload parser's and the JSON writer's escaping, the policy loader's and
// lint's error messages, and the fuzz targets' invariants.
//
// "Well-formed" is RFC 3629's: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF; what JSON parsers such as
// nlohmann/json accept in strings.
//
// Internal to autoheal (not part of the public API). Thread safety: pure
// functions.

#ifndef AUTOHEAL_INTERNAL_UTF8_H_
#define AUTOHEAL_INTERNAL_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace autoheal {
namespace internal {

// Returns the length (2 to 4) of the well-formed multibyte UTF-8 sequence
// at the start of `text`, or 0 when there is none (ASCII, a stray
// continuation byte, a malformed or truncated sequence, an empty `text`).
size_t Utf8MultibyteLength(absl::string_view text);

// Returns whether all of `text` is well-formed UTF-8.
bool IsValidUtf8(absl::string_view text);

// Returns the length of the longest prefix of `text` of at most `limit`
// bytes that does not end inside a UTF-8 sequence.
size_t Utf8PrefixLength(absl::string_view text, size_t limit);

// Returns `text` C-escaped, keeping well-formed UTF-8 and escaping every
// byte of malformed UTF-8 as \xNN: the result is always valid UTF-8.
std::string EscapeText(absl::string_view text);

// Returns `text` in double quotes, escaped as EscapeText() does and cut on a
// character boundary after `limit` bytes with "...": safe to embed in a
// one-line message, however long or hostile `text` is.
std::string QuoteText(absl::string_view text, size_t limit = 64);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_INTERNAL_UTF8_H_

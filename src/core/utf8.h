// UTF-8 checks and the quoting of untrusted text in messages: the one place
// for both. The JSON writer's escaping ("core/json_writer.h") checks its
// sequences here; every error message, decision sentence and finding that
// shows a value quotes it with QuoteText() (or EscapeText() where it needs
// no quotes), so hostile text reads the same, escaped the same and cut the
// same wherever it appears.
//
// "Well-formed" is RFC 3629's: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF; what JSON parsers such as
// nlohmann/json accept in strings.
//
// Internal to autoheal: a private header of src/, never installed. Thread
// safety: pure functions.

#ifndef AUTOHEAL_CORE_UTF8_H_
#define AUTOHEAL_CORE_UTF8_H_

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
// bytes that does not end inside a UTF-8 sequence: at least `limit` - 3
// when `text` is longer, since a sequence is at most 4 bytes (malformed
// text is cut there too).
size_t Utf8PrefixLength(absl::string_view text, size_t limit);

// Returns `text` C-escaped, keeping well-formed UTF-8 and escaping every
// byte of malformed UTF-8 as \xNN: the result is always valid UTF-8.
std::string EscapeText(absl::string_view text);

// Returns `text` in double quotes, escaped as EscapeText() does. A text
// longer than `limit` bytes is cut on a character boundary at most `limit`
// bytes in, and followed by its length:
//   "abc"... (1048576 bytes)
// Safe to embed in a one-line message, however long or hostile `text` is:
// the result is valid UTF-8 of at most 4 * limit + 30 bytes.
std::string QuoteText(absl::string_view text, size_t limit = 64);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_CORE_UTF8_H_

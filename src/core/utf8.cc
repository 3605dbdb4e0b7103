#include "core/utf8.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace autoheal {
namespace internal {

size_t Utf8MultibyteLength(absl::string_view text) {
  if (text.empty()) return 0;
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  unsigned char low = 0x80;  // the allowed range of the second byte
  unsigned char high = 0xBF;
  size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  return length;
}

bool IsValidUtf8(absl::string_view text) {
  while (!text.empty()) {
    if (static_cast<unsigned char>(text[0]) < 0x80) {
      text.remove_prefix(1);
      continue;
    }
    const size_t length = Utf8MultibyteLength(text);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

size_t Utf8PrefixLength(absl::string_view text, size_t limit) {
  if (text.size() <= limit) return text.size();
  size_t n = limit;
  // Back up over continuation bytes (10xxxxxx) to a sequence start; a
  // sequence has at most three, so more are malformed text, which has no
  // character to keep whole (and a run of them must not empty the prefix).
  for (int i = 0; i < 3 && n > 0 &&
                  (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80;
       ++i) {
    --n;
  }
  return n;
}

std::string EscapeText(absl::string_view text) {
  std::string out;
  while (!text.empty()) {
    const size_t sequence = Utf8MultibyteLength(text);
    if (sequence > 0) {
      absl::StrAppend(&out, text.substr(0, sequence));
      text.remove_prefix(sequence);
      continue;
    }
    // ASCII as C escapes; any byte of malformed UTF-8 as \xNN.
    absl::StrAppend(&out, absl::CHexEscape(text.substr(0, 1)));
    text.remove_prefix(1);
  }
  return out;
}

std::string QuoteText(absl::string_view text, size_t limit) {
  const size_t shown = Utf8PrefixLength(text, limit);
  std::string out = absl::StrCat("\"", EscapeText(text.substr(0, shown)), "\"");
  if (shown < text.size()) absl::StrAppend(&out, "... (", text.size(), " bytes)");
  return out;
}

}  // namespace internal
}  // namespace autoheal

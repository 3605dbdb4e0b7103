#include "core/json_writer.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/utf8.h"

namespace autoheal {
namespace internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void AppendEscapedAscii(unsigned char c, std::string* out) {
  switch (c) {
    case '"': out->append("\\\""); return;
    case '\\': out->append("\\\\"); return;
    case '\n': out->append("\\n"); return;
    case '\r': out->append("\\r"); return;
    case '\t': out->append("\\t"); return;
    case '\b': out->append("\\b"); return;
    case '\f': out->append("\\f"); return;
    default: break;
  }
  if (c < 0x20 || c == 0x7F) {
    const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
    out->append(escaped, sizeof(escaped));
    return;
  }
  out->push_back(static_cast<char>(c));
}

// kPlain[c] is true for bytes copied as they are: printable ASCII other
// than the quote and the backslash. A table keeps the scan loop branch-light.
struct PlainTable {
  bool plain[256];
  constexpr PlainTable() : plain() {
    for (int c = 0x20; c < 0x7F; ++c) plain[c] = c != '"' && c != '\\';
  }
};
constexpr PlainTable kPlain;

bool NeedsEscape(unsigned char c) { return !kPlain.plain[c]; }

}  // namespace

std::string IsoTimeMillis(absl::Time t) {
  thread_local int64_t cached_second = INT64_MIN;
  thread_local std::string cached_prefix;
  const int64_t millis = absl::ToUnixMillis(t);
  int64_t second = millis / 1000;
  int64_t milli = millis % 1000;
  if (milli < 0) {  // floor, for times before 1970
    --second;
    milli += 1000;
  }
  if (second != cached_second) {
    cached_prefix = absl::FormatTime("%Y-%m-%dT%H:%M:%S",
                                     absl::FromUnixSeconds(second),
                                     absl::UTCTimeZone());
    cached_second = second;
  }
  const char suffix[] = {'.', static_cast<char>('0' + milli / 100),
                         static_cast<char>('0' + milli / 10 % 10),
                         static_cast<char>('0' + milli % 10), 'Z'};
  std::string out;
  out.reserve(cached_prefix.size() + sizeof(suffix));
  out.append(cached_prefix).append(suffix, sizeof(suffix));
  return out;
}

void AppendJsonString(absl::string_view value, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < value.size()) {
    // Copy the longest run of plain ASCII in one append.
    size_t run = i;
    while (run < value.size() &&
           !NeedsEscape(static_cast<unsigned char>(value[run]))) {
      ++run;
    }
    out->append(value.data() + i, run - i);
    i = run;
    if (i == value.size()) break;
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      AppendEscapedAscii(c, out);
      ++i;
      continue;
    }
    size_t n = Utf8MultibyteLength(value.substr(i));
    if (n == 0) {
      out->append(kReplacement.data(), kReplacement.size());
      ++i;
    } else {
      out->append(value.data() + i, n);
      i += n;
    }
  }
  out->push_back('"');
}

void JsonWriter::Separate() {
  if (need_comma_) out_->push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::BeginObject() {
  Separate();
  out_->push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_->push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Separate();
  out_->push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_->push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Key(absl::string_view key) {
  Separate();
  AppendJsonString(key, out_);
  out_->push_back(':');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::String(absl::string_view value) {
  Separate();
  AppendJsonString(value, out_);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  Separate();
  absl::StrAppend(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  Separate();
  if (!std::isfinite(value)) {
    out_->append("null");
    return *this;
  }
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    absl::StrAppend(out_, static_cast<int64_t>(value));
  } else {
    absl::StrAppendFormat(out_, "%.3f", value);
  }
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  Separate();
  out_->append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  Separate();
  out_->append("null");
  return *this;
}

}  // namespace internal
}  // namespace autoheal

// A minimal, allocation-frugal JSON writer for autoheal's own output: HTTP
// response bodies and audit lines, written on the hot path of every request.
//
// It appends to a caller-owned std::string, so one reserved buffer serves a
// whole document. Strings are escaped as JSON requires, control characters
// included, and invalid UTF-8 is replaced by U+FFFD: the output is always
// valid JSON and valid UTF-8, whatever bytes a hostile label carries.
// Commas between members and elements are inserted automatically.
//
// Internal to autoheal (not installed). Thread safety: none; one writer per
// thread.
//
//   std::string out;
//   internal::JsonWriter w(&out);
//   w.BeginObject();
//   w.Key("alertname").String(alertname);
//   w.Key("seconds_left").Double(73.5);
//   w.EndObject();

#ifndef AUTOHEAL_CORE_JSON_WRITER_H_
#define AUTOHEAL_CORE_JSON_WRITER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace autoheal {
namespace internal {

// Returns `t` as RFC 3339 / ISO-8601 UTC with milliseconds, e.g.
// "2026-11-27T07:26:21.557Z". Caches the formatted second per thread, since
// audit lines and responses stamp many records within one second.
std::string IsoTimeMillis(absl::Time t);

// Appends `value` to `out` as a quoted, escaped JSON string.
void AppendJsonString(absl::string_view value, std::string* out);

class JsonWriter {
 public:
  // Appends to `*out`, which must outlive the writer.
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Writes an object member's name; the next call writes its value.
  JsonWriter& Key(absl::string_view key);
  JsonWriter& String(absl::string_view value);
  JsonWriter& Int(int64_t value);
  // Writes a finite double with up to 3 decimals (durations in seconds or
  // milliseconds); non-finite values are written as null.
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

 private:
  // Writes the comma that separates this value from the previous one.
  void Separate();

  std::string* out_;
  bool need_comma_ = false;
};

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_CORE_JSON_WRITER_H_

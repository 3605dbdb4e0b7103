// The Alertmanager webhook payload parser: a SAX handler for nlohmann/json
// that fills a WebhookMessage as the tokens stream by.
//
// The handler is a small state machine over the only nesting a payload has
// (body → alerts[] → alert → labels), plus a counter for skipping unknown
// and malformed values. The JSON path of an error or of an alert's problem
// is rebuilt from that state only when one happens, so parsing a
// well-formed body builds no path strings.

#include "autoheal/payload.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/utf8.h"
#include "core/label_name.h"
#include "core/payload_fields.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace {

using Json = nlohmann::json;
using internal::QuoteText;
using Entry = LabelSet::Entry;

// Quoted values and keys in error messages are cut to this many bytes: a
// message must stay short, since it may be echoed in a JSON error response.
constexpr size_t kMaxQuotedBytes = 64;

// The JSON value types, as error messages name them.
enum class JsonType {
  kNull,
  kBoolean,
  kNumber,
  kString,
  kObject,
  kArray,
  kBinary
};

absl::string_view TypeName(JsonType type) {
  switch (type) {
    case JsonType::kNull:
      return "null";
    case JsonType::kBoolean:
      return "boolean";
    case JsonType::kNumber:
      return "number";
    case JsonType::kString:
      return "string";
    case JsonType::kObject:
      return "object";
    case JsonType::kArray:
      return "array";
    case JsonType::kBinary:
      return "binary";
  }
  return "unknown";
}

using Field = internal::PayloadField;
using internal::FieldBit;
using internal::kAlertFields;
using internal::kMessageFields;
using internal::PayloadFieldSpec;

absl::string_view FieldName(Field field) {
  for (const PayloadFieldSpec& spec : kMessageFields) {
    if (spec.field == field) return spec.name;
  }
  for (const PayloadFieldSpec& spec : kAlertFields) {
    if (spec.field == field) return spec.name;
  }
  return "?";
}

// Returns what a known field must hold, as "expected ..." words.
absl::string_view Expectation(Field field) {
  switch (field) {
    case Field::kVersion:
      return "\"4\"";
    case Field::kAlerts:
      return "an array";
    case Field::kStatus:
      return "\"firing\" or \"resolved\"";
    case Field::kGroupLabels:
    case Field::kCommonLabels:
    case Field::kCommonAnnotations:
    case Field::kLabels:
    case Field::kAnnotations:
      return "an object";
    case Field::kTruncatedAlerts:
      return "a non-negative integer";
    default:
      return "a string";
  }
}

std::optional<AlertStatus> ParseAlertStatus(absl::string_view value) {
  if (value == "firing") return AlertStatus::kFiring;
  if (value == "resolved") return AlertStatus::kResolved;
  return std::nullopt;
}

// Returns the path segment for an object key: `.name` for a label name,
// `["..."]` for anything else.
std::string KeySegment(absl::string_view key) {
  if (internal::IsValidLabelName(key) && key.size() <= kMaxQuotedBytes) {
    return absl::StrCat(".", key);
  }
  return absl::StrCat("[", QuoteText(key, kMaxQuotedBytes), "]");
}

// Returns `s` with every byte outside printable ASCII replaced by '?', cut
// to `max_bytes` plus "...".
std::string PrintableAscii(absl::string_view s, size_t max_bytes) {
  std::string out(s.substr(0, max_bytes));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7E) c = '?';  // char may be signed: <0 is non-ASCII
  }
  if (s.size() > max_bytes) out += "...";
  return out;
}

// Returns nlohmann's error message without its "[json.exception...] parse
// error at line L, column C: " prefix and without the "last read" token,
// which can be megabytes long and hold invalid UTF-8. The result is short
// printable ASCII: it may be echoed in a JSON error response.
std::string ShortLexerMessage(absl::string_view what,
                              absl::string_view last_token) {
  constexpr size_t kMaxBytes = 160;
  if (absl::StartsWith(what, "[json.exception.")) {
    const size_t bracket = what.find("] ");
    if (bracket != absl::string_view::npos) what.remove_prefix(bracket + 2);
  }
  if (absl::StartsWith(what, "parse error")) {
    const size_t colon = what.find(": ");
    if (colon != absl::string_view::npos) what.remove_prefix(colon + 2);
  }
  constexpr absl::string_view kLastRead = "; last read: '";
  const size_t start = what.find(kLastRead);
  if (start == absl::string_view::npos) return PrintableAscii(what, kMaxBytes);
  const size_t token_at = start + kLastRead.size();
  const size_t after = token_at + last_token.size() + 1;  // closing quote
  const bool token_matches =
      after <= what.size() &&
      what.substr(token_at, last_token.size()) == last_token;
  return PrintableAscii(absl::StrCat(what.substr(0, start),
                                     token_matches ? what.substr(after) : ""),
                        kMaxBytes);
}

// Returns the offset of the '{' or '[' that first opens nesting level
// `max_depth + 1`. Called only after the SAX parser reported that level, so
// everything before it is valid JSON and a string/escape scan is exact.
size_t OffsetOfTooDeep(absl::string_view body, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return i;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return body.size();
}

// Takes the string nlohmann hands to a callback. Short strings are copied so
// the lexer keeps its buffer's capacity for the next token; long ones are
// moved to skip a large copy.
std::string TakeString(std::string& value) {
  constexpr size_t kMoveAtBytes = 256;
  if (value.size() >= kMoveAtBytes) return std::move(value);
  return std::string(value);
}

// The SAX handler. Returns false from a callback to stop the parse, with the
// reason in error(). Only a problem outside alerts[] stops it: one inside
// alerts[i] becomes that alert's `problem` (the first one found wins), the
// offending value is skipped whole, and the parse goes on.
class MessageBuilder {
 public:
  MessageBuilder(absl::string_view body, const ParseOptions& options,
                 WebhookMessage* message)
      : body_(body), max_depth_(options.max_depth), message_(message) {
    map_entries_.reserve(16);  // more than a real label set holds
  }

  MessageBuilder(const MessageBuilder&) = delete;
  MessageBuilder& operator=(const MessageBuilder&) = delete;

  bool done() const { return level_ == Level::kDone; }
  const absl::Status& error() const { return error_; }

  // --- nlohmann::json SAX interface -------------------------------------

  bool null() { return OnOtherScalar(JsonType::kNull); }
  bool boolean(bool /*value*/) { return OnOtherScalar(JsonType::kBoolean); }
  bool binary(Json::binary_t& /*value*/) {
    return OnOtherScalar(JsonType::kBinary);
  }

  bool number_integer(Json::number_integer_t value) {
    if (!AtTruncatedAlerts()) return OnOtherScalar(JsonType::kNumber);
    if (value < 0) return FailExpected(absl::StrCat(value));
    message_->truncated_alerts = value;
    return true;
  }

  bool number_unsigned(Json::number_unsigned_t value) {
    if (!AtTruncatedAlerts()) return OnOtherScalar(JsonType::kNumber);
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return FailExpected(absl::StrCat(value, " (out of range)"));
    }
    message_->truncated_alerts = static_cast<int64_t>(value);
    return true;
  }

  bool number_float(Json::number_float_t /*value*/, const std::string& raw) {
    if (!AtTruncatedAlerts()) return OnOtherScalar(JsonType::kNumber);
    // The lexer has checked `raw`: it is ASCII, so any cut is valid UTF-8.
    return FailExpected(absl::string_view(raw).substr(0, kMaxQuotedBytes));
  }

  bool string(std::string& value) {
    if (Skipping()) return true;
    switch (level_) {
      case Level::kMessage:
        return OnMessageString(value);
      case Level::kAlert:
        return OnAlertString(value);
      case Level::kMap:
        return OnMapString(value);
      default:
        return WrongType(JsonType::kString);
    }
  }

  bool start_object(std::size_t /*size*/) {
    if (++depth_ > max_depth_) return TooDeep();
    if (Skipping()) return EnterUnknown();
    switch (level_) {
      case Level::kBody:
        return Enter(Level::kMessage);
      case Level::kMessage:
        return OnMessageObject();
      case Level::kAlerts:
        return StartAlert();
      case Level::kAlert:
        return OnAlertObject();
      default:
        return WrongType(JsonType::kObject);
    }
  }

  bool key(std::string& name) {
    if (Skipping()) return true;
    switch (level_) {
      case Level::kMessage:
        return OnMessageKey(name);
      case Level::kAlert:
        return OnAlertKey(name);
      case Level::kMap:
        return OnMapKey(name);
      default:
        return FailInternal("key outside an object");
    }
  }

  bool end_object() {
    --depth_;
    if (Skipping()) return LeaveUnknown();
    switch (level_) {
      case Level::kMessage:
        return FinishMessage();
      case Level::kAlert:
        return FinishAlert();
      case Level::kMap:
        return FinishMap();
      default:
        return FailInternal("unbalanced end of object");
    }
  }

  bool start_array(std::size_t /*size*/) {
    if (++depth_ > max_depth_) return TooDeep();
    if (Skipping()) return EnterUnknown();
    if (level_ == Level::kMessage && message_field_ == Field::kAlerts) {
      return Enter(Level::kAlerts);
    }
    if (AtUnknownField()) return StartSkipping();
    return WrongType(JsonType::kArray);
  }

  bool end_array() {
    --depth_;
    if (Skipping()) return LeaveUnknown();
    if (level_ == Level::kAlerts) return Enter(Level::kMessage);
    return FailInternal("unbalanced end of array");
  }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const Json::exception& ex) {
    // nlohmann counts the byte it stopped on; report that byte's offset.
    const size_t byte = position > 0 ? position - 1 : 0;
    return Fail("body", absl::StrCat("invalid JSON at byte ", byte, ": ",
                                     ShortLexerMessage(ex.what(), last_token)));
  }

 private:
  // Where the parser is in the payload's fixed structure. While skipping a
  // value, the level stays the one the skipped value belongs to.
  enum class Level : uint8_t {
    kBody,     // before the top-level value
    kMessage,  // in the top-level object
    kAlerts,   // in `alerts[]`
    kAlert,    // in `alerts[i]`
    kMap,      // in a string→string object (map_field_ says which)
    kDone,     // after the top-level object
  };

  bool Enter(Level level) {
    level_ = level;
    return true;
  }

  bool Skipping() const { return skip_depth_ > 0; }

  // Skips the object or array just opened, and everything in it.
  bool StartSkipping() {
    skip_depth_ = 1;
    return true;
  }

  bool EnterUnknown() {
    ++skip_depth_;
    return true;
  }

  bool LeaveUnknown() {
    --skip_depth_;
    return true;
  }

  bool AtUnknownField() const {
    return (level_ == Level::kMessage && message_field_ == Field::kUnknown) ||
           (level_ == Level::kAlert && alert_field_ == Field::kUnknown);
  }

  bool AtTruncatedAlerts() const {
    return !Skipping() && level_ == Level::kMessage &&
           message_field_ == Field::kTruncatedAlerts;
  }

  bool MapIsInAlert() const {
    return map_field_ == Field::kLabels || map_field_ == Field::kAnnotations;
  }

  // True when the value the parser meets belongs to one element of
  // alerts[] (an element itself, or anything inside one): a problem there
  // is that alert's, not the message's.
  bool InAlert() const {
    return level_ == Level::kAlerts || level_ == Level::kAlert ||
           (level_ == Level::kMap && MapIsInAlert());
  }

  Alert& CurrentAlert() { return message_->alerts.back(); }

  // --- the top-level object ---

  bool OnMessageKey(absl::string_view key) {
    message_field_ = internal::MessageField(key);
    if (message_field_ == Field::kUnknown) return true;
    if (message_seen_ & FieldBit(message_field_)) {
      return Fail("body", DuplicateKey(FieldName(message_field_)));
    }
    message_seen_ |= FieldBit(message_field_);
    return true;
  }

  bool OnMessageString(std::string& value) {
    switch (message_field_) {
      case Field::kUnknown:
        return true;
      case Field::kVersion:
        return SetVersion(value);
      case Field::kStatus:
        return SetStatus(value, &message_->status);
      case Field::kReceiver:
        return Store(value, &message_->receiver);
      case Field::kExternalUrl:
        return Store(value, &message_->external_url);
      case Field::kGroupKey:
        return Store(value, &message_->group_key);
      default:
        return FailWrongType(JsonType::kString);
    }
  }

  bool OnMessageObject() {
    switch (message_field_) {
      case Field::kUnknown:
        return StartSkipping();
      case Field::kGroupLabels:
      case Field::kCommonLabels:
      case Field::kCommonAnnotations:
        return StartMap(message_field_);
      default:
        return FailWrongType(JsonType::kObject);
    }
  }

  bool SetVersion(std::string& value) {
    if (value != "4") return FailExpected(QuoteText(value, kMaxQuotedBytes));
    return Store(value, &message_->version);
  }

  bool FinishMessage() {
    if (!(message_seen_ & FieldBit(Field::kVersion))) {
      return Fail("version", "missing");
    }
    if (!(message_seen_ & FieldBit(Field::kAlerts))) {
      return Fail("alerts", "missing");
    }
    return Enter(Level::kDone);
  }

  // --- alerts[i] ---

  bool StartAlert() {
    message_->alerts.emplace_back();
    alert_seen_ = 0;
    alert_field_ = Field::kUnknown;
    return Enter(Level::kAlert);
  }

  bool OnAlertKey(std::string& key) {
    alert_field_ = internal::AlertField(key);
    if (alert_field_ == Field::kUnknown) {
      alert_key_ = TakeString(key);  // only to name a depth problem in it
      return true;
    }
    if (alert_seen_ & FieldBit(alert_field_)) {
      // The receiver never guesses which value decides: the alert is
      // malformed, and the repeated value is skipped unread.
      Problem(AlertPath(), DuplicateKey(FieldName(alert_field_)));
      alert_field_ = Field::kUnknown;
      alert_key_ = TakeString(key);
      return true;
    }
    alert_seen_ |= FieldBit(alert_field_);
    return true;
  }

  bool OnAlertString(std::string& value) {
    Alert& alert = CurrentAlert();
    switch (alert_field_) {
      case Field::kUnknown:
        return true;
      case Field::kStatus:
        return SetStatus(value, &alert.status);
      case Field::kStartsAt:
        return Store(value, &alert.starts_at);
      case Field::kEndsAt:
        return Store(value, &alert.ends_at);
      case Field::kGeneratorUrl:
        return Store(value, &alert.generator_url);
      case Field::kFingerprint:
        return Store(value, &alert.fingerprint);
      default:
        return WrongType(JsonType::kString);
    }
  }

  bool OnAlertObject() {
    switch (alert_field_) {
      case Field::kUnknown:
        return StartSkipping();
      case Field::kLabels:
      case Field::kAnnotations:
        return StartMap(alert_field_);
      default:
        return WrongType(JsonType::kObject);
    }
  }

  bool FinishAlert() {
    if (!(alert_seen_ & FieldBit(Field::kStatus))) {
      Problem(FieldPath(Field::kStatus), "missing");
    } else if (!(alert_seen_ & FieldBit(Field::kLabels))) {
      Problem(FieldPath(Field::kLabels), "missing");
    }
    return Enter(Level::kAlerts);
  }

  // --- string→string objects: labels, annotations, group/common sets ---

  bool StartMap(Field field) {
    map_field_ = field;
    map_entries_.clear();  // keeps its capacity across maps
    return Enter(Level::kMap);
  }

  bool OnMapKey(std::string& key) {
    map_key_ = TakeString(key);
    return true;
  }

  bool OnMapString(std::string& value) {
    map_entries_.emplace_back(std::move(map_key_), TakeString(value));
    return true;
  }

  bool FinishMap() {
    const bool in_alert = MapIsInAlert();
    if (const Entry* dup = SortAndFindDuplicate(map_entries_)) {
      if (!in_alert) {
        return Fail(FieldPath(map_field_), DuplicateKey(dup->first));
      }
      Problem(FieldPath(map_field_), DuplicateKey(dup->first));
    }
    // An exactly sized copy: one allocation, and the scratch vector keeps
    // its capacity for the next map.
    std::vector<Entry> entries(std::make_move_iterator(map_entries_.begin()),
                               std::make_move_iterator(map_entries_.end()));
    LabelSet& target = MapTarget();
    target = LabelSet(std::move(entries));
    if (map_field_ == Field::kLabels && !target.Find("alertname")) {
      Problem(FieldPath(Field::kLabels) + ".alertname", "missing");
    }
    return Enter(in_alert ? Level::kAlert : Level::kMessage);
  }

  // Sorts `entries` by name unless already sorted; returns an entry whose
  // name occurs twice, or nullptr.
  static const Entry* SortAndFindDuplicate(std::vector<Entry>& entries) {
    auto not_before = [](const Entry& a, const Entry& b) {
      return !(a.first < b.first);
    };
    if (std::adjacent_find(entries.begin(), entries.end(), not_before) ==
        entries.end()) {
      return nullptr;  // strictly increasing: sorted, no duplicates
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.first < b.first; });
    auto dup = std::adjacent_find(
        entries.begin(), entries.end(),
        [](const Entry& a, const Entry& b) { return a.first == b.first; });
    return dup == entries.end() ? nullptr : &*dup;
  }

  LabelSet& MapTarget() {
    switch (map_field_) {
      case Field::kLabels:
        return CurrentAlert().labels;
      case Field::kAnnotations:
        return CurrentAlert().annotations;
      case Field::kGroupLabels:
        return message_->group_labels;
      case Field::kCommonLabels:
        return message_->common_labels;
      default:
        return message_->common_annotations;
    }
  }

  // --- values shared by both objects ---

  // Sets `*status` from `value`, or reports what was expected.
  bool SetStatus(std::string& value, AlertStatus* status) {
    std::optional<AlertStatus> parsed = ParseAlertStatus(value);
    if (!parsed) return Unexpected(QuoteText(value, kMaxQuotedBytes));
    *status = *parsed;
    return true;
  }

  static bool Store(std::string& value, std::string* field) {
    *field = TakeString(value);
    return true;
  }

  // Handles null, booleans, binary and numbers outside truncatedAlerts.
  bool OnOtherScalar(JsonType type) {
    if (Skipping() || AtUnknownField()) return true;
    return WrongType(type);
  }

  // --- problems: inside alerts[i] the alert's, elsewhere the message's ---

  // Records "`path`: `what`" as the current alert's problem, unless it
  // already has one. Returns true: the parse goes on.
  bool Problem(absl::string_view path, absl::string_view what) {
    std::string& problem = CurrentAlert().problem;
    if (problem.empty()) problem = absl::StrCat(path, ": ", what);
    return true;
  }

  // The value just met is `got` where something else was expected.
  bool Unexpected(absl::string_view got) {
    if (!InAlert()) return FailExpected(got);
    return Problem(ValuePath(), absl::StrCat("expected ", ValueExpectation(),
                                             ", got ", got));
  }

  // The value just met (a scalar, or an object or array just opened) has
  // a type its place does not take. Inside alerts[i] the value is skipped
  // whole; an element of alerts[] that is not an object is kept as an
  // alert with only that problem.
  bool WrongType(JsonType type) {
    if (!InAlert()) return FailWrongType(type);
    if (level_ == Level::kAlerts) {
      message_->alerts.emplace_back();
      Problem(AlertPath(),
              absl::StrCat("expected an object, got ", TypeName(type)));
    } else {
      Unexpected(TypeName(type));
    }
    const bool container =
        type == JsonType::kObject || type == JsonType::kArray;
    return container ? StartSkipping() : true;
  }

  // An object or array opened one level deeper than `max_depth_`. Inside
  // alerts[i] the alert is malformed and the value is skipped whole:
  // nlohmann's SAX parser keeps its own stack off the call stack, and the
  // handler only counts, so skipping stays safe at any depth.
  bool TooDeep() {
    if (!InAlert()) return FailTooDeep();
    const std::string what =
        absl::StrCat("nesting deeper than ", max_depth_, " levels");
    if (Skipping()) {
      Problem(ValuePath(), what);
      return EnterUnknown();
    }
    if (level_ == Level::kAlerts) {
      message_->alerts.emplace_back();
      Problem(AlertPath(), what);
    } else {
      Problem(ValuePath(), what);
    }
    return StartSkipping();
  }

  // --- paths; built only for a problem or an error ---

  static std::string DuplicateKey(absl::string_view key) {
    return absl::StrCat("duplicate key ", QuoteText(key, kMaxQuotedBytes));
  }

  std::string AlertPath() const {
    return absl::StrCat("alerts[", message_->alerts.size() - 1, "]");
  }

  // Returns the path of a known field of the current object.
  std::string FieldPath(Field field) const {
    const bool in_alert =
        level_ == Level::kAlert || (level_ == Level::kMap && MapIsInAlert());
    if (!in_alert) return std::string(FieldName(field));
    return absl::StrCat(AlertPath(), ".", FieldName(field));
  }

  // Returns the path of the value the parser just met (while skipping: of
  // the value being skipped).
  std::string ValuePath() const {
    switch (level_) {
      case Level::kMessage:
        return FieldPath(message_field_);
      case Level::kAlerts:
        // Met only inside an element being skipped, already kept as the
        // last alert (see WrongType() and TooDeep()).
        return AlertPath();
      case Level::kAlert:
        if (alert_field_ == Field::kUnknown) {
          return AlertPath() + KeySegment(alert_key_);
        }
        return FieldPath(alert_field_);
      case Level::kMap:
        return FieldPath(map_field_) + KeySegment(map_key_);
      default:
        return "body";
    }
  }

  // Returns what the value the parser just met must be.
  absl::string_view ValueExpectation() const {
    switch (level_) {
      case Level::kMessage:
        return Expectation(message_field_);
      case Level::kAlert:
        return Expectation(alert_field_);
      case Level::kMap:
        return "a string";
      default:
        return "an object";
    }
  }

  // --- fatal errors: the body is not an Alertmanager message ---

  bool Fail(absl::string_view path, absl::string_view what) {
    error_ = absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
    return false;
  }

  bool FailExpected(absl::string_view got) {
    return Fail(ValuePath(),
                absl::StrCat("expected ", ValueExpectation(), ", got ", got));
  }

  bool FailWrongType(JsonType type) { return FailExpected(TypeName(type)); }

  bool FailTooDeep() {
    return Fail("body", absl::StrCat("nesting deeper than ", max_depth_,
                                     " levels at byte ",
                                     OffsetOfTooDeep(body_, max_depth_)));
  }

  bool FailInternal(absl::string_view what) {
    error_ = absl::InternalError(absl::StrCat("payload parser: ", what));
    return false;
  }

  const absl::string_view body_;  // only read to locate a depth error
  const int max_depth_;
  WebhookMessage* const message_;
  absl::Status error_;

  Level level_ = Level::kBody;
  int depth_ = 0;       // nesting of the current value, the body being 1
  int skip_depth_ = 0;  // > 0 while inside a value being skipped
  Field message_field_ = Field::kUnknown;
  Field alert_field_ = Field::kUnknown;
  Field map_field_ = Field::kUnknown;
  uint32_t message_seen_ = 0;
  uint32_t alert_seen_ = 0;
  std::string alert_key_;  // the alert's current key, when not a known one
  std::string map_key_;
  std::vector<Entry> map_entries_;
};

absl::StatusOr<WebhookMessage> Parse(absl::string_view body,
                                     const ParseOptions& options) {
  // nlohmann's lexer takes a raw NUL outside a string for the end of input,
  // which would accept "{...}\0garbage". A raw NUL is never valid JSON.
  const size_t nul = body.find('\0');
  if (nul != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "body: invalid JSON at byte ", nul,
        ": raw NUL byte (inside a string it must be escaped as \\u0000)"));
  }
  WebhookMessage message;
  MessageBuilder builder(body, options, &message);
  const char* begin = body.data();
  const bool ok = Json::sax_parse(begin, begin + body.size(), &builder,
                                  Json::input_format_t::json,
                                  /*strict=*/true);
  if (!ok) {
    if (!builder.error().ok()) return builder.error();
    return absl::InternalError("payload parser: stopped without a reason");
  }
  if (!builder.done()) {
    return absl::InternalError("payload parser: ended inside the body");
  }
  return message;
}

}  // namespace

absl::StatusOr<WebhookMessage> ParseWebhookMessage(
    absl::string_view body, const ParseOptions& options) {
  // SAX reports JSON errors through parse_error(), but nothing may escape.
  try {
    return Parse(body, options);
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("body: invalid JSON: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("payload parser: ", e.what()));
  } catch (...) {
    return absl::InternalError("payload parser: unknown exception");
  }
}

}  // namespace autoheal

// Fuzz target: the Alertmanager payload parser (ParseWebhookMessage), and
// the JSON string writer every response and audit line goes through.
//
// An independent model, built on nlohmann/json's DOM, says what the parser
// must do with every body. A parse callback marks in each object what the
// DOM alone would hide: the keys it held more than once, and the deepest
// nesting reached inside it, values later replaced by a repeated key
// included. Invariants, checked
// on every input:
//   - the parser returns OK or kInvalidArgument, never kInternal (its own
//     "cannot happen" states) and never throws;
//   - it rejects a body exactly when the model finds it is not an
//     Alertmanager message: not strict JSON (or a raw NUL), not an object,
//     a missing or wrong version, alerts missing or not an array, a known
//     top-level field mistyped or repeated, or nesting deeper than 32
//     outside alerts[]. Nothing inside one alert can make it reject the
//     body: no alert can sink its group;
//   - an error message is short valid UTF-8 that starts with a JSON path,
//     since the receiver echoes it in a JSON 400 body;
//   - an accepted message agrees with the DOM: version "4", one Alert per
//     element of alerts, the same top-level fields;
//   - an alert has a problem exactly when the model finds it malformed
//     (not an object; status missing or not firing/resolved; labels missing,
//     not an object of strings or without a string alertname; annotations
//     not an object of strings; startsAt, endsAt, generatorURL or
//     fingerprint not a string; a repeated known field, label or
//     annotation; nesting deeper than 32). A well-formed alert has exactly
//     the DOM's status, labels, annotations and strings, every label set
//     sorted and unique. A malformed one has a short valid UTF-8 problem
//     starting with its own path "alerts[i]", and keeps every string field
//     that was well-formed and not repeated;
//   - the JSON writer turns any bytes into one valid JSON string, which
//     decodes back to the input whenever the input is valid UTF-8.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "autoheal/alert.h"
#include "autoheal/payload.h"
#include "core/json_writer.h"
#include "fuzz/fuzz_util.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace fuzz {
namespace {

using Json = nlohmann::json;

// The longest error message or problem the parser may produce: a path with
// quoted (cut) keys, what was expected and what was found.
constexpr size_t kMaxErrorBytes = 512;

// The parser's default ParseOptions::max_depth.
constexpr int kMaxDepth = 32;

// The members the parse callback adds to objects: the keys an object held
// more than once (only when it did), and the deepest nesting level reached
// inside it (the body is level 1). Their names are not valid UTF-8, so no
// parsed key (always valid UTF-8) can collide with them.
const std::string kRepeatedKeys = std::string("\xff") + "repeated";
const std::string kDeepest = std::string("\xff") + "deepest";

bool IsMark(absl::string_view name) { return absl::StartsWith(name, "\xff"); }

void CheckError(const absl::Status& status) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
             "a parse error is kInvalidArgument, never an internal error");
  const absl::string_view message = status.message();
  FUZZ_CHECK(!message.empty(), "an error says what is wrong");
  FUZZ_CHECK(message.size() <= kMaxErrorBytes, "an error message stays short");
  FUZZ_CHECK(IsValidUtf8(message), "an error message is valid UTF-8");
  FUZZ_CHECK(message.find(": ") != absl::string_view::npos,
             "an error message starts with the JSON path");
}

// Parses `body` into a DOM whose objects carry the marks above. Returns a
// discarded value when `body` is not strict JSON. The top-level object's
// deepest level leaves out `alerts`, whose elements are judged one by one.
Json ParseMarked(absl::string_view body) {
  std::vector<std::set<std::string>> keys;  // one per open object
  std::vector<std::vector<std::string>> repeats;
  std::vector<int> deepest;  // one per open object or array
  std::string top_key;       // the top-level object's current key
  Json::parser_callback_t mark = [&](int depth, Json::parse_event_t event,
                                     Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        keys.emplace_back();
        repeats.emplace_back();
        deepest.push_back(depth + 1);
        break;
      case Json::parse_event_t::array_start:
        deepest.push_back(depth + 1);
        break;
      case Json::parse_event_t::key:
        if (depth == 1) top_key = parsed.get<std::string>();
        if (!keys.empty() &&
            !keys.back().insert(parsed.get<std::string>()).second) {
          repeats.back().push_back(parsed.get<std::string>());
        }
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end: {
        if (deepest.empty()) break;
        const int level = deepest.back();
        deepest.pop_back();
        if (event == Json::parse_event_t::object_end && !keys.empty()) {
          // Scalars, not arrays: the marks add no nesting.
          parsed[kDeepest] = level;
          if (!repeats.back().empty()) {
            parsed[kRepeatedKeys] = absl::StrJoin(repeats.back(), ",");
          }
          keys.pop_back();
          repeats.pop_back();
        }
        const bool is_alerts = depth == 1 && top_key == "alerts";
        if (!deepest.empty() && !is_alerts) {
          deepest.back() = std::max(deepest.back(), level);
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  return Json::parse(body.begin(), body.end(), mark,
                     /*allow_exceptions=*/false);
}

// Returns the deepest level reached inside the object `dom`.
int Deepest(const Json& dom) {
  auto it = dom.find(kDeepest);
  FUZZ_CHECK(it != dom.end(), "every parsed object is marked");
  return it->get<int>();
}

// Returns whether the object `dom` held `key` more than once.
bool Repeated(const Json& dom, absl::string_view key) {
  auto it = dom.find(kRepeatedKeys);
  if (it == dom.end()) return false;
  for (absl::string_view k :
       absl::StrSplit(it->get_ref<const std::string&>(), ',')) {
    if (k == key) return true;
  }
  return false;
}

bool AnyRepeated(const Json& dom) { return dom.contains(kRepeatedKeys); }

// True when `dom` is an object of strings without a repeated name.
bool IsStringMap(const Json& dom) {
  if (!dom.is_object() || AnyRepeated(dom)) return false;
  for (const auto& [name, value] : dom.items()) {
    if (!IsMark(name) && !value.is_string()) return false;
  }
  return true;
}

// True when the member `name` of the object `dom` is absent, or present
// once and satisfies `ok`.
template <typename Predicate>
bool AbsentOr(const Json& dom, const char* name, Predicate ok) {
  auto it = dom.find(name);
  if (it == dom.end()) return true;
  return !Repeated(dom, name) && ok(*it);
}

bool IsString(const Json& v) { return v.is_string(); }

bool IsStatus(const Json& v) {
  return v.is_string() && (v == "firing" || v == "resolved");
}

// The model of what makes a body an Alertmanager message.
bool IsMessage(absl::string_view body, const Json& dom) {
  if (body.find('\0') != absl::string_view::npos) return false;
  if (dom.is_discarded() || !dom.is_object()) return false;
  auto version = dom.find("version");
  if (version == dom.end() || Repeated(dom, "version") || *version != "4") {
    return false;
  }
  auto alerts = dom.find("alerts");
  if (alerts == dom.end() || Repeated(dom, "alerts") || !alerts->is_array()) {
    return false;
  }
  auto truncated_ok = [](const Json& v) {
    if (v.is_number_unsigned()) {
      return v.get<uint64_t>() <=
             static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    }
    return v.is_number_integer() && v.get<int64_t>() >= 0;
  };
  if (!AbsentOr(dom, "receiver", IsString) ||
      !AbsentOr(dom, "externalURL", IsString) ||
      !AbsentOr(dom, "groupKey", IsString) ||
      !AbsentOr(dom, "status", IsStatus) ||
      !AbsentOr(dom, "groupLabels", IsStringMap) ||
      !AbsentOr(dom, "commonLabels", IsStringMap) ||
      !AbsentOr(dom, "commonAnnotations", IsStringMap) ||
      !AbsentOr(dom, "truncatedAlerts", truncated_ok)) {
    return false;
  }
  // Outside alerts[], nothing may nest deeper than the limit.
  return Deepest(dom) <= kMaxDepth;
}

// The model of a well-formed element of alerts[].
bool IsWellFormedAlert(const Json& dom) {
  if (!dom.is_object()) return false;
  if (Deepest(dom) > kMaxDepth) return false;
  for (const char* known : {"status", "labels", "annotations", "startsAt",
                            "endsAt", "generatorURL", "fingerprint"}) {
    if (Repeated(dom, known)) return false;
  }
  auto status = dom.find("status");
  if (status == dom.end() || !IsStatus(*status)) return false;
  auto labels = dom.find("labels");
  if (labels == dom.end() || !IsStringMap(*labels)) return false;
  if (!labels->contains("alertname")) return false;
  return AbsentOr(dom, "annotations", IsStringMap) &&
         AbsentOr(dom, "startsAt", IsString) &&
         AbsentOr(dom, "endsAt", IsString) &&
         AbsentOr(dom, "generatorURL", IsString) &&
         AbsentOr(dom, "fingerprint", IsString);
}

// True when `set` is sorted by name with unique names and equals the
// object `dom` (string values only).
bool LabelSetMatches(const LabelSet& set, const Json& dom) {
  if (!dom.is_object()) return false;
  size_t members = 0;
  for (const auto& [name, value] : dom.items()) members += IsMark(name) ? 0 : 1;
  if (members != set.size()) return false;
  const auto& entries = set.entries();
  for (size_t i = 0; i + 1 < entries.size(); ++i) {
    if (!(entries[i].first < entries[i + 1].first)) return false;
  }
  for (const auto& [name, value] : entries) {
    auto it = dom.find(name);
    if (it == dom.end() || !it->is_string()) return false;
    if (it->get_ref<const std::string&>() != value) return false;
  }
  return true;
}

// Returns the string member `name` of `dom`, or "" when absent.
std::string StringOr(const Json& dom, const char* name) {
  auto it = dom.find(name);
  if (it == dom.end()) return "";
  FUZZ_CHECK(it->is_string(), "a known string field was a string");
  return it->get<std::string>();
}

// Returns the object member `name` of `dom`, or {} (marked) when absent.
Json ObjectOr(const Json& dom, const char* name) {
  auto it = dom.find(name);
  return it == dom.end() ? Json::object({{kDeepest, 0}}) : *it;
}

absl::string_view DomTypeName(const Json& dom) {
  if (dom.is_null()) return "null";
  if (dom.is_boolean()) return "boolean";
  if (dom.is_number()) return "number";
  if (dom.is_string()) return "string";
  if (dom.is_object()) return "object";
  return "array";
}

void CheckWellFormedAlert(const Alert& alert, const Json& dom) {
  FUZZ_CHECK(alert.problem.empty(), "a well-formed alert has no problem");
  FUZZ_CHECK(alert.labels.Find("alertname").has_value(),
             "a well-formed alert has an alertname label");
  const std::string status = StringOr(dom, "status");
  FUZZ_CHECK(status == AlertStatusName(alert.status),
             "an alert's status is its own, as sent");
  FUZZ_CHECK(LabelSetMatches(alert.labels, ObjectOr(dom, "labels")),
             "labels are exactly the object's members");
  FUZZ_CHECK(LabelSetMatches(alert.annotations, ObjectOr(dom, "annotations")),
             "annotations are exactly the object's members");
  FUZZ_CHECK(alert.starts_at == StringOr(dom, "startsAt"), "startsAt");
  FUZZ_CHECK(alert.ends_at == StringOr(dom, "endsAt"), "endsAt");
  FUZZ_CHECK(alert.generator_url == StringOr(dom, "generatorURL"),
             "generatorURL");
  FUZZ_CHECK(alert.fingerprint == StringOr(dom, "fingerprint"), "fingerprint");
}

void CheckMalformedAlert(const Alert& alert, const Json& dom, size_t index) {
  const std::string& problem = alert.problem;
  const std::string path = absl::StrCat("alerts[", index, "]");
  FUZZ_CHECK(!problem.empty(), "a malformed alert has a problem");
  FUZZ_CHECK(problem.size() <= kMaxErrorBytes, "a problem stays short");
  FUZZ_CHECK(IsValidUtf8(problem), "a problem is valid UTF-8");
  FUZZ_CHECK(absl::StartsWith(problem, path) && problem.size() > path.size() &&
                 (problem[path.size()] == '.' || problem[path.size()] == '[' ||
                  problem[path.size()] == ':'),
             "a problem starts with its own alert's path");
  FUZZ_CHECK(problem.find(": ") != std::string::npos,
             "a problem says what is wrong after its path");
  if (!dom.is_object()) {
    FUZZ_CHECK(problem == absl::StrCat(path, ": expected an object, got ",
                                       DomTypeName(dom)),
               "an element that is not an object is named by its type");
    FUZZ_CHECK(alert.labels.empty() && alert.annotations.empty() &&
                   alert.fingerprint.empty(),
               "an element that is not an object yields an empty alert");
    return;
  }
  // What was well-formed is kept, for reporting.
  const std::pair<const char*, const std::string*> fields[] = {
      {"startsAt", &alert.starts_at},
      {"endsAt", &alert.ends_at},
      {"generatorURL", &alert.generator_url},
      {"fingerprint", &alert.fingerprint}};
  for (const auto& [name, field] : fields) {
    auto it = dom.find(name);
    if (it != dom.end() && it->is_string() && !Repeated(dom, name)) {
      FUZZ_CHECK(*field == it->get_ref<const std::string&>(),
                 "a malformed alert keeps its well-formed string fields");
    }
  }
  auto status = dom.find("status");
  if (status != dom.end() && IsStatus(*status) && !Repeated(dom, "status")) {
    FUZZ_CHECK(*status == std::string(AlertStatusName(alert.status)),
               "a malformed alert keeps its valid status");
  }
  auto labels = dom.find("labels");
  if (labels != dom.end() && IsStringMap(*labels) && !Repeated(dom, "labels")) {
    FUZZ_CHECK(LabelSetMatches(alert.labels, *labels),
               "a malformed alert keeps its well-formed labels");
  }
}

void CheckAccepted(const Json& dom, const WebhookMessage& message) {
  FUZZ_CHECK(message.version == "4", "an accepted message is version 4");
  const Json& alerts = dom["alerts"];
  FUZZ_CHECK(alerts.size() == message.alerts.size(),
             "one Alert per element of alerts");
  for (size_t i = 0; i < alerts.size(); ++i) {
    if (IsWellFormedAlert(alerts[i])) {
      CheckWellFormedAlert(message.alerts[i], alerts[i]);
    } else {
      CheckMalformedAlert(message.alerts[i], alerts[i], i);
    }
  }
  FUZZ_CHECK(message.receiver == StringOr(dom, "receiver"), "receiver");
  FUZZ_CHECK(message.external_url == StringOr(dom, "externalURL"),
             "externalURL");
  FUZZ_CHECK(message.group_key == StringOr(dom, "groupKey"), "groupKey");
  const std::string status = StringOr(dom, "status");
  FUZZ_CHECK(status.empty() || status == AlertStatusName(message.status),
             "the group's status, as sent");
  auto truncated = dom.find("truncatedAlerts");
  FUZZ_CHECK(truncated == dom.end()
                 ? message.truncated_alerts == 0
                 : truncated->is_number_integer() &&
                       truncated->get<int64_t>() == message.truncated_alerts &&
                       message.truncated_alerts >= 0,
             "truncatedAlerts is the non-negative integer sent");
  FUZZ_CHECK(LabelSetMatches(message.common_labels,
                             ObjectOr(dom, "commonLabels")),
             "commonLabels");
  FUZZ_CHECK(LabelSetMatches(message.group_labels, ObjectOr(dom, "groupLabels")),
             "groupLabels");
  FUZZ_CHECK(LabelSetMatches(message.common_annotations,
                             ObjectOr(dom, "commonAnnotations")),
             "commonAnnotations");
}

void CheckJsonString(absl::string_view bytes) {
  std::string out;
  internal::AppendJsonString(bytes, &out);
  Json dom = Json::parse(out, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!dom.is_discarded() && dom.is_string(),
             "the writer always produces one valid JSON string");
  if (IsValidUtf8(bytes)) {
    FUZZ_CHECK(dom.get_ref<const std::string&>() == bytes,
               "valid UTF-8 round-trips through the writer unchanged");
  }
}

void FuzzOneInput(absl::string_view body) {
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(body);
  const Json dom = ParseMarked(body);
  const bool is_message = IsMessage(body, dom);
  if (message.ok()) {
    FUZZ_CHECK(is_message,
               "the parser accepts only an Alertmanager message (strict JSON, "
               "version 4, well-formed top-level fields)");
    CheckAccepted(dom, *message);
  } else {
    CheckError(message.status());
    FUZZ_CHECK(!is_message,
               "the parser rejects only a body that is not an Alertmanager "
               "message: no alert can sink its group");
  }
  CheckJsonString(body);
}

}  // namespace
}  // namespace fuzz
}  // namespace autoheal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  autoheal::fuzz::FuzzOneInput(autoheal::fuzz::AsView(data, size));
  return 0;
}

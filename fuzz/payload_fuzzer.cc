// Fuzz target: the Alertmanager payload parser (ParseWebhookMessage), and
// the JSON string writer every response and audit line goes through.
//
// Invariants, checked on every input:
//   - the parser returns OK or kInvalidArgument, never kInternal (its own
//     "cannot happen" states) and never throws;
//   - an error message is short valid UTF-8 that starts with a JSON path,
//     since the receiver echoes it in a JSON 400 body;
//   - an accepted body is valid strict JSON, and the message agrees with
//     nlohmann/json's own DOM of it: version "4", the same alerts with the
//     same status, labels, annotations and strings, each alert holding an
//     alertname, every label set sorted and unique;
//   - the JSON writer turns any bytes into one valid JSON string, which
//     decodes back to the input whenever the input is valid UTF-8.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
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

// The longest error message the parser may produce: a path with quoted
// (cut) keys, what was expected and what was found.
constexpr size_t kMaxErrorBytes = 512;

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

// True when `set` is sorted by name with unique names and equals the
// object `dom` (string values only).
bool LabelSetMatches(const LabelSet& set, const Json& dom) {
  if (!dom.is_object() || dom.size() != set.size()) return false;
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

// Returns the object member `name` of `dom`, or {} when absent.
Json ObjectOr(const Json& dom, const char* name) {
  auto it = dom.find(name);
  return it == dom.end() ? Json::object() : *it;
}

void CheckAlert(const Alert& alert, const Json& dom) {
  FUZZ_CHECK(dom.is_object(), "every element of alerts is an object");
  FUZZ_CHECK(alert.labels.Find("alertname").has_value(),
             "every accepted alert has an alertname label");
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

void CheckAccepted(absl::string_view body, const WebhookMessage& message) {
  FUZZ_CHECK(message.version == "4", "an accepted message is version 4");
  // The parser is never more lenient than strict JSON.
  Json dom = Json::parse(body.begin(), body.end(), nullptr,
                         /*allow_exceptions=*/false);
  FUZZ_CHECK(!dom.is_discarded(), "an accepted body is valid JSON");
  FUZZ_CHECK(dom.is_object(), "an accepted body is an object");
  const Json& alerts = dom["alerts"];
  FUZZ_CHECK(alerts.is_array(), "alerts is an array");
  FUZZ_CHECK(alerts.size() == message.alerts.size(),
             "one Alert per element of alerts");
  for (size_t i = 0; i < alerts.size(); ++i) {
    CheckAlert(message.alerts[i], alerts[i]);
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
  if (message.ok()) {
    CheckAccepted(body, *message);
  } else {
    CheckError(message.status());
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

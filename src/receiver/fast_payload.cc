// The simdjson fast path of the receiver's body parse (see fast_payload.h).
//
// Every reader below returns false at the first thing it is not sure of,
// and TryParseFast() then returns nullopt: the body goes to the slow parser,
// which alone decides what is wrong and how to say it. Only the simdjson
// error-code API is used: nothing here throws.

#include "receiver/fast_payload.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/payload_fields.h"
#include "simdjson.h"

namespace autoheal {
namespace receiver {
namespace {

namespace dom = simdjson::dom;
using Entry = LabelSet::Entry;

// Bodies up to this size are parsed with the thread's own parser, which
// keeps its buffers (about 15 bytes per byte of body) for the next call.
// Larger ones (a storm beyond 500 alerts, or huge label values) get a parser
// of their own, freed after the call, so that one big notification does not
// pin its memory in every worker thread for good.
constexpr size_t kMaxRetainedBytes = 256 * 1024;

// The deepest simdjson nesting limit asked for: a larger
// ParseOptions::max_depth is treated as this one (stricter: deeper bodies go
// to the slow parser, which then applies the caller's limit).
constexpr int kMaxFastDepth = 1024;

using Field = internal::PayloadField;
using internal::FieldBit;

Field MessageField(std::string_view key) {
  return internal::MessageField(absl::string_view(key.data(), key.size()));
}

Field AlertField(std::string_view key) {
  return internal::AlertField(absl::string_view(key.data(), key.size()));
}

bool ReadString(dom::element element, std::string* out) {
  std::string_view value;
  if (element.get_string().get(value) != simdjson::SUCCESS) return false;
  out->assign(value.data(), value.size());
  return true;
}

bool ReadStatus(dom::element element, AlertStatus* status) {
  std::string_view value;
  if (element.get_string().get(value) != simdjson::SUCCESS) return false;
  if (value == "firing") {
    *status = AlertStatus::kFiring;
  } else if (value == "resolved") {
    *status = AlertStatus::kResolved;
  } else {
    return false;
  }
  return true;
}

bool ReadVersion(dom::element element, std::string* version) {
  std::string_view value;
  if (element.get_string().get(value) != simdjson::SUCCESS) return false;
  if (value != "4") return false;
  version->assign(value.data(), value.size());
  return true;
}

// The slow parser takes an unsigned or signed integer token from 0 to
// INT64_MAX. simdjson reports every integer in that range as INT64 (UINT64
// only above it, DOUBLE for anything with a fraction or an exponent).
bool ReadTruncatedAlerts(dom::element element, int64_t* truncated) {
  if (element.type() != dom::element_type::INT64) return false;
  int64_t value = 0;
  if (element.get_int64().get(value) != simdjson::SUCCESS) return false;
  if (value < 0) return false;
  *truncated = value;
  return true;
}

// Reads an object whose values are all strings, with no name repeated.
bool ReadStringMap(dom::element element, LabelSet* out) {
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) return false;
  std::vector<Entry> entries;
  entries.reserve(object.size());
  for (dom::key_value_pair field : object) {
    std::string_view value;
    if (field.value.get_string().get(value) != simdjson::SUCCESS) {
      return false;
    }
    entries.emplace_back(
        std::piecewise_construct,
        std::forward_as_tuple(field.key.data(), field.key.size()),
        std::forward_as_tuple(value.data(), value.size()));
  }
  auto less = [](const Entry& a, const Entry& b) { return a.first < b.first; };
  if (!std::is_sorted(entries.begin(), entries.end(), less)) {
    std::sort(entries.begin(), entries.end(), less);
  }
  // Sorted: a repeated name sits next to itself.
  if (std::adjacent_find(entries.begin(), entries.end(),
                         [](const Entry& a, const Entry& b) {
                           return a.first == b.first;
                         }) != entries.end()) {
    return false;
  }
  *out = LabelSet(std::move(entries));
  return true;
}

bool ReadAlert(dom::element element, Alert* alert) {
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) return false;
  uint32_t seen = 0;
  for (dom::key_value_pair field : object) {
    const Field known = AlertField(field.key);
    if (known == Field::kUnknown) continue;
    if (seen & FieldBit(known)) return false;
    seen |= FieldBit(known);
    bool ok = false;
    switch (known) {
      case Field::kStatus:
        ok = ReadStatus(field.value, &alert->status);
        break;
      case Field::kLabels:
        ok = ReadStringMap(field.value, &alert->labels) &&
             alert->labels.Find("alertname").has_value();
        break;
      case Field::kAnnotations:
        ok = ReadStringMap(field.value, &alert->annotations);
        break;
      case Field::kStartsAt:
        ok = ReadString(field.value, &alert->starts_at);
        break;
      case Field::kEndsAt:
        ok = ReadString(field.value, &alert->ends_at);
        break;
      case Field::kGeneratorUrl:
        ok = ReadString(field.value, &alert->generator_url);
        break;
      case Field::kFingerprint:
        ok = ReadString(field.value, &alert->fingerprint);
        break;
      default:
        break;
    }
    if (!ok) return false;
  }
  return (seen & FieldBit(Field::kStatus)) && (seen & FieldBit(Field::kLabels));
}

bool ReadAlerts(dom::element element, std::vector<Alert>* alerts) {
  dom::array array;
  if (element.get_array().get(array) != simdjson::SUCCESS) return false;
  alerts->reserve(array.size());
  for (dom::element item : array) {
    alerts->emplace_back();
    if (!ReadAlert(item, &alerts->back())) return false;
  }
  return true;
}

bool ReadMessage(dom::element root, WebhookMessage* message) {
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return false;
  uint32_t seen = 0;
  for (dom::key_value_pair field : object) {
    const Field known = MessageField(field.key);
    if (known == Field::kUnknown) continue;
    if (seen & FieldBit(known)) return false;
    seen |= FieldBit(known);
    bool ok = false;
    switch (known) {
      case Field::kVersion:
        ok = ReadVersion(field.value, &message->version);
        break;
      case Field::kAlerts:
        ok = ReadAlerts(field.value, &message->alerts);
        break;
      case Field::kReceiver:
        ok = ReadString(field.value, &message->receiver);
        break;
      case Field::kStatus:
        ok = ReadStatus(field.value, &message->status);
        break;
      case Field::kGroupLabels:
        ok = ReadStringMap(field.value, &message->group_labels);
        break;
      case Field::kCommonLabels:
        ok = ReadStringMap(field.value, &message->common_labels);
        break;
      case Field::kCommonAnnotations:
        ok = ReadStringMap(field.value, &message->common_annotations);
        break;
      case Field::kExternalUrl:
        ok = ReadString(field.value, &message->external_url);
        break;
      case Field::kGroupKey:
        ok = ReadString(field.value, &message->group_key);
        break;
      case Field::kTruncatedAlerts:
        ok = ReadTruncatedAlerts(field.value, &message->truncated_alerts);
        break;
      default:
        break;
    }
    if (!ok) return false;
  }
  return (seen & FieldBit(Field::kVersion)) &&
         (seen & FieldBit(Field::kAlerts));
}

// Parses `body` with `parser`, whose depth limit is set first, and builds
// the message; nullopt on anything unsure.
std::optional<WebhookMessage> ParseWith(dom::parser& parser,
                                        absl::string_view body,
                                        size_t max_depth) {
  if (parser.max_depth() != max_depth &&
      parser.allocate(std::max(parser.capacity(), body.size()), max_depth) !=
          simdjson::SUCCESS) {
    return std::nullopt;
  }
  // realloc_if_needed: simdjson copies the body into the parser's own
  // buffer, which has the SIMDJSON_PADDING bytes it reads past the end and
  // is reused by the next call.
  dom::element root;
  if (parser.parse(body.data(), body.size(), /*realloc_if_needed=*/true)
          .get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  WebhookMessage message;
  if (!ReadMessage(root, &message)) return std::nullopt;
  return message;
}

}  // namespace

std::optional<WebhookMessage> TryParseFast(absl::string_view body,
                                           const ParseOptions& options) {
  if (options.max_depth < 1) return std::nullopt;
  // simdjson checks its limit only when it opens a non-empty object or
  // array: with limit L it rejects a non-empty one at nesting level L (the
  // body being level 1) and never rejects an empty one. Given the slow
  // parser's own max_depth as L, it accepts non-empty nesting up to
  // max_depth - 1 and empty up to max_depth, and rejects anything at
  // max_depth + 1 (whose parent at max_depth is non-empty): never more
  // lenient than the slow parser, which rejects beyond max_depth.
  const size_t max_depth =
      static_cast<size_t>(std::min(options.max_depth, kMaxFastDepth));
  if (body.size() > kMaxRetainedBytes) {
    dom::parser one_shot;
    return ParseWith(one_shot, body, max_depth);
  }
  thread_local dom::parser parser;
  return ParseWith(parser, body, max_depth);
}

absl::StatusOr<WebhookMessage> ParseNotification(absl::string_view body,
                                                 const ParseOptions& options) {
  std::optional<WebhookMessage> fast = TryParseFast(body, options);
  if (fast.has_value()) return *std::move(fast);
  return ParseWebhookMessage(body, options);
}

}  // namespace receiver
}  // namespace autoheal

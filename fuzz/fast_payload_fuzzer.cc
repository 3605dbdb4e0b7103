// Fuzz target: the receiver's simdjson fast path (receiver/fast_payload.h)
// against the slow parser it stands in front of, ParseWebhookMessage().
//
// A differential target: the slow parser is the oracle (its own target,
// payload_fuzzer.cc, checks it against a DOM model). Invariants, checked on
// every input, under the default ParseOptions and again under a small
// max_depth drawn from the input (1 to 8, so that shallow inputs reach the
// depth boundary from both sides):
//   - when TryParseFast() returns a message, the slow parser accepts the
//     body and returns the identical message: every top-level field, and
//     every alert's status, labels, annotations, times, URL, fingerprint
//     and (empty) problem;
//   - the fast path never makes a problem: every alert it returns is
//     well-formed;
//   - ParseNotification() returns exactly what ParseWebhookMessage()
//     returns: both errors with the same code and message, or both messages
//     equal field by field.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "autoheal/alert.h"
#include "autoheal/payload.h"
#include "fuzz/fuzz_util.h"
#include "receiver/fast_payload.h"

namespace autoheal {
namespace fuzz {
namespace {

void CheckSameAlert(const Alert& a, const Alert& b) {
  FUZZ_CHECK(a.status == b.status, "an alert's status");
  FUZZ_CHECK(a.labels == b.labels, "an alert's labels");
  FUZZ_CHECK(a.annotations == b.annotations, "an alert's annotations");
  FUZZ_CHECK(a.starts_at == b.starts_at, "an alert's startsAt");
  FUZZ_CHECK(a.ends_at == b.ends_at, "an alert's endsAt");
  FUZZ_CHECK(a.generator_url == b.generator_url, "an alert's generatorURL");
  FUZZ_CHECK(a.fingerprint == b.fingerprint, "an alert's fingerprint");
  FUZZ_CHECK(a.problem == b.problem, "an alert's problem");
}

void CheckSameMessage(const WebhookMessage& a, const WebhookMessage& b) {
  FUZZ_CHECK(a.version == b.version, "version");
  FUZZ_CHECK(a.receiver == b.receiver, "receiver");
  FUZZ_CHECK(a.status == b.status, "the group's status");
  FUZZ_CHECK(a.group_labels == b.group_labels, "groupLabels");
  FUZZ_CHECK(a.common_labels == b.common_labels, "commonLabels");
  FUZZ_CHECK(a.common_annotations == b.common_annotations, "commonAnnotations");
  FUZZ_CHECK(a.external_url == b.external_url, "externalURL");
  FUZZ_CHECK(a.group_key == b.group_key, "groupKey");
  FUZZ_CHECK(a.truncated_alerts == b.truncated_alerts, "truncatedAlerts");
  FUZZ_CHECK(a.alerts.size() == b.alerts.size(), "the number of alerts");
  for (size_t i = 0; i < a.alerts.size(); ++i) {
    CheckSameAlert(a.alerts[i], b.alerts[i]);
  }
  FUZZ_CHECK(a == b, "operator== agrees with the field-by-field comparison");
}

void CheckSameResult(const absl::StatusOr<WebhookMessage>& a,
                     const absl::StatusOr<WebhookMessage>& b) {
  FUZZ_CHECK(a.ok() == b.ok(), "both parsers accept, or both reject");
  if (!a.ok()) {
    FUZZ_CHECK(a.status().code() == b.status().code(), "the same error code");
    FUZZ_CHECK(a.status().message() == b.status().message(),
               "the same error message");
    return;
  }
  CheckSameMessage(*a, *b);
}

void FuzzWithOptions(absl::string_view body, const ParseOptions& options) {
  const absl::StatusOr<WebhookMessage> slow =
      ParseWebhookMessage(body, options);
  const std::optional<WebhookMessage> fast =
      receiver::TryParseFast(body, options);
  if (fast.has_value()) {
    FUZZ_CHECK(slow.ok(),
               "the fast path takes only bodies the slow parser accepts");
    for (const Alert& alert : fast->alerts) {
      FUZZ_CHECK(alert.problem.empty(), "the fast path makes no problem");
    }
    CheckSameMessage(*fast, *slow);
  }
  CheckSameResult(receiver::ParseNotification(body, options), slow);
}

void FuzzOneInput(absl::string_view body) {
  FuzzWithOptions(body, ParseOptions());
  ParseOptions shallow;
  shallow.max_depth = 1 + static_cast<int>(Fnv1a(body) % 8);
  FuzzWithOptions(body, shallow);
}

}  // namespace
}  // namespace fuzz
}  // namespace autoheal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  autoheal::fuzz::FuzzOneInput(autoheal::fuzz::AsView(data, size));
  return 0;
}

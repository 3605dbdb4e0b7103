// The Alertmanager webhook payload parser.
//
// Parses the JSON body Alertmanager POSTs to a webhook receiver (payload
// version "4") into a `WebhookMessage`. The parser streams through
// nlohmann/json's SAX interface straight into the model, without building a
// DOM, and never throws: every failure is a returned status.
//
// What it accepts: unknown fields anywhere (newer Alertmanagers add
// `notification_reason`, `routeLabels`, ...), raw UTF-8, escaped characters
// and `\u0000` inside strings, and label values of any length.
//
// What it rejects, with `kInvalidArgument` and a message that starts with the
// JSON path of the problem and says what was expected:
//   - a body that is not valid JSON (invalid UTF-8 and raw control
//     characters included): "body: invalid JSON at byte 17: ..."
//   - a body that is not an object: "body: expected an object"
//   - a missing or wrong `version`: "version: expected \"4\", got \"3\""
//   - a missing `alerts`, or one that is not an array of objects
//   - a mistyped known field: "alerts[3].labels.alertname: expected a string"
//   - an alert without `status` ("firing"/"resolved") or `labels.alertname`
//   - a duplicate key in a known object: "alerts[0].labels: duplicate key
//     \"instance\"" (a receiver must never guess which value decides)
//   - nesting deeper than `ParseOptions::max_depth`
//
// Thread safety: the function is reentrant; it shares no state.

#ifndef AUTOHEAL_PAYLOAD_H_
#define AUTOHEAL_PAYLOAD_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "autoheal/alert.h"

namespace autoheal {

struct ParseOptions {
  // The deepest nesting of objects and arrays accepted anywhere in the body,
  // unknown fields included. A real payload nests 4 deep.
  // Default: 32.
  int max_depth = 32;
};

// Parses `body` as an Alertmanager webhook message. Returns the message, or
// `kInvalidArgument` naming the JSON path and what was expected there.
// Does not keep `body` past the call.
absl::StatusOr<WebhookMessage> ParseWebhookMessage(
    absl::string_view body, const ParseOptions& options = ParseOptions());

}  // namespace autoheal

#endif  // AUTOHEAL_PAYLOAD_H_

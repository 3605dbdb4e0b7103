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
// No alert can sink its group. A problem confined to one element of
// `alerts[]` makes that alert malformed, not the message: the parse goes on,
// the alert is kept with `Alert::problem` set to "<JSON path>: <what is
// wrong>" (the first problem found in it), and the engine skips it with
// reason `invalid_alert` while its neighbours are decided as usual.
// Per-alert problems, each with an example of its `problem`:
//   - an element that is not an object: "alerts[1]: expected an object, got
//     number" (the alert then holds nothing else);
//   - a missing `status`, or one that is not "firing"/"resolved":
//     "alerts[2].status: expected \"firing\" or \"resolved\", got
//     \"pending\"", "alerts[2].status: missing";
//   - a missing `labels`, or `labels`/`annotations` not an object:
//     "alerts[1].labels: expected an object, got array";
//   - a missing, non-string or repeated `alertname`:
//     "alerts[3].labels.alertname: missing";
//   - a label or annotation value that is not a string:
//     "alerts[0].labels.instance: expected a string, got number";
//   - `startsAt`, `endsAt`, `generatorURL` or `fingerprint` not a string;
//   - a repeated name inside `labels` or `annotations`, or a repeated known
//     field of the alert: "alerts[0].labels: duplicate key \"instance\""
//     (the receiver never guesses which value decides);
//   - nesting deeper than `ParseOptions::max_depth` anywhere inside the
//     alert, unknown fields included: "alerts[0].x: nesting deeper than 32
//     levels" (no byte offset: finding it would rescan the body for each
//     such alert).
// The offending value is skipped whole, and the rest of the alert is still
// read: a malformed alert keeps the labels, annotations and string fields
// that were well-formed, for reporting. An empty `alertname` is not a
// problem (it matches no action: `not_allowlisted`).
//
// Fatal problems: the body is not an Alertmanager message, and the parser
// returns `kInvalidArgument` with a message that starts with the JSON path
// and says what was expected (the receiver answers 400):
//   - a body that is not valid JSON (invalid UTF-8, lone surrogate escapes,
//     raw control characters or a raw NUL, truncation, trailing bytes):
//     "body: invalid JSON at byte 17: ..."
//   - a body that is not an object: "body: expected an object, got array"
//   - a missing or wrong `version`: "version: expected \"4\", got \"3\""
//   - a missing `alerts`, or one that is not an array
//   - a mistyped known top-level field: `receiver`, `externalURL`,
//     `groupKey` not a string; `status` not "firing"/"resolved";
//     `groupLabels`, `commonLabels`, `commonAnnotations` not an object of
//     strings or with a repeated name; `truncatedAlerts` not a non-negative
//     integer. These belong to no alert, and Alertmanager always sends
//     them well-formed: a body with one of them wrong comes from another
//     sender (or another payload version), whose every alert is suspect.
//   - a repeated known top-level field: "body: duplicate key \"alerts\""
//   - nesting deeper than `ParseOptions::max_depth` outside `alerts[]`
//     (in an unknown top-level field): "body: nesting deeper than 32 levels
//     at byte 61"
// A JSON syntax error anywhere, even inside one alert, is fatal: past it
// the parser cannot know where that alert ends.
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
  // unknown fields included. Deeper inside `alerts[i]` makes that alert
  // malformed; deeper elsewhere rejects the body. A real payload nests 4
  // deep (body, alerts, alert, labels).
  // Default: 32.
  int max_depth = 32;
};

// Parses `body` as an Alertmanager webhook message. Returns the message,
// whose malformed alerts carry their `problem` (see above), or
// `kInvalidArgument` naming the JSON path of a fatal problem and what was
// expected there. Does not keep `body` past the call.
absl::StatusOr<WebhookMessage> ParseWebhookMessage(
    absl::string_view body, const ParseOptions& options = ParseOptions());

}  // namespace autoheal

#endif  // AUTOHEAL_PAYLOAD_H_

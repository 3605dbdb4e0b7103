// The receiver's webhook body parse: a simdjson fast path in front of
// ParseWebhookMessage() ("autoheal/payload.h").
//
// ParseNotification() returns exactly what ParseWebhookMessage() returns for
// the same body and options: the same message, the same per-alert
// `problem`s, the same error codes and messages. It is only faster on the
// plain, well-formed bodies Alertmanager sends (a 200-alert storm
// notification parses about twice as fast).
//
// How: TryParseFast() parses the body with simdjson's DOM parser (its
// kernel, icelake/haswell/westmere/fallback, is picked at run time) and
// builds the message only when it is certain the slow parser would build
// the identical one. It accepts only this shape:
//   - a root object whose known fields have exactly their types: `version`
//     "4" and `alerts` present; `status` "firing" or "resolved";
//     `receiver`, `externalURL`, `groupKey` strings; `groupLabels`,
//     `commonLabels`, `commonAnnotations` objects of strings;
//     `truncatedAlerts` an integer from 0 to INT64_MAX; `alerts` an array
//     of objects;
//   - each alert with `status` "firing" or "resolved", `labels` an object
//     of strings holding `alertname`, `annotations` (optional) an object of
//     strings, and `startsAt`, `endsAt`, `generatorURL`, `fingerprint`
//     (optional) strings;
//   - no known field repeated, no name repeated within a string object;
//   - unknown fields anywhere, of any type, ignored;
//   - nesting no deeper than the slow parser allows (see kMaxFastDepth in
//     the .cc file for the exact bound, which is a little stricter).
// Any other body, whatever is wrong or merely unusual in it (invalid JSON
// or UTF-8, a wrong type, a missing field, a malformed alert, nesting near
// the limit), goes to ParseWebhookMessage(), which alone produces errors
// and problems. The fast path never produces either.
//
// fuzz/fast_payload_fuzzer.cc checks the equivalence on arbitrary bodies;
// tests/fast_payload_test.cc on the captured payloads and hostile cases.
//
// Thread safety: both functions may be called concurrently from any number
// of threads. Each thread parses with its own simdjson parser (a
// thread_local, since a simdjson::dom::parser is not thread-safe), which
// keeps its buffers between calls: about 15 bytes of address space per
// byte of the largest body up to 256 KiB that thread parsed. A larger body
// is parsed with a parser freed before the call returns.

#ifndef AUTOHEAL_RECEIVER_FAST_PAYLOAD_H_
#define AUTOHEAL_RECEIVER_FAST_PAYLOAD_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "autoheal/alert.h"
#include "autoheal/payload.h"

namespace autoheal {
namespace receiver {

// Parses `body` as an Alertmanager webhook message, exactly as
// ParseWebhookMessage(body, options) does: returns the message, whose
// malformed alerts carry their `problem`, or `kInvalidArgument` naming the
// JSON path of a fatal problem. Does not keep `body` past the call.
absl::StatusOr<WebhookMessage> ParseNotification(
    absl::string_view body, const ParseOptions& options = ParseOptions());

// Returns the message when the fast path alone is certain of it (a plain,
// well-formed body, see above), or nullopt when the body must go to
// ParseWebhookMessage(). A returned message equals what
// ParseWebhookMessage(body, options) returns. Exposed for tests and
// benchmarks; ParseNotification() is the one to call. Does not keep `body`
// past the call.
std::optional<WebhookMessage> TryParseFast(
    absl::string_view body, const ParseOptions& options = ParseOptions());

}  // namespace receiver
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_FAST_PAYLOAD_H_

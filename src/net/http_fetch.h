// A small blocking HTTP client over libcurl for autoheal's command-line
// tools (`autoheal doctor`, `autoheal backtest`): GET and POST a URL with a
// connect timeout, a whole-transfer timeout, an optional bearer token and a
// cap on the body it buffers.
//
// Transport failures are errors; HTTP statuses are answers. A 404 or a 503
// comes back as a FetchResponse with that status, so the caller decides what
// it means. Error messages name the method and the URL, never the bearer
// token (which is only ever sent as a header).
//
// Thread-safety: HttpGet and HttpPost may be called from any thread,
// concurrently: each call uses its own curl handle. libcurl's global state is
// initialized once, on first use, behind std::call_once. No call raises a
// signal (CURLOPT_NOSIGNAL), so a timeout never longjmps out of a thread.
//
// Example:
//
//   net::FetchOptions options;
//   options.timeout = absl::Seconds(5);
//   absl::StatusOr<net::FetchResponse> response =
//       net::HttpGet("http://127.0.0.1:9090/api/v1/rules", options);
//   if (!response.ok()) return response.status();  // refused, timeout, ...
//   if (response->status != 200) { ... }
//
// This header is internal to autoheal (not installed).

#ifndef AUTOHEAL_NET_HTTP_FETCH_H_
#define AUTOHEAL_NET_HTTP_FETCH_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace autoheal {
namespace net {

struct FetchOptions {
  // The longest the TCP (and TLS) connect may take. Rounded up to whole
  // milliseconds; must be positive.
  // Default: 3 s.
  absl::Duration connect_timeout = absl::Seconds(3);

  // The longest the whole transfer may take, connect included: a server that
  // accepts and never answers makes the call fail after this long. Rounded
  // up to whole milliseconds; must be positive.
  // Default: 15 s.
  absl::Duration timeout = absl::Seconds(15);

  // Sent as "Authorization: Bearer <token>" when not empty. Never logged and
  // never put in an error message.
  // Default: empty (no Authorization header).
  std::string bearer_token;

  // The largest response body buffered; a longer one fails the call with
  // kResourceExhausted. Must be positive.
  // Default: 256 MiB.
  std::size_t max_body_bytes = std::size_t{256} << 20;
};

struct FetchResponse {
  // The HTTP status code, e.g. 200.
  long status = 0;
  // The whole response body.
  std::string body;
  // The Content-Type header as sent, e.g. "application/json"; empty when
  // absent.
  std::string content_type;
};

// Sends GET `url` and returns the response, whatever its status. Redirects
// are not followed (a 3xx is returned).
//
// Errors (each names "GET <url>" and libcurl's reason):
// - kInvalidArgument: the URL is malformed or its scheme is not http or
//   https, or `options` hold a non-positive timeout or body limit;
// - kUnavailable: the connection was refused or reset, the host name did not
//   resolve, the TLS handshake failed (a retry may help);
// - kDeadlineExceeded: the connect or the whole transfer took longer than
//   its timeout;
// - kResourceExhausted: the body is longer than options.max_body_bytes.
absl::StatusOr<FetchResponse> HttpGet(const std::string& url,
                                      const FetchOptions& options);

// Sends POST `url` with `body` and the given Content-Type, and returns the
// response, whatever its status. Errors as HttpGet, naming "POST <url>".
absl::StatusOr<FetchResponse> HttpPost(const std::string& url,
                                       absl::string_view body,
                                       absl::string_view content_type,
                                       const FetchOptions& options);

// Returns `text` percent-encoded for a URL query value: every byte outside
// RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~) becomes %XX (upper-case
// hex), spaces included ("%20", never "+").
std::string UrlQueryEscape(absl::string_view text);

}  // namespace net
}  // namespace autoheal

#endif  // AUTOHEAL_NET_HTTP_FETCH_H_

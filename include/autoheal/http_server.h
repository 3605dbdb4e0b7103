// A small HTTP/1.1 server over GNU libmicrohttpd (epoll mode): the one
// autoheal's webhook receiver serves the Alertmanager webhook, /metrics and
// /healthz with. Component `http` (target autoheal::http, Debian package
// libmicrohttpd-dev).
//
// The server buffers each request body (up to a limit) and calls one Handler
// per request with the whole request; the Handler returns the whole response.
// It keeps connections alive, times out idle clients and clients that take
// too long to send a request (slowloris), limits connections in total and
// per client IP (loopback clients exempt), and can serve TLS.
//
// Errors the server answers itself are JSON ({"error":"..."}): 413 for a
// body over the limit, 500 when the Handler throws. Requests libmicrohttpd
// cannot parse (bad request line, headers over connection_memory_bytes, a
// Content-Length beyond 2^64 or not a number, a bad chunk size) get
// libmicrohttpd's own short HTML error page and the connection is closed; no
// Handler call happens. libmicrohttpd 0.9.75 sends the status line and
// headers of some of those pages twice (the copy is read as the body); the
// connection closes right after, so no later response is affected. It also
// ends a header value at a raw NUL byte: what follows the NUL is dropped.
//
// Besides libmicrohttpd's threads, the server runs one thread of its own
// that closes connections whose request is overdue (see request_timeout),
// and, when `worker_threads > 0`, a pool of workers: a request that
// `offload` selects (one that may wait on a state store or a disk) is
// answered on a worker while its connection is suspended, so the event loop
// goes on serving every other connection, health probes included. When
// `worker_queue_limit` requests already wait, the next one is answered 503
// with `Retry-After` at once.
//
// Thread-safety: the Handler runs on the server's internal threads and on
// its workers; with `thread_count > 1` or `worker_threads > 0` it runs
// concurrently and must be thread-safe. The HttpServer's own methods may be
// called from any thread, except that Stop() (and so the destructor) must
// not be called from inside the Handler.

#ifndef AUTOHEAL_HTTP_SERVER_H_
#define AUTOHEAL_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/clock.h"

namespace autoheal {
namespace http {

// One buffered request as the Handler sees it.
//
// Every view points into the server's per-connection buffers and is valid
// only during the Handler call: copy what you keep. A test of a Handler can
// build an HttpRequest by hand with views into its own strings.
struct HttpRequest {
  // The method as sent, e.g. "POST".
  absl::string_view method;
  // The request target up to '?', as sent (not percent-decoded), e.g.
  // "/alert".
  absl::string_view path;
  // The raw query after '?', without it (not decoded); empty when absent.
  absl::string_view query;
  // The whole body, never more than HttpServerOptions::max_body_bytes.
  // Binary-safe (may contain NUL bytes); chunked bodies arrive decoded.
  absl::string_view body;
  // The client's IP address as a literal, e.g. "127.0.0.1" or "::1".
  absl::string_view peer;
  // The request headers in arrival order, names as sent.
  std::vector<std::pair<absl::string_view, absl::string_view>> headers;

  // Returns the value of the first header named `name` (compared without
  // regard to case), or nullopt when the request has none.
  std::optional<absl::string_view> Header(absl::string_view name) const;
};

// The Handler's answer. The server adds Content-Length, Date and the
// connection headers itself.
struct HttpResponse {
  // Must be in [200, 599]; anything else is answered as 500.
  int status = 200;
  // Sent as the Content-Type header unless empty.
  std::string content_type = "application/json";
  std::string body;
  // Extra headers, e.g. {"WWW-Authenticate", "Bearer"}. Dropped: a header
  // whose name or value holds CR, LF or NUL, one with an empty value
  // (libmicrohttpd refuses those), and Content-Length or Transfer-Encoding
  // (the server frames the body). {"Connection", "close"} closes the
  // connection after this response.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Answers one request. Called on the server's threads; it must not throw
// (if it does, the client gets 500 {"error":"internal error"}) and must not
// call HttpServer::Stop().
using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  // The IPv4 or IPv6 literal to listen on ("0.0.0.0" or "::" for all
  // interfaces; "[::1]" is accepted too). Host names are not resolved.
  // Default: "127.0.0.1" (loopback only, the safe choice).
  std::string bind_address = "127.0.0.1";

  // The TCP port; 0 picks a free ephemeral port, see HttpServer::port().
  // Default: 9009.
  uint16_t port = 9009;

  // The largest request body accepted. A larger Content-Length is answered
  // 413 at once, without reading the body; a chunked body that grows past
  // the limit is read and discarded, then answered 413. Never more than this
  // many body bytes are buffered per connection.
  // Default: 1 MiB (an Alertmanager group of 200 alerts is ~100 KB).
  size_t max_body_bytes = size_t{1} << 20;

  // The most connections open at once; further ones are accepted and closed
  // at once. Each costs a file descriptor, so keep it under RLIMIT_NOFILE.
  // Default: 1024.
  unsigned connection_limit = 1024;

  // The most connections open at once from one client IP (0 = no limit).
  // Keeps one misbehaving client from taking every slot while Alertmanager
  // (a handful of keep-alive connections per replica) and Prometheus
  // scrapes still get in. Raise it when many remote clients share one
  // address (a proxy or NAT). With a thread pool, concurrent accepts may
  // overshoot it by up to thread_count - 1.
  // Default: 256.
  unsigned per_ip_connection_limit = 256;

  // Whether loopback clients (127.0.0.0/8, ::1) are exempt from
  // per_ip_connection_limit; connection_limit still bounds them. Every
  // client on this host shares one loopback address (a co-located
  // Alertmanager, health probes, a local proxy, a load test), so a per-IP
  // limit on it would only be a smaller total limit: 256 idle loopback
  // connections would lock out the host's own /healthz probe.
  // Default: true.
  bool exempt_loopback_from_per_ip_limit = true;

  // How long a connection may stay idle (nothing received or sent) before
  // the server closes it: bounds slow or silent clients (slowloris) and idle
  // keep-alive connections. libmicrohttpd counts whole seconds, so this is
  // rounded up to a whole number of seconds, at least 1.
  // Default: 10 s.
  absl::Duration connection_timeout = absl::Seconds(10);

  // The longest a client may take to send one whole request (request line,
  // headers and body), counted from when its connection was accepted or its
  // previous response was sent; an overdue connection is closed without an
  // answer. connection_timeout alone cannot stop a client that trickles one
  // byte at a time just often enough never to be idle (slowloris, slow
  // POST): this can. Since the clock starts when the previous response was
  // sent, it also bounds how long a keep-alive connection may wait for its
  // next request. Checked about every request_timeout / 10 (at least every
  // second, at most every 50 ms), so a connection may outlive it by that
  // much.
  // Default: 30 s.
  absl::Duration request_timeout = absl::Seconds(30);

  // The clock request_timeout is measured with; not owned, must outlive the
  // server.
  // Default: nullptr, meaning RealClock().
  Clock* clock = nullptr;

  // The memory libmicrohttpd may use per connection for the request line,
  // headers and I/O buffers (bodies are buffered separately). A request
  // whose line and headers do not fit gets libmicrohttpd's own error page
  // (not JSON). libmicrohttpd clears this pool for every request, so it
  // costs time in proportion to its size: 16 KiB instead of its default
  // 32 KiB took the one-alert load test from about 24,600 to 28,400
  // requests/s (bench/RESULTS.md). Alertmanager's headers take a few hundred
  // bytes.
  // Default: 16 KiB.
  size_t connection_memory_bytes = 16 * 1024;

  // The number of threads that serve connections. 1 is one epoll thread,
  // which answers ~65-85k 1-KB POSTs/s with a trivial Handler on one core;
  // more threads form a pool that shares the listening socket, and the
  // Handler then runs concurrently.
  // Default: 1.
  int thread_count = 1;

  // The number of worker threads that answer the requests `offload`
  // selects. 0: every request is answered on the thread that serves its
  // connection (the Handler must then never block).
  // Default: 0.
  int worker_threads = 0;

  // The most offloaded requests that may wait for a worker. One more is
  // answered at once, on the event loop: 503 {"error":...} with
  // `Retry-After: 1` (Alertmanager delivers again).
  // Default: 256.
  size_t worker_queue_limit = 256;

  // Returns true for a request to answer on a worker: one whose Handler may
  // wait on I/O. Called on the event loop with the whole request: it must be
  // cheap and must not block.
  // Default: empty, meaning none (every request is answered inline).
  std::function<bool(const HttpRequest&)> offload;

  // Receives the status of each response the server produces on its own
  // (413 over the body limit, 503 when the worker queue is full, 500 when
  // the Handler throws), e.g. to count them. Called on the server's
  // threads, possibly concurrently.
  // Default: empty.
  std::function<void(int status)> on_own_response;

  // PEM contents (not file names) of the server certificate chain and its
  // unencrypted private key. Both set: serve HTTPS only. Both empty: plain
  // HTTP. One without the other is kInvalidArgument.
  // Default: empty (plain HTTP).
  std::string tls_cert_pem;
  std::string tls_key_pem;

  // Receives libmicrohttpd's error messages (one line, no trailing newline),
  // e.g. a rejected connection or a failed TLS handshake. Called on the
  // server's threads, possibly concurrently; never once per normal request.
  // Default: empty, meaning write "autoheal http: <message>" to stderr.
  std::function<void(absl::string_view)> error_logger;
};

// An HTTP server running on its own threads from Start() until Stop().
//
// Example:
//
//   HttpServerOptions options;
//   options.port = 0;  // any free port
//   absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
//       options, [](const HttpRequest& request) {
//         HttpResponse response;
//         if (request.path != "/healthz") {
//           response.status = 404;
//           response.body = R"({"error":"not found"})";
//           return response;
//         }
//         response.body = R"({"status":"ok"})";
//         return response;
//       });
//   if (!server.ok()) return server.status();
//   std::cout << "listening on port " << (*server)->port() << "\n";
//   ...
//   (*server)->Stop();  // or let the unique_ptr go
class HttpServer {
 public:
  // Binds `options.bind_address:options.port`, starts serving and returns
  // the running server; requests go to `handler`, which the server owns.
  //
  // Errors (the message names the address and port, and the system's
  // reason):
  // - kInvalidArgument: bad options (address not an IP literal, a limit of
  //   0, a timeout not positive, TLS certificate without key, a certificate
  //   or key libmicrohttpd rejects), or an address not local to this host;
  // - kUnavailable: the port is in use (a retry later may succeed) or the
  //   server could not start;
  // - kPermissionDenied: a privileged port without the privilege;
  // - kFailedPrecondition: TLS requested but libmicrohttpd lacks TLS.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      HttpServerOptions options, Handler handler);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Calls Stop().
  ~HttpServer();

  // Returns the port the server is bound to (the real one when
  // options.port was 0). Still valid after Stop().
  uint16_t port() const;

  // Returns the number of client connections currently open.
  size_t open_connections() const;

  // Blocks until exactly `count` client connections are open, or `timeout`
  // passes; returns whether the count was reached. For tests and for
  // draining connections before Stop().
  bool WaitForOpenConnections(size_t count, absl::Duration timeout) const;

  // Stops accepting connections, closes the open ones (waiting for Handler
  // calls in progress to return) and joins the server's threads. Idempotent;
  // safe to call from any thread except the server's own (the Handler).
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace http
}  // namespace autoheal

#endif  // AUTOHEAL_HTTP_SERVER_H_

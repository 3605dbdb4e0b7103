#include "http/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "autoheal/internal/mutex.h"
#include "core/errno_text.h"

namespace autoheal {
namespace http {
namespace {

// A body buffer that grew beyond this is released after its request, so an
// idle keep-alive connection does not pin a large upload's memory.
constexpr size_t kRetainedBodyCapacity = 64 * 1024;

constexpr char kInternalErrorBody[] = R"({"error":"internal error"})";

// Per-TCP-connection state, created when libmicrohttpd accepts a connection
// and deleted when it closes. Every request on a keep-alive connection
// reuses it, so once its buffers have grown a request costs no allocation of
// ours. Only the thread that owns the connection touches it, except for the
// members the request-timeout sweeper reads (marked below).
struct ConnectionState {
  // Set before the state is published to the sweeper, then read-only.
  std::string peer;
  int fd = -1;
  // The peer's address bytes when it counts against the per-IP limit, or
  // empty (loopback when exempt, or no limit).
  std::string per_ip_key;
  // When the current request must have arrived in full, in Unix
  // nanoseconds; 0 while its response is being produced or sent. Written by
  // the connection's thread, read by the sweeper.
  std::atomic<int64_t> request_deadline_ns{0};
  // Whether the sweeper has shut the socket down. Guarded by
  // Impl::connections_mu.
  bool timed_out = false;

  // The raw request target ("/path?query") of the current request.
  std::string target;
  std::string body;
  // Keeps the current response's body alive while libmicrohttpd sends it
  // (the response is created with MHD_RESPMEM_PERSISTENT, without a copy).
  std::string response_body;
  HttpRequest request;
  // Whether the access handler's first call (headers only) has happened.
  bool headers_done = false;
  // Whether the body outgrew max_body_bytes (the rest is discarded).
  bool too_large = false;
};

std::string AddressPort(absl::string_view address, uint16_t port) {
  if (absl::StrContains(address, ':')) {
    return absl::StrCat("[", address, "]:", port);
  }
  return absl::StrCat(address, ":", port);
}

// Fills `storage` from an IPv4 or IPv6 literal; returns its length, or 0.
socklen_t ParseAddress(absl::string_view address, uint16_t port,
                       sockaddr_storage* storage) {
  std::memset(storage, 0, sizeof(*storage));
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  const std::string literal(address);
  auto* v4 = reinterpret_cast<sockaddr_in*>(storage);
  if (inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(storage);
  if (inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return sizeof(sockaddr_in6);
  }
  return 0;
}

std::string PeerAddress(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (address == nullptr) return "";
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr,
              text, sizeof(text));
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6,
              &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
              sizeof(text));
  }
  return text;
}

// Returns whether `address` is a loopback address: 127.0.0.0/8, ::1, or
// an IPv4-mapped 127.x.y.z.
bool IsLoopback(const sockaddr* address) {
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
  }
  if (address->sa_family == AF_INET6) {
    const in6_addr& a =
        reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
  }
  return false;
}

// Returns the bytes that identify `address` for the per-IP limit (an
// IPv4-mapped IPv6 address counts as its IPv4 address), or empty for an
// unknown family.
std::string PerIpKey(const sockaddr* address) {
  if (address == nullptr) return "";
  if (address->sa_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in*>(address)->sin_addr;
    return std::string(reinterpret_cast<const char*>(&a), sizeof(a));
  }
  if (address->sa_family == AF_INET6) {
    const in6_addr& a =
        reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    const char* bytes = reinterpret_cast<const char*>(a.s6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&a)) return std::string(bytes + 12, 4);
    return std::string(bytes, sizeof(a.s6_addr));
  }
  return "";
}

bool HasLineBreak(absl::string_view text) {
  return text.find_first_of("\r\n") != absl::string_view::npos ||
         text.find('\0') != absl::string_view::npos;
}

// Appends `text` to `out` as the inside of a JSON string.
void AppendJsonEscaped(absl::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (byte < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[byte >> 4]);
          out->push_back(kHex[byte & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
}

}  // namespace

std::optional<absl::string_view> HttpRequest::Header(
    absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

HttpResponse JsonError(int status, absl::string_view message) {
  HttpResponse response;
  response.status = status;
  response.body.reserve(message.size() + 16);
  response.body.append(R"({"error":")");
  AppendJsonEscaped(message, &response.body);
  response.body.append("\"}");
  return response;
}

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  uint16_t port = 0;

  // Shared, reference-counted responses for the errors the server itself
  // answers; libmicrohttpd allows queueing one response many times.
  std::string too_large_body;
  MHD_Response* too_large_response = nullptr;
  MHD_Response* internal_error_response = nullptr;

  mutable Mutex stop_mu;
  MHD_Daemon* daemon ABSL_GUARDED_BY(stop_mu) = nullptr;

  mutable Mutex connections_mu;
  size_t open_connections ABSL_GUARDED_BY(connections_mu) = 0;
  // The open connections' states, for the request-timeout sweeper. A state
  // leaves this set (under the mutex) before libmicrohttpd closes its
  // socket, so the sweeper never shuts down a descriptor that was reused.
  absl::flat_hash_set<ConnectionState*> tracked ABSL_GUARDED_BY(connections_mu);
  // Open connections per client address, for those the per-IP limit counts.
  absl::flat_hash_map<std::string, unsigned> per_ip
      ABSL_GUARDED_BY(connections_mu);
  bool stopping ABSL_GUARDED_BY(connections_mu) = false;
  std::thread sweeper;
  Clock* clock = nullptr;

  // While Start() runs, libmicrohttpd's messages are also kept here so that
  // a failure (e.g. a rejected TLS key) can say why.
  Mutex log_mu;
  bool capture_log ABSL_GUARDED_BY(log_mu) = true;
  std::string captured_log ABSL_GUARDED_BY(log_mu);

  ~Impl() {
    if (too_large_response != nullptr) {
      MHD_destroy_response(too_large_response);
    }
    if (internal_error_response != nullptr) {
      MHD_destroy_response(internal_error_response);
    }
  }

  void Log(absl::string_view message) {
    {
      MutexLock lock(&log_mu);
      if (capture_log) {
        if (!captured_log.empty()) captured_log.append("; ");
        captured_log.append(message.data(), message.size());
      }
    }
    if (options.error_logger) {
      options.error_logger(message);
    } else {
      std::fprintf(stderr, "autoheal http: %.*s\n",
                   static_cast<int>(message.size()), message.data());
    }
  }

  MHD_Result QueueHandlerResponse(MHD_Connection* connection,
                                  ConnectionState* state,
                                  HttpResponse response) {
    if (response.status < 200 || response.status > 599) {
      return MHD_queue_response(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                internal_error_response);
    }
    state->response_body = std::move(response.body);
    MHD_Response* mhd_response = MHD_create_response_from_buffer(
        state->response_body.size(),
        const_cast<char*>(state->response_body.data()), MHD_RESPMEM_PERSISTENT);
    if (mhd_response == nullptr) return MHD_NO;
    if (!response.content_type.empty() &&
        !HasLineBreak(response.content_type)) {
      MHD_add_response_header(mhd_response, MHD_HTTP_HEADER_CONTENT_TYPE,
                              response.content_type.c_str());
    }
    for (const auto& [name, value] : response.headers) {
      if (name.empty() || value.empty() || HasLineBreak(name) ||
          HasLineBreak(value) ||
          absl::EqualsIgnoreCase(name, MHD_HTTP_HEADER_CONTENT_LENGTH) ||
          absl::EqualsIgnoreCase(name, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
        continue;
      }
      MHD_add_response_header(mhd_response, name.c_str(), value.c_str());
    }
    const MHD_Result queued = MHD_queue_response(
        connection, static_cast<unsigned>(response.status), mhd_response);
    MHD_destroy_response(mhd_response);  // The connection holds a reference.
    return queued;
  }

  MHD_Result CallHandler(MHD_Connection* connection, ConnectionState* state,
                         const char* method) {
    HttpRequest& request = state->request;
    request.method = method;
    const absl::string_view target = state->target;
    const size_t question = target.find('?');
    if (question == absl::string_view::npos) {
      request.path = target;
      request.query = absl::string_view();
    } else {
      request.path = target.substr(0, question);
      request.query = target.substr(question + 1);
    }
    request.body = state->body;
    request.peer = state->peer;
    request.headers.clear();
    MHD_get_connection_values_n(
        connection, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, size_t key_size,
           const char* value, size_t value_size) -> MHD_Result {
          static_cast<HttpRequest*>(cls)->headers.emplace_back(
              absl::string_view(key, key_size),
              value == nullptr ? absl::string_view()
                               : absl::string_view(value, value_size));
          return MHD_YES;
        },
        &request);

    MHD_Result result;
    try {
      result = QueueHandlerResponse(connection, state, handler(request));
    } catch (...) {
      result = MHD_queue_response(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                  internal_error_response);
    }
    ResetRequest(state);
    return result;
  }

  static void ResetRequest(ConnectionState* state) {
    state->request.headers.clear();
    state->request.body = absl::string_view();
    state->body.clear();
    if (state->body.capacity() > kRetainedBodyCapacity) {
      std::string().swap(state->body);
    }
  }

  // libmicrohttpd's access handler: called once when the headers are in
  // (*upload_data_size == 0), once per chunk of body, and once more at the
  // end (*upload_data_size == 0 again).
  MHD_Result Access(MHD_Connection* connection, const char* url,
                    const char* method, const char* upload_data,
                    size_t* upload_data_size, void** con_cls) {
    auto* state = static_cast<ConnectionState*>(*con_cls);
    if (state == nullptr) {
      // The URI callback always sets it; be safe if it did not.
      const MHD_ConnectionInfo* info = MHD_get_connection_info(
          connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
      if (info == nullptr || info->socket_context == nullptr) return MHD_NO;
      state = static_cast<ConnectionState*>(info->socket_context);
      state->target = url;
      state->headers_done = false;
      state->too_large = false;
      *con_cls = state;
    }

    if (!state->headers_done) {
      state->headers_done = true;
      const char* length = MHD_lookup_connection_value(
          connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
      if (length != nullptr) {
        uint64_t bytes = 0;
        if (!absl::SimpleAtoi(length, &bytes) ||
            bytes > options.max_body_bytes) {
          // Answer before reading the body; libmicrohttpd then closes the
          // connection instead of reading what the client still sends.
          DisarmRequestDeadline(state);
          return MHD_queue_response(connection, MHD_HTTP_CONTENT_TOO_LARGE,
                                    too_large_response);
        }
        state->body.reserve(static_cast<size_t>(bytes));
      }
      return MHD_YES;
    }

    if (*upload_data_size != 0) {
      const size_t size = *upload_data_size;
      *upload_data_size = 0;
      if (!state->too_large) {
        if (size > options.max_body_bytes - state->body.size()) {
          state->too_large = true;
          ResetRequest(state);
        } else {
          state->body.append(upload_data, size);
        }
      }
      return MHD_YES;
    }

    // The whole request is in: the answer no longer depends on the client.
    DisarmRequestDeadline(state);
    if (state->too_large) {
      return MHD_queue_response(connection, MHD_HTTP_CONTENT_TOO_LARGE,
                                too_large_response);
    }
    return CallHandler(connection, state, method);
  }

  void ArmRequestDeadline(ConnectionState* state) const {
    const absl::Time deadline = clock->Now() + options.request_timeout;
    state->request_deadline_ns.store(absl::ToUnixNanos(deadline),
                                     std::memory_order_relaxed);
  }

  static void DisarmRequestDeadline(ConnectionState* state) {
    state->request_deadline_ns.store(0, std::memory_order_relaxed);
  }

  // Returns how often the sweeper looks for overdue requests.
  absl::Duration SweepInterval() const {
    return std::clamp(options.request_timeout / 10, absl::Milliseconds(50),
                      absl::Seconds(1));
  }

  // Runs on the server's own thread until Stop(): every SweepInterval(),
  // shuts down the sockets of connections whose request is overdue.
  // libmicrohttpd then sees the connection end and closes it as usual.
  void SweepOverdueRequests() {
    const absl::Duration interval = SweepInterval();
    std::vector<std::string> dropped;
    while (true) {
      {
        autoheal::MutexLock lock(&connections_mu);
        if (internal::AwaitWithRealTimeout(
                connections_mu, absl::Condition(&stopping), interval)) {
          return;
        }
        const int64_t now = absl::ToUnixNanos(clock->Now());
        for (ConnectionState* state : tracked) {
          const int64_t deadline =
              state->request_deadline_ns.load(std::memory_order_relaxed);
          if (deadline == 0 || now < deadline || state->timed_out) continue;
          state->timed_out = true;
          ::shutdown(state->fd, SHUT_RDWR);
          dropped.push_back(state->peer);
        }
      }
      // Log outside the lock: the logger is the user's code.
      for (const std::string& peer : dropped) {
        Log(absl::StrCat("closed the connection from ", peer,
                         ": its request was not complete within ",
                         absl::FormatDuration(options.request_timeout)));
      }
      dropped.clear();
    }
  }

  // libmicrohttpd's accept policy: refuses a client that already has
  // per_ip_connection_limit connections open, unless it is exempt.
  static MHD_Result AcceptPolicy(void* cls, const sockaddr* address,
                                 socklen_t /*length*/) {
    auto* impl = static_cast<Impl*>(cls);
    try {
      const std::string key = impl->PerIpKeyFor(address);
      if (key.empty()) return MHD_YES;
      {
        autoheal::MutexLock lock(&impl->connections_mu);
        auto it = impl->per_ip.find(key);
        if (it == impl->per_ip.end() ||
            it->second < impl->options.per_ip_connection_limit) {
          return MHD_YES;
        }
      }
      impl->Log(absl::StrCat("refused a connection from ", PeerAddress(address),
                             ": it has ", impl->options.per_ip_connection_limit,
                             " open (per-IP connection limit)"));
    } catch (...) {
      // Out of memory: refusing is the safe answer.
    }
    return MHD_NO;
  }

  // Returns the per-IP accounting key for a client, or empty when the
  // client is not counted.
  std::string PerIpKeyFor(const sockaddr* address) const {
    if (options.per_ip_connection_limit == 0) return "";
    if (options.exempt_loopback_from_per_ip_limit && IsLoopback(address)) {
      return "";
    }
    return PerIpKey(address);
  }

  // Called when a request ends (its response sent, or the connection
  // failed): the connection now waits for its next request.
  static void RequestCompleted(void* cls, MHD_Connection* connection,
                               void** /*con_cls*/,
                               MHD_RequestTerminationCode /*code*/) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (info == nullptr || info->socket_context == nullptr) return;
    static_cast<Impl*>(cls)->ArmRequestDeadline(
        static_cast<ConnectionState*>(info->socket_context));
  }

  static void LogCallback(void* cls, const char* format, va_list args) {
    char buffer[1024];
    const int written = std::vsnprintf(buffer, sizeof(buffer), format, args);
    if (written < 0) return;
    size_t length = std::min(static_cast<size_t>(written), sizeof(buffer) - 1);
    while (length > 0 &&
           (buffer[length - 1] == '\n' || buffer[length - 1] == '\r')) {
      --length;
    }
    try {
      static_cast<Impl*>(cls)->Log(absl::string_view(buffer, length));
    } catch (...) {
      // A logger must not take the server down.
    }
  }

  static void NotifyConnection(void* cls, MHD_Connection* connection,
                               void** socket_context,
                               MHD_ConnectionNotificationCode code) {
    auto* impl = static_cast<Impl*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      ConnectionState* state = new (std::nothrow) ConnectionState;
      if (state != nullptr) {
        try {
          impl->StartTracking(connection, state);
        } catch (...) {
          // Out of memory: the connection is refused (Access() finds no
          // state), and nothing was counted for it.
          delete state;
          state = nullptr;
        }
      }
      *socket_context = state;
      MutexLock lock(&impl->connections_mu);
      ++impl->open_connections;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
      auto* state = static_cast<ConnectionState*>(*socket_context);
      *socket_context = nullptr;
      {
        MutexLock lock(&impl->connections_mu);
        --impl->open_connections;
        if (state != nullptr) impl->StopTracking(state);
      }
      delete state;
    }
  }

  // Fills a new connection's state and publishes it to the sweeper and the
  // per-IP count. May throw std::bad_alloc, leaving nothing published.
  void StartTracking(MHD_Connection* connection, ConnectionState* state)
      ABSL_LOCKS_EXCLUDED(connections_mu) {
    const MHD_ConnectionInfo* address =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const sockaddr* client =
        address == nullptr ? nullptr : address->client_addr;
    state->peer = PeerAddress(client);
    state->per_ip_key = PerIpKeyFor(client);
    const MHD_ConnectionInfo* fd =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    state->fd = fd == nullptr ? -1 : fd->connect_fd;
    ArmRequestDeadline(state);
    autoheal::MutexLock lock(&connections_mu);
    if (!state->per_ip_key.empty()) ++per_ip[state->per_ip_key];
    try {
      if (state->fd >= 0) tracked.insert(state);
    } catch (...) {
      StopTracking(state);
      throw;
    }
  }

  void StopTracking(ConnectionState* state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(connections_mu) {
    tracked.erase(state);
    if (state->per_ip_key.empty()) return;
    auto it = per_ip.find(state->per_ip_key);
    if (it != per_ip.end() && --it->second == 0) per_ip.erase(it);
  }

  // Called once per request with the raw target, before libmicrohttpd splits
  // and decodes it; the return value becomes the request's *con_cls.
  static void* UriCallback(void*, const char* uri, MHD_Connection* connection) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (info == nullptr || info->socket_context == nullptr) return nullptr;
    auto* state = static_cast<ConnectionState*>(info->socket_context);
    try {
      state->target.assign(uri);
    } catch (...) {
      return nullptr;  // Access() then refuses the request.
    }
    state->headers_done = false;
    state->too_large = false;
    // The previous response has been sent; do not pin a large body.
    if (state->response_body.capacity() > kRetainedBodyCapacity) {
      std::string().swap(state->response_body);
    }
    return state;
  }

  static MHD_Result AccessCallback(void* cls, MHD_Connection* connection,
                                   const char* url, const char* method,
                                   const char* /*version*/,
                                   const char* upload_data,
                                   size_t* upload_data_size, void** con_cls) {
    auto* impl = static_cast<Impl*>(cls);
    try {
      return impl->Access(connection, url, method, upload_data,
                          upload_data_size, con_cls);
    } catch (...) {
      // E.g. std::bad_alloc while buffering: close the connection.
      return MHD_NO;
    }
  }

  // Returns the seconds libmicrohttpd should wait on an idle connection.
  unsigned TimeoutSeconds() const {
    const absl::Duration timeout = options.connection_timeout;
    const int64_t seconds =
        absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1)));
    if (seconds < 1) return 1;
    if (seconds > std::numeric_limits<unsigned>::max()) {
      return std::numeric_limits<unsigned>::max();
    }
    return static_cast<unsigned>(seconds);
  }
};

namespace {

// Returns whether `a` and `b` are descriptors of the same open socket.
bool SameSocket(int a, int b) {
  struct stat sa;
  struct stat sb;
  if (fstat(a, &sa) != 0 || fstat(b, &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

absl::Status BindError(int error, absl::string_view where) {
  const std::string message =
      absl::StrCat("cannot listen on ", where, ": ", internal::ErrnoText(error));
  switch (error) {
    case EADDRINUSE:
      return absl::UnavailableError(
          absl::StrCat(message, " (another process holds the port)"));
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
    case EINVAL:
      return absl::InvalidArgumentError(message);
    default:
      return absl::UnavailableError(message);
  }
}

// Creates a non-blocking socket bound to `address` and listening; returns
// the descriptor and the bound port.
absl::StatusOr<std::pair<int, uint16_t>> Listen(const std::string& address,
                                                uint16_t port) {
  const std::string where = AddressPort(address, port);
  sockaddr_storage storage;
  const socklen_t length = ParseAddress(address, port, &storage);
  if (length == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bind_address \"", address,
        "\" is not an IPv4 or IPv6 literal (e.g. 127.0.0.1 or ::1)"));
  }
  const int fd =
      socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return BindError(errno, where);
  const int on = 1;
  // Lets a restarted receiver rebind while old connections sit in TIME_WAIT
  // (it does not let two live servers share the port).
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (storage.ss_family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0 ||
      listen(fd, SOMAXCONN) != 0) {
    const int error = errno;
    close(fd);
    return BindError(error, where);
  }
  sockaddr_storage bound;
  socklen_t bound_length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_length) !=
      0) {
    const int error = errno;
    close(fd);
    return BindError(error, where);
  }
  const uint16_t bound_port =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  return std::make_pair(fd, bound_port);
}

absl::Status ValidateOptions(const HttpServerOptions& options) {
  if (options.max_body_bytes == 0) {
    return absl::InvalidArgumentError("max_body_bytes must be at least 1");
  }
  if (options.connection_limit == 0) {
    return absl::InvalidArgumentError("connection_limit must be at least 1");
  }
  if (options.thread_count < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "thread_count must be at least 1, got ", options.thread_count));
  }
  if (options.connection_limit < static_cast<unsigned>(options.thread_count)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connection_limit (", options.connection_limit,
        ") must be at least thread_count (", options.thread_count, ")"));
  }
  if (options.connection_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "connection_timeout must be positive (a connection must not stay "
        "open forever)");
  }
  if (options.request_timeout <= absl::ZeroDuration() ||
      options.request_timeout == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        "request_timeout must be positive and finite (a client must not take "
        "forever to send a request)");
  }
  if (options.connection_memory_bytes < 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("connection_memory_bytes must be at least 4096, got ",
                     options.connection_memory_bytes));
  }
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "tls_cert_pem and tls_key_pem must be set together (or both left "
        "empty for plain HTTP)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpServerOptions options, Handler handler) {
  if (!handler) return absl::InvalidArgumentError("handler is empty");
  if (absl::Status valid = ValidateOptions(options); !valid.ok()) {
    return valid;
  }
  const bool tls = !options.tls_cert_pem.empty();
  if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
    return absl::FailedPreconditionError(
        "TLS was requested but this libmicrohttpd was built without TLS "
        "support");
  }

  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  impl->clock =
      impl->options.clock != nullptr ? impl->options.clock : RealClock();
  const HttpServerOptions& opts = impl->options;

  impl->too_large_body = absl::StrCat(R"({"error":"request body exceeds )",
                                      opts.max_body_bytes, R"( bytes"})");
  impl->too_large_response = MHD_create_response_from_buffer(
      impl->too_large_body.size(),
      const_cast<char*>(impl->too_large_body.data()), MHD_RESPMEM_PERSISTENT);
  impl->internal_error_response = MHD_create_response_from_buffer(
      sizeof(kInternalErrorBody) - 1, const_cast<char*>(kInternalErrorBody),
      MHD_RESPMEM_PERSISTENT);
  if (impl->too_large_response == nullptr ||
      impl->internal_error_response == nullptr) {
    return absl::UnavailableError("cannot allocate the error responses");
  }
  for (MHD_Response* response :
       {impl->too_large_response, impl->internal_error_response}) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
  }

  absl::StatusOr<std::pair<int, uint16_t>> listening =
      Listen(opts.bind_address, opts.port);
  if (!listening.ok()) return listening.status();
  const int listen_fd = listening->first;
  impl->port = listening->second;
  const std::string where = AddressPort(opts.bind_address, impl->port);

  // libmicrohttpd owns the descriptor it is given: it closes it on Stop and
  // possibly when it fails to start. Give it a duplicate so that on failure
  // we can tell whether it closed it and never close a descriptor twice.
  const int mhd_fd = fcntl(listen_fd, F_DUPFD_CLOEXEC, 0);
  if (mhd_fd < 0) {
    const int error = errno;
    close(listen_fd);
    return BindError(error, where);
  }

  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
                   MHD_USE_ITC;  // ITC: MHD_quiesce_daemon needs it.
  if (tls) flags |= MHD_USE_TLS;

  MHD_OptionItem option_items[16];
  size_t count = 0;
  auto add = [&](MHD_OPTION option, intptr_t value, void* pointer) {
    option_items[count++] = MHD_OptionItem{option, value, pointer};
  };
  add(MHD_OPTION_EXTERNAL_LOGGER,
      reinterpret_cast<intptr_t>(&Impl::LogCallback), impl.get());
  add(MHD_OPTION_LISTEN_SOCKET, mhd_fd, nullptr);
  add(MHD_OPTION_CONNECTION_TIMEOUT, impl->TimeoutSeconds(), nullptr);
  add(MHD_OPTION_CONNECTION_LIMIT, opts.connection_limit, nullptr);
  // The per-IP limit is ours (AcceptPolicy), so that loopback can be exempt.
  add(MHD_OPTION_NOTIFY_COMPLETED,
      reinterpret_cast<intptr_t>(&Impl::RequestCompleted), impl.get());
  add(MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      static_cast<intptr_t>(opts.connection_memory_bytes), nullptr);
  add(MHD_OPTION_NOTIFY_CONNECTION,
      reinterpret_cast<intptr_t>(&Impl::NotifyConnection), impl.get());
  add(MHD_OPTION_URI_LOG_CALLBACK,
      reinterpret_cast<intptr_t>(&Impl::UriCallback), impl.get());
  if (opts.thread_count > 1) {
    add(MHD_OPTION_THREAD_POOL_SIZE, opts.thread_count, nullptr);
  }
  if (tls) {
    add(MHD_OPTION_HTTPS_MEM_CERT, 0,
        const_cast<char*>(opts.tls_cert_pem.c_str()));
    add(MHD_OPTION_HTTPS_MEM_KEY, 0,
        const_cast<char*>(opts.tls_key_pem.c_str()));
  }
  add(MHD_OPTION_END, 0, nullptr);

  MHD_Daemon* daemon = MHD_start_daemon(
      flags, 0, &Impl::AcceptPolicy, impl.get(), &Impl::AccessCallback,
      impl.get(), MHD_OPTION_ARRAY, option_items, MHD_OPTION_END);
  std::string startup_log;
  {
    MutexLock lock(&impl->log_mu);
    impl->capture_log = false;
    startup_log.swap(impl->captured_log);
  }
  if (daemon == nullptr) {
    if (SameSocket(mhd_fd, listen_fd)) close(mhd_fd);
    close(listen_fd);
    const std::string reason =
        startup_log.empty() ? "" : absl::StrCat(": ", startup_log);
    if (tls) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot start the HTTPS server on ", where,
                       " (is the certificate or key malformed?)", reason));
    }
    return absl::UnavailableError(
        absl::StrCat("cannot start the HTTP server on ", where, reason));
  }
  close(listen_fd);
  {
    MutexLock lock(&impl->stop_mu);
    impl->daemon = daemon;
  }
  Impl* raw = impl.get();
  try {
    impl->sweeper = std::thread([raw] { raw->SweepOverdueRequests(); });
  } catch (const std::system_error& e) {
    MHD_stop_daemon(daemon);
    return absl::UnavailableError(absl::StrCat(
        "cannot start the request-timeout thread for ", where, ": ", e.what()));
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const { return impl_->port; }

size_t HttpServer::open_connections() const {
  MutexLock lock(&impl_->connections_mu);
  return impl_->open_connections;
}

bool HttpServer::WaitForOpenConnections(size_t count,
                                        absl::Duration timeout) const {
  Impl* impl = impl_.get();
  MutexLock lock(&impl->connections_mu);
  std::pair<Impl*, size_t> arg(impl, count);
  return internal::AwaitWithRealTimeout(
      impl->connections_mu,
      absl::Condition(
          +[](std::pair<Impl*, size_t>* a) {
            a->first->connections_mu.AssertHeld();
            return a->first->open_connections == a->second;
          },
          &arg),
      timeout);
}

void HttpServer::Stop() {
  MutexLock lock(&impl_->stop_mu);
  if (impl_->daemon == nullptr) return;
  {
    autoheal::MutexLock connections_lock(&impl_->connections_mu);
    impl_->stopping = true;
  }
  if (impl_->sweeper.joinable()) impl_->sweeper.join();
  // Stop accepting first, then close the open connections and join.
  const MHD_socket listen_fd = MHD_quiesce_daemon(impl_->daemon);
  MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
  if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
}

}  // namespace http
}  // namespace autoheal

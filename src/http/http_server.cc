#include "autoheal/http_server.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <limits>
#include <new>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "autoheal/internal/mutex.h"
#include "http/connection_guard.h"
#include "http/socket_address.h"
#include "http/worker_pool.h"

namespace autoheal {
namespace http {
namespace {

// A body buffer that grew beyond this is released after its request, so an
// idle keep-alive connection does not pin a large upload's memory.
constexpr size_t kRetainedBodyCapacity = 64 * 1024;

constexpr char kInternalErrorBody[] = R"({"error":"internal error"})";
constexpr char kBusyBody[] =
    R"({"error":"the receiver is busy: every worker is taken and the queue is full; deliver again later"})";

// Per-TCP-connection state, created when libmicrohttpd accepts a connection
// and deleted when it closes. Every request on a keep-alive connection
// reuses it, so once its buffers have grown a request costs no allocation of
// ours. Only the thread that serves the connection touches it, except for
// `tracked` (see ConnectionGuard) and, while the connection is suspended, a
// worker that answers the request.
struct ConnectionState {
  TrackedConnection tracked;

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
  // A worker's answer, set before it resumes the suspended connection;
  // libmicrohttpd then calls the access handler again, which queues it.
  bool answered = false;
  HttpResponse answer;
};

bool HasLineBreak(absl::string_view text) {
  return text.find_first_of("\r\n") != absl::string_view::npos ||
         text.find('\0') != absl::string_view::npos;
}

HttpResponse InternalError() {
  HttpResponse response;
  response.status = 500;
  response.body = kInternalErrorBody;
  return response;
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
  if (options.worker_threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "worker_threads must be at least 0, got ", options.worker_threads));
  }
  if (options.worker_threads > 0 && options.worker_queue_limit == 0) {
    return absl::InvalidArgumentError("worker_queue_limit must be at least 1");
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

// Returns why the server cannot start with these options and handler.
absl::Status CheckStartable(const HttpServerOptions& options,
                            const Handler& handler) {
  if (!handler) return absl::InvalidArgumentError("handler is empty");
  if (absl::Status valid = ValidateOptions(options); !valid.ok()) return valid;
  if (!options.tls_cert_pem.empty() &&
      MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
    return absl::FailedPreconditionError(
        "TLS was requested but this libmicrohttpd was built without TLS "
        "support");
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<absl::string_view> HttpRequest::Header(
    absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

// The libmicrohttpd adapter: its callbacks, the responses the server
// produces itself, and the hand-off of offloaded requests to the workers.
struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  uint16_t port = 0;

  // Shared, reference-counted responses for the errors the server itself
  // answers; libmicrohttpd allows queueing one response many times.
  std::string too_large_body;
  MHD_Response* too_large_response = nullptr;
  MHD_Response* internal_error_response = nullptr;

  std::unique_ptr<ConnectionGuard> guard;
  std::unique_ptr<WorkerPool> workers;  // null when worker_threads == 0

  mutable internal::Mutex stop_mu;
  MHD_Daemon* daemon ABSL_GUARDED_BY(stop_mu) = nullptr;

  // While Start() runs, libmicrohttpd's messages are also kept here so that
  // a failure (e.g. a rejected TLS key) can say why.
  internal::Mutex log_mu;
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
      internal::MutexLock lock(&log_mu);
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

  void CountOwnResponse(int status) const {
    if (options.on_own_response) options.on_own_response(status);
  }

  MHD_Result QueueOwnResponse(MHD_Connection* connection, unsigned status,
                              MHD_Response* response) const {
    CountOwnResponse(static_cast<int>(status));
    return MHD_queue_response(connection, status, response);
  }

  MHD_Result QueueHandlerResponse(MHD_Connection* connection,
                                  ConnectionState* state,
                                  HttpResponse response) {
    if (response.status < 200 || response.status > 599) {
      return QueueOwnResponse(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
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

  // Points `state->request` at the current request: method, target, body,
  // peer and headers (views into libmicrohttpd's and our buffers, valid
  // until the request's response is queued).
  static void FillRequest(MHD_Connection* connection, ConnectionState* state,
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
    request.peer = state->tracked.peer;
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
  }

  // Returns the Handler's answer; 500 (counted) when it throws.
  HttpResponse Answer(const HttpRequest& request) {
    try {
      return handler(request);
    } catch (...) {
      CountOwnResponse(500);
      return InternalError();
    }
  }

  MHD_Result Respond(MHD_Connection* connection, ConnectionState* state,
                     HttpResponse response) {
    MHD_Result result;
    try {
      result = QueueHandlerResponse(connection, state, std::move(response));
    } catch (...) {
      result = QueueOwnResponse(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                internal_error_response);
    }
    ResetRequest(state);
    return result;
  }

  // Suspends the connection and hands its request to a worker, whose answer
  // RunOffloaded() leaves in the state. A full queue is answered 503 at
  // once, through the same resume, so every suspension ends in one.
  MHD_Result Offload(MHD_Connection* connection, ConnectionState* state) {
    MHD_suspend_connection(connection);
    bool queued = false;
    try {
      queued = workers->TrySubmit(
          [this, connection, state] { RunOffloaded(connection, state); });
    } catch (...) {
      // Out of memory: answered as busy.
    }
    if (!queued) {
      CountOwnResponse(MHD_HTTP_SERVICE_UNAVAILABLE);
      state->answer = HttpResponse();
      state->answer.status = MHD_HTTP_SERVICE_UNAVAILABLE;
      state->answer.body = kBusyBody;
      state->answer.headers.emplace_back("Retry-After", "1");
      state->answered = true;
      MHD_resume_connection(connection);
    }
    return MHD_YES;
  }

  // Runs on a worker while the connection is suspended.
  void RunOffloaded(MHD_Connection* connection, ConnectionState* state) {
    state->answer = Answer(state->request);
    state->answered = true;
    MHD_resume_connection(connection);
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
  // (*upload_data_size == 0), once per chunk of body, once more at the end
  // (*upload_data_size == 0 again), and, for an offloaded request, once
  // after the worker resumed the connection.
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
      state->answered = false;
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
          ConnectionGuard::DisarmDeadline(&state->tracked);
          return QueueOwnResponse(connection, MHD_HTTP_CONTENT_TOO_LARGE,
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

    if (state->answered) {  // a worker's answer, after the resume
      state->answered = false;
      return Respond(connection, state, std::move(state->answer));
    }
    // The whole request is in: the answer no longer depends on the client.
    ConnectionGuard::DisarmDeadline(&state->tracked);
    if (state->too_large) {
      return QueueOwnResponse(connection, MHD_HTTP_CONTENT_TOO_LARGE,
                              too_large_response);
    }
    FillRequest(connection, state, method);
    if (workers != nullptr && options.offload && options.offload(state->request)) {
      return Offload(connection, state);
    }
    return Respond(connection, state, Answer(state->request));
  }

  // libmicrohttpd's accept policy: the per-IP limit (ours, so that loopback
  // can be exempt).
  static MHD_Result AcceptPolicy(void* cls, const sockaddr* address,
                                 socklen_t /*length*/) {
    try {
      return static_cast<Impl*>(cls)->guard->MayAccept(address) ? MHD_YES
                                                                : MHD_NO;
    } catch (...) {
      return MHD_NO;  // Out of memory: refusing is the safe answer.
    }
  }

  // Called when a request ends (its response sent, or the connection
  // failed): the connection now waits for its next request.
  static void RequestCompleted(void* cls, MHD_Connection* connection,
                               void** /*con_cls*/,
                               MHD_RequestTerminationCode /*code*/) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (info == nullptr || info->socket_context == nullptr) return;
    static_cast<Impl*>(cls)->guard->ArmDeadline(
        &static_cast<ConnectionState*>(info->socket_context)->tracked);
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
      *socket_context = impl->OpenConnection(connection);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
      auto* state = static_cast<ConnectionState*>(*socket_context);
      *socket_context = nullptr;
      impl->guard->Close(state == nullptr ? nullptr : &state->tracked);
      delete state;
    }
  }

  // Returns a new connection's state, counted and tracked by the guard; or
  // null when out of memory: the connection is then counted only, and
  // refused (Access() finds no state).
  ConnectionState* OpenConnection(MHD_Connection* connection) {
    const MHD_ConnectionInfo* address =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const sockaddr* client =
        address == nullptr ? nullptr : address->client_addr;
    const MHD_ConnectionInfo* fd =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    const int socket = fd == nullptr ? -1 : fd->connect_fd;
    ConnectionState* state = new (std::nothrow) ConnectionState;
    if (state != nullptr) {
      try {
        guard->Open(&state->tracked, client, socket);
        return state;
      } catch (...) {
        delete state;
      }
    }
    guard->Open(nullptr, client, socket);
    return nullptr;
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
    state->answered = false;
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

  // Builds the responses the server answers on its own. kUnavailable when
  // out of memory.
  absl::Status CreateOwnResponses() {
    too_large_body = absl::StrCat(R"({"error":"request body exceeds )",
                                  options.max_body_bytes, R"( bytes"})");
    too_large_response = MHD_create_response_from_buffer(
        too_large_body.size(), const_cast<char*>(too_large_body.data()),
        MHD_RESPMEM_PERSISTENT);
    internal_error_response = MHD_create_response_from_buffer(
        sizeof(kInternalErrorBody) - 1, const_cast<char*>(kInternalErrorBody),
        MHD_RESPMEM_PERSISTENT);
    if (too_large_response == nullptr || internal_error_response == nullptr) {
      return absl::UnavailableError("cannot allocate the error responses");
    }
    for (MHD_Response* response :
         {too_large_response, internal_error_response}) {
      MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                              "application/json");
    }
    return absl::OkStatus();
  }

  // Builds what serving needs besides the socket: the server's own
  // responses, the connection guard and the worker pool.
  absl::Status BuildParts() {
    if (absl::Status created = CreateOwnResponses(); !created.ok()) {
      return created;
    }
    ConnectionGuard::Options guarding;
    guarding.per_ip_limit = options.per_ip_connection_limit;
    guarding.exempt_loopback = options.exempt_loopback_from_per_ip_limit;
    guarding.request_timeout = options.request_timeout;
    guarding.clock = options.clock != nullptr ? options.clock : RealClock();
    guarding.log = [this](absl::string_view message) { Log(message); };
    guard = std::make_unique<ConnectionGuard>(std::move(guarding));
    if (options.worker_threads == 0) return absl::OkStatus();
    absl::StatusOr<std::unique_ptr<WorkerPool>> pool =
        WorkerPool::Start(options.worker_threads, options.worker_queue_limit);
    if (!pool.ok()) return pool.status();
    workers = *std::move(pool);
    return absl::OkStatus();
  }

  // Binds the listening socket and starts libmicrohttpd on it.
  absl::Status Serve() {
    absl::StatusOr<std::pair<int, uint16_t>> listening =
        Listen(options.bind_address, options.port);
    if (!listening.ok()) return listening.status();
    const int listen_fd = listening->first;
    port = listening->second;
    const std::string where = AddressPort(options.bind_address, port);
    // libmicrohttpd owns the descriptor it is given: it closes it on Stop
    // and possibly when it fails to start. Give it a duplicate so that on
    // failure we can tell whether it closed it and never close a descriptor
    // twice.
    const int mhd_fd = fcntl(listen_fd, F_DUPFD_CLOEXEC, 0);
    if (mhd_fd < 0) {
      const int error = errno;
      close(listen_fd);
      return BindError(error, where);
    }
    absl::StatusOr<MHD_Daemon*> started = StartDaemon(mhd_fd, where);
    if (!started.ok()) {
      if (SameSocket(mhd_fd, listen_fd)) close(mhd_fd);
      close(listen_fd);
      return started.status();
    }
    close(listen_fd);
    internal::MutexLock lock(&stop_mu);
    daemon = *started;
    return absl::OkStatus();
  }

  // Starts libmicrohttpd on `listen_fd` (which it then owns). Returns the
  // daemon, or an error naming `where` and libmicrohttpd's own messages.
  absl::StatusOr<MHD_Daemon*> StartDaemon(int listen_fd,
                                          const std::string& where) {
    const bool tls = !options.tls_cert_pem.empty();
    // ITC: MHD_quiesce_daemon and MHD_resume_connection need it.
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC;
    if (workers != nullptr) flags |= MHD_ALLOW_SUSPEND_RESUME;
    if (tls) flags |= MHD_USE_TLS;

    MHD_OptionItem items[16];
    size_t count = 0;
    auto add = [&](MHD_OPTION option, intptr_t value, void* pointer) {
      items[count++] = MHD_OptionItem{option, value, pointer};
    };
    add(MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&LogCallback),
        this);
    add(MHD_OPTION_LISTEN_SOCKET, listen_fd, nullptr);
    add(MHD_OPTION_CONNECTION_TIMEOUT, TimeoutSeconds(), nullptr);
    add(MHD_OPTION_CONNECTION_LIMIT, options.connection_limit, nullptr);
    add(MHD_OPTION_NOTIFY_COMPLETED,
        reinterpret_cast<intptr_t>(&RequestCompleted), this);
    add(MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        static_cast<intptr_t>(options.connection_memory_bytes), nullptr);
    add(MHD_OPTION_NOTIFY_CONNECTION,
        reinterpret_cast<intptr_t>(&NotifyConnection), this);
    add(MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&UriCallback),
        this);
    if (options.thread_count > 1) {
      add(MHD_OPTION_THREAD_POOL_SIZE, options.thread_count, nullptr);
    }
    if (tls) {
      add(MHD_OPTION_HTTPS_MEM_CERT, 0,
          const_cast<char*>(options.tls_cert_pem.c_str()));
      add(MHD_OPTION_HTTPS_MEM_KEY, 0,
          const_cast<char*>(options.tls_key_pem.c_str()));
    }
    add(MHD_OPTION_END, 0, nullptr);

    MHD_Daemon* started =
        MHD_start_daemon(flags, 0, &AcceptPolicy, this, &AccessCallback, this,
                         MHD_OPTION_ARRAY, items, MHD_OPTION_END);
    std::string startup_log;
    {
      internal::MutexLock lock(&log_mu);
      capture_log = false;
      startup_log.swap(captured_log);
    }
    if (started != nullptr) return started;
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
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpServerOptions options, Handler handler) {
  if (absl::Status valid = CheckStartable(options, handler); !valid.ok()) {
    return valid;
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  if (absl::Status built = impl->BuildParts(); !built.ok()) return built;
  if (absl::Status serving = impl->Serve(); !serving.ok()) return serving;
  auto server = std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
  if (absl::Status swept = server->impl_->guard->StartSweeper(); !swept.ok()) {
    return swept;  // the destructor stops what started
  }
  return server;
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const { return impl_->port; }

size_t HttpServer::open_connections() const {
  return impl_->guard->open_connections();
}

bool HttpServer::WaitForOpenConnections(size_t count,
                                        absl::Duration timeout) const {
  return impl_->guard->WaitForOpenConnections(count, timeout);
}

void HttpServer::Stop() {
  internal::MutexLock lock(&impl_->stop_mu);
  if (impl_->daemon == nullptr) return;
  impl_->guard->StopSweeper();
  // Stop accepting first. Then let the workers answer every request they
  // hold (each resumes its connection; later ones are refused as busy):
  // libmicrohttpd must not be stopped with a connection suspended.
  const MHD_socket listen_fd = MHD_quiesce_daemon(impl_->daemon);
  if (impl_->workers != nullptr) impl_->workers->Stop();
  MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
  if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
}

}  // namespace http
}  // namespace autoheal

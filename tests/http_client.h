// A tiny raw-socket HTTP/1.1 client for tests: connect to 127.0.0.1:port,
// send exactly the bytes a test wants (partial headers, bad framing, huge
// Content-Length, chunked bodies), and read and parse responses with
// deadlines. One HttpClient is one TCP connection, so several requests on it
// exercise keep-alive.
//
// Thread-safety: an HttpClient is used by one thread at a time; separate
// instances are independent.
//
// Example:
//
//   absl::StatusOr<HttpClient> client = HttpClient::Connect(server->port());
//   ASSERT_THAT(client, IsOk());
//   absl::StatusOr<ClientResponse> response =
//       client->Request("POST", "/alert", payload,
//                       {{"Content-Type", "application/json"}});
//   ASSERT_THAT(response, IsOk());
//   EXPECT_EQ(response->status, 200);

#ifndef AUTOHEAL_TESTS_HTTP_CLIENT_H_
#define AUTOHEAL_TESTS_HTTP_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace autoheal {
namespace testutil {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One parsed HTTP response.
struct ClientResponse {
  int status = 0;
  std::string reason;
  HeaderList headers;
  std::string body;

  // Returns the first header named `name` (any case), or nullopt.
  std::optional<std::string> Header(absl::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (absl::EqualsIgnoreCase(key, name)) return value;
    }
    return std::nullopt;
  }
};

// Returns the bytes of a request with a Host header and, when `body` is not
// empty or the method is POST/PUT, a Content-Length. `headers` go verbatim
// after Host; pass {"Transfer-Encoding","chunked"} with a pre-encoded body
// and the Content-Length is left out.
inline std::string BuildRequest(absl::string_view method,
                                absl::string_view target,
                                absl::string_view body = {},
                                const HeaderList& headers = {}) {
  std::string out =
      absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  bool chunked = false;
  for (const auto& [name, value] : headers) {
    if (absl::EqualsIgnoreCase(name, "Transfer-Encoding")) chunked = true;
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  if (!chunked && (!body.empty() || method == "POST" || method == "PUT")) {
    absl::StrAppend(&out, "Content-Length: ", body.size(), "\r\n");
  }
  out.append("\r\n");
  out.append(body.data(), body.size());
  return out;
}

// Returns `body` encoded as chunks of at most `chunk_size` bytes, with the
// final zero-size chunk.
inline std::string ChunkedBody(absl::string_view body, size_t chunk_size) {
  std::string out;
  for (size_t i = 0; i < body.size(); i += chunk_size) {
    const absl::string_view chunk = body.substr(i, chunk_size);
    absl::StrAppend(&out, absl::Hex(chunk.size()), "\r\n", chunk, "\r\n");
  }
  out.append("0\r\n\r\n");
  return out;
}

class HttpClient {
 public:
  // Connects to 127.0.0.1:`port`. kUnavailable if refused or timed out.
  static absl::StatusOr<HttpClient> Connect(
      uint16_t port, absl::Duration timeout = absl::Seconds(5)) {
    return ConnectTo("127.0.0.1", port, timeout);
  }

  // Connects to the IPv4 or IPv6 literal `ip` (e.g. "::1") and `port`.
  // kInvalidArgument for a bad literal, kUnavailable if refused or timed
  // out.
  static absl::StatusOr<HttpClient> ConnectTo(
      const std::string& ip, uint16_t port,
      absl::Duration timeout = absl::Seconds(5)) {
    sockaddr_storage address{};
    socklen_t address_length = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(port);
      address_length = sizeof(*v4);
    } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(port);
      address_length = sizeof(*v6);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("not an IP literal: ", ip));
    }
    const int fd = socket(address.ss_family,
                          SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      return absl::UnavailableError(
          absl::StrCat("socket: ", std::strerror(errno)));
    }
    HttpClient client(fd);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address),
                address_length) != 0) {
      if (errno != EINPROGRESS) {
        return absl::UnavailableError(
            absl::StrCat("connect to port ", port, ": ", std::strerror(errno)));
      }
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, TimeoutMs(absl::Now() + timeout)) != 1) {
        return absl::UnavailableError(
            absl::StrCat("connect to port ", port, " timed out"));
      }
      int error = 0;
      socklen_t length = sizeof(error);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        return absl::UnavailableError(
            absl::StrCat("connect to port ", port, ": ", std::strerror(error)));
      }
    }
    return client;
  }

  HttpClient(HttpClient&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)),
        buffer_(std::move(other.buffer_)),
        eof_(other.eof_) {}
  HttpClient& operator=(HttpClient&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
      buffer_ = std::move(other.buffer_);
      eof_ = other.eof_;
    }
    return *this;
  }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient() { Close(); }

  int fd() const { return fd_; }

  // Sends all of `bytes`, reading whatever the server answers meanwhile (a
  // server that answers early and stops reading cannot deadlock us). The
  // bytes read stay buffered for ReadResponse(). Returns kUnavailable if the
  // server closed or reset the connection first, kDeadlineExceeded on
  // timeout.
  absl::Status Send(absl::string_view bytes,
                    absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!bytes.empty()) {
      const ssize_t sent =
          send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) {
        bytes.remove_prefix(static_cast<size_t>(sent));
        continue;
      }
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        return absl::UnavailableError(
            absl::StrCat("send: ", std::strerror(errno)));
      }
      pollfd p{fd_, static_cast<short>(POLLOUT | (eof_ ? 0 : POLLIN)), 0};
      const int ready = poll(&p, 1, TimeoutMs(deadline));
      if (ready == 0) return absl::DeadlineExceededError("send timed out");
      if (ready < 0 && errno != EINTR) {
        return absl::UnavailableError(
            absl::StrCat("poll: ", std::strerror(errno)));
      }
      if ((p.revents & POLLIN) != 0 && !ReadSome().ok()) {
        return absl::UnavailableError("connection reset while sending");
      }
      if (eof_ && (p.revents & POLLOUT) == 0) {
        return absl::UnavailableError("server closed while sending");
      }
    }
    return absl::OkStatus();
  }

  // Reads and parses one response (a 1xx interim response counts as one).
  // Returns kDeadlineExceeded on timeout, kUnavailable if the connection
  // ends first, kDataLoss if the bytes are not HTTP.
  absl::StatusOr<ClientResponse> ReadResponse(
      absl::Duration timeout = absl::Seconds(10), bool head = false) {
    const absl::Time deadline = absl::Now() + timeout;
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (absl::Status s = Fill(deadline); !s.ok()) return s;
    }
    ClientResponse response;
    const absl::string_view head_text(buffer_.data(), header_end);
    size_t line_end = head_text.find("\r\n");
    const absl::string_view status_line = head_text.substr(0, line_end);
    if (!absl::StartsWith(status_line, "HTTP/1.") || status_line.size() < 12 ||
        !absl::SimpleAtoi(status_line.substr(9, 3), &response.status)) {
      return absl::DataLossError(
          absl::StrCat("bad status line: ", absl::CEscape(status_line)));
    }
    if (status_line.size() > 13) {
      response.reason = std::string(status_line.substr(13));
    }
    while (line_end != absl::string_view::npos) {
      const size_t start = line_end + 2;
      line_end = head_text.find("\r\n", start);
      const absl::string_view line = head_text.substr(
          start, line_end == absl::string_view::npos ? absl::string_view::npos
                                                     : line_end - start);
      const size_t colon = line.find(':');
      if (colon == absl::string_view::npos) {
        return absl::DataLossError(
            absl::StrCat("bad header line: ", absl::CEscape(line)));
      }
      response.headers.emplace_back(
          std::string(line.substr(0, colon)),
          std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
    }
    buffer_.erase(0, header_end + 4);

    if (head || response.status / 100 == 1 || response.status == 204 ||
        response.status == 304) {
      return response;
    }
    const std::optional<std::string> encoding =
        response.Header("Transfer-Encoding");
    if (encoding && absl::EqualsIgnoreCase(*encoding, "chunked")) {
      while (true) {
        size_t size_end;
        while ((size_end = buffer_.find("\r\n")) == std::string::npos) {
          if (absl::Status s = Fill(deadline); !s.ok()) return s;
        }
        size_t size = 0;
        const absl::string_view size_text =
            absl::string_view(buffer_).substr(0, size_end);
        if (!absl::SimpleHexAtoi(size_text.substr(0, size_text.find(';')),
                                 &size)) {
          return absl::DataLossError("bad chunk size");
        }
        if (size == 0) {
          // The last chunk, then optional trailers, then an empty line.
          size_t end;
          while ((end = buffer_.find("\r\n\r\n", size_end)) ==
                 std::string::npos) {
            if (absl::Status s = Fill(deadline); !s.ok()) return s;
          }
          buffer_.erase(0, end + 4);
          return response;
        }
        while (buffer_.size() < size_end + 2 + size + 2) {
          if (absl::Status s = Fill(deadline); !s.ok()) return s;
        }
        response.body.append(buffer_, size_end + 2, size);
        buffer_.erase(0, size_end + 2 + size + 2);
      }
    }
    if (const std::optional<std::string> length =
            response.Header("Content-Length")) {
      size_t size = 0;
      if (!absl::SimpleAtoi(*length, &size)) {
        return absl::DataLossError("bad Content-Length");
      }
      while (buffer_.size() < size) {
        if (absl::Status s = Fill(deadline); !s.ok()) return s;
      }
      response.body = buffer_.substr(0, size);
      buffer_.erase(0, size);
      return response;
    }
    // No framing: the body runs until the server closes.
    while (!eof_) {
      if (absl::Status s = Fill(deadline); !s.ok() && !absl::IsUnavailable(s)) {
        return s;
      }
    }
    response.body = std::move(buffer_);
    buffer_.clear();
    return response;
  }

  // Sends a request built by BuildRequest() and reads its response.
  absl::StatusOr<ClientResponse> Request(
      absl::string_view method, absl::string_view target,
      absl::string_view body = {}, const HeaderList& headers = {},
      absl::Duration timeout = absl::Seconds(10)) {
    // A send error is not final: the server may have answered (e.g. 413)
    // before closing, and that answer is what the caller wants.
    const absl::Status sent =
        Send(BuildRequest(method, target, body, headers), timeout);
    absl::StatusOr<ClientResponse> response =
        ReadResponse(timeout, method == "HEAD");
    if (!response.ok() && !sent.ok()) return sent;
    return response;
  }

  // Waits until the server closes the connection (EOF or reset), discarding
  // anything else it sends. Returns whether that happened before `timeout`.
  bool WaitForClose(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!eof_) {
      const absl::Status s = Fill(deadline);
      if (absl::IsDeadlineExceeded(s)) return false;
      if (!s.ok()) return true;  // Reset or EOF.
      buffer_.clear();
    }
    return true;
  }

  // Closes the connection (idempotent).
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  explicit HttpClient(int fd) : fd_(fd) {}

  static int TimeoutMs(absl::Time deadline) {
    const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now()) + 1;
    return ms < 0 ? 0 : static_cast<int>(ms);
  }

  // Reads what is available into buffer_. kUnavailable on EOF or error.
  absl::Status ReadSome() {
    char chunk[64 * 1024];
    while (true) {
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), MSG_DONTWAIT);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
        if (static_cast<size_t>(n) < sizeof(chunk)) return absl::OkStatus();
        continue;
      }
      if (n == 0) {
        eof_ = true;
        return absl::UnavailableError("connection closed by the server");
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return absl::OkStatus();
      eof_ = true;
      return absl::UnavailableError(
          absl::StrCat("recv: ", std::strerror(errno)));
    }
  }

  // Waits for and reads more bytes. kUnavailable if the connection ended,
  // kDeadlineExceeded at `deadline`.
  absl::Status Fill(absl::Time deadline) {
    if (eof_) return absl::UnavailableError("connection closed by the server");
    const size_t before = buffer_.size();
    while (buffer_.size() == before) {
      pollfd p{fd_, POLLIN, 0};
      const int ready = poll(&p, 1, TimeoutMs(deadline));
      if (ready == 0) return absl::DeadlineExceededError("read timed out");
      if (ready < 0) {
        if (errno == EINTR) continue;
        return absl::UnavailableError(
            absl::StrCat("poll: ", std::strerror(errno)));
      }
      if (absl::Status s = ReadSome(); !s.ok()) {
        // Bytes that arrived before the close still count.
        return buffer_.size() > before ? absl::OkStatus() : s;
      }
    }
    return absl::OkStatus();
  }

  int fd_ = -1;
  std::string buffer_;  // Received but not yet parsed.
  bool eof_ = false;
};

}  // namespace testutil
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_HTTP_CLIENT_H_

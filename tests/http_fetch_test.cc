#include "net/http_fetch.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "autoheal/http_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace net {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// A loopback TCP socket that listens and never accepts: the kernel completes
// the handshake (the backlog), so a client connects and then waits forever
// for an answer. Closing it without listening gives a refused port.
class SilentListener {
 public:
  explicit SilentListener(bool listen_on) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
              0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (listen_on) {
      EXPECT_EQ(::listen(fd_, 8), 0);
    }
  }
  ~SilentListener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class HttpFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::HttpServerOptions options;
    options.port = 0;
    absl::StatusOr<std::unique_ptr<http::HttpServer>> server =
        http::HttpServer::Start(options, [](const http::HttpRequest& request) {
          http::HttpResponse response;
          if (request.path == "/big") {
            response.content_type = "text/plain";
            response.body = std::string(4096, 'x');
            return response;
          }
          if (request.path == "/missing") {
            response.status = 404;
            response.body = R"({"error":"not found"})";
            return response;
          }
          // Echo: method, body, and the headers the test asserts on.
          std::optional<absl::string_view> auth =
              request.Header("Authorization");
          std::optional<absl::string_view> type =
              request.Header("Content-Type");
          response.body = absl::StrCat(
              request.method, "|", request.path, "?", request.query, "|",
              request.body, "|", auth.value_or("<none>"), "|",
              type.value_or("<none>"));
          return response;
        });
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
  }

  std::string Url(absl::string_view path) const {
    return absl::StrCat("http://127.0.0.1:", server_->port(), path);
  }

  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(HttpFetchTest, GetReturnsStatusBodyAndContentType) {
  absl::StatusOr<FetchResponse> response = HttpGet(Url("/x?a=1"), {});
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_EQ(response->body, "GET|/x?a=1||<none>|<none>");
}

TEST_F(HttpFetchTest, HttpErrorStatusIsAnAnswerNotAnError) {
  absl::StatusOr<FetchResponse> response = HttpGet(Url("/missing"), {});
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, R"({"error":"not found"})");
}

TEST_F(HttpFetchTest, PostSendsBodyContentTypeAndBearerToken) {
  FetchOptions options;
  options.bearer_token = "s3cret";
  const std::string body(5000, 'b');  // over libcurl's Expect threshold
  absl::StatusOr<FetchResponse> response =
      HttpPost(Url("/explain"), body, "application/json", options);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body,
            absl::StrCat("POST|/explain?|", body,
                         "|Bearer s3cret|application/json"));
}

TEST_F(HttpFetchTest, BodyOverTheLimitIsResourceExhausted) {
  FetchOptions options;
  options.max_body_bytes = 4095;
  EXPECT_THAT(HttpGet(Url("/big"), options),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       absl::StrCat("GET ", Url("/big"))));
  options.max_body_bytes = 4096;
  absl::StatusOr<FetchResponse> response = HttpGet(Url("/big"), options);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->body.size(), 4096u);
  EXPECT_EQ(response->content_type, "text/plain");
}

TEST(HttpFetch, RefusedPortIsUnavailableAndNamesTheUrl) {
  int port = 0;
  {
    SilentListener closed(/*listen_on=*/false);
    port = closed.port();
  }
  const std::string url = absl::StrCat("http://127.0.0.1:", port, "/");
  FetchOptions options;
  options.bearer_token = "never-shown";
  const absl::Time start = absl::Now();
  absl::StatusOr<FetchResponse> response = HttpGet(url, options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_THAT(response,
              StatusIs(absl::StatusCode::kUnavailable, absl::StrCat("GET ", url)));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("never-shown")));
}

TEST(HttpFetch, ServerThatNeverAnswersTimesOut) {
  SilentListener silent(/*listen_on=*/true);
  const std::string url =
      absl::StrCat("http://127.0.0.1:", silent.port(), "/api/v2/status");
  FetchOptions options;
  options.timeout = absl::Milliseconds(300);
  options.bearer_token = "never-shown";
  const absl::Time start = absl::Now();
  absl::StatusOr<FetchResponse> response =
      HttpPost(url, "{}", "application/json", options);
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(250));  // curl's timer is coarse
  EXPECT_LT(took, absl::Seconds(3));
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kDeadlineExceeded,
                                 absl::StrCat("POST ", url)));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("never-shown")));
}

TEST(HttpFetch, BadUrlsAreInvalidArgument) {
  EXPECT_THAT(HttpGet("ftp://127.0.0.1/x", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "GET ftp://127.0.0.1/x: not an http:// or https:// URL"));
  EXPECT_THAT(HttpGet("127.0.0.1:9093", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "GET 127.0.0.1:9093"));
  EXPECT_THAT(HttpGet("http://[::1/", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "GET http://[::1/"));
}

TEST(HttpFetch, CredentialsInTheUrlAreRedactedFromErrors) {
  SilentListener closed(/*listen_on=*/false);
  const std::string url =
      absl::StrCat("http://admin:hunter2@127.0.0.1:", closed.port(), "/x");
  absl::StatusOr<FetchResponse> response = HttpGet(url, {});
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(response.status().message(),
              HasSubstr(absl::StrCat("GET http://***@127.0.0.1:",
                                     closed.port(), "/x")));
}

TEST(HttpFetch, NonPositiveOptionsAreInvalidArgument) {
  FetchOptions options;
  options.timeout = absl::ZeroDuration();
  EXPECT_THAT(HttpGet("http://127.0.0.1:1/", options),
              StatusIs(absl::StatusCode::kInvalidArgument, "must be positive"));
  options = FetchOptions();
  options.max_body_bytes = 0;
  EXPECT_THAT(HttpGet("http://127.0.0.1:1/", options),
              StatusIs(absl::StatusCode::kInvalidArgument, "max_body_bytes"));
}

TEST(UrlQueryEscape, EscapesEverythingButUnreserved) {
  EXPECT_EQ(UrlQueryEscape("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(UrlQueryEscape("up{job=\"x y\"}"), "up%7Bjob%3D%22x%20y%22%7D");
  EXPECT_EQ(UrlQueryEscape("a+b&c/\xC3\xA9"), "a%2Bb%26c%2F%C3%A9");
  EXPECT_EQ(UrlQueryEscape(""), "");
}

}  // namespace
}  // namespace net
}  // namespace autoheal

#include "autoheal/http_server.h"

#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "autoheal/internal/mutex.h"
#include "autoheal/testing/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http_client.h"
#include "test_util.h"

namespace autoheal {
namespace http {
namespace {

using ::autoheal::testutil::BuildRequest;
using ::autoheal::testutil::ChunkedBody;
using ::autoheal::testutil::ClientResponse;
using ::autoheal::testutil::HttpClient;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr size_t kMiB = size_t{1} << 20;
constexpr char kTooLargeBody[] =
    R"({"error":"request body exceeds 1048576 bytes"})";

// Echoes the request back: the body as the body, the rest in headers.
HttpResponse Echo(const HttpRequest& request) {
  if (request.path == "/throw") throw std::runtime_error("handler bug");
  if (request.path == "/bad-status") {
    HttpResponse response;
    response.status = 42;
    return response;
  }
  if (request.path == "/close") {
    HttpResponse response;
    response.body = "{}";
    response.headers = {{"Connection", "close"}};
    return response;
  }
  if (request.path == "/json") {
    HttpResponse response;
    response.body = "{}";
    return response;
  }
  HttpResponse response;
  response.content_type = "application/octet-stream";
  response.body = std::string(request.body);
  response.headers = {
      {"X-Method", std::string(request.method)},
      {"X-Path", std::string(request.path)},
      {"X-Query", absl::StrCat("[", request.query, "]")},  // Never empty.
      {"X-Peer", std::string(request.peer)},
      {"X-Foo", std::string(request.Header("x-foo").value_or("<none>"))},
      {"X-Body-Size", absl::StrCat(request.body.size())},
      {"X-Bad", "split\r\nInjected: yes"},  // Dropped by the server.
      {"X-Empty", ""},                      // Dropped: MHD refuses it.
      {"Content-Length", "1"},              // Dropped: the server's.
  };
  return response;
}

HttpServerOptions TestOptions() {
  HttpServerOptions options;
  options.port = 0;
  return options;
}

std::unique_ptr<HttpServer> StartOrDie(HttpServerOptions options,
                                       Handler handler = Echo) {
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(std::move(options), std::move(handler));
  EXPECT_THAT(server, IsOk());
  return server.ok() ? *std::move(server) : nullptr;
}

HttpClient ConnectOrDie(const HttpServer& server) {
  absl::StatusOr<HttpClient> client = HttpClient::Connect(server.port());
  EXPECT_THAT(client, IsOk());
  return *std::move(client);
}

std::string PatternBody(size_t size) {
  std::string body(size, '\0');
  for (size_t i = 0; i < size; ++i) body[i] = static_cast<char>(i * 7 % 256);
  return body;
}

TEST(HttpRequestTest, HeaderIsCaseInsensitiveAndFirstWins) {
  HttpRequest request;
  request.headers = {{"Content-Type", "application/json"},
                     {"X-Dup", "first"},
                     {"x-dup", "second"}};
  EXPECT_THAT(request.Header("content-type"),
              Optional(absl::string_view("application/json")));
  EXPECT_THAT(request.Header("X-DUP"), Optional(absl::string_view("first")));
  EXPECT_EQ(request.Header("Authorization"), std::nullopt);
}

TEST(HttpServerTest, GetDeliversMethodPathQueryHeadersAndPeer) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response =
      client.Request("GET", "/a/b%20c?x=1&y=%20z", {}, {{"X-FOO", "bar"}});
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->Header("X-Method"), Optional(std::string("GET")));
  EXPECT_THAT(response->Header("X-Path"), Optional(std::string("/a/b%20c")));
  EXPECT_THAT(response->Header("X-Query"),
              Optional(std::string("[x=1&y=%20z]")));
  EXPECT_THAT(response->Header("X-Foo"), Optional(std::string("bar")));
  EXPECT_THAT(response->Header("X-Peer"), Optional(std::string("127.0.0.1")));
  EXPECT_THAT(response->Header("Content-Type"),
              Optional(std::string("application/octet-stream")));
  EXPECT_EQ(response->Header("X-Bad"), std::nullopt);
  EXPECT_EQ(response->Header("Injected"), std::nullopt);
  EXPECT_EQ(response->Header("X-Empty"), std::nullopt);
  EXPECT_THAT(response->Header("Content-Length"), Optional(std::string("0")));
  EXPECT_EQ(response->body, "");
}

TEST(HttpServerTest, PostDeliversBodyAndEmptyQuery) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  const std::string body = R"({"version":"4","alerts":[]})"
                           "\n";
  absl::StatusOr<ClientResponse> response = client.Request(
      "POST", "/alert", body, {{"Content-Type", "application/json"}});
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->Header("X-Method"), Optional(std::string("POST")));
  EXPECT_THAT(response->Header("X-Path"), Optional(std::string("/alert")));
  EXPECT_THAT(response->Header("X-Query"), Optional(std::string("[]")));
  EXPECT_THAT(response->Header("X-Foo"), Optional(std::string("<none>")));
  EXPECT_EQ(response->body, body);
}

TEST(HttpServerTest, BinaryBodyWithNulBytesIsIntact) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  const std::string body = PatternBody(4096);
  ASSERT_EQ(body[0], '\0');
  absl::StatusOr<ClientResponse> response =
      client.Request("POST", "/bin", body);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, body);
}

TEST(HttpServerTest, BodyExactlyAtTheLimitIsAccepted) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  const std::string body = PatternBody(kMiB);
  absl::StatusOr<ClientResponse> response =
      client.Request("POST", "/big", body);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->Header("X-Body-Size"), Optional(absl::StrCat(kMiB)));
  EXPECT_TRUE(response->body == body);
}

TEST(HttpServerTest, BodyOneByteOverTheLimitIs413Json) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response =
      client.Request("POST", "/big", PatternBody(kMiB + 1));
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body, kTooLargeBody);
  EXPECT_THAT(response->Header("Content-Type"),
              Optional(std::string("application/json")));
}

TEST(HttpServerTest, HugeContentLengthIs413WithoutSendingTheBody) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  ASSERT_THAT(client.Send("POST /alert HTTP/1.1\r\nHost: x\r\n"
                          "Content-Length: 10000000000\r\n\r\n"),
              IsOk());
  absl::StatusOr<ClientResponse> response = client.ReadResponse();
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body, kTooLargeBody);
  // The server cannot skip an unread body, so it closes the connection.
  EXPECT_TRUE(client.WaitForClose(absl::Seconds(5)));

  HttpClient other = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> next = other.Request("GET", "/json");
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->status, 200);
}

TEST(HttpServerTest, ContentLengthBeyondUint64IsRejectedByMhd) {
  // libmicrohttpd itself answers this one (413 with its own HTML page).
  HttpServerOptions options = TestOptions();
  options.error_logger = [](absl::string_view) {};
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  ASSERT_THAT(client.Send("POST /alert HTTP/1.1\r\nHost: x\r\n"
                          "Content-Length: 99999999999999999999999\r\n\r\n"),
              IsOk());
  absl::StatusOr<ClientResponse> response = client.ReadResponse();
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status / 100, 4) << response->body;
}

TEST(HttpServerTest, HugeContentLengthWithExpectContinueGets413Not100) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  ASSERT_THAT(client.Send("POST /alert HTTP/1.1\r\nHost: x\r\n"
                          "Expect: 100-continue\r\n"
                          "Content-Length: 2000000\r\n\r\n"),
              IsOk());
  absl::StatusOr<ClientResponse> response = client.ReadResponse();
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body, kTooLargeBody);
}

TEST(HttpServerTest, ExpectContinueWithinTheLimitGets100ThenTheAnswer) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  ASSERT_THAT(client.Send("POST /alert HTTP/1.1\r\nHost: x\r\n"
                          "Expect: 100-continue\r\n"
                          "Content-Length: 5\r\n\r\n"),
              IsOk());
  absl::StatusOr<ClientResponse> interim = client.ReadResponse();
  ASSERT_THAT(interim, IsOk());
  EXPECT_EQ(interim->status, 100);
  ASSERT_THAT(client.Send("hello"), IsOk());
  absl::StatusOr<ClientResponse> response = client.ReadResponse();
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
}

TEST(HttpServerTest, KeepAliveServesHundredRequestsOnOneConnection) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  for (int i = 0; i < 100; ++i) {
    const std::string body = absl::StrCat("request ", i);
    absl::StatusOr<ClientResponse> response = client.Request(
        i % 2 == 0 ? "POST" : "PUT", absl::StrCat("/r/", i), body);
    ASSERT_THAT(response, IsOk()) << "request " << i;
    ASSERT_EQ(response->status, 200);
    ASSERT_EQ(response->body, body);
    ASSERT_THAT(response->Header("X-Path"), Optional(absl::StrCat("/r/", i)));
    ASSERT_NE(response->Header("Connection"),
              std::optional<std::string>("close"));
  }
  EXPECT_TRUE(server->WaitForOpenConnections(1, absl::Seconds(5)));
}

TEST(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  std::string bytes;
  for (int i = 0; i < 10; ++i) {
    bytes += BuildRequest("POST", "/p", absl::StrCat("body", i));
  }
  ASSERT_THAT(client.Send(bytes), IsOk());
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<ClientResponse> response = client.ReadResponse();
    ASSERT_THAT(response, IsOk());
    EXPECT_EQ(response->body, absl::StrCat("body", i));
  }
}

TEST(HttpServerTest, ChunkedBodyIsDeliveredDecoded) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  const std::string body = PatternBody(10000);
  absl::StatusOr<ClientResponse> response =
      client.Request("POST", "/chunked", ChunkedBody(body, 999),
                     {{"Transfer-Encoding", "chunked"}});
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body == body);

  // The connection stays usable.
  absl::StatusOr<ClientResponse> next = client.Request("GET", "/json");
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->status, 200);
}

TEST(HttpServerTest, ChunkedBodyOverTheLimitIs413) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response = client.Request(
      "POST", "/chunked", ChunkedBody(PatternBody(kMiB + 1), 64 * 1024),
      {{"Transfer-Encoding", "chunked"}});
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body, kTooLargeBody);

  // The body was read to its end, so the server still serves.
  absl::StatusOr<HttpClient> other = HttpClient::Connect(server->port());
  ASSERT_THAT(other, IsOk());
  absl::StatusOr<ClientResponse> next = other->Request("POST", "/x", "small");
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->body, "small");
}

TEST(HttpServerTest, SmallLimitAppliesToBothFramings) {
  HttpServerOptions options = TestOptions();
  options.max_body_bytes = 10;
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> fits =
      client.Request("POST", "/x", ChunkedBody("0123456789", 3),
                     {{"Transfer-Encoding", "chunked"}});
  ASSERT_THAT(fits, IsOk());
  EXPECT_EQ(fits->body, "0123456789");
  absl::StatusOr<ClientResponse> over =
      client.Request("POST", "/x", ChunkedBody("0123456789a", 3),
                     {{"Transfer-Encoding", "chunked"}});
  ASSERT_THAT(over, IsOk());
  EXPECT_EQ(over->status, 413);
  EXPECT_EQ(over->body, R"({"error":"request body exceeds 10 bytes"})");
}

TEST(HttpServerTest, ThrowingHandlerGives500AndServerKeepsServing) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response =
      client.Request("POST", "/throw", "x");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body, R"({"error":"internal error"})");
  EXPECT_THAT(response->Header("Content-Type"),
              Optional(std::string("application/json")));

  absl::StatusOr<ClientResponse> next = client.Request("GET", "/json");
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "{}");
}

TEST(HttpServerTest, ConnectionCloseFromHandlerClosesAfterTheResponse) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response = client.Request("GET", "/close");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{}");
  EXPECT_TRUE(client.WaitForClose(absl::Seconds(5)));
}

TEST(HttpServerTest, HeadGetsHeadersWithoutBody) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response = client.Request("HEAD", "/json");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
  // The connection is still in sync: no stray body bytes.
  absl::StatusOr<ClientResponse> next = client.Request("GET", "/json");
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->body, "{}");
}

TEST(HttpServerTest, InvalidStatusFromHandlerGives500) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response =
      client.Request("GET", "/bad-status");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body, R"({"error":"internal error"})");
}

TEST(HttpServerTest, SlowClientIsDisconnectedWhileOthersAreServed) {
  HttpServerOptions options = TestOptions();
  options.connection_timeout = absl::Seconds(1);
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);

  const absl::Time start = absl::Now();
  HttpClient slow = ConnectOrDie(*server);
  ASSERT_THAT(slow.Send("POST /alert HTTP/1.1\r\nHost: x\r\nContent-"), IsOk());
  HttpClient silent = ConnectOrDie(*server);

  HttpClient normal = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response = normal.Request("POST", "/x", "hi");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->body, "hi");

  EXPECT_TRUE(slow.WaitForClose(absl::Seconds(5)));
  EXPECT_TRUE(silent.WaitForClose(absl::Seconds(5)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));

  HttpClient after = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> next = after.Request("GET", "/json");
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->status, 200);
}

TEST(HttpServerTest, ManyIdleConnectionsDoNotBlockOthersAndTimeOut) {
  constexpr size_t kIdle = 500;
  rlimit limit;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < 4 * kIdle) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 4 * kIdle);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  }
  if (limit.rlim_cur < 2 * kIdle + 64) {
    GTEST_SKIP() << "RLIMIT_NOFILE " << limit.rlim_cur << " is too low";
  }

  HttpServerOptions options = TestOptions();
  options.per_ip_connection_limit = 1000;
  options.connection_timeout = absl::Seconds(2);
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);

  std::vector<HttpClient> idle;
  idle.reserve(kIdle);
  for (size_t i = 0; i < kIdle; ++i) {
    absl::StatusOr<HttpClient> client = HttpClient::Connect(server->port());
    ASSERT_THAT(client, IsOk()) << "connection " << i;
    idle.push_back(*std::move(client));
  }
  ASSERT_TRUE(server->WaitForOpenConnections(kIdle, absl::Seconds(5)))
      << server->open_connections();

  HttpClient normal = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response = normal.Request("POST", "/x", "ok");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->body, "ok");
  normal.Close();

  // The idle ones are closed by the server once connection_timeout passes.
  for (size_t i = 0; i < kIdle; ++i) {
    ASSERT_TRUE(idle[i].WaitForClose(absl::Seconds(10))) << "connection " << i;
  }
  EXPECT_TRUE(server->WaitForOpenConnections(0, absl::Seconds(5)))
      << server->open_connections();
}

TEST(HttpServerTest, PerIpLimitRejectsExtraConnectionsAndLogsQuietly) {
  internal::Mutex mu;
  std::vector<std::string> logged;
  HttpServerOptions options = TestOptions();
  options.per_ip_connection_limit = 2;
  // The test's clients are on loopback, which is exempt by default.
  options.exempt_loopback_from_per_ip_limit = false;
  options.error_logger = [&](absl::string_view message) {
    internal::MutexLock lock(&mu);
    logged.emplace_back(message);
  };
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);

  HttpClient first = ConnectOrDie(*server);
  HttpClient second = ConnectOrDie(*server);
  ASSERT_TRUE(server->WaitForOpenConnections(2, absl::Seconds(5)));
  HttpClient third = ConnectOrDie(*server);
  EXPECT_TRUE(third.WaitForClose(absl::Seconds(5)));

  first.Close();
  ASSERT_TRUE(server->WaitForOpenConnections(1, absl::Seconds(5)));
  HttpClient fourth = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response = fourth.Request("GET", "/json");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);

  internal::MutexLock lock(&mu);
  EXPECT_FALSE(logged.empty());
  for (const std::string& line : logged) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  }
}

// Regression: with the per-IP limit applied to loopback, 256 idle local
// connections locked the host's own /healthz probe out.
TEST(HttpServerTest, LoopbackClientsAreExemptFromThePerIpLimitByDefault) {
  HttpServerOptions options = TestOptions();
  options.per_ip_connection_limit = 2;
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  std::vector<HttpClient> idle;
  for (int i = 0; i < 5; ++i) idle.push_back(ConnectOrDie(*server));
  ASSERT_TRUE(server->WaitForOpenConnections(5, absl::Seconds(5)))
      << server->open_connections();
  HttpClient probe = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response = probe.Request("GET", "/json");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  for (HttpClient& client : idle)
    EXPECT_FALSE(client.WaitForClose(absl::ZeroDuration()));
}

// Regression: a client that sends one byte of its headers (or body) just
// often enough never to be idle was never dropped; request_timeout bounds
// it. Time is a FakeClock: nothing here waits for the timeout itself.
TEST(HttpServerTest, RequestNotCompleteWithinRequestTimeoutIsClosed) {
  testing::FakeClock clock;
  autoheal::internal::Mutex mu;
  std::vector<std::string> logged;
  HttpServerOptions options = TestOptions();
  options.clock = &clock;
  options.connection_timeout = absl::Seconds(60);
  options.request_timeout = absl::Seconds(10);
  options.error_logger = [&](absl::string_view message) {
    autoheal::internal::MutexLock lock(&mu);
    logged.emplace_back(message);
  };
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);

  HttpClient slow_header = ConnectOrDie(*server);
  ASSERT_THAT(slow_header.Send("POST /x HTTP/1.1\r\nX-Slow: a"), IsOk());
  HttpClient slow_body = ConnectOrDie(*server);
  ASSERT_THAT(
      slow_body.Send("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
      IsOk());
  HttpClient keep_alive = ConnectOrDie(*server);
  ASSERT_TRUE(server->WaitForOpenConnections(3, absl::Seconds(5)));

  // Just before the deadline: a complete request on a connection accepted
  // at the same time is answered, and it then has a fresh deadline.
  clock.Advance(absl::Seconds(10) - absl::Milliseconds(1));
  ASSERT_THAT(slow_header.Send("b"), IsOk());
  absl::StatusOr<ClientResponse> served =
      keep_alive.Request("POST", "/x", "hi");
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(served->body, "hi");
  EXPECT_FALSE(slow_header.WaitForClose(absl::Milliseconds(300)));
  EXPECT_FALSE(slow_body.WaitForClose(absl::Milliseconds(1)));

  clock.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(slow_header.WaitForClose(absl::Seconds(5)));
  EXPECT_TRUE(slow_body.WaitForClose(absl::Seconds(5)));
  EXPECT_FALSE(keep_alive.WaitForClose(absl::Milliseconds(300)));
  absl::StatusOr<ClientResponse> again =
      keep_alive.Request("POST", "/x", "again");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->body, "again");
  EXPECT_TRUE(server->WaitForOpenConnections(1, absl::Seconds(5)))
      << server->open_connections();

  autoheal::internal::MutexLock lock(&mu);
  // One line of ours per dropped connection (libmicrohttpd adds its own).
  EXPECT_EQ(std::count_if(logged.begin(), logged.end(),
                          [](const std::string& line) {
                            return absl::StrContains(
                                line,
                                "closed the connection from 127.0.0.1: its "
                                "request was not complete within 10s");
                          }),
            2);
}

TEST(HttpServerTest, ThreadPoolServesConcurrentClients) {
  HttpServerOptions options = TestOptions();
  options.thread_count = 4;
  std::atomic<int> calls{0};
  auto server = StartOrDie(options, [&calls](const HttpRequest& request) {
    calls.fetch_add(1, std::memory_order_relaxed);
    return Echo(request);
  });
  ASSERT_NE(server, nullptr);

  constexpr int kThreads = 8;
  constexpr int kRequests = 100;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      absl::StatusOr<HttpClient> client = HttpClient::Connect(server->port());
      if (!client.ok()) return;
      for (int i = 0; i < kRequests; ++i) {
        const std::string body = absl::StrCat(t, ":", i);
        absl::StatusOr<ClientResponse> response =
            client->Request("POST", "/x", body);
        if (response.ok() && response->body == body) ok.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
  EXPECT_EQ(calls.load(), kThreads * kRequests);
}

TEST(HttpServerTest, PortReturnsTheBoundEphemeralPort) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  EXPECT_NE(server->port(), 0);
  HttpClient client = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response = client.Request("GET", "/json");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
}

TEST(HttpServerTest, PortInUseIsUnavailableAndNamesThePort) {
  auto first = StartOrDie(TestOptions());
  ASSERT_NE(first, nullptr);
  HttpServerOptions options = TestOptions();
  options.port = first->port();
  absl::StatusOr<std::unique_ptr<HttpServer>> second =
      HttpServer::Start(options, Echo);
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kUnavailable,
                               absl::StrCat("127.0.0.1:", first->port())));
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));

  // The first server is unaffected.
  HttpClient client = ConnectOrDie(*first);
  absl::StatusOr<ClientResponse> response = client.Request("GET", "/json");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
}

// Holds the requests that reach Pass() until Open(); counts them.
class Gate {
 public:
  void Pass() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    ++entered_;
    mu_.Await(absl::Condition(&open_));
  }
  void Open() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    open_ = true;
  }
  bool is_open() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    return open_;
  }
  // Waits until `count` requests have reached Pass().
  bool WaitEntered(int count, absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    std::pair<Gate*, int> arg(this, count);
    return internal::AwaitWithRealTimeout(
        mu_,
        absl::Condition(
            +[](std::pair<Gate*, int>* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
              return a->first->entered_ >= a->second;
            },
            &arg),
        timeout);
  }

 private:
  internal::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  int entered_ ABSL_GUARDED_BY(mu_) = 0;
};

// Offloads /slow*, which waits at the gate; echoes everything else inline.
struct OffloadFixture {
  Gate gate;
  std::atomic<int> offload_checks{0};
  std::atomic<int> slow_answered{0};
  internal::Mutex own_mu;
  std::vector<int> own_responses ABSL_GUARDED_BY(own_mu);

  HttpServerOptions Options(int workers, size_t queue) {
    HttpServerOptions options = TestOptions();
    options.worker_threads = workers;
    options.worker_queue_limit = queue;
    options.offload = [this](const HttpRequest& request) {
      const bool slow = absl::StartsWith(request.path, "/slow");
      if (slow) offload_checks.fetch_add(1);
      return slow;
    };
    options.on_own_response = [this](int status) {
      internal::MutexLock lock(&own_mu);
      own_responses.push_back(status);
    };
    return options;
  }
  Handler MakeHandler() {
    return [this](const HttpRequest& request) {
      if (request.path == "/slow/throw") {
        gate.Pass();
        throw std::runtime_error("handler bug");
      }
      if (!absl::StartsWith(request.path, "/slow")) return Echo(request);
      gate.Pass();
      HttpResponse response = Echo(request);
      slow_answered.fetch_add(1);
      return response;
    };
  }
  std::vector<int> OwnResponses() {
    internal::MutexLock lock(&own_mu);
    return own_responses;
  }
  // Waits until the event loop has seen `count` offloaded requests: each
  // has then been queued (or refused) before the loop reads another.
  bool WaitOffloadChecks(int count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (offload_checks.load() < count) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }
};

TEST(HttpServerWorkersTest, InlineRequestsAreAnsweredWhileEveryWorkerWaits) {
  OffloadFixture fixture;
  auto server = StartOrDie(fixture.Options(1, 8), fixture.MakeHandler());
  ASSERT_NE(server, nullptr);
  HttpClient slow = ConnectOrDie(*server);
  ASSERT_THAT(slow.Send(BuildRequest("POST", "/slow", "payload", {})), IsOk());
  ASSERT_TRUE(fixture.gate.WaitEntered(1, absl::Seconds(10)));

  // The only worker is held at the gate: the loop answers anyway.
  HttpClient probe = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> health =
      probe.Request("GET", "/healthz", {}, {}, absl::Seconds(5));
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->status, 200);
  EXPECT_FALSE(fixture.gate.is_open());
  EXPECT_EQ(fixture.slow_answered.load(), 0);

  fixture.gate.Open();
  absl::StatusOr<ClientResponse> answer = slow.ReadResponse();
  ASSERT_THAT(answer, IsOk());
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, "payload");
  EXPECT_THAT(answer->Header("X-Path"), Optional(std::string("/slow")));

  // The connection goes on: an offloaded request, then an inline one.
  absl::StatusOr<ClientResponse> again =
      slow.Request("POST", "/slow/again", PatternBody(100 * 1024));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->body, PatternBody(100 * 1024));
  absl::StatusOr<ClientResponse> inline_answer =
      slow.Request("GET", "/inline?q=1");
  ASSERT_THAT(inline_answer, IsOk());
  EXPECT_THAT(inline_answer->Header("X-Query"), Optional(std::string("[q=1]")));
  EXPECT_TRUE(fixture.OwnResponses().empty());
}

TEST(HttpServerWorkersTest, AFullQueueIsAnswered503WithRetryAfterAtOnce) {
  OffloadFixture fixture;
  auto server = StartOrDie(fixture.Options(1, 1), fixture.MakeHandler());
  ASSERT_NE(server, nullptr);
  HttpClient running = ConnectOrDie(*server);
  HttpClient queued = ConnectOrDie(*server);
  HttpClient refused = ConnectOrDie(*server);
  ASSERT_THAT(running.Send(BuildRequest("POST", "/slow/1", "1", {})), IsOk());
  ASSERT_TRUE(fixture.gate.WaitEntered(1, absl::Seconds(10)));
  ASSERT_THAT(queued.Send(BuildRequest("POST", "/slow/2", "2", {})), IsOk());
  ASSERT_TRUE(fixture.WaitOffloadChecks(2));

  absl::StatusOr<ClientResponse> busy = refused.Request(
      "POST", "/slow/3", "3", {}, absl::Seconds(5));
  ASSERT_THAT(busy, IsOk());
  EXPECT_EQ(busy->status, 503);
  EXPECT_THAT(busy->Header("Retry-After"), Optional(std::string("1")));
  EXPECT_THAT(busy->Header("Content-Type"),
              Optional(std::string("application/json")));
  EXPECT_THAT(busy->body, HasSubstr("busy"));
  EXPECT_FALSE(fixture.gate.is_open());
  EXPECT_THAT(fixture.OwnResponses(), ::testing::ElementsAre(503));

  fixture.gate.Open();
  for (HttpClient* client : {&running, &queued}) {
    absl::StatusOr<ClientResponse> answer = client->ReadResponse();
    ASSERT_THAT(answer, IsOk());
    EXPECT_EQ(answer->status, 200);
  }
  EXPECT_EQ(fixture.slow_answered.load(), 2);
  // The refused client's connection still works once a worker is free.
  absl::StatusOr<ClientResponse> retry = refused.Request("POST", "/slow/3", "3");
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(retry->status, 200);
}

TEST(HttpServerWorkersTest, AThrowingOffloadedHandlerIsAnswered500) {
  OffloadFixture fixture;
  fixture.gate.Open();
  auto server = StartOrDie(fixture.Options(2, 4), fixture.MakeHandler());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  absl::StatusOr<ClientResponse> response =
      client.Request("POST", "/slow/throw", "x");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body, R"({"error":"internal error"})");
  EXPECT_THAT(fixture.OwnResponses(), ::testing::ElementsAre(500));
  absl::StatusOr<ClientResponse> next = client.Request("POST", "/slow", "y");
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->status, 200);
}

TEST(HttpServerWorkersTest, StopRunsEveryAcceptedRequestFirst) {
  OffloadFixture fixture;
  auto server = StartOrDie(fixture.Options(1, 4), fixture.MakeHandler());
  ASSERT_NE(server, nullptr);
  HttpClient first = ConnectOrDie(*server);
  HttpClient second = ConnectOrDie(*server);
  ASSERT_THAT(first.Send(BuildRequest("POST", "/slow/1", "1", {})), IsOk());
  ASSERT_TRUE(fixture.gate.WaitEntered(1, absl::Seconds(10)));
  ASSERT_THAT(second.Send(BuildRequest("POST", "/slow/2", "2", {})), IsOk());
  ASSERT_TRUE(fixture.WaitOffloadChecks(2));

  std::thread stopper([&] { server->Stop(); });
  fixture.gate.Open();
  stopper.join();
  // Both requests were accepted into the queue: both ran before Stop()
  // returned, none was dropped half-way.
  EXPECT_EQ(fixture.slow_answered.load(), 2);
  EXPECT_EQ(server->open_connections(), 0u);
}

TEST(HttpServerWorkersTest, AnAnswerSlowerThanTheIdleTimeoutIsStillSent) {
  OffloadFixture fixture;
  HttpServerOptions options = fixture.Options(1, 4);
  options.connection_timeout = absl::Seconds(1);
  auto server = StartOrDie(options, fixture.MakeHandler());
  ASSERT_NE(server, nullptr);
  HttpClient client = ConnectOrDie(*server);
  ASSERT_THAT(client.Send(BuildRequest("POST", "/slow", "late", {})), IsOk());
  ASSERT_TRUE(fixture.gate.WaitEntered(1, absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(2500));  // past the idle timeout
  fixture.gate.Open();
  absl::StatusOr<ClientResponse> answer = client.ReadResponse();
  ASSERT_THAT(answer, IsOk());
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, "late");
}

TEST(HttpServerTest, InvalidOptionsAreRejected) {
  HttpServerOptions options = TestOptions();
  options.bind_address = "localhost";
  EXPECT_THAT(HttpServer::Start(options, Echo),
              StatusIs(absl::StatusCode::kInvalidArgument, "localhost"));

  options = TestOptions();
  options.bind_address = "192.0.2.1";  // TEST-NET-1: not on this host.
  EXPECT_THAT(HttpServer::Start(options, Echo),
              StatusIs(absl::StatusCode::kInvalidArgument, "192.0.2.1:0"));

  options = TestOptions();
  options.thread_count = 0;
  EXPECT_THAT(HttpServer::Start(options, Echo),
              StatusIs(absl::StatusCode::kInvalidArgument, "thread_count"));

  options = TestOptions();
  options.request_timeout = absl::ZeroDuration();
  EXPECT_THAT(HttpServer::Start(options, Echo),
              StatusIs(absl::StatusCode::kInvalidArgument, "request_timeout"));

  options = TestOptions();
  options.tls_cert_pem = "-----BEGIN CERTIFICATE-----";
  EXPECT_THAT(HttpServer::Start(options, Echo),
              StatusIs(absl::StatusCode::kInvalidArgument, "tls_key_pem"));

  options = TestOptions();
  options.worker_threads = -1;
  EXPECT_THAT(HttpServer::Start(options, Echo),
              StatusIs(absl::StatusCode::kInvalidArgument, "worker_threads"));

  options = TestOptions();
  options.worker_threads = 2;
  options.worker_queue_limit = 0;
  EXPECT_THAT(HttpServer::Start(options, Echo),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "worker_queue_limit"));

  EXPECT_THAT(HttpServer::Start(TestOptions(), Handler()),
              StatusIs(absl::StatusCode::kInvalidArgument, "handler"));
}

TEST(HttpServerTest, IPv6LoopbackWorksWhenAvailable) {
  HttpServerOptions options = TestOptions();
  options.bind_address = "[::1]";
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(options, Echo);
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback: " << server.status();
  ASSERT_NE((*server)->port(), 0);
  absl::StatusOr<HttpClient> client = HttpClient::ConnectTo("::1", (*server)->port());
  ASSERT_THAT(client, IsOk());
  absl::StatusOr<ClientResponse> response =
      client->Request("POST", "/v6?x=1", "over IPv6");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "over IPv6");
  EXPECT_THAT(response->Header("X-Peer"), Optional(std::string("::1")));
  // An IPv6-only listener: IPv4 loopback does not reach it.
  EXPECT_FALSE(HttpClient::Connect((*server)->port(), absl::Seconds(1)).ok());
}

TEST(HttpServerTest, StopIsIdempotentAndRefusesNewConnections) {
  auto server = StartOrDie(TestOptions());
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();
  HttpClient open = ConnectOrDie(*server);
  ASSERT_TRUE(server->WaitForOpenConnections(1, absl::Seconds(5)));
  server->Stop();
  server->Stop();
  EXPECT_EQ(server->port(), port);
  EXPECT_EQ(server->open_connections(), 0u);
  EXPECT_TRUE(open.WaitForClose(absl::Seconds(5)));
  EXPECT_FALSE(HttpClient::Connect(port).ok());
  server.reset();  // The destructor's Stop() is a no-op now.
}

// --- TLS ------------------------------------------------------------------

// A temporary directory with a self-signed certificate for 127.0.0.1.
class TlsFiles {
 public:
  TlsFiles() {
    char dir_template[] = "/tmp/autoheal_http_tls_XXXXXX";
    if (mkdtemp(dir_template) == nullptr) return;
    dir_ = dir_template;
    const std::string command = absl::StrCat(
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ", key_path(),
        " -out ", cert_path(),
        " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1"
        " >/dev/null 2>&1");
    ok_ = std::system(command.c_str()) == 0;
  }
  ~TlsFiles() {
    if (dir_.empty()) return;
    std::remove(key_path().c_str());
    std::remove(cert_path().c_str());
    rmdir(dir_.c_str());
  }
  bool ok() const { return ok_; }
  std::string key_path() const { return dir_ + "/key.pem"; }
  std::string cert_path() const { return dir_ + "/cert.pem"; }

 private:
  std::string dir_;
  bool ok_ = false;
};

// Runs `command` and returns its exit code and standard output.
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, output};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(HttpServerTlsTest, ServesHttpsAndRefusesPlainHttp) {
  TlsFiles files;
  ASSERT_TRUE(files.ok()) << "openssl could not create a certificate";
  HttpServerOptions options = TestOptions();
  options.tls_cert_pem = testutil::ReadFileOrDie(files.cert_path());
  options.tls_key_pem = testutil::ReadFileOrDie(files.key_path());
  options.error_logger = [](absl::string_view) {};  // Handshake failures.
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(options, Echo);
  if (absl::IsFailedPrecondition(server.status())) {
    GTEST_SKIP() << server.status();
  }
  ASSERT_THAT(server, IsOk());
  const uint16_t port = (*server)->port();

  const auto [code, output] = RunCommand(absl::StrCat(
      "curl --silent --show-error --max-time 10 --cacert ", files.cert_path(),
      " --data-binary tls-body https://127.0.0.1:", port, "/secure?q=1"));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(output, "tls-body");

  absl::StatusOr<HttpClient> plain = HttpClient::Connect(port);
  ASSERT_THAT(plain, IsOk());
  absl::StatusOr<ClientResponse> response =
      plain->Request("GET", "/json", {}, {}, absl::Seconds(5));
  EXPECT_FALSE(response.ok()) << response->status;

  // HTTPS still works after the plain-text attempt.
  const auto [code2, output2] = RunCommand(
      absl::StrCat("curl --silent --show-error --max-time 10 --cacert ",
                   files.cert_path(), " https://127.0.0.1:", port, "/json"));
  EXPECT_EQ(code2, 0);
  EXPECT_EQ(output2, "{}");
}

TEST(HttpServerTlsTest, MalformedCertificateIsInvalidArgument) {
  HttpServerOptions options = TestOptions();
  options.tls_cert_pem = "-----BEGIN CERTIFICATE-----\nnot a cert\n";
  options.tls_key_pem = "-----BEGIN PRIVATE KEY-----\nnot a key\n";
  options.error_logger = [](absl::string_view) {};
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(options, Echo);
  if (absl::IsFailedPrecondition(server.status())) {
    GTEST_SKIP() << server.status();
  }
  EXPECT_THAT(server, StatusIs(absl::StatusCode::kInvalidArgument,
                               "certificate or key"));
}

}  // namespace
}  // namespace http
}  // namespace autoheal

// The one host:port parser (core/host_port.h) that the receiver's --listen,
// the Redis store's address and lint's webhook URLs share.

#include "core/host_port.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace autoheal {
namespace internal {
namespace {

using ::testing::HasSubstr;

HostPortSpec Connect() {
  HostPortSpec spec;
  spec.what = "redis address";
  spec.example = "127.0.0.1:6379";
  return spec;
}

HostPortSpec Listen() {
  HostPortSpec spec;
  spec.what = "listen address";
  spec.example = "127.0.0.1:9009";
  spec.allow_port_zero = true;
  return spec;
}

HostPortSpec UrlAuthority() {
  HostPortSpec spec;
  spec.what = "URL host";
  spec.example = "127.0.0.1:9009";
  spec.port_optional = true;
  return spec;
}

// Returns the error message, or "OK".
std::string Problem(absl::string_view value, const HostPortSpec& spec) {
  absl::StatusOr<HostPort> parsed = ParseHostPort(value, spec);
  if (parsed.ok()) return "OK";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(ParseHostPortTest, SplitsHostAndPort) {
  absl::StatusOr<HostPort> parsed = ParseHostPort("127.0.0.1:6379", Connect());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "127.0.0.1");
  EXPECT_EQ(parsed->port, 6379);

  parsed = ParseHostPort("redis.internal:1", Connect());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "redis.internal");
  EXPECT_EQ(parsed->port, 1);

  parsed = ParseHostPort("localhost:65535", Connect());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->port, 65535);
}

TEST(ParseHostPortTest, Ipv6LiteralsGoInBrackets) {
  absl::StatusOr<HostPort> parsed = ParseHostPort("[::1]:6379", Connect());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "::1");
  EXPECT_EQ(parsed->port, 6379);

  parsed = ParseHostPort("[fe80::1%eth0]:9009", Listen());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "fe80::1%eth0");

  EXPECT_THAT(Problem("::1:6379", Connect()),
              HasSubstr("(a host with ':' (an IPv6 address) must be in "
                        "brackets, as in [::1]:port)"));
  EXPECT_THAT(Problem("[::1:6379", Connect()),
              HasSubstr("('[' without a closing ']')"));
  EXPECT_THAT(Problem("[::1]6379", Connect()),
              HasSubstr("(expected ':' after ']')"));
  EXPECT_THAT(Problem("[::1]", Connect()), HasSubstr("(the port is missing)"));
  EXPECT_THAT(Problem("[]:6379", Connect()), HasSubstr("(the host is empty)"));
  EXPECT_THAT(Problem("a]:6379", Connect()),
              HasSubstr("(unexpected '[' or ']' in the host)"));
  EXPECT_THAT(Problem("[a[b]:6379", Connect()),
              HasSubstr("(unexpected '[' or ']' in the host)"));
}

TEST(ParseHostPortTest, ErrorsNameTheValueTheFormAndTheProblem) {
  EXPECT_EQ(Problem("localhost", Connect()),
            "redis address \"localhost\": expected host:port, e.g. "
            "127.0.0.1:6379 (the port is missing)");
  EXPECT_EQ(Problem("localhost:", Connect()),
            "redis address \"localhost:\": expected host:port, e.g. "
            "127.0.0.1:6379 (the port is missing)");
  EXPECT_EQ(Problem(":9009", Listen()),
            "listen address \":9009\": expected host:port, e.g. "
            "127.0.0.1:9009 (the host is empty)");
  EXPECT_EQ(Problem("", Listen()),
            "listen address \"\": expected host:port, e.g. 127.0.0.1:9009 "
            "(the host is empty)");
  // A hostile value is quoted escaped and cut, like every value in errors.
  EXPECT_THAT(Problem("a\nb", Connect()), HasSubstr("\"a\\nb\""));
  EXPECT_LT(Problem(std::string(100000, 'h'), Connect()).size(), 250u);
}

TEST(ParseHostPortTest, PortZeroOnlyWhereAllowed) {
  absl::StatusOr<HostPort> parsed = ParseHostPort("127.0.0.1:0", Listen());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->port, 0);
  EXPECT_THAT(Problem("127.0.0.1:0", Connect()),
              HasSubstr("(the port must be a number from 1 to 65535)"));
  EXPECT_THAT(Problem("127.0.0.1:00000", Connect()),
              HasSubstr("(the port must be a number from 1 to 65535)"));
  EXPECT_THAT(Problem("h:0", UrlAuthority()),
              HasSubstr("(the port must be a number from 1 to 65535)"));
}

TEST(ParseHostPortTest, PortsOutsideTheRangeOrNotDecimal) {
  for (const char* value :
       {"h:65536", "h:99999", "h:100000", "h:4294967297", "h:http", "h:-1",
        "h:+80", "h: 80", "h:80 ", "h:0x50", "h:8O", "h:1e3"}) {
    EXPECT_THAT(Problem(value, Listen()),
                HasSubstr("(the port must be a number from 0 to 65535)"))
        << value;
  }
  // Leading zeros are still decimal digits, as in Go.
  absl::StatusOr<HostPort> parsed = ParseHostPort("h:00080", Connect());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->port, 80);
}

TEST(ParseHostPortTest, AnOptionalPortMayBeLeftOut) {
  absl::StatusOr<HostPort> parsed = ParseHostPort("autoheal", UrlAuthority());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "autoheal");
  EXPECT_EQ(parsed->port, std::nullopt);

  parsed = ParseHostPort("autoheal:", UrlAuthority());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->port, std::nullopt);

  parsed = ParseHostPort("[::1]", UrlAuthority());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "::1");

  EXPECT_EQ(Problem("a:b:c", UrlAuthority()),
            "URL host \"a:b:c\": expected host[:port], e.g. 127.0.0.1:9009 "
            "(a host with ':' (an IPv6 address) must be in brackets, as in "
            "[::1]:port)");
}

TEST(JoinHostPortTest, BracketsIpv6LiteralsAndRoundTrips) {
  EXPECT_EQ(JoinHostPort("127.0.0.1", 9009), "127.0.0.1:9009");
  EXPECT_EQ(JoinHostPort("::1", 0), "[::1]:0");
  for (const char* host : {"127.0.0.1", "::1", "redis", "fe80::1%eth0"}) {
    absl::StatusOr<HostPort> parsed =
        ParseHostPort(JoinHostPort(host, 6379), Connect());
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->host, host);
    EXPECT_EQ(parsed->port, 6379);
  }
}

}  // namespace
}  // namespace internal
}  // namespace autoheal

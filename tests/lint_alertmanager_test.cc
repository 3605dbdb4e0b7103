// `autoheal lint --alertmanager`: webhook URLs must stay local.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lint/alertmanager.h"
#include "lint_test_util.h"

namespace autoheal {
namespace lint {
namespace {

using ::autoheal::lint::testutil::IsFinding;
using ::autoheal::lint::testutil::MessageHas;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;

std::string Config(const std::string& url_line) {
  return "route:\n"
         "  receiver: autoheal\n"
         "receivers:\n"
         "  - name: autoheal\n"
         "    webhook_configs:\n"
         "      - " + url_line + "\n";
}

std::vector<Finding> Lint(const std::string& text,
                          const AllowedHosts& hosts = AllowedHosts()) {
  return LintAlertmanager(text, "alertmanager.yml", hosts);
}

TEST(UrlHostTest, ExtractsTheHost) {
  EXPECT_THAT(UrlHost("http://127.0.0.1:9009/alerts"), Optional(std::string("127.0.0.1")));
  EXPECT_THAT(UrlHost("HTTPS://User:Pw@Heal.Example.COM./x?y#z"),
              Optional(std::string("heal.example.com")));
  EXPECT_THAT(UrlHost("http://[::1]:9/x"), Optional(std::string("::1")));
  EXPECT_THAT(UrlHost("http://a@b@autoheal:1"), Optional(std::string("autoheal")));
  EXPECT_THAT(UrlHost("http://autoheal?x=@evil"), Optional(std::string("autoheal")));
  EXPECT_EQ(UrlHost("ftp://host/"), std::nullopt);
  EXPECT_EQ(UrlHost("127.0.0.1:9009"), std::nullopt);
  EXPECT_EQ(UrlHost("http:///path"), std::nullopt);
  EXPECT_EQ(UrlHost("http://[::1/x"), std::nullopt);
  EXPECT_THAT(UrlHost("http://autoheal:/x"), Optional(std::string("autoheal")));
  EXPECT_EQ(UrlHost("http://autoheal:0/x"), std::nullopt);
  EXPECT_EQ(UrlHost("http://autoheal:65536/x"), std::nullopt);
  EXPECT_EQ(UrlHost("http://[::1]x/"), std::nullopt);
  EXPECT_EQ(UrlHost(std::string("http://127.0.0.1\0.evil.com/", 28)), std::nullopt);
  EXPECT_EQ(UrlHost("http://127.0.0.1 .evil.com/"), std::nullopt);
}

TEST(IsLoopbackHostTest, OnlyLoopback) {
  for (const char* host : {"localhost", "LOCALHOST", "localhost.", "127.0.0.1",
                           "127.255.0.9", "::1", "[::1]", "0:0:0:0:0:0:0:1",
                           "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "128.0.0.1", "10.0.0.1", "::", "::2",
                           "::ffff:10.0.0.1", "localhost.example.com",
                           "my-localhost", "127.0.0.1.nip.io", "", "127.1"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(AlertmanagerTest, LoopbackUrlsAreClean) {
  for (const char* url :
       {"url: http://127.0.0.1:9009/alerts", "url: 'http://localhost:9009/'",
        "url: \"http://[::1]:9009/alerts\"", "url: https://127.0.0.2/x"}) {
    EXPECT_THAT(Lint(Config(url)), IsEmpty()) << url;
  }
}

TEST(AlertmanagerTest, AnExternalUrlIsAnError) {
  std::vector<Finding> findings =
      Lint(Config("url: https://ops:secret@heal.example.com/hook/t0k3n?x=1"));
  ASSERT_THAT(findings,
              ElementsAre(AllOf(IsFinding(rule::kAlertmanagerExternalUrl, 6, 14),
                                MessageHas("hardcoded external autoheal URL "
                                           "\"https://heal.example.com\" in "
                                           "receiver \"autoheal\""))));
  EXPECT_EQ(findings[0].severity, Severity::kError);
  EXPECT_FALSE(findings[0].parse_error);
  // The URL is a secret in Alertmanager: neither credentials nor path leak.
  EXPECT_THAT(findings[0].message, Not(HasSubstr("secret")));
  EXPECT_THAT(findings[0].message, Not(HasSubstr("t0k3n")));
}

TEST(AlertmanagerTest, ComposeServicesAndAllowedHostsAreLocal) {
  AllowedHosts hosts;
  hosts.compose_services = {"autoheal", "Healer"};
  hosts.allowed = {"heal.internal", "*.svc.cluster.local", "[fd00::1]"};
  for (const char* url :
       {"url: http://autoheal:9009/alerts", "url: http://AUTOHEAL:9009/",
        "url: http://healer/", "url: http://heal.internal:80/",
        "url: http://autoheal.ops.svc.cluster.local/",
        "url: http://[fd00::1]:9/"}) {
    EXPECT_THAT(Lint(Config(url), hosts), IsEmpty()) << url;
  }
  for (const char* url :
       {"url: http://autoheal2:9009/", "url: http://svc.cluster.local/",
        "url: http://evil-svc.cluster.local/", "url: http://heal.internal.evil/"}) {
    EXPECT_THAT(Lint(Config(url), hosts),
                ElementsAre(IsFinding(rule::kAlertmanagerExternalUrl, 6, 14)))
        << url;
  }
}

TEST(AlertmanagerTest, UrlFileIsReportedNotFollowed) {
  std::vector<Finding> findings =
      Lint(Config("url_file: /etc/alertmanager/autoheal-url"));
  ASSERT_THAT(findings,
              ElementsAre(AllOf(IsFinding(rule::kAlertmanagerUrlFile, 6, 19),
                                MessageHas("\"/etc/alertmanager/autoheal-url\""))));
  EXPECT_EQ(findings[0].severity, Severity::kWarning);
}

TEST(AlertmanagerTest, EveryReceiverAndWebhookIsChecked) {
  std::vector<Finding> findings = Lint(
      "x-hook: &hook\n"
      "  url: http://203.0.113.7/\n"
      "receivers:\n"
      "  - name: blackhole\n"
      "  - name: slack\n"
      "    slack_configs: [{api_url: 'https://hooks.slack.com/x'}]\n"
      "  - name: first\n"
      "    webhook_configs:\n"
      "      - url: http://127.0.0.1/\n"
      "      - url: http://198.51.100.1/\n"
      "  - name: merged\n"
      "    webhook_configs:\n"
      "      - <<: *hook\n"
      "        send_resolved: true\n");
  EXPECT_THAT(findings,
              ElementsAre(AllOf(IsFinding(rule::kAlertmanagerExternalUrl, 2, 8),
                                MessageHas("receiver \"merged\"")),
                          AllOf(IsFinding(rule::kAlertmanagerExternalUrl, 10, 14),
                                MessageHas("receiver \"first\""))));
}

TEST(AlertmanagerTest, WrongTypesNameThePath) {
  struct Case {
    const char* text;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"receivers: {name: x}\n", 1, "receivers: expected a list of receivers"},
      {"receivers: [x]\n", 1, "receivers[0]: expected a mapping (a receiver)"},
      {"receivers:\n  - name: x\n    webhook_configs: {url: http://a/}\n", 3,
       "receivers[0].webhook_configs: expected a list of webhook configs"},
      {"receivers:\n  - name: x\n    webhook_configs: [http://a/]\n", 3,
       "receivers[0].webhook_configs[0]: expected a mapping"},
      {"receivers:\n  - name: x\n    webhook_configs:\n      - url: [a]\n", 4,
       "receivers[0].webhook_configs[0].url: expected a URL, got a list"},
      {"receivers:\n  - name: x\n    webhook_configs:\n      - url: 127.0.0.1:9\n",
       4, "expected an http:// or https:// URL with a host"},
      {"receivers:\n  - name: x\n    webhook_configs:\n      - send_resolved: true\n",
       4, "missing url or url_file"},
      // The host and port as core/host_port.h reads them: Alertmanager
      // cannot deliver to port 0, and Go rejects the other two.
      {"receivers:\n  - name: x\n    webhook_configs:\n"
       "      - url: http://127.0.0.1:0/alerts\n",
       4,
       "url: URL host \"127.0.0.1:0\": expected host[:port], e.g. "
       "127.0.0.1:9009 (the port must be a number from 1 to 65535)"},
      {"receivers:\n  - name: x\n    webhook_configs:\n"
       "      - url: http://localhost:http/\n",
       4, "(the port must be a number from 1 to 65535)"},
      {"receivers:\n  - name: x\n    webhook_configs:\n"
       "      - url: http://::1:9009/\n",
       4, "must be in brackets"},
      {"[1, 2]\n", 1, "expected a mapping at the top level"},
  };
  for (const Case& c : cases) {
    std::vector<Finding> findings = Lint(c.text);
    ASSERT_EQ(findings.size(), 1u) << c.text;
    EXPECT_EQ(findings[0].rule, rule::kAlertmanagerInvalid) << c.text;
    EXPECT_EQ(findings[0].line, c.line) << c.text;
    EXPECT_TRUE(findings[0].parse_error);
    EXPECT_THAT(findings[0].message, HasSubstr(c.message)) << c.text;
  }
}

TEST(AlertmanagerTest, ParseErrorsCarryTheLine) {
  std::vector<Finding> findings =
      Lint("receivers:\n  - name: x\n    webhook_configs: [\n");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule, rule::kParseError);
  EXPECT_EQ(findings[0].line, 4);
  EXPECT_TRUE(findings[0].parse_error);
}

}  // namespace
}  // namespace lint
}  // namespace autoheal

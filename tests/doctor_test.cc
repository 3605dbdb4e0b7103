// `autoheal doctor`'s arguments, output formats and timeouts, without a
// stack (tests/doctor_stack_test.cc runs it against real services).
#include "doctor/doctor.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace doctor {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::WriteFileAtomically;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseDoctorArgs, ReadsEveryFlagInBothForms) {
  TempDir dir;
  ASSERT_THAT(WriteFileAtomically(dir.Path("token"), "tok-123\n"), IsOk());
  absl::StatusOr<DoctorOptions> o = ParseDoctorArgs(
      {"--receiver", "http://r:9009/", "--prometheus=http://p:9090",
       "--alertmanager", "https://am:9093", "--alertname", "A",
       "--alertname=B", "--bearer-token-file", dir.Path("token"), "--format",
       "json", "--timeout=2s"});
  ASSERT_THAT(o, IsOk());
  EXPECT_EQ(o->receiver_url, "http://r:9009/");
  EXPECT_EQ(o->prometheus_url, "http://p:9090");
  EXPECT_EQ(o->alertmanager_url, "https://am:9093");
  EXPECT_THAT(o->alertnames, ElementsAre("A", "B"));
  EXPECT_EQ(o->bearer_token, "tok-123");
  EXPECT_EQ(o->format, "json");
  EXPECT_EQ(o->timeout, absl::Seconds(2));
  EXPECT_EQ(o->connect_timeout, absl::Seconds(2));
}

TEST(ParseDoctorArgs, BadArgumentsNameWhatIsWrongNeverTheToken) {
  TempDir dir;
  ASSERT_THAT(WriteFileAtomically(dir.Path("empty"), "\n"), IsOk());
  const auto bad = [](std::vector<std::string> args, const std::string& msg) {
    EXPECT_THAT(ParseDoctorArgs(args),
                StatusIs(absl::StatusCode::kInvalidArgument, msg));
  };
  bad({}, "--receiver: required");
  bad({"--receiver", "127.0.0.1:9009"},
      "--receiver: \"127.0.0.1:9009\" is not an http:// or https:// URL");
  bad({"--receiver", "http://r", "--prometheus", "ftp://p"},
      "--prometheus: \"ftp://p\"");
  bad({"--receiver", "http://r", "--format", "yaml"},
      "--format: \"yaml\" is not text or json");
  bad({"--receiver", "http://r", "--alertname="}, "--alertname: must not be empty");
  bad({"--receiver", "http://r", "--timeout", "soon"},
      "--timeout: \"soon\" is not a positive duration");
  bad({"--receiver", "http://r", "--frobnicate"},
      "unknown argument \"--frobnicate\"");
  bad({"--receiver"}, "--receiver: needs a value");
  bad({"--receiver", "http://r", "--bearer-token-file", dir.Path("nope")},
      "--bearer-token-file: cannot read");
  bad({"--receiver", "http://r", "--bearer-token-file", dir.Path("empty")},
      "is empty");
}

std::vector<CheckResult> Sample() {
  return {
      {"receiver-up", "", CheckStatus::kOk, "autoheal answers", ""},
      {"receiver-enabled", "", CheckStatus::kWarn, "dry-run", "set enabled"},
      {"rule-opted-in", "X", CheckStatus::kFail, "annotation is \"TRUE\"",
       "set it"},
      {"rule-runbook", "X", CheckStatus::kSkip, "needs rule-loaded", ""},
  };
}

TEST(RenderDoctor, TextIsOneLinePerCheckWithFixesAndASummary) {
  EXPECT_EQ(RenderText(Sample()),
            "[ok]     receiver-up: autoheal answers\n"
            "[warn]   receiver-enabled: dry-run\n"
            "         fix: set enabled\n"
            "[fail]   rule-opted-in (X): annotation is \"TRUE\"\n"
            "         fix: set it\n"
            "[skip]   rule-runbook (X): needs rule-loaded\n"
            "doctor: 1 ok, 1 warn, 1 fail, 1 skip\n");
}

TEST(RenderDoctor, JsonHasOkAndEveryCheck) {
  const std::string out = RenderJson(Sample());
  EXPECT_THAT(out, HasSubstr("\"ok\": false"));
  EXPECT_THAT(out, HasSubstr("\"alertname\": null"));
  EXPECT_THAT(out, HasSubstr("\"id\": \"rule-opted-in\""));
  EXPECT_THAT(out, HasSubstr("\"status\": \"warn\""));
  EXPECT_THAT(out, HasSubstr("\"fix\": \"set it\""));
}

TEST(RunDoctor, UsageErrorsExitTwo) {
  DoctorOptions options;
  std::ostringstream out, err;
  EXPECT_EQ(RunDoctor(options, out, err), kExitUsage);
  EXPECT_EQ(out.str(), "");
  EXPECT_THAT(err.str(), HasSubstr("--receiver: required"));
  EXPECT_EQ(RunDoctorCommand({"--nope"}, out, err), kExitUsage);
  EXPECT_THAT(err.str(), HasSubstr("usage: autoheal doctor --receiver URL"));
}

// A receiver that accepts connections and never answers: the kernel
// completes the handshake (listen backlog), nobody accepts.
TEST(RunDoctor, AServerThatNeverAnswersIsAFailAfterTheTimeoutNotAHang) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  const std::string url = absl::StrCat("http://127.0.0.1:", ntohs(addr.sin_port));

  DoctorOptions options;
  options.receiver_url = url;
  options.prometheus_url = url;
  options.alertmanager_url = url;
  options.alertnames = {"X"};
  options.bearer_token = "hidden-token";
  options.timeout = absl::Milliseconds(400);
  std::ostringstream out, err;
  const absl::Time start = absl::Now();
  EXPECT_EQ(RunDoctor(options, out, err), kExitFailed);
  // Four calls (GET /, rules, status, alerts), each bounded by the timeout.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ::close(fd);
  EXPECT_THAT(out.str(), HasSubstr(absl::StrCat("[fail]   receiver-up: GET ",
                                                url, "/: Operation timed out")));
  EXPECT_THAT(out.str(), HasSubstr("[fail]   rule-loaded (X): GET "));
  EXPECT_THAT(out.str(), HasSubstr("[fail]   route-reaches-receiver (X): GET "));
  EXPECT_THAT(out.str(), HasSubstr("[skip]   alert-firing (X): nothing answered"));
  EXPECT_THAT(out.str(), Not(HasSubstr("hidden-token")));
}

}  // namespace
}  // namespace doctor
}  // namespace autoheal

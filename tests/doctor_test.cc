// `autoheal doctor`'s command line, output formats and timeouts, without a
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
#include "cli/app.h"
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

// Runs `autoheal ARGS...` through the CLI11 command line.
int Cli(std::vector<std::string> args, std::string* out, std::string* err) {
  std::vector<const char*> argv = {"autoheal"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::istringstream in;
  std::ostringstream o, e;
  const int code = cli::RunCli(static_cast<int>(argv.size()), argv.data(), in,
                               o, e);
  *out = o.str();
  *err = e.str();
  return code;
}

TEST(DoctorCommand, UsageErrorsExitTwoAndNameTheFlag) {
  TempDir dir;
  ASSERT_THAT(WriteFileAtomically(dir.Path("empty"), "\n"), IsOk());
  std::string out, err;
  EXPECT_EQ(Cli({"doctor"}, &out, &err), kExitUsage);
  EXPECT_THAT(err, HasSubstr("--receiver"));
  EXPECT_EQ(Cli({"doctor", "--receiver", "http://r", "--format", "yaml"}, &out,
                &err),
            kExitUsage);
  EXPECT_THAT(err, HasSubstr("--format: expected text or json"));
  EXPECT_EQ(Cli({"doctor", "--receiver", "http://r", "--timeout", "soon"},
                &out, &err),
            kExitUsage);
  EXPECT_THAT(err, HasSubstr("--timeout"));
  EXPECT_EQ(Cli({"doctor", "--receiver", "127.0.0.1:9009"}, &out, &err),
            kExitUsage);
  EXPECT_THAT(err, HasSubstr("--receiver: \"127.0.0.1:9009\" is not an "
                             "http:// or https:// URL"));
  EXPECT_EQ(Cli({"doctor", "--receiver", "http://r", "--bearer-token-file",
                 dir.Path("nope")},
                &out, &err),
            kExitUsage);
  EXPECT_THAT(err, HasSubstr("--bearer-token-file: cannot read"));
  EXPECT_EQ(Cli({"doctor", "--receiver", "http://r", "--bearer-token-file",
                 dir.Path("empty")},
                &out, &err),
            kExitUsage);
  EXPECT_THAT(err, HasSubstr("holds no token"));
  EXPECT_EQ(out, "");
}

TEST(DoctorCommand, HelpListsEveryFlag) {
  std::string out, err;
  EXPECT_EQ(Cli({"doctor", "--help"}, &out, &err), 0);
  for (const char* flag :
       {"--receiver", "--prometheus", "--alertmanager", "--alertname",
        "--bearer-token-file", "--format", "--timeout"}) {
    EXPECT_THAT(out, HasSubstr(flag)) << out;
  }
}

TEST(ValidateDoctorOptions, NamesWhatIsWrong) {
  DoctorOptions o;
  EXPECT_THAT(ValidateDoctorOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--receiver: required"));
  o.receiver_url = "http://r";
  o.prometheus_url = "ftp://p";
  EXPECT_THAT(ValidateDoctorOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--prometheus: \"ftp://p\""));
  o.prometheus_url = "";
  o.alertnames = {""};
  EXPECT_THAT(ValidateDoctorOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--alertname: must not be empty"));
  o.alertnames = {};
  o.timeout = absl::ZeroDuration();
  EXPECT_THAT(ValidateDoctorOptions(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--timeout: must be positive"));
}

TEST(ReadBearerTokenFile, StripsTrailingNewlinesOnly) {
  TempDir dir;
  ASSERT_THAT(WriteFileAtomically(dir.Path("t"), " tok 1\r\n\n"), IsOk());
  absl::StatusOr<std::string> token = ReadBearerTokenFile(dir.Path("t"));
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(*token, " tok 1");
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

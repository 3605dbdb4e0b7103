// `autoheal backtest` against a real Prometheus serving backfilled history:
// OpenMetrics ALERTS samples loaded with `promtool tsdb create-blocks-from
// openmetrics`, then `prometheus` on that data directory on a loopback port
// it picks itself (port 0, read back from its log). Each scenario of the
// issue is its own alertname in one day of history, and the tests assert
// the exact counts of decisions.
//
// Needs /usr/bin/prometheus and /usr/bin/promtool (scripts/setup.sh).

#include <atomic>
#include <sstream>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include <png.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <fcntl.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "autoheal/testing/fake_clock.h"
#include "backtest/backtest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace {

using json = nlohmann::json;
using testutil::Subprocess;
using testutil::SubprocessOptions;
using testutil::TempDir;
using ::testing::HasSubstr;

// 2026-11-01T00:00:00Z: the day of history.
const absl::Time kT0 = absl::FromUnixSeconds(1793491200);
// "Now" for the CLI: a month later.
const absl::Time kNow = kT0 + absl::Hours(24 * 33);

constexpr char kRules[] = R"(groups:
- name: backtest
  rules:
  - alert: DiskFull
    expr: vector(1)
    annotations: {autoheal: "true"}
  - alert: Flappy
    expr: vector(1)
    annotations: {autoheal: "true"}
  - alert: StormDown
    expr: vector(1)
    annotations: {autoheal: "true"}
  - alert: NotOptedAlert
    expr: vector(1)
    annotations: {summary: "no opt-in"}
  - alert: OrphanAlert
    expr: vector(1)
    annotations: {autoheal: "true"}
  - alert: LongOutage
    expr: vector(1)
    annotations: {autoheal: "true"}
  - alert: TemplatedAlert
    expr: vector(1)
    annotations: {autoheal: "{{ $labels.optin }}"}
)";

constexpr char kPolicy[] = R"(version: 1
cooldown: 10m
actions:
  DiskFull: {name: clean-disk, argv: ["/bin/true"]}
  Flappy: {name: restart-flappy, argv: ["/bin/true"], cooldown: 30m}
  StormDown: {name: restart-storm, argv: ["/bin/true"], key_labels: [instance]}
  NotOptedAlert: {name: never, argv: ["/bin/true"]}
  LongOutage: {name: fix-long, argv: ["/bin/true"], cooldown: 2h}
)";

constexpr char kAlertmanager[] = R"(route:
  receiver: people
  routes:
  - receiver: autoheal
    group_by: [alertname]
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 1h
receivers:
- name: people
- name: autoheal
  webhook_configs:
  - url: http://127.0.0.1:9/alert
)";

// One firing: samples every minute in [from, to) minutes after kT0.
struct Span {
  std::string labels;  // OpenMetrics label text without alertstate
  int from;
  int to;
};

std::string OpenMetrics() {
  std::vector<Span> spans = {
      {"alertname=\"DiskFull\",instance=\"a\"", 60, 90},
      {"alertname=\"Flappy\",instance=\"b\"", 180, 190},
      {"alertname=\"Flappy\",instance=\"b\"", 194, 204},
      {"alertname=\"Flappy\",instance=\"b\"", 208, 218},
      {"alertname=\"NotOptedAlert\",instance=\"c\"", 540, 550},
      {"alertname=\"OrphanAlert\",instance=\"d\"", 600, 610},
      {"alertname=\"TemplatedAlert\",instance=\"e\"", 660, 670},
      {"alertname=\"NoRuleAlert\",instance=\"f\"", 660, 670},
      {"alertname=\"LongOutage\",instance=\"g\"", 720, 960},
  };
  for (int i = 0; i < 15; ++i) {
    spans.push_back(
        {absl::StrCat("alertname=\"StormDown\",instance=\"s", 10 + i, "\""),
         360, 380});
  }
  std::string out = "# TYPE ALERTS gauge\n";
  // One series' samples together, in time order.
  std::map<std::string, std::vector<int>> minutes;
  for (const Span& s : spans) {
    for (int m = s.from; m < s.to; ++m) minutes[s.labels].push_back(m);
  }
  for (const auto& [labels, ms] : minutes) {
    for (int m : ms) {
      absl::StrAppend(&out, "ALERTS{", labels, ",alertstate=\"firing\"} 1 ",
                      absl::ToUnixSeconds(kT0) + 60 * m, "\n");
    }
  }
  out += "# EOF\n";
  return out;
}

class BacktestPrometheusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    Write("alerts.om", OpenMetrics());
    Write("rules.yml", kRules);
    Write("policy.yml", kPolicy);
    Write("alertmanager.yml", kAlertmanager);
    Write("prometheus.yml", "global: {}\n");
    SubprocessOptions promtool;
    promtool.argv = {"/usr/bin/promtool", "tsdb", "create-blocks-from",
                     "openmetrics", dir_->Path("alerts.om"),
                     dir_->Path("data")};
    promtool.stderr_path = dir_->Path("promtool.log");
    promtool.stdout_path = dir_->Path("promtool.log");
    auto tool = Subprocess::Start(std::move(promtool));
    ASSERT_TRUE(tool.ok()) << tool.status();
    auto exit = (*tool)->Wait(absl::Seconds(120));
    ASSERT_TRUE(exit.ok() && exit->Succeeded()) << (*tool)->Describe();

    SubprocessOptions server;
    server.argv = {"/usr/bin/prometheus",
                   "--config.file=" + dir_->Path("prometheus.yml"),
                   "--storage.tsdb.path=" + dir_->Path("data"),
                   "--storage.tsdb.retention.time=10y",
                   "--web.listen-address=127.0.0.1:0"};
    server.stderr_path = dir_->Path("prometheus.log");
    auto started = Subprocess::Start(std::move(server));
    ASSERT_TRUE(started.ok()) << started.status();
    prometheus_ = started->release();
    auto line = prometheus_->WaitForStderrLine("msg=\"Listening on\"",
                                               absl::Seconds(60));
    ASSERT_TRUE(line.ok()) << line.status() << prometheus_->Describe();
    const size_t at = line->find("address=127.0.0.1:") + 18;
    size_t end = at;
    while (end < line->size() && isdigit((*line)[end])) ++end;
    ASSERT_TRUE(absl::SimpleAtoi(line->substr(at, end - at), &port_));
    auto ready = testutil::WaitForHttp(port_, "/-/ready", absl::Seconds(60),
                                       {prometheus_});
    ASSERT_TRUE(ready.ok()) << ready.status();
  }
  static void TearDownTestSuite() {
    delete prometheus_;
    delete dir_;
  }
  static void Write(const std::string& name, const std::string& text) {
    ASSERT_TRUE(testutil::WriteFileAtomically(dir_->Path(name), text).ok());
  }

  backtest::BacktestOptions Options() {
    backtest::BacktestOptions o;
    o.prometheus_url = absl::StrCat("http://127.0.0.1:", port_);
    o.rule_files = {dir_->Path("rules.yml")};
    o.policy_file = dir_->Path("policy.yml");
    o.start = "2026-11-01T00:00:00Z";
    o.end = "2026-11-02T00:00:00Z";
    o.format = "json";
    o.clock = &clock_;
    return o;
  }

  // Runs and returns the JSON report; fails the test on a non-zero exit.
  json Run(const backtest::BacktestOptions& o) {
    std::ostringstream out, err;
    const int code = backtest::RunBacktest(o, out, err);
    EXPECT_EQ(code, 0) << err.str();
    last_err_ = err.str();
    json doc = json::parse(out.str(), nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << out.str();
    return doc;
  }

  // Counts of one alertname's decisions by reason.
  static std::map<std::string, int> Reasons(const json& doc,
                                            const std::string& alertname) {
    std::map<std::string, int> counts;
    for (const json& d : doc["decisions"]) {
      if (d["alertname"] == alertname) ++counts[d["reason"].get<std::string>()];
    }
    return counts;
  }

  int Fail(const backtest::BacktestOptions& o, std::string* err_text) {
    std::ostringstream out, err;
    const int code = backtest::RunBacktest(o, out, err);
    *err_text = err.str();
    return code;
  }

  static TempDir* dir_;
  static Subprocess* prometheus_;
  static int port_;
  testing::FakeClock clock_{kNow};
  std::string last_err_;
};

TempDir* BacktestPrometheusTest::dir_ = nullptr;
Subprocess* BacktestPrometheusTest::prometheus_ = nullptr;
int BacktestPrometheusTest::port_ = 0;

using M = std::map<std::string, int>;

TEST_F(BacktestPrometheusTest, PerAlertModelCountsEveryScenarioExactly) {
  const json doc = Run(Options());
  // A single outage: one run, then its resolution.
  EXPECT_EQ(Reasons(doc, "DiskFull"), (M{{"execute", 1}, {"resolved", 1}}));
  // Flapping with 4-minute quiet gaps (shorter than the 5-minute lookback):
  // three firings, the last two inside the 30m cooldown.
  EXPECT_EQ(Reasons(doc, "Flappy"),
            (M{{"execute", 1}, {"cooling_down", 2}, {"resolved", 3}}));
  // 15 instances at once against the global budget of 10 per 10 minutes.
  EXPECT_EQ(Reasons(doc, "StormDown"),
            (M{{"execute", 10}, {"budget_exhausted", 5}, {"resolved", 15}}));
  EXPECT_EQ(Reasons(doc, "NotOptedAlert"),
            (M{{"not_opted_in", 1}, {"resolved", 1}}));
  EXPECT_EQ(Reasons(doc, "OrphanAlert"),
            (M{{"not_allowlisted", 1}, {"resolved", 1}}));
  // Four hours firing, delivered at start and at resolution (repeat 4h).
  EXPECT_EQ(Reasons(doc, "LongOutage"), (M{{"execute", 1}, {"resolved", 1}}));
  EXPECT_EQ(Reasons(doc, "TemplatedAlert"), M{});
  EXPECT_EQ(Reasons(doc, "NoRuleAlert"), M{});
  EXPECT_EQ(doc["totals"]["execute"], 13);
  EXPECT_EQ(doc["totals"]["cooling_down"], 2);
  EXPECT_EQ(doc["totals"]["budget_exhausted"], 5);
  EXPECT_EQ(doc["totals"]["resolved"], 22);
  EXPECT_EQ(doc["alerts"]["series"], 22);
  EXPECT_EQ(doc["alerts"]["firings"], 24);
  EXPECT_EQ(doc["rules"]["TemplatedAlert"]["opt_in"], "unknown");
  EXPECT_EQ(doc["undecided"]["TemplatedAlert"], 2);
  EXPECT_EQ(doc["undecided"]["NoRuleAlert"], 2);
  const std::string notes = doc["notes"].dump();
  EXPECT_THAT(notes, HasSubstr("alertname NoRuleAlert has history (1 series) "
                               "but no rule"));
  EXPECT_THAT(notes, HasSubstr("TemplatedAlert: opt-in unknown"));
  EXPECT_THAT(last_err_, HasSubstr("1.0/1.0 days fetched, 22 alert series"));
}

TEST_F(BacktestPrometheusTest, AlertmanagerGroupingAndRepeatIntervals) {
  backtest::BacktestOptions o = Options();
  o.alertmanager_file = dir_->Path("alertmanager.yml");
  const json doc = Run(o);
  EXPECT_EQ(Reasons(doc, "DiskFull"), (M{{"execute", 1}, {"resolved", 1}}));
  EXPECT_EQ(Reasons(doc, "Flappy"),
            (M{{"execute", 1}, {"cooling_down", 2}, {"resolved", 3}}));
  // One group, one notification of 15 alerts.
  EXPECT_EQ(Reasons(doc, "StormDown"),
            (M{{"execute", 10}, {"budget_exhausted", 5}, {"resolved", 15}}));
  // repeat_interval 1h: redelivered at 13:05:30, 14:10:30 and 15:15:30
  // (the first check *more than* 1h after the last), against a 2h cooldown.
  EXPECT_EQ(Reasons(doc, "LongOutage"),
            (M{{"execute", 2}, {"cooling_down", 2}, {"resolved", 1}}));
  EXPECT_EQ(doc["totals"]["execute"], 14);
  EXPECT_EQ(doc["totals"]["cooling_down"], 4);
  int storm_at = 0;
  for (const json& d : doc["decisions"]) {
    if (d["alertname"] == "StormDown" && d["reason"] == "execute") {
      EXPECT_EQ(d["time"], "2026-11-01T06:00:30Z");  // group_wait
      ++storm_at;
    }
  }
  EXPECT_EQ(storm_at, 10);
}

TEST_F(BacktestPrometheusTest, TextReportAndBinary) {
  backtest::BacktestOptions o = Options();
  o.format = "text";
  std::ostringstream out, err;
  ASSERT_EQ(backtest::RunBacktest(o, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("would have run: 13 execution(s)"));
  EXPECT_THAT(out.str(), HasSubstr("busiest hours (UTC):\n  2026-11-01T06:00:00Z  10 execution(s), 5 held back"));
}

TEST_F(BacktestPrometheusTest, TheBinaryWritesTheReportAndExitsNonZeroOnErrors) {
  SubprocessOptions run;
  run.argv = {AUTOHEAL_CLI_BIN, "backtest", "--prometheus",
              absl::StrCat("http://127.0.0.1:", port_), "--rules",
              dir_->Path("rules.yml"), "--policy", dir_->Path("policy.yml"),
              "--start", "2026-11-01T00:00:00Z", "--end",
              "2026-11-02T00:00:00Z", "--format", "json", "--output",
              dir_->Path("report.json")};
  run.stderr_path = dir_->Path("cli.err");
  auto cli = Subprocess::Start(std::move(run));
  ASSERT_TRUE(cli.ok()) << cli.status();
  auto exit = (*cli)->Wait(absl::Seconds(60));
  ASSERT_TRUE(exit.ok() && exit->Succeeded()) << (*cli)->Describe();
  auto text = testutil::ReadFileIfExists(dir_->Path("report.json"));
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(json::parse(*text)["totals"]["execute"], 13);

  SubprocessOptions bad;
  bad.argv = {AUTOHEAL_CLI_BIN, "backtest", "--rules", "x.yml", "--start",
              "30d", "--end", "now"};
  bad.stderr_path = dir_->Path("cli-bad.err");
  auto usage = Subprocess::Start(std::move(bad));
  ASSERT_TRUE(usage.ok());
  auto usage_exit = (*usage)->Wait(absl::Seconds(60));
  ASSERT_TRUE(usage_exit.ok());
  EXPECT_EQ(usage_exit->ExitCode(), 2);
  EXPECT_THAT(testutil::ReadFileIfExists(dir_->Path("cli-bad.err")).value_or(""),
              HasSubstr("--prometheus"));
}

TEST_F(BacktestPrometheusTest, ErrorsHaveClearMessages) {
  std::string err;
  backtest::BacktestOptions o = Options();
  o.start = "2026-10-01T00:00:00Z";
  o.end = "2026-10-02T00:00:00Z";
  EXPECT_EQ(Fail(o, &err), 1);
  EXPECT_THAT(err, HasSubstr("no ALERTS{alertstate=\"firing\"} samples"));

  o = Options();
  o.prometheus_url = absl::StrCat("http://127.0.0.1:", port_, "/nope");
  EXPECT_EQ(Fail(o, &err), 1);
  EXPECT_THAT(err, HasSubstr("Prometheus answered HTTP 404"));

  o = Options();
  auto dead = testutil::PickFreeLoopbackPort();
  ASSERT_TRUE(dead.ok());
  o.prometheus_url = absl::StrCat("http://127.0.0.1:", *dead);
  EXPECT_EQ(Fail(o, &err), 1);
  EXPECT_THAT(err, HasSubstr("cannot reach Prometheus"));

  o = Options();
  Write("bad_rules.yml", "groups: [\n");
  o.rule_files = {dir_->Path("bad_rules.yml")};
  EXPECT_EQ(Fail(o, &err), 1);
  EXPECT_THAT(err, HasSubstr("the rule file does not parse"));

  o = Options();
  Write("bad_policy.yml", "version: 1\nactions:\n  X: {name: x, argv: []}\n");
  o.policy_file = dir_->Path("bad_policy.yml");
  EXPECT_EQ(Fail(o, &err), 1);
  EXPECT_THAT(err, HasSubstr("--policy"));

  o = Options();
  o.end = "2027-06-01T00:00:00Z";
  EXPECT_EQ(Fail(o, &err), 1);
  EXPECT_THAT(err, HasSubstr("is in the future"));

  o = Options();
  o.start = "yesterday";
  EXPECT_EQ(Fail(o, &err), 2);
  EXPECT_THAT(err, HasSubstr("is not a TIME"));

  // A query over Prometheus's sample limit is an error, never a part.
  o = Options();
  o.chunk = absl::Hours(24);
  EXPECT_EQ(Run(o)["totals"]["execute"], 13);  // same answer in one chunk
}

// A loopback listener standing in for a proxy: it counts every connection
// Chromium opens to reach the network and closes it at once (so a page
// waiting for a resource fails fast instead of hanging).
class ProxyTrap {
 public:
  ProxyTrap() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 64);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (int c; (c = ::accept(fd_, nullptr, nullptr)) >= 0;) {
        char buf[256] = {};
        timeval tv{2, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        const ssize_t n = ::recv(c, buf, sizeof(buf) - 1, 0);
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.emplace_back(buf, n > 0 ? n : 0);
        }
        count_.fetch_add(1);
        ::close(c);
      }
    });
  }
  ~ProxyTrap() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  // Returns how many connections arrived since the last call.
  int Connections() { return count_.exchange(0); }
  // Returns the first line of every request so far that a page caused,
  // one per line: Chromium's own background calls to Google's update,
  // time and account services are left out (no page names those hosts).
  std::string Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const std::string& r : requests_) {
      const std::string line = r.substr(0, r.find('\r'));
      if (absl::StrContains(line, "google.com") ||
          absl::StrContains(line, "googleapis.com") ||
          absl::StrContains(line, "gstatic.com")) {
        continue;
      }
      out += line + "\n";
    }
    requests_.clear();
    return out;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> count_{0};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

struct Pixels {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgba;
};

absl::StatusOr<Pixels> ReadPng(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    return absl::InternalError(absl::StrCat(path, ": ", image.message));
  }
  image.format = PNG_FORMAT_RGBA;
  Pixels p;
  p.width = image.width;
  p.height = image.height;
  p.rgba.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, p.rgba.data(), 0, nullptr)) {
    return absl::InternalError(absl::StrCat(path, ": ", image.message));
  }
  return p;
}

// The share of pixels that differ from the page background, and how many
// are the report's "would run" green (#1a9e55, with antialiasing slack).
struct Ink {
  double share = 0;
  int green = 0;
};
Ink Measure(const Pixels& p) {
  Ink ink;
  const uint8_t* bg = p.rgba.data();
  size_t differ = 0;
  for (size_t i = 0; i + 3 < p.rgba.size(); i += 4) {
    const uint8_t* px = &p.rgba[i];
    if (std::abs(px[0] - bg[0]) + std::abs(px[1] - bg[1]) +
            std::abs(px[2] - bg[2]) > 30) {
      ++differ;
    }
    if (std::abs(px[0] - 0x1a) < 20 && std::abs(px[1] - 0x9e) < 20 &&
        std::abs(px[2] - 0x55) < 20) {
      ++ink.green;
    }
  }
  ink.share = static_cast<double>(differ) / (p.rgba.size() / 4);
  return ink;
}

// Opens `html` in headless Chromium, every network request sent to `trap`,
// and returns the screenshot.
absl::StatusOr<Pixels> Screenshot(TempDir& dir, const std::string& name,
                                  const std::string& html, ProxyTrap& trap) {
  const std::string page = dir.Path(name + ".html");
  const std::string png = dir.Path(name + ".png");
  absl::Status written = testutil::WriteFileAtomically(page, html);
  if (!written.ok()) return written;
  SubprocessOptions o;
  o.argv = {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-domain-reliability",
            "--hide-scrollbars", "--window-size=1200,1500",
            "--user-data-dir=" + dir.Path(name + "-profile"),
            absl::StrCat("--proxy-server=http://127.0.0.1:", trap.port()),
            "--proxy-bypass-list=<-loopback>",
            "--screenshot=" + png, "file://" + page};
  o.stderr_path = dir.Path(name + "-chromium.log");
  o.stdout_path = dir.Path(name + "-chromium.log");
  auto chromium = Subprocess::Start(std::move(o));
  if (!chromium.ok()) return chromium.status();
  auto exit = (*chromium)->Wait(absl::Seconds(120));
  if (!exit.ok() || !exit->Succeeded()) {
    return absl::InternalError((*chromium)->Describe());
  }
  return ReadPng(png);
}

TEST_F(BacktestPrometheusTest, HtmlReportRendersInChromiumWithoutNetwork) {
  backtest::BacktestOptions o = Options();
  o.format = "html";
  o.alertmanager_file = dir_->Path("alertmanager.yml");
  std::ostringstream out, err;
  ASSERT_EQ(backtest::RunBacktest(o, out, err), 0) << err.str();
  ProxyTrap trap;

  // Controls first, so that the checks below are known to be able to fail:
  // a page that loads an image reaches the trap, a blank page is blank.
  auto control = Screenshot(*dir_, "control",
                            "<html><body><img src=\"http://example.invalid/"
                            "x.png\"></body></html>",
                            trap);
  ASSERT_TRUE(control.ok()) << control.status();
  EXPECT_THAT(trap.Requests(), HasSubstr("example.invalid"));
  EXPECT_LT(Measure(*control).share, 0.01);

  auto report = Screenshot(*dir_, "report", out.str(), trap);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(trap.Requests(), "") << "the report made network requests";
  const Ink ink = Measure(*report);
  EXPECT_GT(ink.share, 0.02);
  EXPECT_GT(ink.green, 50) << "no \"would run\" marks visible";
}

}  // namespace
}  // namespace autoheal

// `autoheal doctor`: the original stack's "autoheal not triggering"
// checklist, run live against a receiver, Prometheus and Alertmanager.
//
// Ten checks, in a stable order, each with a stable id, a status, a message
// and a fix that says what to change and where:
//
//   receiver-up             GET / answers with autoheal's status
//   receiver-ready          GET /readyz: the state store is reachable
//   receiver-enabled        warn in dry-run: nothing will run
//   action-allowlisted      the policy has an action for the alertname
//   rule-loaded             Prometheus has an alerting rule of that name
//   rule-opted-in           its annotations carry the opt-in exactly; near
//                           misses ("TRUE", " true", a label instead of an
//                           annotation, another key's case) are named
//   rule-runbook            warn without runbook_url
//   route-reaches-receiver  Alertmanager's running route tree takes the
//                           rule's labels to a receiver whose webhook URL is
//                           this receiver; a route that stops at another
//                           receiver first is named
//   alert-firing            whether it fires now, in Prometheus and in
//                           Alertmanager (information: never a fail)
//   would-act-now           the receiver's own verdict (POST /explain, a
//                           preview that takes nothing)
//
// The first three run once; the others once per alertname (the given ones,
// or every alertname of the receiver's allowlist). A check is `skip` when a
// URL it needs was not given, or when an earlier check it depends on failed
// (then only that earlier check fails: one cause, one fail).
//
// Every HTTP call has a connect and a total timeout (net/http_fetch.h): an
// unreachable URL is a `fail` of the check that needed it, never a hang.
// The bearer token is sent to the receiver only and never printed.
//
// The command line (`autoheal doctor --receiver URL ...`) is registered in
// src/cli/doctor_command.cc; this library holds everything it runs.
//
// Thread-safety: RunDoctor is reentrant; it shares nothing between calls.

#ifndef AUTOHEAL_DOCTOR_DOCTOR_H_
#define AUTOHEAL_DOCTOR_DOCTOR_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace autoheal {
namespace doctor {

// Exit codes of RunDoctor.
inline constexpr int kExitOk = 0;       // no check failed
inline constexpr int kExitFailed = 1;   // at least one check failed
inline constexpr int kExitUsage = 2;    // bad options

struct DoctorOptions {
  // The receiver's base URL, e.g. "http://127.0.0.1:9009". Required.
  std::string receiver_url;
  // Prometheus's and Alertmanager's base URLs. Default: empty, and the
  // checks that need them are `skip`.
  std::string prometheus_url;
  std::string alertmanager_url;
  // The alertnames to check. Default: empty, meaning every alertname of the
  // receiver's allowlist.
  std::vector<std::string> alertnames;
  // Sent to the receiver's POST /explain. Default: empty (no auth).
  std::string bearer_token;
  // "text" or "json". Default: "text".
  std::string format = "text";
  // The connect timeout and the whole-request timeout of each HTTP call.
  // Default: 3 s and 10 s.
  absl::Duration connect_timeout = absl::Seconds(3);
  absl::Duration timeout = absl::Seconds(10);
};

enum class CheckStatus { kOk, kWarn, kFail, kSkip };

// Returns "ok", "warn", "fail" or "skip".
const char* CheckStatusName(CheckStatus status);

struct CheckResult {
  std::string id;         // e.g. "rule-opted-in"
  std::string alertname;  // empty for the receiver-wide checks
  CheckStatus status = CheckStatus::kSkip;
  std::string message;    // what was found
  std::string fix;        // what to change and where; empty when ok
};

// Runs every check and returns the results in order. Never fails: what it
// cannot reach is a `fail` of the check that needed it.
// Precondition: `options` passed ValidateDoctorOptions.
std::vector<CheckResult> RunChecks(const DoctorOptions& options);

// Returns kInvalidArgument naming the option that is wrong: no receiver
// URL, a URL that is not http(s)://, a format other than text or json, an
// empty alertname, a non-positive timeout.
absl::Status ValidateDoctorOptions(const DoctorOptions& options);

// Renders the results: one block per check (text), or
// {"ok": bool, "checks": [{id, alertname, status, message, fix}]} (json).
std::string RenderText(const std::vector<CheckResult>& results);
std::string RenderJson(const std::vector<CheckResult>& results);

// Validates `options`, runs the checks and writes the report to `out`.
// Returns kExitOk, kExitFailed, or kExitUsage (with the reason on `err`).
int RunDoctor(const DoctorOptions& options, std::ostream& out,
              std::ostream& err);

// Returns the bearer token in file `path`: its content without trailing
// newlines. Errors (kInvalidArgument) name the file, never its content: it
// cannot be read, or it holds no token.
absl::StatusOr<std::string> ReadBearerTokenFile(const std::string& path);

}  // namespace doctor
}  // namespace autoheal

#endif  // AUTOHEAL_DOCTOR_DOCTOR_H_

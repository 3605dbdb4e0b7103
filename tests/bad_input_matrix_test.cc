// The receiver's bad-input matrix: hostile requests against the real
// `autoheal-webhook` binary, ENABLED, with a bearer token and a policy whose
// actions leave a file in a marker directory if they ever run. The policy
// allowlists the alertnames the hostile payloads use, and most payloads are
// one mistake away from a request that executes (the "runnable" payload
// below), so a parser that accepted one would run an action.
//
// For every case the test asserts:
//   - the status the receiver's HTTP contract specifies (DESIGN.md, README):
//     400 {"error": "<path>: ..."} naming the field, only for a body that is
//     not an Alertmanager message at all; 401, 404, 405, 413, 415; or 200
//     with the expected decision for every alert. A problem inside one alert
//     (a missing alertname, labels that are not an object, an unknown
//     status, a mistyped or repeated field, nesting too deep) is that alert's
//     `invalid_alert` skip, with its exact "problem", and its neighbours are
//     decided as usual: no alert can sink its group;
//   - that nothing executed: no `execute` decision and no `outcome` line in
//     the audit log, and the marker directory is empty;
//   - that GET /healthz still answers 200;
//   - that resident memory (VmRSS) stays below the baseline plus
//     kRssCeilingKib, measured after every case.
// A positive control at the end posts the runnable payload and sees its
// action run, so "nothing executed" cannot pass vacuously.
//
// What the parser does with duplicate keys (documented in
// include/autoheal/payload.h): a repeated known field of the message, or a
// repeated name inside groupLabels, commonLabels or commonAnnotations, is a
// 400 naming the object and the key; a repeated known field of an alert, or
// a repeated name inside its labels or annotations, makes that alert
// invalid_alert. Either way the receiver never guesses which value decides.
// A repeated *unknown* top-level or alert field is ignored (its value is
// skipped unread and decides nothing).
//
// A positive control of its own (PoisonedGroupTest) posts malformed alerts
// next to runnable ones and sees the runnable ones execute.
//
// Requests libmicrohttpd rejects before our handler sees them (see
// include/autoheal/http_server.h) get its own short HTML page, not JSON;
// those cases say so (`answered_by_mhd`) and assert the status it really
// sends: 400 for a Content-Length that is not a number, a chunk size that is
// not hex, a request line that is not HTTP; 413 for a Content-Length beyond
// 2^64; 431 for headers larger than the connection's 16 KiB; 414 for a
// 20 KB URI.
// libmicrohttpd 0.9.75 sends the status line and headers of the 400/413
// pages twice; the connection is closed right after. It also ends a header
// value at a raw NUL byte, so "Bearer x<NUL><token>" is the token "x" (401)
// and "text/plain<NUL>application/json" is text/plain (415).
//
// A body over the 1 MiB limit is answered 413 before authentication and
// before it is read when its Content-Length says so, or read and discarded
// when chunked: an unauthenticated client cannot make the receiver buffer
// it either.
//
// Slow and idle clients have their own tests below: a header that never
// finishes (silent, or trickled a byte at a time faster than the idle
// timeout), a body trickled the same way, and 500 idle connections held at
// once, while /healthz and real requests keep being served.

#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_util.h"
#include "webhook_process.h"

namespace autoheal {
namespace {

using ::autoheal::testutil::AuditRecords;
using ::autoheal::testutil::BuildRequest;
using ::autoheal::testutil::ChunkedBody;
using ::autoheal::testutil::ClientResponse;
using ::autoheal::testutil::HeaderList;
using ::autoheal::testutil::HttpClient;
using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::TempDir;
using ::autoheal::testutil::WaitUntil;
using ::autoheal::testutil::WebhookProcess;
using ::autoheal::testutil::WriteFileAtomically;
using ::testing::HasSubstr;
using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr char kToken[] = "m4trix-t0ken";
// The receiver's default body limit (--max-body-bytes), 1 MiB.
constexpr size_t kBodyLimit = size_t{1} << 20;
// Resident memory may grow at most this much above the baseline measured
// after start-up, after any case and after all of them: a 10 MB body must
// not be buffered, a 1 MB label must not be copied dozens of times, and
// nothing may accumulate from case to case.
constexpr int64_t kRssCeilingKib = 64 * 1024;
// The receiver's idle timeout in these tests (--connection-timeout).
constexpr absl::Duration kIdleTimeout = absl::Seconds(2);
// The most time a client may take to send one whole request
// (--request-timeout): bounds clients that trickle bytes faster than the
// idle timeout.
constexpr absl::Duration kRequestTimeout = absl::Seconds(4);

// ---------------------------------------------------------------------------
// Payloads

// One alert object; `labels` and `annotations` are JSON object texts.
std::string Alert(absl::string_view labels, absl::string_view annotations,
                  absl::string_view status = "firing") {
  return absl::StrCat(
      R"({"status":")", status, R"(","labels":)", labels, R"(,"annotations":)",
      annotations,
      R"(,"startsAt":"2026-11-27T07:26:21Z","endsAt":"0001-01-01T00:00:00Z",)"
      R"("generatorURL":"http://127.0.0.1:9090/graph","fingerprint":"0123456789abcdef"})");
}

// A version 4 message around `alerts` (the text inside `[...]`), with
// `extra` (text such as `"x":1,`) placed before every other field.
std::string Message(absl::string_view alerts, absl::string_view extra = "") {
  return absl::StrCat(
      "{", extra, R"("receiver":"autoheal","status":"firing","alerts":[)",
      alerts,
      R"(],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},)"
      R"("externalURL":"http://127.0.0.1:9093","version":"4",)"
      R"("groupKey":"{}:{}","truncatedAlerts":0})");
}

// Labels of an alert the policy runs for any labels (no target pattern).
constexpr absl::string_view kRunnableLabels =
    R"({"alertname":"CrmMetricsScrapeStale","instance":"crm-01:9100"})";
constexpr absl::string_view kOptIn = R"({"autoheal":"true"})";

// The payload that executes: every hostile payload is a variation of it.
std::string Runnable() { return Message(Alert(kRunnableLabels, kOptIn)); }

// A well-formed alert that is decided not_opted_in.
std::string NotOptedIn() {
  return Message(Alert(kRunnableLabels, R"({"summary":"no opt-in"})"));
}

// An alert of the action whose argv templates `instance` (pattern
// [a-z0-9.-]+:[0-9]{1,5}), with `labels_rest` after its alertname.
std::string TcpAlert(absl::string_view labels_rest) {
  return Alert(
      absl::StrCat(R"({"alertname":"TcpEndpointDownFast")", labels_rest, "}"),
      kOptIn);
}

// Runnable() with the message field `field` replaced by `value`.
std::string WithMessageField(const std::string& field,
                             const ordered_json& value) {
  ordered_json message = ordered_json::parse(Runnable());
  message[field] = value;
  return message.dump();
}

// Runnable() with its alert's field `field` replaced by `value`.
std::string WithAlertField(const std::string& field,
                           const ordered_json& value) {
  ordered_json message = ordered_json::parse(Runnable());
  message["alerts"][0][field] = value;
  return message.dump();
}

// Runnable() without the message field `field`.
std::string WithoutMessageField(const std::string& field) {
  ordered_json message = ordered_json::parse(Runnable());
  message.erase(field);
  return message.dump();
}

// Runnable() without its alert's field `field`.
std::string WithoutAlertField(const std::string& field) {
  ordered_json message = ordered_json::parse(Runnable());
  message["alerts"][0].erase(field);
  return message.dump();
}

// Runnable() with `bytes` spliced in place of the alertname's value
// (`bytes` is raw: it may hold invalid UTF-8 or escapes).
std::string WithRawAlertname(absl::string_view bytes) {
  return absl::StrReplaceAll(Runnable(), {{"\"CrmMetricsScrapeStale\"",
                                           absl::StrCat("\"", bytes, "\"")}});
}

// A well-formed, not opted-in alert: the neighbour of a malformed one.
std::string NotOptedInAlert() {
  return Alert(kRunnableLabels, R"({"summary":"no opt-in"})");
}

// `body` (built by Message() or from Runnable()) with a not opted-in alert
// added before and after its alerts: alerts[1] is the one the case is about.
std::string Neighboured(const std::string& body) {
  return absl::StrReplaceAll(
      body,
      {{"\"alerts\":[", absl::StrCat("\"alerts\":[", NotOptedInAlert(), ",")},
       {"],\"groupLabels\"",
        absl::StrCat(",", NotOptedInAlert(), "],\"groupLabels\"")}});
}

// Returns `n` levels of nesting: "[[[...]]]" or {"a":{"a":...}}.
std::string Nested(int n, bool objects) {
  std::string out;
  out.reserve(static_cast<size_t>(n) * 6);
  for (int i = 0; i < n; ++i) out += objects ? "{\"a\":" : "[";
  out += objects ? "1" : "";
  for (int i = 0; i < n; ++i) out += objects ? "}" : "]";
  return out;
}

// ---------------------------------------------------------------------------
// Requests

HeaderList JsonWithToken() {
  return {{"Content-Type", "application/json"},
          {"Authorization", absl::StrCat("Bearer ", kToken)}};
}

// A POST /alerts with a JSON content type and the right token.
std::string Post(absl::string_view body) {
  return BuildRequest("POST", "/alerts", body, JsonWithToken());
}

// ---------------------------------------------------------------------------
// The table

struct HostileCase {
  HostileCase(std::string name_in, std::function<std::string()> request_in,
              int status_in, std::string error_in = "",
              std::vector<std::string> reasons_in = {})
      : name(std::move(name_in)),
        request(std::move(request_in)),
        status(status_in),
        error(std::move(error_in)),
        reasons(std::move(reasons_in)) {}

  std::string name;
  // The exact bytes sent on a new connection. Built lazily: some are 10 MB.
  std::function<std::string()> request;
  int status = 0;
  // For a JSON error: a substring of its "error" (the field's path and what
  // was expected). Empty for libmicrohttpd's own pages.
  std::string error;
  // For 200: the reason of every decision, in order.
  std::vector<std::string> reasons;
  // For 200: the exact "problem" of each invalid_alert decision, by index.
  std::map<size_t, std::string> problems;
  // libmicrohttpd answers these itself (HTML page, connection closed).
  bool answered_by_mhd = false;
  // Send up to the end of the headers, read the answer, then try the rest:
  // the server answers a too-large Content-Length before reading the body.
  bool headers_first = false;
};

std::ostream& operator<<(std::ostream& out, const HostileCase& c) {
  return out << c.name;
}

HostileCase Error400(std::string name, std::function<std::string()> body,
                     std::string error) {
  return {std::move(name), [body] { return Post(body()); }, 400,
          std::move(error)};
}

HostileCase Decided(std::string name, std::function<std::string()> body,
                    std::vector<std::string> reasons) {
  return {std::move(name), [body] { return Post(body()); }, 200, "",
          std::move(reasons)};
}

// One malformed alert between two well-formed neighbours (see
// Neighboured()): 200, the neighbours decided not_opted_in, and alerts[1]
// skipped as invalid_alert with exactly `problem`.
HostileCase Invalid(std::string name, std::function<std::string()> body,
                    std::string problem) {
  HostileCase c =
      Decided(std::move(name), [body] { return Neighboured(body()); },
              {"not_opted_in", "invalid_alert", "not_opted_in"});
  c.problems[1] = std::move(problem);
  return c;
}

// libmicrohttpd's own error, no handler call.
HostileCase ByMhd(std::string name, std::function<std::string()> request,
                  int status) {
  HostileCase c{std::move(name), std::move(request), status};
  c.answered_by_mhd = true;
  return c;
}

std::vector<HostileCase> HttpCases() {
  std::vector<HostileCase> cases;
  cases.push_back(Error400(
      "empty_body", [] { return std::string(); },
      "body: invalid JSON at byte 0"));
  cases.push_back(
      {"wrong_method_get",
       [] { return BuildRequest("GET", "/alerts", "", JsonWithToken()); }, 405,
       "method not allowed; use POST"});
  cases.push_back({"wrong_method_put",
                   [] {
                     return BuildRequest("PUT", "/alerts", Runnable(),
                                         JsonWithToken());
                   },
                   405, "method not allowed; use POST"});
  cases.push_back(
      {"wrong_method_delete",
       [] { return BuildRequest("DELETE", "/alert", "", JsonWithToken()); },
       405, "method not allowed; use POST"});
  cases.push_back({"unknown_path",
                   [] {
                     return BuildRequest("POST", "/alertz", Runnable(),
                                         JsonWithToken());
                   },
                   404, "no route for /alertz"});
  cases.push_back({"path_with_encoded_nul",
                   [] {
                     return BuildRequest("POST", "/alerts%00", Runnable(),
                                         JsonWithToken());
                   },
                   404, "no route for /alerts%00"});
  for (const auto& [name, type] :
       std::vector<std::pair<std::string, std::string>>{
           {"content_type_text_plain", "text/plain"},
           {"content_type_form", "application/x-www-form-urlencoded"},
           {"content_type_json_lookalike", "application/jsonp"},
           {"content_type_empty", ""}}) {
    const std::string content_type = type;
    cases.push_back({name,
                     [content_type] {
                       return BuildRequest("POST", "/alerts", Runnable(),
                                           {{"Content-Type", content_type},
                                            {"Authorization",
                                             absl::StrCat("Bearer ", kToken)}});
                     },
                     415, "Content-Type must be application/json"});
  }
  cases.push_back({"content_type_missing",
                   [] {
                     return BuildRequest(
                         "POST", "/alerts", Runnable(),
                         {{"Authorization", absl::StrCat("Bearer ", kToken)}});
                   },
                   415, "Content-Type must be application/json"});
  const std::vector<std::pair<std::string, std::optional<std::string>>> tokens =
      {
          {"token_missing", std::nullopt},
          {"token_wrong", "Bearer not-the-token"},
          {"token_prefix_of_real",
           absl::StrCat("Bearer ", std::string(kToken).substr(1))},
          {"token_real_plus_suffix", absl::StrCat("Bearer ", kToken, "x")},
          {"token_empty_bearer", "Bearer "},
          {"token_basic_scheme", absl::StrCat("Basic ", kToken)},
          {"token_without_scheme", kToken},
      };
  for (const auto& [name, header] : tokens) {
    const std::optional<std::string> value = header;
    cases.push_back(
        {name,
         [value] {
           HeaderList headers = {{"Content-Type", "application/json"}};
           if (value) headers.emplace_back("Authorization", *value);
           return BuildRequest("POST", "/alerts", Runnable(), headers);
         },
         401, "missing or wrong bearer token"});
  }

  // Bodies over the 1 MiB limit, each one runnable were it accepted.
  const std::string too_large =
      absl::StrCat("request body exceeds ", kBodyLimit, " bytes");
  HostileCase ten_mb{
      "body_10mb_content_length",
      [] {
        std::string body = Runnable();
        body.insert(
            1, absl::StrCat("\"pad\":\"", std::string(10 << 20, 'x'), "\","));
        return Post(body);
      },
      413, too_large};
  ten_mb.headers_first = true;
  cases.push_back(ten_mb);
  cases.push_back(
      {"body_10mb_chunked",
       [] {
         std::string body = Runnable();
         body.insert(
             1, absl::StrCat("\"pad\":\"", std::string(10 << 20, 'x'), "\","));
         HeaderList headers = JsonWithToken();
         headers.emplace_back("Transfer-Encoding", "chunked");
         return BuildRequest("POST", "/alerts", ChunkedBody(body, 64 << 10),
                             headers);
       },
       413, too_large});
  cases.push_back({"body_one_byte_over_limit",
                   [] {
                     std::string body = Runnable();
                     const size_t pad = kBodyLimit + 1 - body.size() - 9;
                     body.insert(1, absl::StrCat("\"pad\":\"",
                                                 std::string(pad, 'x'), "\","));
                     return Post(body);
                   },
                   413, too_large});
  // The size check comes before authentication: an unauthenticated client
  // cannot make the server read 10 MB either.
  HostileCase ten_mb_no_token{
      "body_10mb_without_token",
      [] {
        return BuildRequest("POST", "/alerts", std::string(10 << 20, ' '),
                            {{"Content-Type", "application/json"}});
      },
      413, too_large};
  ten_mb_no_token.headers_first = true;
  cases.push_back(ten_mb_no_token);
  // Framing and syntax libmicrohttpd refuses itself.
  cases.push_back(ByMhd(
      "content_length_not_a_number",
      [] {
        return absl::StrCat(
            "POST /alerts HTTP/1.1\r\nHost: x\r\nContent-Type: "
            "application/json\r\n"
            "Authorization: Bearer ",
            kToken, "\r\nContent-Length: abc\r\n\r\n", Runnable());
      },
      400));
  cases.push_back(ByMhd(
      "content_length_beyond_uint64",
      [] {
        return absl::StrCat(
            "POST /alerts HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\nAuthorization: Bearer ",
            kToken, "\r\nContent-Length: 99999999999999999999999\r\n\r\n");
      },
      413));
  cases.push_back(ByMhd(
      "chunk_size_not_hex",
      [] {
        return absl::StrCat(
            "POST /alerts HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\nAuthorization: Bearer ",
            kToken, "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", Runnable(),
            "\r\n0\r\n\r\n");
      },
      400));
  cases.push_back(ByMhd(
      "garbage_request_line",
      [] {
        // A TLS ClientHello's first bytes, NUL included, sent to plain HTTP.
        static constexpr char kTlsHello[] =
            "\x16\x03\x01\x02\x00 hello\r\n\r\n";
        return std::string(kTlsHello, sizeof(kTlsHello) - 1);
      },
      400));
  cases.push_back(ByMhd(
      "header_larger_than_connection_memory",
      [] {
        return BuildRequest("POST", "/alerts", Runnable(),
                            {{"Content-Type", "application/json"},
                             {"Authorization", absl::StrCat("Bearer ", kToken)},
                             {"X-Padding", std::string(32 << 10, 'p')}});
      },
      431));
  cases.push_back(ByMhd(
      "uri_20kb",
      [] {
        return BuildRequest(
            "POST", absl::StrCat("/alerts?", std::string(20 << 10, 'q')),
            Runnable(), JsonWithToken());
      },
      414));
  // libmicrohttpd ends a header value at a raw NUL byte: what follows is
  // dropped, so a NUL cannot carry the token past the check.
  cases.push_back(
      {"token_after_raw_nul",
       [] {
         return absl::StrCat(
             "POST /alerts HTTP/1.1\r\nHost: x\r\n"
             "Content-Type: application/json\r\nAuthorization: Bearer x",
             std::string(1, '\0'), kToken,
             "\r\nContent-Length: ", Runnable().size(), "\r\n\r\n", Runnable());
       },
       401, "missing or wrong bearer token"});
  cases.push_back({"content_type_json_after_raw_nul",
                   [] {
                     return absl::StrCat(
                         "POST /alerts HTTP/1.1\r\nHost: x\r\n"
                         "Content-Type: text/plain",
                         std::string(1, '\0'),
                         "application/json\r\nAuthorization: Bearer ", kToken,
                         "\r\nContent-Length: ", Runnable().size(), "\r\n\r\n",
                         Runnable());
                   },
                   415, "Content-Type must be application/json"});
  return cases;
}

std::vector<HostileCase> SyntaxCases() {
  std::vector<HostileCase> cases;
  const std::string bad_json = "body: invalid JSON at byte";
  cases.push_back(Error400(
      "truncated_json_half",
      [] {
        std::string r = Runnable();
        return r.substr(0, r.size() / 2);
      },
      bad_json));
  cases.push_back(Error400(
      "truncated_json_last_brace",
      [] {
        std::string r = Runnable();
        return r.substr(0, r.size() - 1);
      },
      bad_json));
  cases.push_back(Error400(
      "truncated_json_inside_alertname",
      [] {
        std::string r = Runnable();
        return r.substr(0, r.find("MetricsScrape"));
      },
      bad_json));
  cases.push_back(Error400(
      "nesting_10000_arrays_in_unknown_field",
      [] {
        return Message(Alert(kRunnableLabels, kOptIn),
                       absl::StrCat("\"deep\":", Nested(10000, false), ","));
      },
      "body: nesting deeper than 32 levels"));
  // Inside one alert, nesting too deep is that alert's problem: the parser
  // skips the rest of the value and goes on.
  cases.push_back(Invalid(
      "nesting_10000_objects_in_unknown_alert_field",
      [] {
        return Message(absl::StrReplaceAll(
            Alert(kRunnableLabels, kOptIn),
            {{"{\"status\"", absl::StrCat("{\"deep\":", Nested(10000, true),
                                          ",\"status\"")}}));
      },
      "alerts[1].deep: nesting deeper than 32 levels"));
  cases.push_back(Invalid(
      "nesting_10000_arrays_in_unknown_alert_field",
      [] {
        return Message(absl::StrReplaceAll(
            Alert(kRunnableLabels, kOptIn),
            {{"\"fingerprint\"", absl::StrCat("\"deep\":", Nested(10000, false),
                                              ",\"fingerprint\"")}}));
      },
      "alerts[1].deep: nesting deeper than 32 levels"));
  cases.push_back(Error400(
      "nesting_10000_arrays_top_level", [] { return Nested(10000, false); },
      "body: expected an object, got array"));
  cases.push_back(Error400(
      "nesting_10000_objects_top_level", [] { return Nested(10000, true); },
      "body: nesting deeper than 32 levels"));
  cases.push_back(Invalid(
      "nesting_10000_objects_in_labels",
      [] {
        return Message(
            Alert(absl::StrCat(R"({"alertname":"CrmMetricsScrapeStale","x":)",
                               Nested(10000, true), "}"),
                  kOptIn));
      },
      "alerts[1].labels.x: expected a string, got object"));
  cases.push_back(Error400(
      "top_level_array", [] { return "[" + Runnable() + "]"; },
      "body: expected an object, got array"));
  cases.push_back(Error400(
      "top_level_string", [] { return std::string("\"alerts\""); },
      "body: expected an object, got string"));
  cases.push_back(Error400(
      "not_json", [] { return std::string("alertname=CrmMetricsScrapeStale"); },
      bad_json));
  cases.push_back(Error400(
      "trailing_garbage", [] { return Runnable() + "xyz"; }, bad_json));
  cases.push_back(Error400(
      "two_documents", [] { return Runnable() + Runnable(); }, bad_json));
  cases.push_back(Error400(
      "single_quotes",
      [] {
        return absl::StrReplaceAll(Runnable(), {{"\"", "'"}});
      },
      bad_json));
  cases.push_back(Error400(
      "trailing_comma",
      [] {
        std::string r = Runnable();
        return r.insert(r.size() - 1, ",");
      },
      bad_json));
  cases.push_back(Error400(
      "comment", [] { return "/* hi */" + Runnable(); }, bad_json));
  cases.push_back(Error400(
      "nan_literal",
      [] {
        return absl::StrReplaceAll(
            Runnable(), {{"\"truncatedAlerts\":0", "\"truncatedAlerts\":NaN"}});
      },
      bad_json));
  cases.push_back(Error400(
      "number_overflow_1e400",
      [] {
        return absl::StrReplaceAll(Runnable(), {{"\"truncatedAlerts\":0",
                                                 "\"truncatedAlerts\":1e400"}});
      },
      bad_json));
  cases.push_back(Error400(
      "number_beyond_uint64",
      [] {
        return absl::StrReplaceAll(
            Runnable(), {{"\"truncatedAlerts\":0",
                          "\"truncatedAlerts\":18446744073709551616"}});
      },
      "truncatedAlerts: expected a non-negative integer"));
  return cases;
}

std::vector<HostileCase> NulAndUtf8Cases() {
  std::vector<HostileCase> cases;
  const std::string raw_nul = "raw NUL byte";
  cases.push_back(Error400(
      "raw_nul_after_body",
      [] { return Runnable() + std::string(1, '\0') + "{}"; }, raw_nul));
  cases.push_back(Error400(
      "raw_nul_in_label_value",
      [] {
        return WithRawAlertname(std::string("CrmMetricsScrapeStale\0", 22));
      },
      raw_nul));
  cases.push_back(Error400(
      "raw_nul_in_label_name",
      [] {
        return absl::StrReplaceAll(
            Runnable(), {{"\"instance\"", std::string("\"inst\0ance\"", 11)}});
      },
      raw_nul));
  cases.push_back(
      Decided("escaped_nul_in_alertname",
              [] { return WithRawAlertname("CrmMetricsScrapeStale\\u0000"); },
              {"not_allowlisted"}));
  cases.push_back(Decided(
      "escaped_nul_in_target_label_name",
      [] {
        return Message(TcpAlert(R"(,"instance\u0000":"db-01.internal:5432")"));
      },
      {"invalid_target"}));
  cases.push_back(Decided(
      "escaped_nul_in_target_label_value",
      [] {
        return Message(
            TcpAlert(R"(,"instance":"db-01.internal:5432\u0000--evil")"));
      },
      {"invalid_target"}));
  cases.push_back(Decided(
      "escaped_nul_in_optin_value",
      [] {
        return Message(Alert(kRunnableLabels, R"({"autoheal":"true\u0000"})"));
      },
      {"not_opted_in"}));
  cases.push_back(Decided(
      "escaped_nul_in_optin_name",
      [] {
        return Message(Alert(kRunnableLabels, R"({"autoheal\u0000":"true"})"));
      },
      {"not_opted_in"}));

  const std::string ill_formed = "body: invalid JSON at byte";
  const std::vector<std::pair<std::string, std::string>> utf8 = {
      {"invalid_utf8_byte_ff", "Crm\xff"},
      {"invalid_utf8_lone_continuation", "Crm\x80"},
      {"invalid_utf8_overlong_slash_c0af", "Crm\xc0\xaf"},
      {"invalid_utf8_overlong_nul_c080", "Crm\xc0\x80"},
      {"invalid_utf8_overlong_3byte_e080af", "Crm\xe0\x80\xaf"},
      {"invalid_utf8_raw_surrogate_eda080", "Crm\xed\xa0\x80"},
      {"invalid_utf8_beyond_u10ffff", "Crm\xf4\x90\x80\x80"},
      {"invalid_utf8_truncated_sequence", "Crm\xe2\x82"},
      {"lone_high_surrogate_escaped", "CrmMetricsScrapeStale\\ud800"},
      {"lone_low_surrogate_escaped", "CrmMetricsScrapeStale\\udc00"},
      {"reversed_surrogate_pair_escaped",
       "CrmMetricsScrapeStale\\udc00\\ud800"},
  };
  for (const auto& [name, bytes] : utf8) {
    const std::string value = bytes;
    cases.push_back(Error400(
        name, [value] { return WithRawAlertname(value); }, ill_formed));
  }
  cases.push_back(Error400(
      "invalid_utf8_in_label_name",
      [] {
        return absl::StrReplaceAll(Runnable(),
                                   {{"\"instance\"", "\"inst\xff\""}});
      },
      ill_formed));
  cases.push_back(Error400(
      "invalid_utf8_in_unknown_field",
      [] {
        return Message(Alert(kRunnableLabels, kOptIn), "\"x\":\"\xc3\x28\",");
      },
      ill_formed));
  return cases;
}

std::vector<HostileCase> DuplicateKeyCases() {
  std::vector<HostileCase> cases;
  cases.push_back(Error400(
      "duplicate_top_level_alerts",
      [] { return Message(Alert(kRunnableLabels, kOptIn), "\"alerts\":[],"); },
      "body: duplicate key \"alerts\""));
  cases.push_back(Error400(
      "duplicate_top_level_version",
      [] {
        return Message(Alert(kRunnableLabels, kOptIn), "\"version\":\"4\",");
      },
      "body: duplicate key \"version\""));
  cases.push_back(Invalid(
      "duplicate_label_alertname",
      [] {
        return Message(Alert(
            R"({"alertname":"DiskWillFillIn4Hours","alertname":"CrmMetricsScrapeStale"})",
            kOptIn));
      },
      "alerts[1].labels: duplicate key \"alertname\""));
  cases.push_back(Invalid(
      "duplicate_label_instance",
      [] {
        return Message(
            TcpAlert(R"(,"instance":"a:1","instance":"db-01.internal:5432")"));
      },
      "alerts[1].labels: duplicate key \"instance\""));
  cases.push_back(Invalid(
      "duplicate_optin_annotation",
      [] {
        return Message(Alert(kRunnableLabels,
                             R"({"autoheal":"false","autoheal":"true"})"));
      },
      "alerts[1].annotations: duplicate key \"autoheal\""));
  cases.push_back(Invalid(
      "duplicate_alert_status",
      [] {
        return Message(absl::StrReplaceAll(
            Alert(kRunnableLabels, kOptIn),
            {{"{\"status\":\"firing\"",
              "{\"status\":\"resolved\",\"status\":\"firing\""}}));
      },
      "alerts[1]: duplicate key \"status\""));
  cases.push_back(Invalid(
      "duplicate_alert_labels",
      [] {
        return Message(absl::StrReplaceAll(
            Alert(kRunnableLabels, kOptIn),
            {{"\"labels\":",
              "\"labels\":{\"alertname\":\"Disk\"},\"labels\":"}}));
      },
      "alerts[1]: duplicate key \"labels\""));
  cases.push_back(Error400(
      "duplicate_common_annotation",
      [] {
        return absl::StrReplaceAll(NotOptedIn(),
                                   {{"\"commonAnnotations\":{}",
                                     "\"commonAnnotations\":{\"autoheal\":"
                                     "\"false\",\"autoheal\":\"true\"}"}});
      },
      "commonAnnotations: duplicate key \"autoheal\""));
  // Unknown fields decide nothing, so a repeated one is skipped unread.
  cases.push_back(Decided("duplicate_unknown_top_level_key",
                          [] {
                            return Message(
                                Alert(kRunnableLabels, R"({"summary":"x"})"),
                                "\"x\":1,\"x\":\"two\",");
                          },
                          {"not_opted_in"}));
  return cases;
}

std::vector<HostileCase> WrongTypeCases() {
  std::vector<HostileCase> cases;
  // One case per field of the message, each holding a value of a wrong type.
  const std::vector<std::tuple<std::string, ordered_json, std::string>>
      message = {
          {"version", 4, "version: expected \"4\", got number"},
          {"alerts",
           ordered_json::parse(
               Message(Alert(kRunnableLabels, kOptIn)))["alerts"][0],
           "alerts: expected an array, got object"},
          {"receiver", 1, "receiver: expected a string, got number"},
          {"status", true,
           "status: expected \"firing\" or \"resolved\", got boolean"},
          {"groupLabels", ordered_json::array({"a"}),
           "groupLabels: expected an object, got array"},
          {"commonLabels", "alertname",
           "commonLabels: expected an object, got string"},
          {"commonAnnotations", 1.5,
           "commonAnnotations: expected an object, got number"},
          {"externalURL", ordered_json::object({{"u", "x"}}),
           "externalURL: expected a string, got object"},
          {"groupKey", nullptr, "groupKey: expected a string, got null"},
          {"truncatedAlerts", "0",
           "truncatedAlerts: expected a non-negative integer, got string"},
      };
  for (const auto& [field, value, error] : message) {
    const std::string f = field;
    const ordered_json v = value;
    cases.push_back(Error400(
        absl::StrCat("wrong_type_message_", field),
        [f, v] { return WithMessageField(f, v); }, error));
  }
  cases.push_back(Error400(
      "alerts_as_string", [] { return WithMessageField("alerts", "[]"); },
      "alerts: expected an array, got string"));
  cases.push_back(Error400(
      "alerts_as_null", [] { return WithMessageField("alerts", nullptr); },
      "alerts: expected an array, got null"));
  cases.push_back(Error400(
      "truncated_alerts_negative",
      [] { return WithMessageField("truncatedAlerts", -1); },
      "truncatedAlerts: expected a non-negative integer, got -1"));
  cases.push_back(Error400(
      "truncated_alerts_fraction",
      [] { return WithMessageField("truncatedAlerts", 0.5); },
      "truncatedAlerts: expected a non-negative integer, got 0.5"));
  cases.push_back(Error400(
      "message_status_unknown_word",
      [] { return WithMessageField("status", "exploding"); },
      "status: expected \"firing\" or \"resolved\", got \"exploding\""));

  // One case per field of an alert: each is that alert's problem.
  const std::vector<std::tuple<std::string, ordered_json, std::string>> alert =
      {
          {"status", false,
           "alerts[1].status: expected \"firing\" or \"resolved\", got "
           "boolean"},
          {"labels",
           ordered_json::array({"alertname", "CrmMetricsScrapeStale"}),
           "alerts[1].labels: expected an object, got array"},
          {"annotations", "autoheal=true",
           "alerts[1].annotations: expected an object, got string"},
          {"startsAt", 1764228381,
           "alerts[1].startsAt: expected a string, got number"},
          {"endsAt", nullptr, "alerts[1].endsAt: expected a string, got null"},
          {"generatorURL", ordered_json::object(),
           "alerts[1].generatorURL: expected a string, got object"},
          {"fingerprint", 123456789,
           "alerts[1].fingerprint: expected a string, got number"},
      };
  for (const auto& [field, value, problem] : alert) {
    const std::string f = field;
    const ordered_json v = value;
    cases.push_back(Invalid(
        absl::StrCat("wrong_type_alert_", field),
        [f, v] { return WithAlertField(f, v); }, problem));
  }
  cases.push_back(Invalid(
      "alert_status_unknown_word",
      [] { return WithAlertField("status", "FIRING"); },
      "alerts[1].status: expected \"firing\" or \"resolved\", got \"FIRING\""));
  cases.push_back(Invalid(
      "alert_status_pending",
      [] { return WithAlertField("status", "pending"); },
      "alerts[1].status: expected \"firing\" or \"resolved\", got "
      "\"pending\""));
  cases.push_back(Invalid(
      "labels_as_string",
      [] { return WithAlertField("labels", "alertname=Crm"); },
      "alerts[1].labels: expected an object, got string"));
  cases.push_back(Invalid(
      "annotations_as_array",
      [] { return WithAlertField("annotations", ordered_json::array()); },
      "alerts[1].annotations: expected an object, got array"));
  // Elements of alerts[] that are not objects.
  cases.push_back(Invalid(
      "alert_element_number", [] { return Message("1"); },
      "alerts[1]: expected an object, got number"));
  cases.push_back(Invalid(
      "alert_element_string", [] { return Message("\"alert\""); },
      "alerts[1]: expected an object, got string"));
  cases.push_back(Invalid(
      "alert_element_null", [] { return Message("null"); },
      "alerts[1]: expected an object, got null"));
  cases.push_back(Invalid(
      "alert_element_array", [] { return Message("[]"); },
      "alerts[1]: expected an object, got array"));
  // An array holding a runnable alert is not that alert.
  cases.push_back(Invalid(
      "alert_element_array_of_a_runnable_alert",
      [] {
        return Message(absl::StrCat("[", Alert(kRunnableLabels, kOptIn), "]"));
      },
      "alerts[1]: expected an object, got array"));
  {
    HostileCase c = Decided(
        "second_alert_element_bad",
        [] { return Message(absl::StrCat(NotOptedInAlert(), ",true")); },
        {"not_opted_in", "invalid_alert"});
    c.problems[1] = "alerts[1]: expected an object, got boolean";
    cases.push_back(c);
  }
  // Numbers (and others) where strings belong, in label and annotation values.
  cases.push_back(Invalid(
      "label_value_number",
      [] {
        return Message(
            Alert(R"({"alertname":"CrmMetricsScrapeStale","instance":9100})",
                  kOptIn));
      },
      "alerts[1].labels.instance: expected a string, got number"));
  cases.push_back(Invalid(
      "alertname_number",
      [] { return Message(Alert(R"({"alertname":42})", kOptIn)); },
      "alerts[1].labels.alertname: expected a string, got number"));
  cases.push_back(Invalid(
      "label_value_null",
      [] {
        return Message(
            Alert(R"({"alertname":"CrmMetricsScrapeStale","instance":null})",
                  kOptIn));
      },
      "alerts[1].labels.instance: expected a string, got null"));
  cases.push_back(Invalid(
      "label_value_array",
      [] {
        return Message(
            Alert(R"({"alertname":["CrmMetricsScrapeStale"]})", kOptIn));
      },
      "alerts[1].labels.alertname: expected a string, got array"));
  cases.push_back(Invalid(
      "optin_value_boolean",
      [] { return Message(Alert(kRunnableLabels, R"({"autoheal":true})")); },
      "alerts[1].annotations.autoheal: expected a string, got boolean"));
  cases.push_back(Invalid(
      "optin_value_number",
      [] { return Message(Alert(kRunnableLabels, R"({"autoheal":1})")); },
      "alerts[1].annotations.autoheal: expected a string, got number"));
  cases.push_back(Error400(
      "common_label_value_number",
      [] {
        return absl::StrReplaceAll(
            Runnable(),
            {{"\"commonLabels\":{}", "\"commonLabels\":{\"alertname\":7}"}});
      },
      "commonLabels.alertname: expected a string, got number"));
  return cases;
}

std::vector<HostileCase> MissingFieldCases() {
  std::vector<HostileCase> cases;
  cases.push_back(Invalid(
      "missing_alertname",
      [] { return Message(Alert(R"({"instance":"crm-01:9100"})", kOptIn)); },
      "alerts[1].labels.alertname: missing"));
  cases.push_back(Error400(
      "missing_version", [] { return WithoutMessageField("version"); },
      "version: missing"));
  cases.push_back(Error400(
      "missing_alerts", [] { return WithoutMessageField("alerts"); },
      "alerts: missing"));
  cases.push_back(Invalid(
      "missing_alert_status", [] { return WithoutAlertField("status"); },
      "alerts[1].status: missing"));
  cases.push_back(Invalid(
      "missing_alert_labels", [] { return WithoutAlertField("labels"); },
      "alerts[1].labels: missing"));
  cases.push_back(Error400(
      "version_5", [] { return WithMessageField("version", "5"); },
      "version: expected \"4\", got \"5\""));
  cases.push_back(Error400(
      "version_4_with_space", [] { return WithMessageField("version", "4 "); },
      "version: expected \"4\", got \"4 \""));
  cases.push_back(Error400(
      "empty_object", [] { return std::string("{}"); }, "version: missing"));
  return cases;
}

// Well-formed payloads a careless receiver might act on: each is decided,
// and every decision is a skip.
std::vector<HostileCase> DecidedCases() {
  std::vector<HostileCase> cases;
  cases.push_back(Decided(
      "shell_metacharacters_in_target_label",
      [] {
        return Message(TcpAlert(
            R"(,"instance":"db-01:5432; touch /tmp/pwned $(id) `id` | nc x 1 && rm -rf / > /etc/passwd")"));
      },
      {"invalid_target"}));
  cases.push_back(Decided(
      "shell_metacharacters_in_alertname",
      [] { return WithRawAlertname("CrmMetricsScrapeStale;touch /tmp/pwned"); },
      {"not_allowlisted"}));
  cases.push_back(Decided(
      "optin_leading_space",
      [] { return Message(Alert(kRunnableLabels, R"({"autoheal":" true"})")); },
      {"not_opted_in"}));
  cases.push_back(Decided(
      "optin_uppercase",
      [] { return Message(Alert(kRunnableLabels, R"({"autoheal":"TRUE"})")); },
      {"not_opted_in"}));
  cases.push_back(Decided(
      "optin_lookalikes",
      [] {
        std::vector<std::string> alerts;
        for (const char* value :
             {"True", "true ", "yes", "1", "on", "\\\"true\\\"",
              "tru\\u0065\\u200b", "\xef\xbd\x94rue"}) {
          alerts.push_back(Alert(
              kRunnableLabels, absl::StrCat(R"({"autoheal":")", value, "\"}")));
        }
        return Message(absl::StrJoin(alerts, ","));
      },
      std::vector<std::string>(8, "not_opted_in")));
  cases.push_back(Decided(
      "optin_only_in_common_annotations",
      [] {
        return absl::StrReplaceAll(
            NotOptedIn(), {{"\"commonAnnotations\":{}",
                            "\"commonAnnotations\":{\"autoheal\":\"true\"}"}});
      },
      {"not_opted_in"}));
  cases.push_back(Decided(
      "alert_resolved_in_firing_group",
      [] { return Message(Alert(kRunnableLabels, kOptIn, "resolved")); },
      {"resolved"}));
  cases.push_back(Decided("alertname_empty",
                          [] { return WithRawAlertname(""); },
                          {"not_allowlisted"}));
  cases.push_back(Decided("alerts_empty", [] { return Message(""); }, {}));
  cases.push_back(Decided(
      "hundreds_of_alerts_not_opted_in",
      [] {
        std::vector<std::string> alerts(
            600, Alert(kRunnableLabels, R"({"summary":"not opted in"})"));
        return Message(absl::StrJoin(alerts, ","));
      },
      std::vector<std::string>(600, "not_opted_in")));
  cases.push_back(Decided("label_1mb_in_target_label",
                          [] {
                            return Message(TcpAlert(absl::StrCat(
                                R"(,"instance":"db-01.internal:5432)",
                                std::string(1000000, '9'), "\"")));
                          },
                          {"invalid_target"}));
  cases.push_back(Decided(
      "label_1mb_name",
      [] {
        return Message(TcpAlert(absl::StrCat(",\"", std::string(1000000, 'n'),
                                             R"(":"db-01.internal:5432")")));
      },
      {"invalid_target"}));
  cases.push_back(Decided(
      "optin_annotation_1mb",
      [] {
        return Message(Alert(kRunnableLabels,
                             absl::StrCat(R"({"autoheal":"true)",
                                          std::string(1000000, ' '), "\"}")));
      },
      {"not_opted_in"}));
  cases.push_back(Decided("alertname_1mb_of_escapes",
                          [] {
                            std::string escapes;
                            for (int i = 0; i < 160000; ++i)
                              escapes += "\\u0022";
                            return WithRawAlertname(escapes);
                          },
                          {"not_allowlisted"}));
  cases.push_back(Decided("ten_thousand_labels",
                          [] {
                            std::string labels;
                            for (int i = 0; i < 10000; ++i)
                              absl::StrAppend(&labels, ",\"l", i, "\":\"v\"");
                            return Message(TcpAlert(labels));
                          },
                          {"invalid_target"}));
  return cases;
}

// Hostile groups in which some alerts are malformed: each malformed alert
// is skipped with its problem, and every other alert is decided.
std::vector<HostileCase> PoisonedGroupCases() {
  std::vector<HostileCase> cases;
  {
    std::vector<std::string> reasons(300, "not_opted_in");
    reasons[150] = "invalid_alert";
    HostileCase c = Decided(
        "group_of_300_one_missing_alertname_in_the_middle",
        [] {
          std::vector<std::string> alerts;
          for (int i = 0; i < 300; ++i) {
            alerts.push_back(
                i == 150 ? Alert(R"({"instance":"crm-01:9100"})", kOptIn)
                         : Alert(absl::StrCat(
                                     R"({"alertname":"CrmMetricsScrapeStale",)",
                                     R"("instance":"crm-)", i, R"(:9100"})"),
                                 R"({"summary":"not opted in"})"));
          }
          return Message(absl::StrJoin(alerts, ","));
        },
        reasons);
    c.problems[150] = "alerts[150].labels.alertname: missing";
    cases.push_back(c);
  }
  {
    // Escaped NULs and escaped non-ASCII are valid JSON: the neighbours
    // are decided on them, byte for byte.
    HostileCase c = Decided(
        "nul_and_escaped_utf8_in_neighbours",
        [] {
          return Message(absl::StrCat(
              Alert(
                  R"({"alertname":"CrmMetricsScrapeStale","x":"\u0000\u00e9\ud83d\ude00"})",
                  R"({"autoheal":"true\u0000","summary":"\u0000\u001f"})"),
              ",", Alert(R"({"instance":"crm-01:9100"})", kOptIn), ",",
              Alert(R"({"alertname":"CrmMetricsScrapeStale\u0000"})", kOptIn)));
        },
        {"not_opted_in", "invalid_alert", "not_allowlisted"});
    c.problems[1] = "alerts[1].labels.alertname: missing";
    cases.push_back(c);
  }
  {
    HostileCase c = Decided(
        "every_alert_malformed",
        [] {
          return Message(absl::StrCat(
              R"(1,"x",[],null,{},)", Alert(R"(["alertname"])", kOptIn), ",",
              Alert(kRunnableLabels, kOptIn, "pending")));
        },
        std::vector<std::string>(7, "invalid_alert"));
    c.problems = {{0, "alerts[0]: expected an object, got number"},
                  {1, "alerts[1]: expected an object, got string"},
                  {2, "alerts[2]: expected an object, got array"},
                  {3, "alerts[3]: expected an object, got null"},
                  {4, "alerts[4].status: missing"},
                  {5, "alerts[5].labels: expected an object, got array"},
                  {6,
                   "alerts[6].status: expected \"firing\" or \"resolved\", "
                   "got \"pending\""}};
    cases.push_back(c);
  }
  // A body that is not JSON stays a 400, even next to a malformed alert.
  cases.push_back(Error400(
      "lone_surrogate_in_neighbour_of_malformed_alert",
      [] {
        return Message(absl::StrCat(
            Alert(R"({"instance":"crm-01:9100"})", kOptIn), ",",
            Alert(R"({"alertname":"CrmMetricsScrapeStale\ud800"})", kOptIn)));
      },
      "body: invalid JSON at byte"));
  cases.push_back(Error400(
      "invalid_utf8_in_neighbour_of_malformed_alert",
      [] {
        return Message(
            absl::StrCat(Alert(R"({"instance":"crm-01:9100"})", kOptIn), ",",
                         Alert("{\"alertname\":\"Crm\xc3\x28\"}", kOptIn)));
      },
      "body: invalid JSON at byte"));
  cases.push_back(Error400(
      "malformed_alert_in_a_wrong_version",
      [] {
        return absl::StrReplaceAll(
            Message(Alert(R"({"instance":"crm-01:9100"})", kOptIn)),
            {{"\"version\":\"4\"", "\"version\":\"5\""}});
      },
      "version: expected \"4\", got \"5\""));
  return cases;
}

std::vector<HostileCase> AllCases() {
  std::vector<HostileCase> all;
  for (auto* group : {&HttpCases, &SyntaxCases, &NulAndUtf8Cases,
                      &DuplicateKeyCases, &WrongTypeCases, &MissingFieldCases,
                      &DecidedCases, &PoisonedGroupCases}) {
    std::vector<HostileCase> cases = (*group)();
    all.insert(all.end(), cases.begin(), cases.end());
  }
  return all;
}

// ---------------------------------------------------------------------------
// The receiver under attack

// Starts the receiver with the marker policy and keeps the paths to check.
class Target {
 public:
  explicit Target(absl::Duration idle_timeout = kIdleTimeout) {
    marker_dir_ = dir_.Path("markers");
    EXPECT_EQ(::mkdir(marker_dir_.c_str(), 0755), 0);
    audit_path_ = dir_.Path("audit.log");
    const std::string token = dir_.Path("token");
    EXPECT_THAT(WriteFileAtomically(token, absl::StrCat(kToken, "\n"), 0600),
                IsOk());
    const std::string policy = dir_.Path("policy.yml");
    EXPECT_THAT(WriteFileAtomically(policy, Policy()), IsOk());
    std::vector<std::string> args = {"--policy",
                                     policy,
                                     "--audit-log",
                                     audit_path_,
                                     "--bearer-token-file",
                                     token,
                                     "--connection-timeout",
                                     absl::FormatDuration(idle_timeout),
                                     "--request-timeout",
                                     absl::FormatDuration(kRequestTimeout)};
    auto started = WebhookProcess::Start(args, dir_.Path("stderr.log"));
    EXPECT_THAT(started, IsOk());
    if (started.ok()) receiver_ = *std::move(started);
  }

  bool ok() const { return receiver_ != nullptr; }
  WebhookProcess& receiver() { return *receiver_; }
  uint16_t port() const { return receiver_->port(); }
  const std::string& audit_path() const { return audit_path_; }

  // Warms the receiver up with one well-formed request of every answer
  // kind (so that lazily built structures exist), then records VmRSS.
  void MeasureBaseline() {
    for (const std::string& request :
         {Post(NotOptedIn()), Post("{"), BuildRequest("GET", "/healthz")}) {
      absl::StatusOr<ClientResponse> response = Send(request);
      EXPECT_THAT(response, IsOk());
    }
    baseline_kib_ = receiver_->ResidentKib();
    ASSERT_GT(baseline_kib_, 0);
  }
  int64_t baseline_kib() const { return baseline_kib_; }

  // Sends `request` on a new connection and reads one response.
  absl::StatusOr<ClientResponse> Send(const std::string& request,
                                      bool headers_first = false) {
    absl::StatusOr<HttpClient> client = HttpClient::Connect(port());
    if (!client.ok()) return client.status();
    absl::string_view bytes = request;
    if (headers_first) {
      const size_t end = bytes.find("\r\n\r\n") + 4;
      if (absl::Status s = client->Send(bytes.substr(0, end)); !s.ok())
        return s;
      absl::StatusOr<ClientResponse> response =
          client->ReadResponse(absl::Seconds(10));
      // The server answered without reading the body and closes; the rest
      // may or may not be accepted by the kernel before the reset.
      (void)client->Send(bytes.substr(end, 1 << 20), absl::Seconds(2));
      return response;
    }
    const absl::Status sent = client->Send(bytes, absl::Seconds(20));
    absl::StatusOr<ClientResponse> response =
        client->ReadResponse(absl::Seconds(20));
    if (!response.ok() && !sent.ok()) return sent;
    return response;
  }

  // Asserts that no action was decided or ran: the audit log has no
  // `execute` decision and no `outcome`, and the marker directory is empty.
  void ExpectNothingExecuted() const {
    for (const json& record : AuditRecords(audit_path_)) {
      ASSERT_FALSE(record.is_discarded()) << "audit line is not JSON";
      EXPECT_NE(record.value("verdict", ""), "execute") << record.dump();
      EXPECT_NE(record.value("event", ""), "outcome") << record.dump();
    }
    EXPECT_THAT(MarkerFiles(), ::testing::IsEmpty());
  }

  // Asserts /healthz answers 200 and VmRSS is under the ceiling; returns
  // the VmRSS growth over the baseline in KiB.
  int64_t ExpectStillHealthy() const {
    EXPECT_EQ(receiver_->HealthzStatus(), 200)
        << receiver_->process().Describe();
    const int64_t rss = receiver_->ResidentKib();
    EXPECT_GT(rss, 0);
    EXPECT_LT(rss - baseline_kib_, kRssCeilingKib)
        << "VmRSS " << rss << " KiB, baseline " << baseline_kib_ << " KiB";
    return rss - baseline_kib_;
  }

  // Posts the runnable alert and a well-formed one of the templated action
  // and asserts that both actions run: the same receiver can execute, so
  // "nothing executed" above means something.
  void ExpectPositiveControlExecutes() {
    absl::StatusOr<ClientResponse> response = Send(Post(Message(
        absl::StrCat(Alert(kRunnableLabels, kOptIn), ",",
                     TcpAlert(R"(,"instance":"db-01.internal:5432")")))));
    ASSERT_THAT(response, IsOk());
    ASSERT_EQ(response->status, 200) << response->body;
    json body = json::parse(response->body, nullptr, false);
    ASSERT_TRUE(body.contains("decisions")) << response->body;
    EXPECT_EQ(body["decisions"][0]["verdict"], "execute") << response->body;
    EXPECT_EQ(body["decisions"][1]["verdict"], "execute") << response->body;
    EXPECT_THAT(
        WaitUntil([&] { return MarkerFiles().size() == 2; }, absl::Seconds(10),
                  "the positive control's marker files"),
        IsOk());
    EXPECT_THAT(MarkerFiles(), ::testing::UnorderedElementsAre(
                                   "crm", "tcp-db-01.internal:5432"));
  }

  std::vector<std::string> MarkerFiles() const {
    std::vector<std::string> names;
    DIR* d = ::opendir(marker_dir_.c_str());
    if (d == nullptr) return {"<marker directory missing>"};
    while (dirent* entry = ::readdir(d)) {
      if (entry->d_name[0] != '.') names.emplace_back(entry->d_name);
    }
    ::closedir(d);
    return names;
  }

 private:
  std::string Policy() const {
    return absl::StrCat(
        "version: 1\n"
        "enabled: true\n"
        "cooldown: 1h\n"
        "actions:\n"
        "  CrmMetricsScrapeStale:\n"
        "    name: restart-crm\n"
        "    argv: [/usr/bin/touch, \"",
        marker_dir_,
        "/crm\"]\n"
        "  TcpEndpointDownFast:\n"
        "    name: restart-tcp\n"
        "    argv: [/usr/bin/touch, \"",
        marker_dir_,
        "/tcp-{{labels.instance}}\"]\n"
        "    label_patterns: {instance: '[a-z0-9.-]+:[0-9]{1,5}'}\n"
        "    key_labels: [instance]\n"
        "  UptimeProbeFailing:\n"
        "    name: restart-web\n"
        "    argv: [/usr/bin/touch, \"",
        marker_dir_, "/web\"]\n");
  }

  TempDir dir_;
  std::string marker_dir_;
  std::string audit_path_;
  std::unique_ptr<WebhookProcess> receiver_;
  int64_t baseline_kib_ = 0;
};

// Sends one case and asserts its answer.
void SendCaseAndCheckAnswer(Target& target, const HostileCase& c) {
  absl::StatusOr<ClientResponse> response =
      target.Send(c.request(), c.headers_first);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, c.status) << testutil::Tail(response->body, 512);
  if (c.answered_by_mhd) {
    // libmicrohttpd's own page: HTML, never our JSON, and the handler did
    // not run (the audit log stays empty, checked by the caller).
    // libmicrohttpd 0.9.75 sends the status line and headers of some of
    // these pages twice (the copy lands in the body); the connection closes
    // right after, so nothing else is affected.
    EXPECT_THAT(response->body, HasSubstr("<html>"));
    return;
  }
  EXPECT_THAT(response->Header("Content-Type").value_or(""),
              HasSubstr("application/json"));
  json body = json::parse(response->body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << testutil::Tail(response->body, 512);
  if (c.status != 200) {
    ASSERT_TRUE(body.is_object() && body.size() == 1 &&
                body["error"].is_string())
        << testutil::Tail(response->body, 512);
    EXPECT_THAT(body["error"].get<std::string>(), HasSubstr(c.error));
    if (c.status == 405) {
      EXPECT_EQ(response->Header("Allow").value_or(""), "POST");
    }
    if (c.status == 401) {
      EXPECT_EQ(response->Header("WWW-Authenticate").value_or(""), "Bearer");
    }
    return;
  }
  ASSERT_TRUE(body["decisions"].is_array())
      << testutil::Tail(response->body, 512);
  ASSERT_EQ(body["decisions"].size(), c.reasons.size());
  for (size_t i = 0; i < c.reasons.size(); ++i) {
    const json& d = body["decisions"][i];
    EXPECT_EQ(d["reason"], c.reasons[i]) << "decision " << i;
    EXPECT_EQ(d["verdict"], "skip") << "decision " << i;
    auto problem = c.problems.find(i);
    if (c.reasons[i] != "invalid_alert") {
      EXPECT_FALSE(d.contains("problem")) << "decision " << i;
      EXPECT_TRUE(problem == c.problems.end()) << "decision " << i;
      continue;
    }
    ASSERT_TRUE(problem != c.problems.end()) << "decision " << i;
    EXPECT_EQ(d["problem"], problem->second) << "decision " << i;
    EXPECT_THAT(d["sentence"].get<std::string>(),
                HasSubstr(absl::StrCat("(", problem->second, ")")))
        << "decision " << i;
    EXPECT_TRUE(d["status"].is_null()) << "decision " << i;
    EXPECT_TRUE(d["action"].is_null()) << "decision " << i;
    EXPECT_EQ(d["key"], "") << "decision " << i;
  }
}

// ---------------------------------------------------------------------------
// One receiver per case: each case is its own ctest entry.

class BadInputMatrixTest : public ::testing::TestWithParam<HostileCase> {};

TEST_P(BadInputMatrixTest, AnsweredAsSpecifiedAndNothingRuns) {
  const HostileCase& c = GetParam();
  Target target;
  ASSERT_TRUE(target.ok());
  target.MeasureBaseline();
  SendCaseAndCheckAnswer(target, c);
  target.ExpectNothingExecuted();
  const int64_t growth = target.ExpectStillHealthy();
  std::cout << "case " << c.name << ": status " << c.status << ", VmRSS +"
            << growth << " KiB over " << target.baseline_kib() << " KiB\n";
  target.ExpectPositiveControlExecutes();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadInputMatrixTest, ::testing::ValuesIn(AllCases()),
    [](const ::testing::TestParamInfo<HostileCase>& param) {
      return param.param.name;
    });

// Every case against one receiver, one after another: nothing accumulates.
TEST(BadInputMatrixSequenceTest, AllCasesInOneReceiverKeepMemoryBounded) {
  Target target;
  ASSERT_TRUE(target.ok());
  target.MeasureBaseline();
  int64_t peak = 0;
  std::string peak_case;
  const std::vector<HostileCase> cases = AllCases();
  ASSERT_GE(cases.size(), 30u);
  for (const HostileCase& c : cases) {
    SCOPED_TRACE(c.name);
    SendCaseAndCheckAnswer(target, c);
    target.ExpectNothingExecuted();
    const int64_t growth = target.ExpectStillHealthy();
    if (growth > peak) {
      peak = growth;
      peak_case = c.name;
    }
  }
  const int64_t end = target.receiver().ResidentKib();
  std::cout << cases.size() << " cases: VmRSS baseline "
            << target.baseline_kib() << " KiB, after all " << end << " KiB (+"
            << end - target.baseline_kib() << "), peak +" << peak
            << " KiB after " << peak_case << "\n";
  target.ExpectPositiveControlExecutes();
}

// ---------------------------------------------------------------------------
// No alert can sink its group

// The point of invalid_alert: malformed alerts used to make the whole
// notification a 400, which Alertmanager re-sends every group_interval
// forever, so the runnable alerts next to them never ran. Now they do.
TEST(PoisonedGroupTest, RunnableAlertsNextToMalformedOnesExecute) {
  Target target;
  ASSERT_TRUE(target.ok());
  absl::StatusOr<ClientResponse> response = target.Send(Post(Message(
      absl::StrCat(Alert(R"({"instance":"crm-01:9100"})", kOptIn), ",",
                   Alert(kRunnableLabels, kOptIn), ",",
                   Alert(R"(["alertname","TcpEndpointDownFast"])", kOptIn), ",",
                   TcpAlert(R"(,"instance":"db-01.internal:5432")"), ",",
                   Alert(kRunnableLabels, kOptIn, "pending")))));
  ASSERT_THAT(response, IsOk());
  ASSERT_EQ(response->status, 200) << response->body;
  json body = json::parse(response->body, nullptr, false);
  ASSERT_TRUE(body["decisions"].is_array()) << response->body;
  std::vector<std::string> reasons;
  for (const json& d : body["decisions"]) reasons.push_back(d["reason"]);
  EXPECT_THAT(reasons, ::testing::ElementsAre("invalid_alert", "execute",
                                              "invalid_alert", "execute",
                                              "invalid_alert"));
  EXPECT_EQ(body["decisions"][2]["problem"],
            "alerts[2].labels: expected an object, got array");
  // Opted in, allowlisted and firing in all but its status: still skipped.
  EXPECT_EQ(body["decisions"][4]["alertname"], "CrmMetricsScrapeStale");
  EXPECT_EQ(body["decisions"][4]["problem"],
            "alerts[4].status: expected \"firing\" or \"resolved\", got "
            "\"pending\"");
  EXPECT_THAT(
      WaitUntil([&] { return target.MarkerFiles().size() == 2; },
                absl::Seconds(10), "the two runnable alerts' marker files"),
      IsOk());
  EXPECT_THAT(target.MarkerFiles(), ::testing::UnorderedElementsAre(
                                        "crm", "tcp-db-01.internal:5432"));

  // Each malformed alert has an audit line with its problem; none ran.
  std::vector<std::string> problems;
  for (const json& record : AuditRecords(target.audit_path())) {
    if (record.value("reason", "") != "invalid_alert") continue;
    EXPECT_EQ(record["verdict"], "skip");
    EXPECT_TRUE(record["status"].is_null());
    problems.push_back(record["problem"]);
  }
  EXPECT_THAT(problems,
              ::testing::ElementsAre(
                  "alerts[0].labels.alertname: missing",
                  "alerts[2].labels: expected an object, got array",
                  "alerts[4].status: expected \"firing\" or \"resolved\", "
                  "got \"pending\""));
}

// ---------------------------------------------------------------------------
// Slow and idle clients

// Returns whether the peer has closed (EOF or reset) `fd`, without blocking.
bool PeerClosed(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) != 1) return false;
  char byte;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 ||
         (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// A client that sends `bytes` one at a time, one every `interval`, and
// notes when the server drops it.
struct Trickler {
  Trickler(std::string name_in, HttpClient client_in, std::string bytes_in)
      : name(std::move(name_in)),
        client(std::move(client_in)),
        bytes(std::move(bytes_in)) {}

  std::string name;
  HttpClient client;
  std::string bytes;
  size_t sent = 0;
  std::optional<absl::Duration> dropped_after;
};

TEST(SlowClientTest,
     HeadersAndBodiesThatNeverFinishAreDroppedWhileOthersAreServed) {
  Target target;
  ASSERT_TRUE(target.ok());
  target.MeasureBaseline();
  const uint16_t port = target.port();

  const std::string runnable = Post(Runnable());
  const size_t body_at = runnable.find("\r\n\r\n") + 4;
  std::vector<Trickler> slow;
  auto add = [&](std::string name, std::string first, std::string rest) {
    absl::StatusOr<HttpClient> client = HttpClient::Connect(port);
    ASSERT_THAT(client, IsOk());
    ASSERT_THAT(client->Send(first), IsOk());
    slow.emplace_back(std::move(name), *std::move(client), std::move(rest));
  };
  const absl::Time start = absl::Now();
  // Part of a request line, then silence: the idle timeout drops it.
  add("silent_partial_request_line", "POST /ale", "");
  // Part of a header, then silence.
  add("silent_partial_header", "POST /alerts HTTP/1.1\r\nHost: x\r\nContent-",
      "");
  // A header that grows by one byte every 250 ms, never idle for the idle
  // timeout and never finished: only the request timeout can drop it.
  add("trickled_endless_header",
      "POST /alerts HTTP/1.1\r\nX-Slow: ", std::string(4096, 'a'));
  // A request line trickled the same way.
  add("trickled_request_line", "",
      absl::StrCat("POST /", std::string(4096, 'b')));
  // A runnable request whose body trickles: were it ever completed, its
  // action would run.
  add("trickled_runnable_body", runnable.substr(0, body_at),
      runnable.substr(body_at));
  ASSERT_EQ(slow.size(), 5u);

  int served = 0;
  absl::Duration worst_latency;
  const absl::Time give_up = start + kRequestTimeout + absl::Seconds(6);
  while (absl::Now() < give_up) {
    bool all_dropped = true;
    for (Trickler& t : slow) {
      if (t.dropped_after.has_value()) continue;
      if (PeerClosed(t.client.fd())) {
        t.dropped_after = absl::Now() - start;
        continue;
      }
      all_dropped = false;
      if (t.sent < t.bytes.size()) {
        (void)t.client.Send(absl::string_view(t.bytes).substr(t.sent++, 1),
                            absl::Seconds(1));
      }
    }
    // Others are served meanwhile, promptly.
    const absl::Time before = absl::Now();
    EXPECT_EQ(target.receiver().HealthzStatus(absl::Seconds(2)), 200);
    absl::StatusOr<ClientResponse> other = target.Send(Post(NotOptedIn()));
    EXPECT_TRUE(other.ok() && other->status == 200);
    worst_latency = std::max(worst_latency, absl::Now() - before);
    ++served;
    if (all_dropped) break;
    absl::SleepFor(absl::Milliseconds(250));
  }

  for (const Trickler& t : slow) {
    ASSERT_TRUE(t.dropped_after.has_value())
        << t.name << " was still connected after " << absl::Now() - start
        << " (" << t.sent << " bytes trickled)";
    std::cout << t.name << ": dropped after "
              << absl::FormatDuration(*t.dropped_after) << " (" << t.sent
              << " bytes trickled)\n";
    // Never before the idle timeout (minus libmicrohttpd's rounding to
    // whole seconds), and the trickled ones no later than the request
    // timeout plus the sweep interval and slack for a loaded machine.
    EXPECT_GE(*t.dropped_after, kIdleTimeout - absl::Milliseconds(1100))
        << t.name;
    EXPECT_LE(*t.dropped_after, kRequestTimeout + absl::Seconds(3)) << t.name;
  }
  std::cout << served << " rounds of /healthz + POST served meanwhile, worst "
            << absl::FormatDuration(worst_latency) << "\n";
  EXPECT_LT(worst_latency, absl::Seconds(2));
  target.ExpectNothingExecuted();
  target.ExpectStillHealthy();
  target.ExpectPositiveControlExecutes();
}

TEST(IdleConnectionsTest, FiveHundredIdleConnectionsDoNotStopHealthz) {
  constexpr int kIdle = 500;
  // Long enough to count the held connections before it drops them.
  constexpr absl::Duration kLongIdleTimeout = absl::Seconds(5);
  Target target(kLongIdleTimeout);
  ASSERT_TRUE(target.ok());
  target.MeasureBaseline();
  const pid_t pid = target.receiver().pid();
  // Once the baseline's connections are gone, only the listening socket.
  ASSERT_THAT(
      WaitUntil(
          [&] {
            absl::StatusOr<int> sockets = testutil::OpenSockets(pid);
            return sockets.ok() && *sockets == 1;
          },
          absl::Seconds(5), "the receiver to hold only its listening socket"),
      IsOk());

  std::vector<HttpClient> idle;
  idle.reserve(kIdle);
  const absl::Time start = absl::Now();
  for (int i = 0; i < kIdle; ++i) {
    absl::StatusOr<HttpClient> client = HttpClient::Connect(target.port());
    ASSERT_THAT(client, IsOk()) << "connection " << i;
    idle.push_back(*std::move(client));
  }
  // All 500 are accepted and held by the receiver (loopback peers are not
  // subject to the per-IP limit; the total limit is 1024).
  int held = 0;
  EXPECT_THAT(WaitUntil(
                  [&] {
                    absl::StatusOr<int> now = testutil::OpenSockets(pid);
                    held = now.ok() ? *now - 1 : -1;
                    return held >= kIdle;
                  },
                  absl::Seconds(3), "the receiver to hold 500 connections"),
              IsOk())
      << held << " held";
  int closed_early = 0;
  for (HttpClient& c : idle) closed_early += PeerClosed(c.fd()) ? 1 : 0;
  EXPECT_EQ(closed_early, 0);

  // While they are all held, /healthz from 127.0.0.1 answers, and so do
  // real requests, good and bad.
  const absl::Time before = absl::Now();
  EXPECT_EQ(target.receiver().HealthzStatus(absl::Seconds(2)), 200);
  const absl::Duration healthz_latency = absl::Now() - before;
  absl::StatusOr<ClientResponse> bad = target.Send(Post("{\"version\":"));
  ASSERT_THAT(bad, IsOk());
  EXPECT_EQ(bad->status, 400);
  absl::StatusOr<ClientResponse> good = target.Send(Post(NotOptedIn()));
  ASSERT_THAT(good, IsOk());
  EXPECT_EQ(good->status, 200);
  const int64_t growth = target.ExpectStillHealthy();
  std::cout << held << " idle connections held; /healthz answered in "
            << absl::FormatDuration(healthz_latency) << "; VmRSS +" << growth
            << " KiB\n";

  // The receiver drops them once the request timeout passes (shorter than
  // the idle timeout here: a new connection waits for its first request).
  for (int i = 0; i < kIdle; ++i) {
    ASSERT_TRUE(idle[static_cast<size_t>(i)].WaitForClose(
        kRequestTimeout + absl::Seconds(8) - (absl::Now() - start)))
        << "connection " << i << " still open";
  }
  const absl::Duration all_dropped = absl::Now() - start;
  EXPECT_GE(all_dropped, kRequestTimeout - absl::Milliseconds(100));
  std::cout << "all idle connections dropped after " << all_dropped << "\n";
  target.ExpectNothingExecuted();
  target.ExpectStillHealthy();
  target.ExpectPositiveControlExecutes();
}

}  // namespace
}  // namespace autoheal

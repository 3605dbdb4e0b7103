#include "doctor/doctor.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "alertmanager/route_tree.h"
#include "autoheal/alert.h"
#include "core/utf8.h"
#include "net/http_fetch.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace doctor {
namespace {

using json = nlohmann::json;
using internal::QuoteText;

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// The parts of an http(s) URL that say where it goes.
struct Endpoint {
  std::string scheme;
  std::string host;  // lower-case; loopback names folded to "loopback"
  std::string port;
  std::string path;
};

Endpoint ParseEndpoint(absl::string_view url) {
  Endpoint e;
  const size_t colon_slash = url.find("://");
  if (colon_slash == absl::string_view::npos) return e;
  e.scheme = absl::AsciiStrToLower(url.substr(0, colon_slash));
  absl::string_view rest = url.substr(colon_slash + 3);
  const size_t slash = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, slash);
  e.path = slash == absl::string_view::npos
               ? "/"
               : std::string(rest.substr(slash, rest.find_first_of("?#", slash) - slash));
  const size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) authority.remove_prefix(at + 1);
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = authority.substr(close + 2);
    }
  } else if (const size_t c = authority.rfind(':');
             c != absl::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  e.host = absl::AsciiStrToLower(host);
  if (e.host == "localhost" || e.host == "[::1]" ||
      absl::StartsWith(e.host, "127.")) {
    e.host = "loopback";
  }
  e.port = port.empty() ? (e.scheme == "https" ? "443" : "80")
                        : std::string(port);
  return e;
}

// One HTTP answer parsed as JSON, or why there is none.
struct JsonAnswer {
  absl::Status status;  // transport error, non-2xx or not JSON
  json body;
};

JsonAnswer FetchJson(const std::string& url, const std::string* post_body,
                     const net::FetchOptions& fetch) {
  JsonAnswer answer;
  absl::StatusOr<net::FetchResponse> response =
      post_body == nullptr
          ? net::HttpGet(url, fetch)
          : net::HttpPost(url, *post_body, "application/json", fetch);
  if (!response.ok()) {
    answer.status = response.status();
    return answer;
  }
  answer.body = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (response->status < 200 || response->status > 299) {
    std::string detail;
    if (answer.body.is_object() && answer.body.contains("error") &&
        answer.body["error"].is_string()) {
      detail = absl::StrCat(": ", answer.body["error"].get<std::string>());
    }
    answer.status = absl::FailedPreconditionError(absl::StrCat(
        post_body == nullptr ? "GET " : "POST ", url, " answered HTTP ",
        response->status, detail));
    return answer;
  }
  if (answer.body.is_discarded()) {
    answer.status = absl::FailedPreconditionError(absl::StrCat(
        post_body == nullptr ? "GET " : "POST ", url,
        " answered HTTP 200 with a body that is not JSON"));
  }
  return answer;
}

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

LabelSet ToLabelSet(const json& object) {
  std::vector<LabelSet::Entry> entries;
  if (object.is_object()) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (it->is_string()) entries.emplace_back(it.key(), it->get<std::string>());
    }
  }
  return LabelSet(std::move(entries));
}

json ToJson(const LabelSet& set) {
  json out = json::object();
  for (const auto& [k, v] : set.entries()) out[k] = v;
  return out;
}

// What the receiver's GET / said.
struct ReceiverInfo {
  bool up = false;
  bool enabled = false;
  std::vector<std::string> actions;
  std::string opt_in_annotation = "autoheal";
  std::string opt_in_value = "true";
};

// What Prometheus said of one rule.
struct RuleInfo {
  bool loaded = false;
  std::string group;
  std::string file;
  std::string state;   // firing, pending, inactive
  std::string health;  // ok, err, unknown
  std::string last_error;
  LabelSet labels;        // the rule's own labels
  LabelSet annotations;   // the rule's own annotations (templates)
  int active = 0;         // pending or firing alerts
  std::optional<LabelSet> first_alert_labels;
  std::optional<LabelSet> first_alert_annotations;
};

class Doctor {
 public:
  explicit Doctor(const DoctorOptions& options) : options_(options) {
    plain_.connect_timeout = options.connect_timeout;
    plain_.timeout = options.timeout;
    with_token_ = plain_;
    with_token_.bearer_token = options.bearer_token;
    receiver_ = TrimSlash(options.receiver_url);
    prometheus_ = TrimSlash(options.prometheus_url);
    alertmanager_ = TrimSlash(options.alertmanager_url);
  }

  std::vector<CheckResult> Run() {
    CheckReceiver();
    std::vector<std::string> names = options_.alertnames;
    if (names.empty()) names = info_.actions;
    if (names.empty()) {
      Add("action-allowlisted", "", info_.up ? CheckStatus::kFail : CheckStatus::kSkip,
          info_.up ? "the receiver's policy has no action: nothing can ever run"
                   : "needs receiver-up, which failed",
          info_.up ? "add an action to the policy file the receiver loads "
                     "(see GET / policy_source), or name alerts with "
                     "--alertname"
                   : "");
      return std::move(results_);
    }
    LoadPrometheusRules();
    LoadAlertmanagerConfig();
    for (const std::string& name : names) CheckAlert(name);
    return std::move(results_);
  }

 private:
  void Add(std::string id, std::string alertname, CheckStatus status,
           std::string message, std::string fix = "") {
    results_.push_back(CheckResult{std::move(id), std::move(alertname), status,
                                   std::move(message), std::move(fix)});
  }

  bool Failed(absl::string_view id, absl::string_view alertname) const {
    for (const CheckResult& r : results_) {
      if (r.id == id && r.alertname == alertname &&
          r.status == CheckStatus::kFail) {
        return true;
      }
    }
    return false;
  }

  // --- receiver-up, receiver-ready, receiver-enabled -------------------

  void CheckReceiver() {
    const std::string url = receiver_ + "/";
    JsonAnswer status = FetchJson(url, nullptr, plain_);
    const json& b = status.body;
    if (status.status.ok() &&
        !(b.is_object() && b.contains("actions") && b["actions"].is_array() &&
          b.contains("enabled") && b["enabled"].is_boolean())) {
      status.status = absl::FailedPreconditionError(absl::StrCat(
          "GET ", url, " answered JSON without autoheal's status fields "
          "(actions, enabled): not an autoheal receiver"));
    }
    if (!status.status.ok()) {
      Add("receiver-up", "", CheckStatus::kFail,
          std::string(status.status.message()),
          absl::StrCat("start autoheal-webhook, or point --receiver at it (it "
                       "listens on --listen, default 127.0.0.1:9009)"));
      Add("receiver-ready", "", CheckStatus::kSkip,
          "needs receiver-up, which failed");
      Add("receiver-enabled", "", CheckStatus::kSkip,
          "needs receiver-up, which failed");
      return;
    }
    info_.up = true;
    info_.enabled = b["enabled"].get<bool>();
    for (const json& a : b["actions"]) {
      if (a.is_string()) info_.actions.push_back(a.get<std::string>());
    }
    if (b.contains("opt_in") && b["opt_in"].is_object()) {
      if (std::string k = Str(b["opt_in"], "annotation"); !k.empty()) {
        info_.opt_in_annotation = k;
      }
      info_.opt_in_value = Str(b["opt_in"], "value");
    }
    const std::string source = Str(b, "policy_source");
    policy_source_ = source.empty() ? "the receiver's policy file" : source;
    Add("receiver-up", "", CheckStatus::kOk,
        absl::StrCat("autoheal ", Str(b, "version"), " answers at ", receiver_,
                     ": policy ", policy_source_, ", ", info_.actions.size(),
                     " action(s)"));

    JsonAnswer ready = FetchJson(receiver_ + "/readyz", nullptr, plain_);
    if (ready.status.ok()) {
      Add("receiver-ready", "", CheckStatus::kOk,
          "the state store is reachable (GET /readyz: 200)");
    } else {
      receiver_ready_failed_ = true;
      std::string why = std::string(ready.status.message());
      if (std::string e = Str(ready.body, "error"); !e.empty()) {
        why = absl::StrCat("GET ", receiver_, "/readyz: the state store is "
                           "unreachable: ", e);
      }
      Add("receiver-ready", "", CheckStatus::kFail, why,
          "make the state store reachable: check the receiver's --state-path "
          "(SQLite) or --redis-address and that Redis is up; nothing runs "
          "until it is");
    }

    if (info_.enabled) {
      Add("receiver-enabled", "", CheckStatus::kOk,
          "enabled: passing decisions run their action");
    } else {
      Add("receiver-enabled", "", CheckStatus::kWarn,
          "dry-run: every decision is made and audited, but nothing will run",
          absl::StrCat("set enabled: true in ", policy_source_,
                       " or AUTOHEAL_ENABLED=true in the receiver's "
                       "environment, then reload it (SIGHUP) or restart it"));
    }
  }

  // --- Prometheus ------------------------------------------------------

  void LoadPrometheusRules() {
    if (prometheus_.empty()) return;
    JsonAnswer answer =
        FetchJson(prometheus_ + "/api/v1/rules?type=alert", nullptr, plain_);
    if (answer.status.ok() &&
        !(answer.body.is_object() && answer.body.contains("data") &&
          answer.body["data"].is_object() &&
          answer.body["data"].contains("groups") &&
          answer.body["data"]["groups"].is_array())) {
      answer.status = absl::FailedPreconditionError(absl::StrCat(
          "GET ", prometheus_, "/api/v1/rules answered without data.groups: "
          "not a Prometheus"));
    }
    if (!answer.status.ok()) {
      prometheus_error_ = std::string(answer.status.message());
      return;
    }
    for (const json& group : answer.body["data"]["groups"]) {
      if (!group.is_object() || !group.contains("rules") ||
          !group["rules"].is_array()) {
        continue;
      }
      for (const json& rule : group["rules"]) {
        const std::string name = Str(rule, "name");
        if (name.empty() || Str(rule, "type") != "alerting") continue;
        if (rules_.count(name) > 0) continue;  // the first one, as listed
        RuleInfo info;
        info.loaded = true;
        info.group = Str(group, "name");
        info.file = Str(group, "file");
        info.state = Str(rule, "state");
        info.health = Str(rule, "health");
        info.last_error = Str(rule, "lastError");
        info.labels = ToLabelSet(rule.value("labels", json::object()));
        info.annotations = ToLabelSet(rule.value("annotations", json::object()));
        if (rule.contains("alerts") && rule["alerts"].is_array()) {
          for (const json& alert : rule["alerts"]) {
            ++info.active;
            if (!info.first_alert_labels.has_value() &&
                Str(alert, "state") == "firing") {
              info.first_alert_labels =
                  ToLabelSet(alert.value("labels", json::object()));
              info.first_alert_annotations =
                  ToLabelSet(alert.value("annotations", json::object()));
            }
          }
        }
        rules_.emplace(name, std::move(info));
      }
    }
  }

  // --- Alertmanager ----------------------------------------------------

  void LoadAlertmanagerConfig() {
    if (alertmanager_.empty()) return;
    const std::string url = alertmanager_ + "/api/v2/status";
    JsonAnswer answer = FetchJson(url, nullptr, plain_);
    std::string original;
    if (answer.status.ok()) {
      const json& b = answer.body;
      if (b.is_object() && b.contains("config") && b["config"].is_object()) {
        original = Str(b["config"], "original");
      }
      if (original.empty()) {
        answer.status = absl::FailedPreconditionError(absl::StrCat(
            "GET ", url, " answered without config.original: not an "
            "Alertmanager"));
      }
    }
    if (!answer.status.ok()) {
      alertmanager_error_ = std::string(answer.status.message());
      return;
    }
    absl::StatusOr<alertmanager::AlertmanagerConfig> config =
        alertmanager::ParseAlertmanagerConfig(
            original, absl::StrCat(url, " config.original"));
    if (!config.ok()) {
      alertmanager_error_ = std::string(config.status().message());
      return;
    }
    am_config_ = std::make_unique<alertmanager::AlertmanagerConfig>(
        *std::move(config));
  }

  // --- Per alertname ---------------------------------------------------

  void CheckAlert(const std::string& name) {
    // action-allowlisted
    if (!info_.up) {
      Add("action-allowlisted", name, CheckStatus::kSkip,
          "needs receiver-up, which failed");
    } else if (std::find(info_.actions.begin(), info_.actions.end(), name) !=
               info_.actions.end()) {
      Add("action-allowlisted", name, CheckStatus::kOk,
          absl::StrCat("the policy has an action for ", QuoteText(name)));
    } else {
      Add("action-allowlisted", name, CheckStatus::kFail,
          absl::StrCat("the policy has no action for ", QuoteText(name),
                       "; its allowlist is [",
                       absl::StrJoin(info_.actions, ", "), "]"),
          absl::StrCat("add an action with alertname: ", name, " to ",
                       policy_source_, ", then reload the receiver (SIGHUP)"));
    }

    // rule-loaded, rule-opted-in, rule-runbook
    const RuleInfo* rule = nullptr;
    if (prometheus_.empty()) {
      for (const char* id : {"rule-loaded", "rule-opted-in", "rule-runbook"}) {
        Add(id, name, CheckStatus::kSkip, "no --prometheus URL given");
      }
    } else if (!prometheus_error_.empty()) {
      Add("rule-loaded", name, CheckStatus::kFail, prometheus_error_,
          "make Prometheus reachable at --prometheus (is it running? the URL "
          "is its base, e.g. http://127.0.0.1:9090)");
      Add("rule-opted-in", name, CheckStatus::kSkip,
          "needs rule-loaded, which failed");
      Add("rule-runbook", name, CheckStatus::kSkip,
          "needs rule-loaded, which failed");
    } else if (auto it = rules_.find(name); it == rules_.end()) {
      Add("rule-loaded", name, CheckStatus::kFail,
          absl::StrCat("Prometheus at ", prometheus_,
                       " has no alerting rule named ", QuoteText(name)),
          absl::StrCat("add a rule `alert: ", name, "` to a rule file listed "
                       "in prometheus.yml rule_files, check it with promtool "
                       "check rules, and reload Prometheus"));
      Add("rule-opted-in", name, CheckStatus::kSkip,
          "needs rule-loaded, which failed");
      Add("rule-runbook", name, CheckStatus::kSkip,
          "needs rule-loaded, which failed");
    } else {
      rule = &it->second;
      CheckRule(name, *rule);
    }

    const LabelSet labels = AlertLabels(name, rule);
    CheckRoute(name, rule, labels);
    CheckFiring(name, rule);
    CheckWouldAct(name, rule, labels);
  }

  void CheckRule(const std::string& name, const RuleInfo& rule) {
    const std::string where = absl::StrCat(
        "rule ", QuoteText(name), " (group ", QuoteText(rule.group),
        rule.file.empty() ? "" : absl::StrCat(" in ", rule.file), ")");
    if (rule.health == "err") {
      Add("rule-loaded", name, CheckStatus::kFail,
          absl::StrCat(where, " is loaded but fails to evaluate: ",
                       rule.last_error),
          absl::StrCat("fix the rule's expr in ", rule.file.empty() ? "its rule file" : rule.file));
    } else {
      Add("rule-loaded", name, CheckStatus::kOk,
          absl::StrCat(where, " is loaded, state ",
                       rule.state.empty() ? "unknown" : rule.state));
    }

    const std::string& key = info_.opt_in_annotation;
    const std::string& want = info_.opt_in_value;
    const std::string file = rule.file.empty() ? "its rule file" : rule.file;
    const std::string exact = absl::StrCat(key, ": ", QuoteText(want));
    std::optional<absl::string_view> value = rule.annotations.Find(key);
    if (value.has_value() && *value == want) {
      Add("rule-opted-in", name, CheckStatus::kOk,
          absl::StrCat("annotation ", exact, " is set"));
    } else if (value.has_value()) {
      std::string near;
      if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(*value), want)) {
        near = " (a near miss: the receiver compares exactly, case and "
               "spaces included)";
      }
      Add("rule-opted-in", name, CheckStatus::kFail,
          absl::StrCat("annotation ", key, " is ", QuoteText(*value),
                       ", not exactly ", QuoteText(want), near),
          absl::StrCat("set annotations: ", exact, " in rule ", name, " in ",
                       file, ", and reload Prometheus"));
    } else {
      std::string near;
      for (const auto& [k, v] : rule.annotations.entries()) {
        if (k != key && absl::EqualsIgnoreCase(k, key)) {
          near = absl::StrCat("; annotation ", QuoteText(k),
                              " differs from it only in case");
        }
      }
      if (rule.labels.Find(key).has_value()) {
        near = absl::StrCat(near, "; ", key, " is set as a label (",
                            QuoteText(*rule.labels.Find(key)),
                            "), not as an annotation: a label routes the "
                            "alert, the receiver reads the annotation");
      }
      Add("rule-opted-in", name, CheckStatus::kFail,
          absl::StrCat("annotation ", key, " is missing", near),
          absl::StrCat("add annotations: ", exact, " to rule ", name, " in ",
                       file, ", and reload Prometheus"));
    }

    if (rule.annotations.Find("runbook_url").has_value()) {
      Add("rule-runbook", name, CheckStatus::kOk,
          absl::StrCat("runbook_url is ",
                       QuoteText(*rule.annotations.Find("runbook_url"), 200)));
    } else {
      Add("rule-runbook", name, CheckStatus::kWarn,
          "no runbook_url annotation: when the remediation does not help, "
          "the human paged has nothing to start from",
          absl::StrCat("add annotations: runbook_url: <link> to rule ", name,
                       " in ", file));
    }
  }

  // The labels the alert carries: a firing alert's own when there is one,
  // else the rule's labels and its alertname.
  static LabelSet AlertLabels(const std::string& name, const RuleInfo* rule) {
    if (rule != nullptr && rule->first_alert_labels.has_value()) {
      return *rule->first_alert_labels;
    }
    LabelSet labels = rule != nullptr ? rule->labels : LabelSet();
    labels.Set("alertname", name);
    return labels;
  }

  void CheckRoute(const std::string& name, const RuleInfo* rule,
                  const LabelSet& labels) {
    const char* id = "route-reaches-receiver";
    if (alertmanager_.empty()) {
      Add(id, name, CheckStatus::kSkip, "no --alertmanager URL given");
      return;
    }
    if (!alertmanager_error_.empty()) {
      Add(id, name, CheckStatus::kFail, alertmanager_error_,
          "make Alertmanager reachable at --alertmanager (its base URL, e.g. "
          "http://127.0.0.1:9093)");
      return;
    }
    if (!prometheus_.empty() && rule == nullptr) {
      Add(id, name, CheckStatus::kSkip,
          "needs the rule's labels, and rule-loaded failed");
      return;
    }
    std::vector<std::string> label_text;
    for (const auto& [k, v] : labels.entries()) {
      label_text.push_back(absl::StrCat(k, "=", QuoteText(v)));
    }
    const std::string with = absl::StrCat(
        "labels {", absl::StrJoin(label_text, ", "), "}",
        prometheus_.empty() ? " (no --prometheus: alertname only)" : "");
    const Endpoint self = ParseEndpoint(receiver_);
    std::vector<const alertmanager::Route*> routes =
        alertmanager::MatchRoutes(*am_config_, labels);
    std::vector<std::string> reached;
    for (const alertmanager::Route* route : routes) {
      reached.push_back(absl::StrCat(
          route->receiver, " (", route->path,
          route->line > 0 ? absl::StrCat(", line ", route->line) : "", ")"));
    }
    const std::string reached_text = absl::StrJoin(reached, ", ");
    std::string elsewhere;  // an autoheal-looking URL on another host
    for (const alertmanager::Route* route : routes) {
      for (const std::string& url : am_config_->webhook_urls[route->receiver]) {
        const Endpoint e = ParseEndpoint(url);
        if (e.host == self.host && e.port == self.port &&
            e.scheme == self.scheme) {
          Add(id, name, CheckStatus::kOk,
              absl::StrCat("with ", with, " Alertmanager routes it to ",
                           reached_text, "; receiver ",
                           QuoteText(route->receiver), " posts to ", url));
          return;
        }
        if (elsewhere.empty() && (e.path == "/alerts" || e.path == "/alert")) {
          elsewhere = absl::StrCat("receiver ", QuoteText(route->receiver),
                                   " posts to ", url);
        }
      }
    }
    if (!elsewhere.empty()) {
      Add(id, name, CheckStatus::kWarn,
          absl::StrCat("with ", with, " Alertmanager routes it to ",
                       reached_text, "; ", elsewhere,
                       ", which is not the URL doctor reached (", receiver_,
                       "): the same receiver under another name?"),
          "make sure that URL is this receiver (e.g. the compose service "
          "name), or run doctor with --receiver set to it");
      return;
    }
    const alertmanager::Route* first = routes.front();
    Add(id, name, CheckStatus::kFail,
        absl::StrCat("with ", with, " the alert stops at route ", first->path,
                     first->line > 0 ? absl::StrCat(" (line ", first->line,
                                                     " of the running config)")
                                    : "",
                     " ", first->MatchersString(), " -> receiver ",
                     QuoteText(first->receiver),
                     first->continue_matching ? "" : " without continue",
                     "; receiver(s) reached: ", reached_text,
                     "; none has a webhook_configs url at ", receiver_),
        absl::StrCat("in alertmanager.yml, add a route to the autoheal "
                     "receiver (webhook_configs url: ", receiver_,
                     "/alerts) that matches these labels before ", first->path,
                     ", or give ", first->path, " continue: true"));
  }

  void CheckFiring(const std::string& name, const RuleInfo* rule) {
    const char* id = "alert-firing";
    std::vector<std::string> parts;
    if (rule != nullptr) {
      parts.push_back(absl::StrCat("Prometheus: rule ", rule->state.empty() ? "unknown" : rule->state,
                                   ", ", rule->active, " active alert(s)"));
    } else if (!prometheus_.empty()) {
      parts.push_back(prometheus_error_.empty() ? "Prometheus: no such rule"
                                                : "Prometheus: unreachable");
    }
    if (!alertmanager_.empty()) {
      const std::string filter = absl::StrCat("alertname=\"", name, "\"");
      JsonAnswer alerts = FetchJson(
          absl::StrCat(alertmanager_, "/api/v2/alerts?filter=",
                       net::UrlQueryEscape(filter)),
          nullptr, plain_);
      if (alerts.status.ok() && alerts.body.is_array()) {
        int active = 0, suppressed = 0;
        std::vector<std::string> receivers;
        for (const json& a : alerts.body) {
          const std::string state =
              a.contains("status") ? Str(a["status"], "state") : "";
          (state == "suppressed" ? suppressed : active)++;
          if (a.contains("receivers") && a["receivers"].is_array()) {
            for (const json& r : a["receivers"]) {
              const std::string rn = Str(r, "name");
              if (!rn.empty() && std::find(receivers.begin(), receivers.end(),
                                           rn) == receivers.end()) {
                receivers.push_back(rn);
              }
            }
          }
        }
        parts.push_back(absl::StrCat(
            "Alertmanager: ", active, " active, ", suppressed, " suppressed",
            receivers.empty() ? ""
                              : absl::StrCat(", sent to ",
                                             absl::StrJoin(receivers, ", "))));
      } else {
        parts.push_back("Alertmanager: unreachable");
      }
    }
    if (parts.empty()) {
      Add(id, name, CheckStatus::kSkip,
          "no --prometheus or --alertmanager URL given");
      return;
    }
    if (rule == nullptr &&
        (prometheus_.empty() || !prometheus_error_.empty()) &&
        (alertmanager_.empty() ||
         absl::StrContains(parts.back(), "unreachable"))) {
      Add(id, name, CheckStatus::kSkip,
          absl::StrCat("nothing answered: ", absl::StrJoin(parts, "; ")));
      return;
    }
    Add(id, name, CheckStatus::kOk,
        absl::StrCat(rule != nullptr && rule->state == "firing" ? "firing now"
                                                                : "not firing now",
                     " (", absl::StrJoin(parts, "; "), ")"));
  }

  void CheckWouldAct(const std::string& name, const RuleInfo* rule,
                     const LabelSet& labels) {
    const char* id = "would-act-now";
    if (!info_.up) {
      Add(id, name, CheckStatus::kSkip, "needs receiver-up, which failed");
      return;
    }
    if (rule == nullptr) {
      Add(id, name, CheckStatus::kSkip,
          prometheus_.empty()
              ? "needs the rule's labels and annotations: no --prometheus URL "
                "given"
              : "needs the rule's labels and annotations, and rule-loaded "
                "failed");
      return;
    }
    const bool firing = rule->first_alert_labels.has_value();
    const LabelSet& annotations =
        firing ? *rule->first_alert_annotations : rule->annotations;
    json alert = {{"status", "firing"},
                  {"labels", ToJson(labels)},
                  {"annotations", ToJson(annotations)},
                  {"startsAt", "1970-01-01T00:00:00Z"},
                  {"endsAt", "0001-01-01T00:00:00Z"},
                  {"generatorURL", ""},
                  {"fingerprint", "0000000000000000"}};
    json message = {{"version", "4"},
                    {"status", "firing"},
                    {"receiver", "autoheal-doctor"},
                    {"groupKey", "autoheal-doctor"},
                    {"truncatedAlerts", 0},
                    {"groupLabels", json::object()},
                    {"commonLabels", ToJson(labels)},
                    {"commonAnnotations", ToJson(annotations)},
                    {"externalURL", ""},
                    {"alerts", json::array({alert})}};
    const std::string body = message.dump();
    JsonAnswer answer = FetchJson(receiver_ + "/explain", &body, with_token_);
    const json* d = nullptr;
    if (answer.status.ok() && answer.body.is_object() &&
        answer.body.contains("alerts") && answer.body["alerts"].is_array() &&
        answer.body["alerts"].size() == 1 &&
        answer.body["alerts"][0].is_object()) {
      d = &answer.body["alerts"][0];
    } else if (answer.status.ok()) {
      answer.status = absl::FailedPreconditionError(
          absl::StrCat("POST ", receiver_, "/explain answered without one "
                       "decision"));
    }
    if (d == nullptr) {
      const bool auth = absl::StrContains(answer.status.message(), "HTTP 401");
      const bool missing = absl::StrContains(answer.status.message(), "HTTP 404");
      Add(id, name, CheckStatus::kFail, std::string(answer.status.message()),
          auth ? "pass the receiver's token with --bearer-token-file"
          : missing ? "upgrade the receiver: it has no POST /explain"
                    : "check the receiver's log");
      return;
    }
    const std::string verdict = Str(*d, "verdict");
    const std::string reason = Str(*d, "reason");
    const std::string to_act = Str(*d, "to_act");
    double seconds_left = 0;
    if (d->contains("seconds_left") && (*d)["seconds_left"].is_number()) {
      seconds_left = (*d)["seconds_left"].get<double>();
    }
    std::string message_text = absl::StrCat(
        "the receiver would ", verdict == "dry_run" ? "dry-run" : verdict,
        " (", reason, "): ", Str(*d, "sentence"),
        firing ? "" : " [not firing now: asked with the rule's labels]");
    if (verdict == "execute") {
      Add(id, name, CheckStatus::kOk, message_text);
      return;
    }
    // One cause, one fail: a skip an earlier check already failed for.
    const std::map<std::string, const char*> causes = {
        {"not_opted_in", "rule-opted-in"},
        {"not_allowlisted", "action-allowlisted"},
        {"store_unavailable", "receiver-ready"}};
    if (auto it = causes.find(reason);
        it != causes.end() && Failed(it->second, reason == "store_unavailable" ? "" : name)) {
      Add(id, name, CheckStatus::kSkip,
          absl::StrCat(message_text, " -- the cause is ", it->second,
                       "'s fail above"));
      return;
    }
    if (verdict == "dry_run" || reason == "cooling_down" ||
        reason == "budget_exhausted") {
      if (reason != "dry_run") {
        absl::StrAppend(&message_text, " (",
                        static_cast<int64_t>(seconds_left + 0.999),
                        " s left)");
      }
      Add(id, name, CheckStatus::kWarn, message_text, to_act);
      return;
    }
    if (reason == "invalid_target" && !firing) {
      Add(id, name, CheckStatus::kWarn,
          absl::StrCat(message_text, "; a firing alert's series labels "
                       "may supply it"),
          to_act);
      return;
    }
    Add(id, name, CheckStatus::kFail, message_text, to_act);
  }

  const DoctorOptions& options_;
  net::FetchOptions plain_;       // Prometheus, Alertmanager, receiver GETs
  net::FetchOptions with_token_;  // the receiver's POST /explain
  std::string receiver_;
  std::string prometheus_;
  std::string alertmanager_;
  ReceiverInfo info_;
  std::string policy_source_ = "the receiver's policy file";
  bool receiver_ready_failed_ = false;
  std::string prometheus_error_;
  std::map<std::string, RuleInfo> rules_;
  std::string alertmanager_error_;
  std::unique_ptr<alertmanager::AlertmanagerConfig> am_config_;
  std::vector<CheckResult> results_;
};

absl::Status CheckUrl(const std::string& url, absl::string_view flag) {
  const std::string lower = absl::AsciiStrToLower(url);
  if (!absl::StartsWith(lower, "http://") && !absl::StartsWith(lower, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": ", QuoteText(url), " is not an http:// or https:// URL"));
  }
  return absl::OkStatus();
}

}  // namespace

const char* CheckStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk:
      return "ok";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kFail:
      return "fail";
    case CheckStatus::kSkip:
      return "skip";
  }
  return "unknown";
}

absl::Status ValidateDoctorOptions(const DoctorOptions& options) {
  if (options.receiver_url.empty()) {
    return absl::InvalidArgumentError("--receiver: required (the receiver's "
                                      "base URL, e.g. http://127.0.0.1:9009)");
  }
  absl::Status s = CheckUrl(options.receiver_url, "--receiver");
  if (s.ok() && !options.prometheus_url.empty()) {
    s = CheckUrl(options.prometheus_url, "--prometheus");
  }
  if (s.ok() && !options.alertmanager_url.empty()) {
    s = CheckUrl(options.alertmanager_url, "--alertmanager");
  }
  if (!s.ok()) return s;
  for (const std::string& name : options.alertnames) {
    if (name.empty()) {
      return absl::InvalidArgumentError("--alertname: must not be empty");
    }
  }
  if (options.format != "text" && options.format != "json") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format: ", QuoteText(options.format), " is not text or json"));
  }
  if (options.timeout <= absl::ZeroDuration() ||
      options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--timeout: must be positive");
  }
  return absl::OkStatus();
}

std::vector<CheckResult> RunChecks(const DoctorOptions& options) {
  return Doctor(options).Run();
}

std::string RenderText(const std::vector<CheckResult>& results) {
  std::string out;
  int counts[4] = {0, 0, 0, 0};
  for (const CheckResult& r : results) {
    ++counts[static_cast<int>(r.status)];
    absl::StrAppend(&out, absl::StrCat("[", CheckStatusName(r.status), "]"),
                    std::string(7 - std::string(CheckStatusName(r.status)).size(), ' '),
                    r.id, r.alertname.empty() ? "" : absl::StrCat(" (", r.alertname, ")"),
                    ": ", r.message, "\n");
    if (!r.fix.empty() && r.status != CheckStatus::kOk) {
      absl::StrAppend(&out, "         fix: ", r.fix, "\n");
    }
  }
  absl::StrAppend(&out, "doctor: ", counts[0], " ok, ", counts[1], " warn, ",
                  counts[2], " fail, ", counts[3], " skip\n");
  return out;
}

std::string RenderJson(const std::vector<CheckResult>& results) {
  json checks = json::array();
  bool ok = true;
  for (const CheckResult& r : results) {
    if (r.status == CheckStatus::kFail) ok = false;
    checks.push_back({{"id", r.id},
                      {"alertname", r.alertname.empty() ? json() : json(r.alertname)},
                      {"status", CheckStatusName(r.status)},
                      {"message", r.message},
                      {"fix", r.fix}});
  }
  return json({{"ok", ok}, {"checks", checks}})
             .dump(2, ' ', false, json::error_handler_t::replace) +
         "\n";
}

int RunDoctor(const DoctorOptions& options, std::ostream& out,
              std::ostream& err) {
  if (absl::Status s = ValidateDoctorOptions(options); !s.ok()) {
    err << "autoheal doctor: " << s.message() << "\n";
    return kExitUsage;
  }
  const std::vector<CheckResult> results = RunChecks(options);
  out << (options.format == "json" ? RenderJson(results) : RenderText(results));
  for (const CheckResult& r : results) {
    if (r.status == CheckStatus::kFail) return kExitFailed;
  }
  return kExitOk;
}

absl::StatusOr<std::string> ReadBearerTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--bearer-token-file: cannot read ", QuoteText(path)));
  }
  std::string token((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
    token.pop_back();
  }
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--bearer-token-file: ", QuoteText(path), " holds no token"));
  }
  return token;
}

}  // namespace doctor
}  // namespace autoheal

// The chaos run's configurations, derived from the example monitoring stack
// (examples/monitoring/) rather than written anew, so that the run proves
// the examples themselves: the TcpEndpointDownFast rule (its expr, labels
// and annotations), the blackbox-tcp scrape job and its relabelling, the
// blackbox module, Alertmanager's routes, receiver and inhibit rules, and
// the policy's action (name, cooldown, key labels, label patterns, argv
// template). Only what cannot work on a test machine is rewritten:
// addresses, file paths, and timings (`for: 10s`, 2 s scrape and
// evaluation, Alertmanager group_wait 1s / group_interval 2s /
// repeat_interval 1h).
//
// Every function returns the configuration as JSON text. JSON is YAML, and
// Prometheus, Alertmanager and autoheal's policy loader all read it; unlike
// re-emitted YAML it keeps every value's type exactly (a quoted "true"
// stays a string, a plain true a boolean).
//
// Errors: kNotFound / kInvalidArgument naming the example file and what is
// missing from it, so a change to an example that breaks the derivation
// says so instead of running a different stack. Never throws.
//
// Thread-compatible: no shared state.

#ifndef AUTOHEAL_TESTS_CHAOS_EXAMPLE_CONFIGS_H_
#define AUTOHEAL_TESTS_CHAOS_EXAMPLE_CONFIGS_H_

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace autoheal {
namespace chaos {

using json = nlohmann::json;

// yaml-cpp's tag for a plain (unquoted, untagged) scalar.
inline constexpr char kPlainTag[] = "?";

// Types a plain scalar as YAML 1.2's core schema does (null, bool, integer,
// float, else string); a quoted scalar is always a string.
inline json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != kPlainTag) return text;
  if (text.empty() || text == "~" || text == "null") return nullptr;
  if (text == "true") return true;
  if (text == "false") return false;
  int64_t integer = 0;
  if (absl::SimpleAtoi(text, &integer)) return integer;
  double number = 0;
  if (absl::ascii_isdigit(text.back()) && absl::SimpleAtod(text, &number)) {
    return number;
  }
  return text;
}

inline json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const YAML::Node& element : node) {
        array.push_back(YamlToJson(element));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& entry : node) {
        object[entry.first.Scalar()] = YamlToJson(entry.second);
      }
      return object;
    }
    default:  // Null, Undefined
      return nullptr;
  }
}

// Loads the YAML file at `path` as JSON. kNotFound / kInvalidArgument with
// the path and yaml-cpp's message.
inline absl::StatusOr<json> LoadYamlAsJson(const std::string& path) {
  try {
    return YamlToJson(YAML::LoadFile(path));
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
}

inline absl::Status Missing(absl::string_view file, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(file, ": expected ", what, "; the chaos run derives its ",
                   "configuration from it (tests/chaos/example_configs.h)"));
}

// Returns the element of `array` whose `key` is `value`, or nullptr.
inline json* FindBy(json& array, absl::string_view key,
                    absl::string_view value) {
  if (!array.is_array()) return nullptr;
  for (json& element : array) {
    if (element.is_object() && element.value(std::string(key), "") == value) {
      return &element;
    }
  }
  return nullptr;
}

// Returns the rule file: the example's TcpEndpointDownFast rule alone (the
// other rules' series do not exist here; CrmMetricsScrapeStale's absent()
// would fire), with `for: 10s`, in a group evaluated every 2 s.
inline absl::StatusOr<std::string> ChaosAlertRules(
    const std::string& example_alerts) {
  absl::StatusOr<json> example = LoadYamlAsJson(example_alerts);
  if (!example.ok()) return example.status();
  json* rule = nullptr;
  if (example->contains("groups")) {
    for (json& group : (*example)["groups"]) {
      if (group.contains("rules")) {
        rule = FindBy(group["rules"], "alert", "TcpEndpointDownFast");
      }
      if (rule != nullptr) break;
    }
  }
  if (rule == nullptr) {
    return Missing(example_alerts, "a rule `alert: TcpEndpointDownFast`");
  }
  (*rule)["for"] = "10s";
  json group = {{"name", "chaos"}, {"interval", "2s"}};
  group["rules"] = json::array({*rule});
  json rules = json::object();
  rules["groups"] = json::array({group});
  return rules.dump(2);
}

// Where the chaos run's processes listen, all on 127.0.0.1.
struct ChaosPorts {
  uint16_t tcp_service = 0;
  uint16_t blackbox = 0;
  uint16_t alertmanager = 0;
  uint16_t receiver = 0;
};

// Returns prometheus.yml: the example's blackbox-tcp job (module, metrics
// path, relabelling) probing only the chaos service, through the test's
// blackbox exporter; rules from `rule_file`; alerts to the test's
// Alertmanager; scrape and evaluation every 2 s.
inline absl::StatusOr<std::string> ChaosPrometheusConfig(
    const std::string& example_prometheus, const std::string& rule_file,
    const ChaosPorts& ports) {
  absl::StatusOr<json> example = LoadYamlAsJson(example_prometheus);
  if (!example.ok()) return example.status();
  json* job =
      example->contains("scrape_configs")
          ? FindBy((*example)["scrape_configs"], "job_name", "blackbox-tcp")
          : nullptr;
  if (job == nullptr) {
    return Missing(example_prometheus,
                   "a scrape config with `job_name: blackbox-tcp`");
  }
  job->erase("scrape_interval");
  job->erase("scrape_timeout");
  (*job)["static_configs"] = json::array(
      {{{"targets",
         json::array({absl::StrCat("127.0.0.1:", ports.tcp_service)})},
        {"labels", {{"service", "chaos"}}}}});
  json* to_exporter =
      job->contains("relabel_configs")
          ? FindBy((*job)["relabel_configs"], "target_label", "__address__")
          : nullptr;
  if (to_exporter == nullptr) {
    return Missing(example_prometheus,
                   "in job blackbox-tcp, a relabel config with "
                   "`target_label: __address__` (the blackbox exporter)");
  }
  (*to_exporter)["replacement"] = absl::StrCat("127.0.0.1:", ports.blackbox);

  json alertmanager_targets = json::object();
  alertmanager_targets["targets"] =
      json::array({absl::StrCat("127.0.0.1:", ports.alertmanager)});
  json alertmanagers = json::object();
  alertmanagers["static_configs"] = json::array({alertmanager_targets});

  json config = json::object();
  config["global"] = {{"scrape_interval", "2s"},
                      {"scrape_timeout", "2s"},
                      {"evaluation_interval", "2s"}};
  config["rule_files"] = json::array({rule_file});
  config["alerting"] = {{"alertmanagers", json::array({alertmanagers})}};
  config["scrape_configs"] = json::array({*job});
  return config.dump(2);
}

// Sets the timers of `route` and, where they set their own, of its
// sub-routes: group_wait 1s, group_interval 2s, repeat_interval 1h (no
// repeat of a firing group during the run).
inline void TuneRouteTimers(json& route, bool is_root) {
  const std::vector<std::pair<const char*, const char*>> timers = {
      {"group_wait", "1s"},
      {"group_interval", "2s"},
      {"repeat_interval", "1h"}};
  for (const auto& [key, value] : timers) {
    if (is_root || route.contains(key)) route[key] = value;
  }
  if (route.contains("routes") && route["routes"].is_array()) {
    for (json& child : route["routes"]) TuneRouteTimers(child, false);
  }
}

// Returns alertmanager.yml: the example's routes, receivers and inhibit
// rules; the autoheal webhook's URL keeps its path but points at the test's
// receiver, and its bearer credentials_file at `token_file`.
inline absl::StatusOr<std::string> ChaosAlertmanagerConfig(
    const std::string& example_alertmanager, const std::string& token_file,
    const ChaosPorts& ports) {
  absl::StatusOr<json> config = LoadYamlAsJson(example_alertmanager);
  if (!config.ok()) return config.status();
  if (!config->contains("route") || !(*config)["route"].is_object()) {
    return Missing(example_alertmanager, "a `route`");
  }
  TuneRouteTimers((*config)["route"], true);
  json* receiver = config->contains("receivers")
                       ? FindBy((*config)["receivers"], "name", "autoheal")
                       : nullptr;
  if (receiver == nullptr || !receiver->contains("webhook_configs") ||
      (*receiver)["webhook_configs"].size() != 1) {
    return Missing(example_alertmanager,
                   "a receiver `autoheal` with one webhook_config");
  }
  json& webhook = (*receiver)["webhook_configs"][0];
  const std::string url = webhook.value("url", "");
  const size_t scheme_end = url.find("://");
  const size_t path_start = scheme_end == std::string::npos
                                ? std::string::npos
                                : url.find('/', scheme_end + 3);
  if (path_start == std::string::npos || !webhook.contains("http_config")) {
    return Missing(example_alertmanager,
                   "the autoheal webhook to have a url with a path and an "
                   "http_config");
  }
  webhook["url"] =
      absl::StrCat("http://127.0.0.1:", ports.receiver, url.substr(path_start));
  json& authorization = webhook["http_config"]["authorization"];
  if (!authorization.is_object() ||
      !authorization.contains("credentials_file")) {
    return Missing(example_alertmanager,
                   "the autoheal webhook to authenticate with "
                   "http_config.authorization.credentials_file");
  }
  authorization["credentials_file"] = token_file;
  return config->dump(2);
}

// Returns the policy: the example's, live (`enabled: true`), with
// TcpEndpointDownFast's program replaced by `restart_script` (the example's
// other arguments, templates included, are kept) followed by `extra_args`.
inline absl::StatusOr<std::string> ChaosPolicy(
    const std::string& example_policy, const std::string& restart_script,
    const std::vector<std::string>& extra_args) {
  absl::StatusOr<json> policy = LoadYamlAsJson(example_policy);
  if (!policy.ok()) return policy.status();
  if (!policy->contains("actions") ||
      !(*policy)["actions"].contains("TcpEndpointDownFast") ||
      !(*policy)["actions"]["TcpEndpointDownFast"].contains("argv") ||
      (*policy)["actions"]["TcpEndpointDownFast"]["argv"].empty()) {
    return Missing(example_policy,
                   "an action for TcpEndpointDownFast with an argv");
  }
  (*policy)["enabled"] = true;
  json& argv = (*policy)["actions"]["TcpEndpointDownFast"]["argv"];
  argv[0] = restart_script;
  for (const std::string& arg : extra_args) argv.push_back(arg);
  return policy->dump(2);
}

}  // namespace chaos
}  // namespace autoheal

#endif  // AUTOHEAL_TESTS_CHAOS_EXAMPLE_CONFIGS_H_

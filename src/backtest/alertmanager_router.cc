#include "backtest/alertmanager_router.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lint/file_reader.h"

namespace autoheal {
namespace backtest {

std::vector<RouteTiming> AlertmanagerRouter::Route(
    const LabelSet& labels) const {
  std::vector<RouteTiming> out;
  for (const alertmanager::Route* route :
       alertmanager::MatchRoutes(config_, labels)) {
    if (route->receiver != receiver_) continue;
    RouteTiming& t = out.emplace_back();
    t.id = route->path;
    t.group_by = route->group_by;
    t.group_by_all = route->group_by_all;
    t.group_wait = route->group_wait;
    t.group_interval = route->group_interval;
    t.repeat_interval = route->repeat_interval;
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Router>> LoadAlertmanagerRouter(
    const std::string& path, const std::string& receiver) {
  lint::DiskFileReader reader;
  absl::StatusOr<std::string> text = reader.Read(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--alertmanager ", path, ": ", text.status().message()));
  }
  absl::StatusOr<alertmanager::AlertmanagerConfig> config =
      alertmanager::ParseAlertmanagerConfig(*text, path);
  if (!config.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--alertmanager: the configuration does not parse: ",
        config.status().message()));
  }
  std::string chosen = receiver;
  if (!chosen.empty()) {
    if (config->webhook_urls.find(chosen) == config->webhook_urls.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--receiver ", chosen, ": no such receiver in ", path));
    }
  } else {
    std::vector<std::string> webhooks;
    for (const auto& [name, urls] : config->webhook_urls) {
      if (!urls.empty()) webhooks.push_back(name);
    }
    if (webhooks.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--alertmanager ", path, ": ",
          webhooks.empty() ? "no receiver has webhook_configs"
                           : absl::StrCat("several receivers have "
                                          "webhook_configs (",
                                          absl::StrJoin(webhooks, ", "), ")"),
          ": name autoheal's with --receiver"));
    }
    chosen = webhooks[0];
  }
  return std::make_unique<AlertmanagerRouter>(*std::move(config),
                                              std::move(chosen));
}

}  // namespace backtest
}  // namespace autoheal

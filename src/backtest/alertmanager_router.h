// `autoheal backtest`'s Router over a real Alertmanager configuration: the
// routes Alertmanager's dispatcher picks for an alert (alertmanager/
// route_tree.h: RE2 matchers, inheritance, `continue`), kept when their
// receiver is the webhook receiver that is autoheal.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: immutable
// after LoadAlertmanagerRouter(); Route() may run concurrently.

#ifndef AUTOHEAL_BACKTEST_ALERTMANAGER_ROUTER_H_
#define AUTOHEAL_BACKTEST_ALERTMANAGER_ROUTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "alertmanager/route_tree.h"
#include "backtest/deliveries.h"

namespace autoheal {
namespace backtest {

class AlertmanagerRouter final : public Router {
 public:
  // Takes the parsed `config` and the receiver name to follow.
  AlertmanagerRouter(alertmanager::AlertmanagerConfig config,
                     std::string receiver)
      : config_(std::move(config)), receiver_(std::move(receiver)) {}

  std::vector<RouteTiming> Route(const LabelSet& labels) const override;
  const std::string& receiver() const { return receiver_; }

 private:
  const alertmanager::AlertmanagerConfig config_;
  const std::string receiver_;
};

// Reads and parses the Alertmanager configuration at `path` and picks the
// receiver: `receiver` when given (it must exist), else the only receiver
// with webhook_configs. Returns kInvalidArgument naming the file for a file
// that cannot be read or parsed, an unknown receiver, or no (or more than
// one) webhook receiver to choose from without --receiver.
absl::StatusOr<std::unique_ptr<Router>> LoadAlertmanagerRouter(
    const std::string& path, const std::string& receiver);

}  // namespace backtest
}  // namespace autoheal

#endif  // AUTOHEAL_BACKTEST_ALERTMANAGER_ROUTER_H_

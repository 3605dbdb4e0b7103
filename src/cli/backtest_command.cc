#include "cli/backtest_command.h"

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "alertmanager/prom_duration.h"
#include "backtest/backtest.h"

namespace autoheal {
namespace cli {
namespace {

class BacktestCommand final : public Command {
 public:
  explicit BacktestCommand(const CLI::App* subcommand) : Command(subcommand) {}

  int Run(const CommandContext& context) override {
    for (auto [flag, text, target] :
         {std::make_tuple("--chunk", &chunk, &options.chunk),
          std::make_tuple("--repeat-interval", &repeat_interval,
                          &options.repeat_interval)}) {
      if (text->empty()) continue;
      absl::StatusOr<absl::Duration> d =
          alertmanager::ParsePrometheusDuration(*text);
      if (!d.ok() || *d <= absl::ZeroDuration()) {
        *context.err << "autoheal backtest: " << flag
                     << ": expected a positive duration like 6h, got \""
                     << *text << "\"\n";
        return backtest::kBacktestUsage;
      }
      *target = *d;
    }
    options.progress = !quiet;
    options.clock = context.deps->clock;
    return backtest::RunBacktest(options, *context.out, *context.err);
  }

  backtest::BacktestOptions options;
  std::string chunk;
  std::string repeat_interval;
  bool quiet = false;
};

}  // namespace

std::unique_ptr<Command> AddBacktestCommand(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "backtest",
      "replay Prometheus's ALERTS history through the policy, as if it were "
      "enabled: what would have run, and what held it back");
  auto command = std::make_unique<BacktestCommand>(sub);
  backtest::BacktestOptions& o = command->options;
  sub->add_option("--prometheus", o.prometheus_url,
                  "Prometheus's base URL (http://host:9090)")
      ->required();
  sub->add_option("--rules", o.rule_files,
                  "Prometheus rule file with the alerts' annotations "
                  "(repeatable)")
      ->required();
  sub->add_option("--policy", o.policy_file,
                  "YAML policy file (default: the embedded default policy)");
  sub->add_option("--alertmanager", o.alertmanager_file,
                  "Alertmanager config: deliveries follow its routes' timing "
                  "(default: each alert at start, every --repeat-interval, "
                  "at resolution)");
  sub->add_option("--receiver", o.receiver,
                  "with --alertmanager: autoheal's webhook receiver (default: "
                  "the only one with webhook_configs)");
  sub->add_option("--start", o.start,
                  "RFC 3339, now, or a duration before now (30d)")
      ->required();
  sub->add_option("--end", o.end, "RFC 3339, now, or a duration before now")
      ->required();
  sub->add_option("--format", o.format, "text, json or html")
      ->check(CLI::IsMember({"text", "json", "html"}));
  sub->add_option("--output", o.output, "write the report here (default: stdout)");
  sub->add_option("--chunk", command->chunk,
                  "range of one Prometheus query (default 6h)");
  sub->add_option("--repeat-interval", command->repeat_interval,
                  "without --alertmanager: redelivery interval (default 4h)");
  sub->add_flag("--quiet", command->quiet, "no progress on stderr");
  sub->footer(
      "Exit codes: 0 a report; 1 the backtest cannot be done or would be "
      "partial (Prometheus unreachable or erroring, no ALERTS in the range, "
      "a range older than its retention, a bad rule file, Alertmanager "
      "config or policy); 2 a usage error.");
  return command;
}

}  // namespace cli
}  // namespace autoheal

// Component process alone, from the installed package: the executor runs a
// real child (no shell) and reports its exit and output. Exits 0 when the
// outcome is as expected.
#include <future>
#include <iostream>
#include <utility>

#include "autoheal/action_executor.h"
#include "autoheal/process_executor.h"

int main() {
  auto executor = autoheal::ProcessExecutor::Create({}, /*clock=*/nullptr);
  if (!executor.ok()) {
    std::cerr << executor.status() << "\n";
    return 1;
  }
  autoheal::ActionRequest request;
  request.action.alertname = "ApiDown";
  request.action.name = "echo";
  request.action.argv = {"echo", "consumer"};  // found on the executor's PATH
  request.key = "ApiDown";
  std::promise<autoheal::ActionOutcome> done;
  absl::Status submitted = (*executor)->Submit(
      std::move(request),
      [&done](const autoheal::ActionRequest&,
              const autoheal::ActionOutcome& outcome) {
        done.set_value(outcome);
      });
  if (!submitted.ok()) {
    std::cerr << submitted << "\n";
    return 1;
  }
  autoheal::ActionOutcome outcome = done.get_future().get();
  absl::Status stopped = (*executor)->Shutdown(absl::Seconds(10));
  std::cout << autoheal::OutcomeKindName(outcome.kind) << " exit "
            << outcome.exit_code << " stdout '" << outcome.stdout_excerpt
            << "' " << outcome.error << "\n";
  bool ok = stopped.ok() && outcome.kind == autoheal::OutcomeKind::kSuccess &&
            outcome.stdout_excerpt == "consumer\n";
  return ok ? 0 : 1;
}

// Component audit alone, from the installed package: one decision goes to a
// JSON-lines file as one line. Exits 0 when the file holds it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "autoheal/alert.h"
#include "autoheal/decision.h"
#include "autoheal/json_audit_sink.h"

int main() {
  char dir[] = "/tmp/autoheal-consumer-audit-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  const std::string path = std::string(dir) + "/audit.jsonl";
  auto sink = autoheal::JsonLinesAuditSink::OpenFile(path);
  if (!sink.ok()) {
    std::cerr << sink.status() << "\n";
    return 1;
  }
  autoheal::Alert alert;
  alert.labels = autoheal::LabelSet({{"alertname", "ApiDown"}});
  autoheal::Decision decision;
  decision.alertname = "ApiDown";
  decision.verdict = autoheal::Verdict::kSkip;
  decision.reason = autoheal::Reason::kNotAllowlisted;
  absl::Status recorded =
      (*sink)->RecordDecision(alert, decision, absl::FromUnixSeconds(0));
  absl::Status flushed = (*sink)->Flush();
  sink->reset();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path.c_str());
  rmdir(dir);
  std::cout << text.str();
  const std::string line = text.str();
  bool ok = recorded.ok() && flushed.ok() && !line.empty() &&
            line.find('\n') == line.size() - 1 &&
            absl::StrContains(line, "\"ApiDown\"") &&
            absl::StrContains(line, "not_allowlisted");
  return ok ? 0 : 1;
}

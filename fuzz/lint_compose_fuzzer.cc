// Fuzz target: the lint compose reader on arbitrary text, with an env_file
// and a .env it may refer to. See fuzz/lint_fuzz_util.h for the invariants.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "fuzz/lint_fuzz_util.h"
#include "lint/compose.h"
#include "lint/file_reader.h"

namespace autoheal {
namespace fuzz {
namespace {

void FuzzOneInput(absl::string_view text) {
  // Half the input is the compose file, half the env file it may name.
  const size_t half = text.size() / 2;
  lint::MemoryFileReader files(std::map<std::string, std::string>{
      {"autoheal.env", std::string(text.substr(half))},
      {".env", "AUTOHEAL_ENABLED=false\n"}});
  lint::ComposeReport report =
      lint::LintCompose(text.substr(0, half), "docker-compose.yml", files);
  CheckFindings(report.findings,
                {"docker-compose.yml", "autoheal.env", ".env"});
}

}  // namespace
}  // namespace fuzz
}  // namespace autoheal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  autoheal::fuzz::FuzzOneInput(autoheal::fuzz::AsView(data, size));
  return 0;
}

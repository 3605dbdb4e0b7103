// Finding the file to execute for an action's argv[0].

#include "process/program_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace autoheal {
namespace internal {

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

std::optional<std::string> FindInSearchPath(absl::string_view name,
                                            absl::string_view search_path) {
  for (absl::string_view dir : absl::StrSplit(search_path, ':')) {
    if (dir.empty() || dir[0] != '/') continue;
    std::string candidate = absl::StrCat(dir, "/", name);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> ResolveProgram(const std::string& program,
                                           const std::string& path) {
  if (program.empty()) return absl::InvalidArgumentError("argv[0] is empty");
  if (program[0] == '/') return program;
  if (program.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "program \"", program,
        "\" is a relative path; use an absolute path or a bare name found "
        "in PATH"));
  }
  std::optional<std::string> found = FindInSearchPath(program, path);
  if (found.has_value()) return *std::move(found);
  return absl::NotFoundError(absl::StrCat(
      "program \"", program, "\" not found in PATH \"", path, "\""));
}

}  // namespace internal
}  // namespace autoheal

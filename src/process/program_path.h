// Finding the file to execute for an action's argv[0].
//
// The executor's rule (`ResolveProgram()`): an absolute path is used as is;
// a bare name (no '/') is looked up in the configured PATH
// (`ProcessExecutorOptions::path`, never the host's $PATH), whose first
// executable regular file wins; a relative path with a '/' ("bin/fix") is
// rejected, since the receiver's working directory is no contract. Only the
// absolute entries of PATH are searched: an empty entry (which a shell reads
// as ".") and a relative entry are skipped, for the same reason.
//
// The tests' process helpers (tests/subprocess.h) use the same search.
//
// Thread safety: thread-safe (each call only stats the file system).
//
// This header is internal to autoheal (not installed).
//
//   absl::StatusOr<std::string> program =
//       ResolveProgram("systemctl", "/usr/sbin:/usr/bin");
//   // "/usr/bin/systemctl" where that is the first executable match.

#ifndef AUTOHEAL_PROCESS_PROGRAM_PATH_H_
#define AUTOHEAL_PROCESS_PROGRAM_PATH_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace autoheal {
namespace internal {

// Returns whether `path` names a regular file (after symlinks) that this
// process may execute (access(2) X_OK). A directory is never executable
// here, even with its x bits set.
bool IsExecutableFile(const std::string& path);

// Returns "<dir>/<name>" for the first absolute entry `dir` of the
// colon-separated `search_path` where that is an executable file (see
// IsExecutableFile()), or nullopt when there is none. Empty and relative
// entries are skipped. `name` is expected to hold no '/'.
std::optional<std::string> FindInSearchPath(absl::string_view name,
                                            absl::string_view search_path);

// Returns the file to execute for `program` (an action's argv[0]) under the
// rule in the file comment. Errors, each message quoting `program`:
// kInvalidArgument for an empty `program` ("argv[0] is empty") or a relative
// path with a '/'; kNotFound for a bare name that no absolute entry of
// `path` holds as an executable file (the message quotes `path` too). An
// absolute path is returned unchecked: posix_spawn reports what is wrong
// with it.
absl::StatusOr<std::string> ResolveProgram(const std::string& program,
                                           const std::string& path);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_PROCESS_PROGRAM_PATH_H_

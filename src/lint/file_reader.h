// How `autoheal lint` reads files it discovers on its own (env_file, .env):
// through this seam, so that tests and fuzzers never touch the filesystem.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: Read() is
// const and both implementations are safe to call from several threads.
//
//   lint::MemoryFileReader files({{"app.env", "AUTOHEAL_ENABLED=1\n"}});
//   lint::ComposeReport report = lint::LintCompose(text, "compose.yml", files);

#ifndef AUTOHEAL_LINT_FILE_READER_H_
#define AUTOHEAL_LINT_FILE_READER_H_

#include <cstddef>
#include <map>
#include <utility>
#include <string>

#include "absl/status/statusor.h"

namespace autoheal {
namespace lint {

// Files lint reads are refused above this size: no configuration is near
// it, and it bounds the work a hostile input can cause.
inline constexpr size_t kMaxFileBytes = 16 * 1024 * 1024;

class FileReader {
 public:
  virtual ~FileReader() = default;

  // Returns the whole content of the file at `path`. Returns kNotFound when
  // it does not exist, kFailedPrecondition when it is larger than
  // kMaxFileBytes or not a regular file, and another code (naming the path
  // and the reason) when it cannot be read.
  virtual absl::StatusOr<std::string> Read(const std::string& path) const = 0;
};

// Reads the real filesystem.
class DiskFileReader : public FileReader {
 public:
  absl::StatusOr<std::string> Read(const std::string& path) const override;
};

// Serves files from a map of path to content; every other path is kNotFound.
class MemoryFileReader : public FileReader {
 public:
  MemoryFileReader() = default;
  explicit MemoryFileReader(std::map<std::string, std::string> files)
      : files_(std::move(files)) {}

  absl::StatusOr<std::string> Read(const std::string& path) const override;

 private:
  std::map<std::string, std::string> files_;
};

// Returns `relative` resolved against the directory of `base_file`: itself
// when absolute, without leading "./" otherwise.
//   JoinRelative("examples/monitoring/compose.yml", "./app.env")
//       == "examples/monitoring/app.env"
std::string JoinRelative(const std::string& base_file,
                         const std::string& relative);

}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_LINT_FILE_READER_H_

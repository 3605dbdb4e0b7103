#include "lint/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace autoheal {
namespace lint {
namespace {

absl::Status ErrnoError(int error, const std::string& path,
                        absl::string_view what) {
  return absl::ErrnoToStatus(error, absl::StrCat(path, ": ", what));
}

// Closes a file descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() { ::close(fd_); }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::string> DiskFileReader::Read(const std::string& path) const {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return ErrnoError(errno, path, "cannot open");
  FdCloser closer(fd);
  struct stat info;
  if (::fstat(fd, &info) != 0) return ErrnoError(errno, path, "cannot stat");
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a regular file"));
  }
  if (static_cast<size_t>(info.st_size) > kMaxFileBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": too large (", info.st_size, " bytes; at most ",
                     kMaxFileBytes, ")"));
  }
  std::string content;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, path, "cannot read");
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
    if (content.size() > kMaxFileBytes) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": too large (more than ", kMaxFileBytes,
                       " bytes)"));
    }
  }
  return content;
}

absl::StatusOr<std::string> MemoryFileReader::Read(
    const std::string& path) const {
  auto it = files_.find(path);
  if (it == files_.end()) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: no such file"));
  }
  return it->second;
}

std::string JoinRelative(const std::string& base_file,
                         const std::string& relative) {
  if (!relative.empty() && relative[0] == '/') return relative;
  absl::string_view rest = relative;
  while (absl::ConsumePrefix(&rest, "./")) {
    while (absl::ConsumePrefix(&rest, "/")) {
    }
  }
  size_t slash = base_file.rfind('/');
  if (slash == std::string::npos) return std::string(rest);
  return absl::StrCat(base_file.substr(0, slash + 1), rest);
}

}  // namespace lint
}  // namespace autoheal

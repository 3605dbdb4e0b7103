// File descriptors, pipes and poll(2) for the process executor.

#include "process/fd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#include <algorithm>
#include <climits>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/errno_text.h"

namespace autoheal {
namespace internal {
namespace {

// Discards the SIGPIPE a write() to a closed pipe left pending on this
// thread (workers block SIGPIPE, so it was never delivered).
void ConsumePendingSigpipe() {
  sigset_t pending;
  if (sigpending(&pending) != 0 || sigismember(&pending, SIGPIPE) != 1) return;
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  const struct timespec zero = {0, 0};
  while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
  }
}

}  // namespace

absl::Status MakePipe(UniqueFd* read_end, UniqueFd* write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", ErrnoText(errno)));
  }
  for (int& fd : fds) {
    if (fd > 2) continue;
    const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    const int err = errno;
    close(fd);
    fd = moved;
    if (moved < 0) {
      if (fds[0] >= 0) close(fds[0]);
      if (fds[1] >= 0) close(fds[1]);
      return absl::InternalError(absl::StrCat("fcntl: ", ErrnoText(err)));
    }
  }
  read_end->Reset(fds[0]);
  write_end->Reset(fds[1]);
  return absl::OkStatus();
}

absl::Status SetNonBlocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return absl::InternalError(absl::StrCat("fcntl: ", ErrnoText(errno)));
  }
  return absl::OkStatus();
}

UniqueFd OpenPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
#else
  (void)pid;
  return UniqueFd();
#endif
}

int ToPollMillis(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  const int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1)));
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

int PollSet::Add(const UniqueFd& fd, short events) {  // NOLINT(runtime/int)
  if (!fd.valid()) return -1;
  fds_[count_] = {fd.get(), events, 0};
  return static_cast<int>(count_++);
}

int PollSet::Poll(absl::Duration wait) {
  return poll(fds_, count_, ToPollMillis(wait));
}

void OutputBuffer::Append(const char* data, size_t n) {
  const size_t room = data_.size() < cap_ ? cap_ - data_.size() : 0;
  if (n > room) truncated_ = true;
  data_.append(data, std::min(n, room));
}

void ReadChunk(UniqueFd* fd, OutputBuffer* out, std::vector<char>* chunk) {
  const ssize_t n = read(fd->get(), chunk->data(), chunk->size());
  if (n > 0) {
    out->Append(chunk->data(), static_cast<size_t>(n));
  } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    fd->Reset();
  }
}

void WriteChunk(UniqueFd* fd, const std::string& input, size_t* offset) {
  if (*offset < input.size()) {
    const size_t n = std::min(kChunkBytes, input.size() - *offset);
    const ssize_t written = write(fd->get(), input.data() + *offset, n);
    if (written > 0) {
      *offset += static_cast<size_t>(written);
    } else if (written < 0 && (errno == EAGAIN || errno == EINTR)) {
      return;
    } else {
      if (written < 0 && errno == EPIPE) ConsumePendingSigpipe();
      fd->Reset();
      return;
    }
  }
  if (*offset >= input.size()) fd->Reset();
}

}  // namespace internal
}  // namespace autoheal

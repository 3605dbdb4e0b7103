// File descriptors, pipes and poll(2) for the process executor: an owning
// descriptor, close-on-exec pipes, a small poll set, and the one-chunk
// non-blocking reads and writes that move a child's stdin and output.
//
// The tests' process helpers (tests/subprocess.h) own their descriptors and
// make their pipes with `UniqueFd` and `MakePipe()` too.
//
// Thread safety: none of these types is shared between threads; each is used
// by one thread at a time (a worker runs one action). The free functions are
// thread-safe. Nothing here reads the clock: a poll timeout is given in.
//
// This header is internal to autoheal (not installed).
//
//   UniqueFd read_end, write_end;
//   absl::Status made = MakePipe(&read_end, &write_end);
//   PollSet set;
//   const int index = set.Add(read_end, POLLIN);
//   if (set.Poll(absl::Milliseconds(100)) > 0 && set.Ready(index)) {
//     ReadChunk(&read_end, &buffer, &chunk);
//   }

#ifndef AUTOHEAL_PROCESS_FD_H_
#define AUTOHEAL_PROCESS_FD_H_

#include <poll.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace autoheal {
namespace internal {

// The most one ReadChunk() or WriteChunk() moves, and the size of the
// scratch buffer ReadChunk() reads into.
inline constexpr size_t kChunkBytes = 64 * 1024;

// Owns one file descriptor and closes it when destroyed or reset. Move-only.
//
//   UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
//   if (!fd.valid()) return Error(errno);
class UniqueFd {
 public:
  UniqueFd() = default;
  // Takes ownership of `fd`; a negative `fd` means none.
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(other.Release());
    return *this;
  }
  ~UniqueFd() { Reset(); }

  // Returns the descriptor, or -1 when none is held.
  int get() const { return fd_; }
  // Returns whether a descriptor is held.
  bool valid() const { return fd_ >= 0; }
  // Closes the held descriptor, if any, and takes ownership of `fd`.
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }
  // Returns the descriptor and gives up ownership of it, without closing.
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Makes a close-on-exec pipe whose ends are both above 2, so that dup2()
// onto 0, 1 or 2 in a child always makes a fresh, inheritable descriptor.
// On success replaces `*read_end` and `*write_end` (closing what they held);
// on failure leaves them untouched and returns kInternal naming the call
// (pipe2 or fcntl) and errno's text. Neither pointer is kept.
absl::Status MakePipe(UniqueFd* read_end, UniqueFd* write_end);

// Sets O_NONBLOCK on `fd`. Returns kInternal ("fcntl: ...") on failure.
absl::Status SetNonBlocking(int fd);

// Returns a pidfd for `pid` (readable once the process has exited), or an
// invalid UniqueFd where pidfd_open(2) is unavailable (old kernel, no
// syscall number, seccomp): callers then fall back to polling waitid().
UniqueFd OpenPidfd(pid_t pid);

// Returns `d` as a poll(2) timeout: 0 for a non-positive duration, else the
// whole milliseconds rounded up (1ns waits 1 ms, never a busy 0), at most
// INT_MAX (an infinite duration too).
int ToPollMillis(absl::Duration d);

// The descriptors of one poll(2) call, at most four.
//
//   PollSet set;
//   const int out = set.Add(out_read, POLLIN);  // -1 when out_read is closed
//   if (set.Poll(wait) > 0 && set.Ready(out)) ...
class PollSet {
 public:
  static constexpr size_t kMaxFds = 4;

  // Adds `fd` for `events` and returns its index, or returns -1 and adds
  // nothing when `fd` is closed. Precondition: fewer than kMaxFds added.
  int Add(const UniqueFd& fd, short events);  // NOLINT(runtime/int): poll(2)

  // Calls poll(2) for at most `wait` (see ToPollMillis()). Returns the number
  // of ready descriptors, 0 on timeout, -1 with errno set on failure.
  int Poll(absl::Duration wait);

  // Returns whether the descriptor at `index` has any revents after Poll().
  // False for index -1, so an Add() that skipped a closed fd never reports.
  bool Ready(int index) const {
    return index >= 0 && fds_[index].revents != 0;
  }

 private:
  struct pollfd fds_[kMaxFds];
  nfds_t count_ = 0;
};

// Keeps the first `cap` bytes appended and notes whether more came.
class OutputBuffer {
 public:
  explicit OutputBuffer(size_t cap) : cap_(cap) {}

  // Appends what fits under the cap of `data[0, n)` and drops the rest,
  // setting truncated() when anything is dropped.
  void Append(const char* data, size_t n);
  // Returns what was kept; the caller may move it out.
  std::string& data() { return data_; }
  // Returns whether any appended byte was dropped.
  bool truncated() const { return truncated_; }

 private:
  const size_t cap_;
  std::string data_;
  bool truncated_ = false;
};

// Reads at most `chunk->size()` bytes from the non-blocking `*fd` into
// `*out`. Closes `*fd` at end of file or on an error other than EAGAIN or
// EINTR (after which a caller polls it no more). No pointer is kept.
void ReadChunk(UniqueFd* fd, OutputBuffer* out, std::vector<char>* chunk);

// Writes at most kChunkBytes of `input` from `*offset` to the non-blocking
// `*fd` and advances `*offset`. Closes `*fd` once all of `input` is written
// (so the reader sees end of file), or when the reader has gone (EPIPE: the
// SIGPIPE it raised is discarded, which requires the calling thread to block
// SIGPIPE) or on any error other than EAGAIN or EINTR. No pointer is kept.
void WriteChunk(UniqueFd* fd, const std::string& input, size_t* offset);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_PROCESS_FD_H_

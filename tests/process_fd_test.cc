// Unit tests for src/process/fd.h: descriptors, pipes, poll and the chunked
// pipe I/O the executor moves a child's stdin and output with. Everything
// runs on pipes inside this process; nothing waits.

#include "process/fd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace internal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

// Reads whatever `fd` (non-blocking) holds right now.
std::string ReadAvailable(int fd) {
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) {
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

struct Pipe {
  Pipe() {
    EXPECT_THAT(MakePipe(&read_end, &write_end), IsOk());
    EXPECT_THAT(SetNonBlocking(read_end.get()), IsOk());
    EXPECT_THAT(SetNonBlocking(write_end.get()), IsOk());
  }
  UniqueFd read_end;
  UniqueFd write_end;
};

// --- UniqueFd --------------------------------------------------------------

TEST(UniqueFdTest, ClosesWhenDestroyedAndReset) {
  int raw = -1;
  {
    UniqueFd fd(dup(STDERR_FILENO));
    raw = fd.get();
    ASSERT_TRUE(fd.valid());
    ASSERT_TRUE(IsOpen(raw));
  }
  EXPECT_FALSE(IsOpen(raw));

  UniqueFd fd(dup(STDERR_FILENO));
  raw = fd.get();
  fd.Reset();
  EXPECT_FALSE(IsOpen(raw));
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFdTest, ResetClosesTheOldDescriptorAndOwnsTheNewOne) {
  UniqueFd fd(dup(STDERR_FILENO));
  const int old_fd = fd.get();
  const int new_fd = dup(STDERR_FILENO);
  fd.Reset(new_fd);
  EXPECT_FALSE(IsOpen(old_fd));
  EXPECT_EQ(fd.get(), new_fd);
  EXPECT_TRUE(IsOpen(new_fd));
}

TEST(UniqueFdTest, ReleaseGivesUpOwnershipWithoutClosing) {
  UniqueFd fd(dup(STDERR_FILENO));
  const int raw = fd.Release();
  EXPECT_FALSE(fd.valid());
  EXPECT_TRUE(IsOpen(raw));
  close(raw);
}

TEST(UniqueFdTest, MovesTransferOwnership) {
  UniqueFd first(dup(STDERR_FILENO));
  const int raw = first.get();
  UniqueFd second(std::move(first));
  EXPECT_FALSE(first.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(second.get(), raw);

  UniqueFd third(dup(STDERR_FILENO));
  const int replaced = third.get();
  third = std::move(second);
  EXPECT_FALSE(IsOpen(replaced));
  EXPECT_EQ(third.get(), raw);
  EXPECT_TRUE(IsOpen(raw));
}

// --- MakePipe, SetNonBlocking ------------------------------------------------

TEST(MakePipeTest, MakesACloseOnExecPipe) {
  UniqueFd read_end, write_end;
  ASSERT_THAT(MakePipe(&read_end, &write_end), IsOk());
  EXPECT_GT(read_end.get(), 2);
  EXPECT_GT(write_end.get(), 2);
  EXPECT_TRUE(fcntl(read_end.get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(fcntl(write_end.get(), F_GETFD) & FD_CLOEXEC);
  ASSERT_EQ(write(write_end.get(), "x", 1), 1);
  char c = 0;
  EXPECT_EQ(read(read_end.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

TEST(MakePipeTest, EndsStayAboveTwoWhenStandardDescriptorsAreFree) {
  // With 0 closed, pipe2() hands out 0: MakePipe must move it above 2, or a
  // child's dup2(fd, 0) would be a no-op that leaves it close-on-exec.
  const int saved_stdin = IsOpen(STDIN_FILENO) ? dup(STDIN_FILENO) : -1;
  close(STDIN_FILENO);
  UniqueFd read_end, write_end;
  const absl::Status made = MakePipe(&read_end, &write_end);
  const bool stdin_still_free = !IsOpen(STDIN_FILENO);
  if (saved_stdin >= 0) {
    dup2(saved_stdin, STDIN_FILENO);
    close(saved_stdin);
  }
  ASSERT_THAT(made, IsOk());
  EXPECT_GT(read_end.get(), 2);
  EXPECT_GT(write_end.get(), 2);
  EXPECT_TRUE(stdin_still_free) << "MakePipe leaked descriptor 0";
}

TEST(SetNonBlockingTest, SetsONonblockAndNamesTheCallOnFailure) {
  UniqueFd read_end, write_end;
  ASSERT_THAT(MakePipe(&read_end, &write_end), IsOk());
  ASSERT_THAT(SetNonBlocking(read_end.get()), IsOk());
  EXPECT_TRUE(fcntl(read_end.get(), F_GETFL) & O_NONBLOCK);
  char c;
  EXPECT_EQ(read(read_end.get(), &c, 1), -1);
  EXPECT_EQ(errno, EAGAIN);

  EXPECT_THAT(SetNonBlocking(-1), StatusIs(absl::StatusCode::kInternal,
                                           "fcntl: Bad file descriptor"));
}

TEST(OpenPidfdTest, ALiveProcessIsNotReadable) {
  UniqueFd pidfd = OpenPidfd(getpid());
  if (!pidfd.valid()) GTEST_SKIP() << "pidfd_open is unavailable here";
  PollSet set;
  const int index = set.Add(pidfd, POLLIN);
  EXPECT_EQ(set.Poll(absl::ZeroDuration()), 0);
  EXPECT_FALSE(set.Ready(index));
}

// --- ToPollMillis, PollSet ---------------------------------------------------

TEST(ToPollMillisTest, RoundsUpToWholeMillisecondsWithinInt) {
  EXPECT_EQ(ToPollMillis(-absl::InfiniteDuration()), 0);
  EXPECT_EQ(ToPollMillis(absl::Nanoseconds(-1)), 0);
  EXPECT_EQ(ToPollMillis(absl::ZeroDuration()), 0);
  EXPECT_EQ(ToPollMillis(absl::Nanoseconds(1)), 1);
  EXPECT_EQ(ToPollMillis(absl::Milliseconds(1)), 1);
  EXPECT_EQ(ToPollMillis(absl::Milliseconds(1) + absl::Nanoseconds(1)), 2);
  EXPECT_EQ(ToPollMillis(absl::Milliseconds(100)), 100);
  EXPECT_EQ(ToPollMillis(absl::Milliseconds(INT_MAX)), INT_MAX);
  EXPECT_EQ(ToPollMillis(absl::Milliseconds(int64_t{INT_MAX} + 1)), INT_MAX);
  EXPECT_EQ(ToPollMillis(absl::InfiniteDuration()), INT_MAX);
}

TEST(PollSetTest, SkipsClosedDescriptorsAndReportsReadyOnes) {
  Pipe quiet;
  Pipe busy;
  ASSERT_EQ(write(busy.write_end.get(), "x", 1), 1);
  UniqueFd closed;

  PollSet set;
  const int closed_index = set.Add(closed, POLLIN);
  const int quiet_index = set.Add(quiet.read_end, POLLIN);
  const int busy_index = set.Add(busy.read_end, POLLIN);
  EXPECT_EQ(closed_index, -1);
  EXPECT_EQ(quiet_index, 0);
  EXPECT_EQ(busy_index, 1);

  EXPECT_EQ(set.Poll(absl::ZeroDuration()), 1);
  EXPECT_FALSE(set.Ready(closed_index));
  EXPECT_FALSE(set.Ready(quiet_index));
  EXPECT_TRUE(set.Ready(busy_index));
}

TEST(PollSetTest, TimesOutWithZeroWhenNothingIsReady) {
  Pipe quiet;
  PollSet set;
  const int index = set.Add(quiet.read_end, POLLIN);
  EXPECT_EQ(set.Poll(absl::ZeroDuration()), 0);
  EXPECT_FALSE(set.Ready(index));
}

// --- OutputBuffer, ReadChunk ---------------------------------------------------

TEST(OutputBufferTest, KeepsTheFirstCapBytesAndFlagsWhatItDrops) {
  OutputBuffer buffer(5);
  buffer.Append("abc", 3);
  EXPECT_EQ(buffer.data(), "abc");
  EXPECT_FALSE(buffer.truncated());
  buffer.Append("de", 2);  // exactly fills the cap
  EXPECT_EQ(buffer.data(), "abcde");
  EXPECT_FALSE(buffer.truncated());
  buffer.Append("f", 1);
  EXPECT_EQ(buffer.data(), "abcde");
  EXPECT_TRUE(buffer.truncated());

  OutputBuffer none(0);
  none.Append("", 0);
  EXPECT_FALSE(none.truncated());
  none.Append("x", 1);
  EXPECT_EQ(none.data(), "");
  EXPECT_TRUE(none.truncated());
}

TEST(ReadChunkTest, ReadsKeepsTheFdOnEagainAndClosesItAtEndOfFile) {
  Pipe pipe;
  OutputBuffer out(1024);
  std::vector<char> chunk(kChunkBytes);

  ASSERT_EQ(write(pipe.write_end.get(), "hello", 5), 5);
  ReadChunk(&pipe.read_end, &out, &chunk);
  EXPECT_EQ(out.data(), "hello");
  EXPECT_TRUE(pipe.read_end.valid());

  ReadChunk(&pipe.read_end, &out, &chunk);  // empty, writer open: EAGAIN
  EXPECT_TRUE(pipe.read_end.valid());
  EXPECT_EQ(out.data(), "hello");

  pipe.write_end.Reset();
  ReadChunk(&pipe.read_end, &out, &chunk);  // end of file
  EXPECT_FALSE(pipe.read_end.valid());
  EXPECT_EQ(out.data(), "hello");
}

TEST(ReadChunkTest, ReadsAtMostOneChunkPerCall) {
  Pipe pipe;
  OutputBuffer out(1024);
  std::vector<char> chunk(4);
  ASSERT_EQ(write(pipe.write_end.get(), "abcdefgh", 8), 8);
  ReadChunk(&pipe.read_end, &out, &chunk);
  EXPECT_EQ(out.data(), "abcd");
  ReadChunk(&pipe.read_end, &out, &chunk);
  EXPECT_EQ(out.data(), "abcdefgh");
}

// --- WriteChunk ------------------------------------------------------------------

TEST(WriteChunkTest, ClosesTheFdOnceEverythingIsWritten) {
  Pipe pipe;
  size_t offset = 0;
  WriteChunk(&pipe.write_end, "{\"status\":\"firing\"}", &offset);
  EXPECT_EQ(offset, 19u);
  EXPECT_FALSE(pipe.write_end.valid());
  EXPECT_EQ(ReadAvailable(pipe.read_end.get()), "{\"status\":\"firing\"}");

  Pipe empty;
  offset = 0;
  WriteChunk(&empty.write_end, "", &offset);
  EXPECT_EQ(offset, 0u);
  EXPECT_FALSE(empty.write_end.valid());
}

TEST(WriteChunkTest, MovesAtMostOneChunkAndWaitsOutAFullPipe) {
  Pipe pipe;
  const std::string input(3 * kChunkBytes + 7, 'a');
  size_t offset = 0;
  WriteChunk(&pipe.write_end, input, &offset);
  EXPECT_GT(offset, 0u);
  EXPECT_LE(offset, kChunkBytes);
  // Fill the pipe until a write finds no room (EAGAIN): the fd stays open
  // and nothing is lost.
  size_t before;
  do {
    before = offset;
    WriteChunk(&pipe.write_end, input, &offset);
  } while (offset != before && offset < input.size());
  ASSERT_LT(offset, input.size()) << "the pipe took everything at once";
  EXPECT_TRUE(pipe.write_end.valid());

  std::string received;
  while (pipe.write_end.valid()) {
    received += ReadAvailable(pipe.read_end.get());
    WriteChunk(&pipe.write_end, input, &offset);
  }
  received += ReadAvailable(pipe.read_end.get());
  EXPECT_EQ(offset, input.size());
  EXPECT_EQ(received, input);
}

TEST(WriteChunkTest, AReaderThatLeftClosesTheFdAndLeavesNoSigpipePending) {
  // As on the executor's workers: SIGPIPE blocked, so EPIPE comes back.
  sigset_t pipe_only, old_mask;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask), 0);

  Pipe pipe;
  pipe.read_end.Reset();
  size_t offset = 0;
  WriteChunk(&pipe.write_end, "data", &offset);
  EXPECT_FALSE(pipe.write_end.valid());
  EXPECT_EQ(offset, 0u);
  sigset_t pending;
  ASSERT_EQ(sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);

  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
}

}  // namespace
}  // namespace internal
}  // namespace autoheal

// chaos_tcp_service: the tiny TCP service the chaos run (tests/chaos_test.cc)
// kills and autoheal restarts.
//
//   chaos_tcp_service --port=N --pid-file=PATH [--max-lifetime-sec=N]
//
// Listens on 127.0.0.1:N (never any other address; N = 0 lets the kernel
// choose), then writes its pid to PATH (atomically: a reader sees no file or
// the whole pid), so a pid file means "listening", and prints
// "listening on 127.0.0.1:PORT" with the real port. Accepts connections and
// closes them at once: a blackbox tcp_connect probe needs only the
// handshake.
//
// The copy the restart script starts is detached (setsid) and is nobody's
// child: the test kills it by pid, and --max-lifetime-sec (default 300)
// bounds how long it can outlive a test that crashed before doing so.
//
// Exits 1, naming the problem, on bad arguments or a socket error.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace {

struct Args {
  int port = -1;
  std::string pid_file;
  int max_lifetime_sec = 300;
};

[[noreturn]] void Fail(absl::string_view message) {
  std::fprintf(stderr, "chaos_tcp_service: %s\n", std::string(message).c_str());
  std::exit(1);
}

[[noreturn]] void FailErrno(absl::string_view what) {
  Fail(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Parses `text` as the value of `flag`, an integer in [min, max].
int ParseInRange(absl::string_view flag, absl::string_view text, int min,
                 int max) {
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min || value > max) {
    Fail(absl::StrCat(flag, ": expected a number from ", min, " to ", max,
                      ", got \"", text, "\""));
  }
  return value;
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--port=")) {
      args.port = ParseInRange("--port", arg, 0, 65535);
    } else if (absl::ConsumePrefix(&arg, "--pid-file=")) {
      args.pid_file = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--max-lifetime-sec=")) {
      args.max_lifetime_sec = ParseInRange("--max-lifetime-sec", arg, 1, 86400);
    } else {
      Fail(absl::StrCat("unknown argument \"", arg,
                        "\"; usage: chaos_tcp_service --port=N "
                        "--pid-file=PATH [--max-lifetime-sec=N]"));
    }
  }
  if (args.port < 0) Fail("--port is required");
  if (args.pid_file.empty()) Fail("--pid-file is required");
  return args;
}

// Listens on 127.0.0.1:`port`; sets `port` to the real one (port 0).
int Listen(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) FailErrno("socket");
  // The killed predecessor's connections may linger in TIME_WAIT.
  const int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) {
    FailErrno("setsockopt SO_REUSEADDR");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(*port));
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) !=
      0) {
    FailErrno(absl::StrCat("bind 127.0.0.1:", *port));
  }
  if (listen(fd, 64) != 0) FailErrno("listen");
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    FailErrno("getsockname");
  }
  *port = ntohs(address.sin_port);
  return fd;
}

void WritePidFile(const std::string& path) {
  const std::string temp = path + ".tmp";
  FILE* file = std::fopen(temp.c_str(), "w");
  if (file == nullptr) FailErrno(absl::StrCat("open ", temp));
  std::fprintf(file, "%d\n", static_cast<int>(getpid()));
  if (std::fclose(file) != 0) FailErrno(absl::StrCat("write ", temp));
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    FailErrno(absl::StrCat("rename ", temp, " to ", path));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args = ParseArgs(argc, argv);
  // SIGALRM's default action ends the process.
  alarm(static_cast<unsigned>(args.max_lifetime_sec));
  const int listener = Listen(&args.port);
  WritePidFile(args.pid_file);
  std::printf("chaos_tcp_service: pid %d listening on 127.0.0.1:%d\n",
              static_cast<int>(getpid()), args.port);
  std::fflush(stdout);
  while (true) {
    const int connection = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection >= 0) {
      close(connection);
    } else if (errno != EINTR && errno != ECONNABORTED) {
      FailErrno("accept");
    }
  }
}

// Component redis alone, from the installed package: hiredis really tries
// to connect. A port bound but not listening refuses the connection, which
// the store reports as kUnavailable naming the address; bad options are
// kInvalidArgument before any connection. Exits 0 when both hold.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "autoheal/redis_cooldown_store.h"

int main() {
  autoheal::RedisOptions bad;
  bad.prefix = "";
  auto refused_options = autoheal::RedisCooldownStore::Connect(bad);
  if (refused_options.status().code() != absl::StatusCode::kInvalidArgument) {
    std::cerr << "empty prefix: " << refused_options.status() << "\n";
    return 1;
  }

  // A loopback port of our own that nobody listens on.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::cerr << "cannot bind a loopback port\n";
    return 1;
  }
  autoheal::RedisOptions options;
  options.address = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  auto store = autoheal::RedisCooldownStore::Connect(options);
  close(fd);
  std::cout << options.address << ": " << store.status() << "\n";
  bool ok = store.status().code() == absl::StatusCode::kUnavailable &&
            absl::StrContains(store.status().message(), options.address);
  return ok ? 0 : 1;
}

#include "http/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/errno_text.h"
#include "core/host_port.h"

namespace autoheal {
namespace http {
namespace {

// Returns `address` without the brackets of "[::1]".
absl::string_view WithoutBrackets(absl::string_view address) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  return address;
}

// Fills `storage` from an IPv4 or IPv6 literal; returns its length, or 0.
socklen_t ParseAddress(absl::string_view address, uint16_t port,
                       sockaddr_storage* storage) {
  std::memset(storage, 0, sizeof(*storage));
  const std::string literal(WithoutBrackets(address));
  auto* v4 = reinterpret_cast<sockaddr_in*>(storage);
  if (inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(storage);
  if (inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return sizeof(sockaddr_in6);
  }
  return 0;
}

}  // namespace

std::string AddressPort(absl::string_view address, uint16_t port) {
  return internal::JoinHostPort(WithoutBrackets(address), port);
}

std::string PeerAddress(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (address == nullptr) return "";
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr,
              text, sizeof(text));
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6,
              &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
              sizeof(text));
  }
  return text;
}

bool IsLoopback(const sockaddr* address) {
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
  }
  if (address->sa_family == AF_INET6) {
    const in6_addr& a =
        reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
  }
  return false;
}

std::string PerIpKey(const sockaddr* address) {
  if (address == nullptr) return "";
  if (address->sa_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in*>(address)->sin_addr;
    return std::string(reinterpret_cast<const char*>(&a), sizeof(a));
  }
  if (address->sa_family == AF_INET6) {
    const in6_addr& a =
        reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    const char* bytes = reinterpret_cast<const char*>(a.s6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&a)) return std::string(bytes + 12, 4);
    return std::string(bytes, sizeof(a.s6_addr));
  }
  return "";
}

bool SameSocket(int a, int b) {
  struct stat sa;
  struct stat sb;
  if (fstat(a, &sa) != 0 || fstat(b, &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

absl::Status BindError(int error, absl::string_view where) {
  const std::string message =
      absl::StrCat("cannot listen on ", where, ": ", internal::ErrnoText(error));
  switch (error) {
    case EADDRINUSE:
      return absl::UnavailableError(
          absl::StrCat(message, " (another process holds the port)"));
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
    case EINVAL:
      return absl::InvalidArgumentError(message);
    default:
      return absl::UnavailableError(message);
  }
}

absl::StatusOr<std::pair<int, uint16_t>> Listen(const std::string& address,
                                                uint16_t port) {
  const std::string where = AddressPort(address, port);
  sockaddr_storage storage;
  const socklen_t length = ParseAddress(address, port, &storage);
  if (length == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bind_address \"", address,
        "\" is not an IPv4 or IPv6 literal (e.g. 127.0.0.1 or ::1)"));
  }
  const int fd =
      socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return BindError(errno, where);
  const int on = 1;
  // Lets a restarted receiver rebind while old connections sit in TIME_WAIT
  // (it does not let two live servers share the port).
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (storage.ss_family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0 ||
      listen(fd, SOMAXCONN) != 0) {
    const int error = errno;
    close(fd);
    return BindError(error, where);
  }
  sockaddr_storage bound;
  socklen_t bound_length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_length) !=
      0) {
    const int error = errno;
    close(fd);
    return BindError(error, where);
  }
  const uint16_t bound_port =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  return std::make_pair(fd, bound_port);
}

}  // namespace http
}  // namespace autoheal

// The "host:port" syntax of every address autoheal reads or prints: the
// receiver's --listen, the Redis store's --redis-address and the host of a
// webhook URL that `autoheal lint` checks.
//
// The syntax is Go's net.SplitHostPort, which Prometheus and Alertmanager
// use for theirs: an IPv6 literal goes in brackets ("[::1]:9009"), so a
// host with ':' outside brackets is an error rather than a guess.
//
// Internal to autoheal (not installed). Thread safety: pure functions.
//
//   internal::HostPortSpec spec;
//   spec.what = "listen address";
//   spec.example = "127.0.0.1:9009";
//   spec.allow_port_zero = true;  // any free port
//   absl::StatusOr<internal::HostPort> address =
//       internal::ParseHostPort(flag, spec);

#ifndef AUTOHEAL_CORE_HOST_PORT_H_
#define AUTOHEAL_CORE_HOST_PORT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace autoheal {
namespace internal {

// What a caller accepts, and how its errors name the value.
struct HostPortSpec {
  // Names the value in errors, e.g. "listen address".
  absl::string_view what;
  // A good value, shown in errors, e.g. "127.0.0.1:9009".
  absl::string_view example;
  // Port 0 asks bind(2) for any free port: right for an address to listen
  // on, never right for one to connect to. Default: rejected.
  bool allow_port_zero = false;
  // Whether ":port" may be left out, as in a URL (whose scheme implies the
  // port); "host:" then counts as no port too, as Go's URL parser has it.
  // Default: the port is required.
  bool port_optional = false;
};

struct HostPort {
  // The host, without the brackets of an IPv6 literal. Never empty.
  std::string host;
  // The port; nullopt only when the spec makes it optional and it is left
  // out.
  std::optional<uint16_t> port;
};

// Parses "host:port" or "[ipv6]:port" as `spec` says. Returns
// kInvalidArgument naming the value, the expected form and the problem:
//   redis address "localhost": expected host:port, e.g. 127.0.0.1:6379
//   (the port is missing)
// Problems: no port (unless optional), an empty host, a port that is not
// decimal digits from 1 (0 when allowed) to 65535, a host with ':' outside
// brackets, a '[' without its ']', anything but ":port" after the ']'.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view value,
                                       const HostPortSpec& spec);

// Returns "host:port", or "[host]:port" when `host` holds a ':' (an IPv6
// literal): the form ParseHostPort() reads back.
std::string JoinHostPort(absl::string_view host, uint16_t port);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_CORE_HOST_PORT_H_

// Socket and address helpers of the HTTP server: IP literals, peers,
// loopback, the per-IP accounting key, and the listening socket.
//
// Thread safety: free functions without shared state.
//
// This header is internal to autoheal (not installed).

#ifndef AUTOHEAL_HTTP_SOCKET_ADDRESS_H_
#define AUTOHEAL_HTTP_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace autoheal {
namespace http {

// Returns "address:port", or "[address]:port" for an IPv6 literal (given
// with or without its brackets), as internal::JoinHostPort() writes it.
std::string AddressPort(absl::string_view address, uint16_t port);

// Returns the IP literal of `address` ("127.0.0.1", "::1"), or "" for a
// null address or an unknown family.
std::string PeerAddress(const sockaddr* address);

// Returns whether `address` is a loopback address: 127.0.0.0/8, ::1, or an
// IPv4-mapped 127.x.y.z.
bool IsLoopback(const sockaddr* address);

// Returns the bytes that identify `address` for a per-IP limit (an
// IPv4-mapped IPv6 address counts as its IPv4 address), or "" for an unknown
// family.
std::string PerIpKey(const sockaddr* address);

// Returns whether `a` and `b` are descriptors of the same open socket.
bool SameSocket(int a, int b);

// Creates a non-blocking socket bound to the IPv4 or IPv6 literal `address`
// ("[::1]" accepted) and `port` (0: any free port), listening. Returns the
// descriptor and the bound port. Errors name the address and the system's
// reason: kInvalidArgument (not a literal, not local), kUnavailable (in use),
// kPermissionDenied (a privileged port).
absl::StatusOr<std::pair<int, uint16_t>> Listen(const std::string& address,
                                                uint16_t port);

// Turns `error` (an errno of bind/listen/socket) into a status naming
// `where`, with the code Listen() documents.
absl::Status BindError(int error, absl::string_view where);

}  // namespace http
}  // namespace autoheal

#endif  // AUTOHEAL_HTTP_SOCKET_ADDRESS_H_

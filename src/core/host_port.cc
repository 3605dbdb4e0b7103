#include "core/host_port.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/utf8.h"

namespace autoheal {
namespace internal {
namespace {

constexpr uint32_t kMaxPort = 65535;

// Splits `value` into its host and, after the last ':' outside brackets,
// its port text. Returns the problem, or "" when the split worked.
// `*has_port` is false when no ':' follows the host.
absl::string_view Split(absl::string_view value, absl::string_view* host,
                        absl::string_view* port, bool* has_port) {
  *has_port = false;
  if (absl::ConsumePrefix(&value, "[")) {
    const size_t close = value.find(']');
    if (close == absl::string_view::npos) return "'[' without a closing ']'";
    *host = value.substr(0, close);
    absl::string_view rest = value.substr(close + 1);
    if (rest.empty()) return "";
    if (!absl::ConsumePrefix(&rest, ":")) return "expected ':' after ']'";
    *port = rest;
    *has_port = true;
  } else {
    const size_t colon = value.rfind(':');
    *host = value.substr(0, colon);
    if (colon != absl::string_view::npos) {
      *port = value.substr(colon + 1);
      *has_port = true;
    }
    if (absl::StrContains(*host, ':')) {
      return "a host with ':' (an IPv6 address) must be in brackets, as in "
             "[::1]:port";
    }
  }
  if (host->find_first_of("[]") != absl::string_view::npos) {
    return "unexpected '[' or ']' in the host";
  }
  return "";
}

// Parses the decimal digits of a port; false for anything else or for a
// number above 65535.
bool ParsePortDigits(absl::string_view text, uint32_t* port) {
  if (text.empty() || text.size() > 5) return false;
  uint32_t value = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > kMaxPort) return false;
  *port = value;
  return true;
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(absl::string_view value,
                                       const HostPortSpec& spec) {
  const auto error = [&](absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(
        spec.what, " ", QuoteText(value), ": expected ",
        spec.port_optional ? "host[:port]" : "host:port", ", e.g. ",
        spec.example, " (", problem, ")"));
  };
  absl::string_view host;
  absl::string_view port_text;
  bool has_port = false;
  absl::string_view problem = Split(value, &host, &port_text, &has_port);
  if (!problem.empty()) return error(problem);
  if (host.empty()) return error("the host is empty");
  HostPort parsed;
  parsed.host = std::string(host);
  if (!has_port || port_text.empty()) {
    if (spec.port_optional) return parsed;
    return error("the port is missing");
  }
  uint32_t port = 0;
  if (!ParsePortDigits(port_text, &port) ||
      (port == 0 && !spec.allow_port_zero)) {
    return error(absl::StrCat("the port must be a number from ",
                              spec.allow_port_zero ? 0 : 1, " to ", kMaxPort));
  }
  parsed.port = static_cast<uint16_t>(port);
  return parsed;
}

std::string JoinHostPort(absl::string_view host, uint16_t port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

}  // namespace internal
}  // namespace autoheal

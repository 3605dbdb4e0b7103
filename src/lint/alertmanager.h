// `autoheal lint --alertmanager`: Alertmanager must reach the autoheal
// receiver locally, never through a hardcoded external URL.
//
// Every `receivers[].webhook_configs[].url` must name a host that is
// loopback (127.0.0.0/8, ::1, localhost), a compose service (its name,
// container_name, hostname or network alias), or one allowed with
// --allow-host; otherwise "hardcoded external autoheal URL"
// (alertmanager-external-url, an error). A `url_file` is reported as a
// warning naming the file; lint does not follow it. Anchors and merge keys
// are resolved.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: pure
// functions.

#ifndef AUTOHEAL_LINT_ALERTMANAGER_H_
#define AUTOHEAL_LINT_ALERTMANAGER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lint/finding.h"

namespace autoheal {
namespace lint {

// The hosts a webhook URL may name besides loopback.
struct AllowedHosts {
  // From the compose files; compared ignoring ASCII case.
  std::vector<std::string> compose_services;
  // From --allow-host: a host name or IP address (ignoring case; IPv6 with
  // or without brackets), or "*.example.com" for any subdomain.
  std::vector<std::string> allowed;
};

// Returns the host of an http(s) URL, lower-cased, without brackets, port,
// user info or a trailing dot; nullopt when `url` has no such host, or a
// port that is not a number from 1 to 65535 (core/host_port.h).
std::optional<std::string> UrlHost(absl::string_view url);

// Returns true for localhost, 127.0.0.0/8, ::1 and ::ffff:127.x.y.z.
bool IsLoopbackHost(absl::string_view host);

// Lints Alertmanager configuration `text`; `path` labels the findings,
// which are sorted by line and column.
// Never throws; malformed input yields parse-error or alertmanager-invalid
// findings naming the key path.
std::vector<Finding> LintAlertmanager(absl::string_view text,
                                      const std::string& path,
                                      const AllowedHosts& hosts);

}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_LINT_ALERTMANAGER_H_

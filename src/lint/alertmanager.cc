#include "lint/alertmanager.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/host_port.h"
#include "lint/yaml_walk.h"

namespace autoheal {
namespace lint {
namespace {

// The parts of an http(s) URL lint looks at.
struct UrlParts {
  std::string scheme;
  // host[:port], without user info: safe to print (the path and query of a
  // webhook URL may hold a secret; Alertmanager treats the URL as one).
  std::string authority;
  std::string host;
};

// Go's URL parser rejects these in a host; a NUL would also cut the host
// short for inet_pton.
bool HasControlOrSpace(absl::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return true;
  }
  return false;
}

constexpr absl::string_view kNotAUrl =
    "expected an http:// or https:// URL with a host";

// Splits an http(s) URL. Errors are the finding's message: kNotAUrl, or
// what is wrong with its host and port (port 0 included: Alertmanager
// cannot deliver there).
absl::StatusOr<UrlParts> SplitUrl(absl::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) {
    return absl::InvalidArgumentError(kNotAUrl);
  }
  UrlParts parts;
  parts.scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return absl::InvalidArgumentError(kNotAUrl);
  }
  absl::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) authority = authority.substr(at + 1);
  if (authority.empty() || HasControlOrSpace(authority)) {
    return absl::InvalidArgumentError(kNotAUrl);
  }
  parts.authority = std::string(authority);
  internal::HostPortSpec spec;
  spec.what = "URL host";
  spec.example = "127.0.0.1:9009";
  spec.port_optional = true;
  absl::StatusOr<internal::HostPort> host_port =
      internal::ParseHostPort(authority, spec);
  if (!host_port.ok()) return host_port.status();
  absl::string_view host = host_port->host;
  while (absl::ConsumeSuffix(&host, ".")) {
  }
  if (host.empty()) return absl::InvalidArgumentError(kNotAUrl);
  parts.host = absl::AsciiStrToLower(host);
  return parts;
}

// Normalizes an --allow-host or compose name like a URL host.
std::string NormalizeHost(absl::string_view host) {
  absl::ConsumePrefix(&host, "[");
  absl::ConsumeSuffix(&host, "]");
  while (absl::ConsumeSuffix(&host, ".")) {
  }
  return absl::AsciiStrToLower(host);
}

bool MatchesAllowed(const std::string& host, absl::string_view allowed) {
  std::string pattern = NormalizeHost(allowed);
  if (absl::StartsWith(pattern, "*.")) {
    absl::string_view suffix = absl::string_view(pattern).substr(1);
    return host.size() > suffix.size() && absl::EndsWith(host, suffix);
  }
  return !pattern.empty() && host == pattern;
}

bool IsAllowed(const std::string& host, const AllowedHosts& hosts) {
  if (IsLoopbackHost(host)) return true;
  for (const std::string& service : hosts.compose_services) {
    if (host == NormalizeHost(service)) return true;
  }
  for (const std::string& allowed : hosts.allowed) {
    if (MatchesAllowed(host, allowed)) return true;
  }
  return false;
}

class AlertmanagerLinter {
 public:
  AlertmanagerLinter(const std::string& path, const AllowedHosts* hosts,
                     std::vector<Finding>* findings)
      : hosts_(hosts), walker_(path, rule::kAlertmanagerInvalid, findings) {}

  void Lint(absl::string_view text) {
    std::optional<std::vector<YAML::Node>> roots =
        walker_.TopLevelMappings(text, "an Alertmanager configuration");
    if (!roots.has_value()) return;
    for (const YAML::Node& root : *roots) LintDocument(root);
  }

 private:
  void LintDocument(const YAML::Node& root) {
    for (const MapEntry& entry : walker_.Entries(root, "")) {
      if (entry.key != "receivers" || entry.value.IsNull()) continue;
      if (!walker_.ExpectSequence(entry, "receivers", "a list of receivers")) {
        continue;
      }
      for (size_t i = 0; i < entry.value.size(); ++i) {
        LintReceiver(entry.value[i], ElementPath("receivers", i));
      }
    }
  }

  void LintReceiver(const YAML::Node& receiver, const std::string& path) {
    if (!walker_.ExpectNode(receiver.IsMap(), receiver, path,
                            "a mapping (a receiver)")) {
      return;
    }
    std::vector<MapEntry> entries = walker_.Entries(receiver, path);
    std::string name = "(unnamed)";
    for (const MapEntry& entry : entries) {
      if (entry.key == "name" && entry.value.IsScalar()) {
        name = entry.value.Scalar();
      }
    }
    for (const MapEntry& entry : entries) {
      const std::string child = ChildPath(path, entry.key);
      if (entry.key != "webhook_configs" || entry.value.IsNull() ||
          !walker_.ExpectSequence(entry, child, "a list of webhook configs")) {
        continue;
      }
      for (size_t i = 0; i < entry.value.size(); ++i) {
        LintWebhook(entry.value[i], ElementPath(child, i), name);
      }
    }
  }

  void LintWebhook(const YAML::Node& webhook, const std::string& path,
                   const std::string& receiver) {
    if (!walker_.ExpectNode(webhook.IsMap(), webhook, path,
                            "a mapping (a webhook config)")) {
      return;
    }
    bool has_target = false;
    for (const MapEntry& entry : walker_.Entries(webhook, path)) {
      const std::string child = ChildPath(path, entry.key);
      has_target = has_target || entry.key == "url" || entry.key == "url_file";
      if (entry.key == "url" &&
          walker_.ExpectScalar(entry, child, "a URL")) {
        CheckUrl(entry, child, receiver);
      } else if (entry.key == "url_file" &&
                 walker_.ExpectScalar(entry, child, "a file path")) {
        walker_.Report(
            rule::kAlertmanagerUrlFile, Severity::kWarning,
            YamlWalker::ValuePosition(entry),
            absl::StrCat("receiver ", QuoteText(receiver),
                         " reads its webhook URL from url_file ",
                         QuoteText(entry.value.Scalar()),
                         ", which lint does not follow: check that the URL "
                         "it holds is local"));
      }
    }
    if (!has_target) {
      walker_.Invalid(PositionOf(webhook), path,
                      "missing url or url_file (Alertmanager requires one)");
    }
  }

  void CheckUrl(const MapEntry& entry, const std::string& path,
                const std::string& receiver) {
    absl::StatusOr<UrlParts> url = SplitUrl(entry.value.Scalar());
    if (!url.ok()) {
      walker_.Invalid(YamlWalker::ValuePosition(entry), path,
                      url.status().message());
      return;
    }
    if (IsAllowed(url->host, *hosts_)) return;
    walker_.Report(
        rule::kAlertmanagerExternalUrl, Severity::kError,
        YamlWalker::ValuePosition(entry),
        absl::StrCat(
            "hardcoded external autoheal URL ",
            QuoteText(absl::StrCat(url->scheme, "://", url->authority)),
            " in receiver ", QuoteText(receiver), ": host ",
            QuoteText(url->host),
            " is neither loopback, nor a service of the given "
            "compose files, nor allowed with --allow-host"));
  }

  // Not owned; outlives the linter.
  const AllowedHosts* hosts_;
  YamlWalker walker_;
};

}  // namespace

std::optional<std::string> UrlHost(absl::string_view url) {
  absl::StatusOr<UrlParts> parts = SplitUrl(url);
  if (!parts.ok()) return std::nullopt;
  return parts->host;
}

bool IsLoopbackHost(absl::string_view host) {
  const std::string normalized = NormalizeHost(host);
  if (HasControlOrSpace(normalized)) return false;
  if (normalized == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, normalized.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, normalized.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

std::vector<Finding> LintAlertmanager(absl::string_view text,
                                      const std::string& path,
                                      const AllowedHosts& hosts) {
  std::vector<Finding> findings;
  LintGuarded(path, &findings,
              [&] { AlertmanagerLinter(path, &hosts, &findings).Lint(text); });
  return findings;
}

}  // namespace lint
}  // namespace autoheal

// Alertmanager's routing tree, read from its YAML config (the file, or
// `config.original` of a running Alertmanager's /api/v2/status), and the
// walk Alertmanager does to pick the routes, and so the receivers, that
// handle an alert. Follows Alertmanager 0.25 (config/config.go,
// dispatch/route.go, pkg/labels/parse.go):
//
// - matchers come from `matchers:` (Alertmanager's matcher syntax: `=`,
//   `!=`, `=~`, `!~`, values quoted or not, several per item separated by
//   commas, optionally inside `{}`), and from the older `match:` and
//   `match_re:` maps;
// - a regex is RE2, fully anchored (`^(?:re)$`), as Prometheus does;
// - a missing label reads as the empty string;
// - receiver, group_by and the three timings are inherited from the parent
//   when absent, with Alertmanager's defaults at the root.
//
// Thread-safety: a parsed AlertmanagerConfig is immutable; MatchRoutes and
// LabelMatcher::Matches may run concurrently on it.
//
// Example:
//
//   absl::StatusOr<AlertmanagerConfig> config =
//       ParseAlertmanagerConfig(yaml, "alertmanager.yml");
//   if (!config.ok()) return config.status();
//   for (const Route* route : MatchRoutes(*config, labels)) {
//     std::cout << route->path << " -> " << route->receiver << "\n";
//   }
//
// This header is internal to autoheal (not installed).

#ifndef AUTOHEAL_ALERTMANAGER_ROUTE_TREE_H_
#define AUTOHEAL_ALERTMANAGER_ROUTE_TREE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/alert.h"
#include "re2/re2.h"

namespace autoheal {
namespace alertmanager {

// One label matcher, e.g. severity=~"critical|page".
//
// Built by the config parser (or ParseMatchers), a regex matcher holds its
// compiled RE2. A LabelMatcher built by hand, e.g. {"job", Op::kRegex,
// "api.*"}, has none and compiles its regex on each Matches() call (an
// invalid one then matches nothing). Movable, not copyable.
struct LabelMatcher {
  enum class Op { kEqual, kNotEqual, kRegex, kNotRegex };

  std::string name;
  Op op = Op::kEqual;
  std::string value;
  // The anchored regex, for kRegex and kNotRegex; set by the parser.
  std::unique_ptr<const re2::RE2> regex;

  // Returns whether `labels` satisfy this matcher; a missing label is "".
  bool Matches(const LabelSet& labels) const;

  // Returns the matcher in Alertmanager's syntax, value quoted and escaped:
  //   severity=~"critical|page"
  std::string ToString() const;
};

// Returns the matchers of one `matchers:` item in Alertmanager's syntax,
// e.g. `{alertname="X", severity=~"crit.*"}` or `job!=api`, with their
// regexes compiled.
//
// Errors: kInvalidArgument naming the text and what is wrong (no operator,
// a bad label name, an unescaped double quote, a regex RE2 rejects).
absl::StatusOr<std::vector<LabelMatcher>> ParseMatchers(absl::string_view text);

// One node of the routing tree, with its inherited values filled in.
struct Route {
  // Where it is in the config: "route", "route.routes[0].routes[2]".
  std::string path;
  // The 1-based line of the route in the YAML, 0 if unknown.
  int line = 0;
  // The receiver; inherited from the parent when absent.
  std::string receiver;
  // group_by as written or inherited; "..." sets group_by_all instead.
  std::vector<std::string> group_by;
  bool group_by_all = false;
  // Inherited when absent; Alertmanager's defaults at the root.
  absl::Duration group_wait = absl::Seconds(30);
  absl::Duration group_interval = absl::Minutes(5);
  absl::Duration repeat_interval = absl::Hours(4);
  // `continue:`: after this route matches, go on to its next siblings.
  bool continue_matching = false;
  // All must match for the route to match (none: it matches everything).
  std::vector<LabelMatcher> matchers;
  std::vector<Route> children;

  // Returns the matchers as Alertmanager prints them: {a="1", b=~"x"}.
  std::string MatchersString() const;
};

struct AlertmanagerConfig {
  Route root;
  // Every receiver by name -> its webhook_configs[].url (possibly empty).
  std::map<std::string, std::vector<std::string>> webhook_urls;
};

// Parses an Alertmanager config. `source_name` names it in errors (a file
// name, or e.g. "http://am:9093/api/v2/status config.original").
//
// Errors: kInvalidArgument naming `source_name:line`, the key and what was
// expected: YAML syntax, no `route` or a root route without `receiver`, a
// route naming an undefined receiver, a bad matcher or regex, a bad
// duration, a wrong type (e.g. `routes` not a list, `continue` not a bool).
absl::StatusOr<AlertmanagerConfig> ParseAlertmanagerConfig(
    absl::string_view yaml_text, absl::string_view source_name);

// Returns the routes that handle an alert with `labels`, in order, as
// Alertmanager's dispatcher picks them: depth-first from the root; a route
// matches when all its matchers match; among a matching route's children,
// every match is kept and the walk stops after the first matching child
// without `continue: true`; a matching route none of whose children match
// handles the alert itself. Never empty: the root matches everything. The
// pointers point into `config` and live as long as it.
std::vector<const Route*> MatchRoutes(const AlertmanagerConfig& config,
                                      const LabelSet& labels);

}  // namespace alertmanager
}  // namespace autoheal

#endif  // AUTOHEAL_ALERTMANAGER_ROUTE_TREE_H_

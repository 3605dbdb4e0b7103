#include "alertmanager/route_tree.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "alertmanager/prom_duration.h"
#include "core/utf8.h"
#include "re2/re2.h"
#include "yaml-cpp/yaml.h"
#include "yaml/yaml_text.h"

namespace autoheal {
namespace alertmanager {
namespace {

using internal::QuoteText;

// Alertmanager's matcher label names (pkg/labels/parse.go) allow ':'.
bool IsMatcherLabelName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || c == ':' ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

std::unique_ptr<const re2::RE2> CompileAnchored(absl::string_view pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  return std::make_unique<const re2::RE2>(
      absl::StrCat("^(?:", pattern, ")$"), options);
}

absl::StatusOr<LabelMatcher> MakeMatcher(std::string name, LabelMatcher::Op op,
                                         std::string value) {
  LabelMatcher matcher;
  matcher.name = std::move(name);
  matcher.op = op;
  matcher.value = std::move(value);
  if (op == LabelMatcher::Op::kRegex || op == LabelMatcher::Op::kNotRegex) {
    std::unique_ptr<const re2::RE2> regex = CompileAnchored(matcher.value);
    if (!regex->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad regex ", QuoteText(matcher.value), " for label ",
                       QuoteText(matcher.name), ": ", regex->error()));
    }
    matcher.regex = std::move(regex);
  }
  return matcher;
}

// Parses one matcher, e.g. `severity=~"crit.*"` (pkg/labels/parse.go).
absl::StatusOr<LabelMatcher> ParseOneMatcher(absl::string_view text) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  size_t i = 0;
  while (i < s.size() && (absl::ascii_isalnum(s[i]) || s[i] == '_' ||
                          s[i] == ':')) {
    ++i;
  }
  const absl::string_view name = s.substr(0, i);
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(s.substr(i));
  LabelMatcher::Op op;
  if (absl::ConsumePrefix(&rest, "=~")) {
    op = LabelMatcher::Op::kRegex;
  } else if (absl::ConsumePrefix(&rest, "!=")) {
    op = LabelMatcher::Op::kNotEqual;
  } else if (absl::ConsumePrefix(&rest, "!~")) {
    op = LabelMatcher::Op::kNotRegex;
  } else if (absl::ConsumePrefix(&rest, "=")) {
    op = LabelMatcher::Op::kEqual;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad matcher ", QuoteText(text),
        ": expected <label><op><value> with op one of =, !=, =~, !~"));
  }
  if (!IsMatcherLabelName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad matcher ", QuoteText(text), ": ", QuoteText(name),
        " is not a label name ([a-zA-Z_:][a-zA-Z0-9_:]*)"));
  }
  absl::string_view raw = absl::StripAsciiWhitespace(rest);
  bool expect_trailing_quote = false;
  if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
    raw = raw.substr(1, raw.size() - 2);
  } else if (!raw.empty() && raw.front() == '"') {
    raw.remove_prefix(1);
    expect_trailing_quote = true;
  }
  // Unescape as Alertmanager does: \n, \" and \\ are escapes; any other
  // backslash is literal; an unescaped quote is an error.
  std::string value;
  bool escaped = false;
  for (size_t k = 0; k < raw.size(); ++k) {
    const char c = raw[k];
    if (escaped) {
      escaped = false;
      if (c == 'n') {
        value.push_back('\n');
      } else if (c == '"' || c == '\\') {
        value.push_back(c);
      } else {
        value.push_back('\\');
        value.push_back(c);
      }
      continue;
    }
    if (c == '\\') {
      if (k + 1 < raw.size()) {
        escaped = true;
      } else {
        value.push_back('\\');
      }
    } else if (c == '"') {
      if (!expect_trailing_quote || k + 1 < raw.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad matcher ", QuoteText(text),
                         ": the value holds an unescaped double quote"));
      }
      expect_trailing_quote = false;
    } else {
      value.push_back(c);
    }
  }
  if (expect_trailing_quote) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad matcher ", QuoteText(text), ": the value's quote is not closed"));
  }
  return MakeMatcher(std::string(name), op, std::move(value));
}

std::string QuoteMatcherValue(absl::string_view value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

// --- The YAML walk -------------------------------------------------------

class ConfigReader {
 public:
  explicit ConfigReader(absl::string_view source) : source_(source) {}

  absl::Status Error(const YAML::Node& node, absl::string_view key_path,
                     absl::string_view what) const {
    const int line = node.IsDefined() ? node.Mark().line + 1 : 0;
    return absl::InvalidArgumentError(absl::StrCat(
        source_, line > 0 ? absl::StrCat(":", line) : "", ": ", key_path, ": ",
        what));
  }

  absl::StatusOr<std::string> String(const YAML::Node& node,
                                     absl::string_view path) const {
    if (!node.IsScalar()) {
      return Error(node, path,
                   absl::StrCat("expected a string, got ",
                                internal::DescribeNode(node)));
    }
    return node.Scalar();
  }

  absl::StatusOr<absl::Duration> Duration(const YAML::Node& node,
                                          absl::string_view path) const {
    absl::StatusOr<std::string> text = String(node, path);
    if (!text.ok()) return text.status();
    absl::StatusOr<absl::Duration> d = ParsePrometheusDuration(*text);
    if (!d.ok()) return Error(node, path, d.status().message());
    return d;
  }

  // Fills `route` from `node`, inheriting from `parent` (nullptr at the
  // root), then its children.
  absl::Status ReadRoute(const YAML::Node& node, const Route* parent,
                         const std::string& path, Route* route) const {
    if (!node.IsMap()) {
      return Error(node, path,
                   absl::StrCat("expected a mapping, got ",
                                internal::DescribeNode(node)));
    }
    route->path = path;
    route->line = node.Mark().line + 1;
    if (parent != nullptr) {
      route->receiver = parent->receiver;
      route->group_by = parent->group_by;
      route->group_by_all = parent->group_by_all;
      route->group_wait = parent->group_wait;
      route->group_interval = parent->group_interval;
      route->repeat_interval = parent->repeat_interval;
    }
    const YAML::Node* routes = nullptr;
    YAML::Node routes_node;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) continue;
      const std::string key = entry.first.Scalar();
      const YAML::Node& value = entry.second;
      const std::string key_path = internal::ChildPath(path, key);
      if (value.IsNull()) continue;  // `key:` with nothing: as if absent
      if (key == "receiver") {
        absl::StatusOr<std::string> s = String(value, key_path);
        if (!s.ok()) return s.status();
        route->receiver = *s;
      } else if (key == "group_by") {
        if (!value.IsSequence()) {
          return Error(value, key_path,
                       absl::StrCat("expected a list of label names, got ",
                                    internal::DescribeNode(value)));
        }
        route->group_by.clear();
        route->group_by_all = false;
        for (size_t i = 0; i < value.size(); ++i) {
          absl::StatusOr<std::string> s =
              String(value[i], internal::ElementPath(key_path, i));
          if (!s.ok()) return s.status();
          if (*s == "...") {
            route->group_by_all = true;
          } else {
            route->group_by.push_back(*s);
          }
        }
      } else if (key == "group_wait" || key == "group_interval" ||
                 key == "repeat_interval") {
        absl::StatusOr<absl::Duration> d = Duration(value, key_path);
        if (!d.ok()) return d.status();
        if (key == "group_wait") route->group_wait = *d;
        if (key == "group_interval") route->group_interval = *d;
        if (key == "repeat_interval") route->repeat_interval = *d;
      } else if (key == "continue") {
        if (!value.IsScalar() ||
            (value.Scalar() != "true" && value.Scalar() != "false")) {
          return Error(value, key_path,
                       absl::StrCat("expected true or false, got ",
                                    internal::DescribeNode(value)));
        }
        route->continue_matching = value.Scalar() == "true";
      } else if (key == "matchers") {
        if (!value.IsSequence()) {
          return Error(value, key_path,
                       absl::StrCat("expected a list of matchers, got ",
                                    internal::DescribeNode(value)));
        }
        for (size_t i = 0; i < value.size(); ++i) {
          const std::string item_path = internal::ElementPath(key_path, i);
          absl::StatusOr<std::string> s = String(value[i], item_path);
          if (!s.ok()) return s.status();
          absl::StatusOr<std::vector<LabelMatcher>> parsed = ParseMatchers(*s);
          if (!parsed.ok()) {
            return Error(value[i], item_path, parsed.status().message());
          }
          for (LabelMatcher& m : *parsed) route->matchers.push_back(std::move(m));
        }
      } else if (key == "match" || key == "match_re") {
        if (!value.IsMap()) {
          return Error(value, key_path,
                       absl::StrCat("expected a mapping of label to value, got ",
                                    internal::DescribeNode(value)));
        }
        // Alertmanager sorts them by name; keep that order for messages.
        std::map<std::string, std::pair<std::string, YAML::Node>> sorted;
        for (const auto& m : value) {
          const std::string name = m.first.Scalar();
          const std::string m_path = internal::ChildPath(key_path, name);
          if (!IsMatcherLabelName(name)) {
            return Error(m.first, m_path, "not a label name");
          }
          absl::StatusOr<std::string> s = String(m.second, m_path);
          if (!s.ok()) return s.status();
          sorted[name] = {*s, m.second};
        }
        for (auto& [name, value_and_node] : sorted) {
          absl::StatusOr<LabelMatcher> m = MakeMatcher(
              name,
              key == "match" ? LabelMatcher::Op::kEqual
                             : LabelMatcher::Op::kRegex,
              value_and_node.first);
          if (!m.ok()) {
            return Error(value_and_node.second,
                         internal::ChildPath(key_path, name),
                         m.status().message());
          }
          route->matchers.push_back(std::move(*m));
        }
      } else if (key == "routes") {
        if (!value.IsSequence()) {
          return Error(value, key_path,
                       absl::StrCat("expected a list of routes, got ",
                                    internal::DescribeNode(value)));
        }
        routes_node = value;
        routes = &routes_node;
      }
      // Other keys (mute_time_intervals, active_time_intervals, ...) do not
      // change which route an alert takes.
    }
    if (parent == nullptr && route->receiver.empty()) {
      return Error(node, path, "the root route has no receiver");
    }
    if (parent == nullptr && !route->matchers.empty()) {
      return Error(node, path, "the root route must not have matchers");
    }
    if (routes != nullptr) {
      for (size_t i = 0; i < routes->size(); ++i) {
        Route child;
        absl::Status s = ReadRoute((*routes)[i], route,
                                   internal::ElementPath(
                                       absl::StrCat(path, ".routes"), i),
                                   &child);
        if (!s.ok()) return s;
        route->children.push_back(std::move(child));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckReceivers(const Route& route,
                              const AlertmanagerConfig& config) const {
    if (config.webhook_urls.count(route.receiver) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_, route.line > 0 ? absl::StrCat(":", route.line) : "", ": ",
          route.path, ".receiver: undefined receiver ",
          QuoteText(route.receiver), " (not in receivers)"));
    }
    for (const Route& child : route.children) {
      absl::Status s = CheckReceivers(child, config);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  std::string source_;
};

void Walk(const Route& route, const LabelSet& labels,
          std::vector<const Route*>* out) {
  // Precondition: `route` matches.
  const size_t before = out->size();
  for (const Route& child : route.children) {
    bool matches = true;
    for (const LabelMatcher& m : child.matchers) {
      if (!m.Matches(labels)) {
        matches = false;
        break;
      }
    }
    if (!matches) continue;
    Walk(child, labels, out);
    if (!child.continue_matching) break;
  }
  if (out->size() == before) out->push_back(&route);
}

}  // namespace

bool LabelMatcher::Matches(const LabelSet& labels) const {
  const absl::string_view actual = labels.Find(name).value_or("");
  switch (op) {
    case Op::kEqual:
      return actual == value;
    case Op::kNotEqual:
      return actual != value;
    case Op::kRegex:
    case Op::kNotRegex: {
      std::unique_ptr<const re2::RE2> local;
      const re2::RE2* re = regex.get();
      if (re == nullptr) {
        local = CompileAnchored(value);
        if (!local->ok()) return false;
        re = local.get();
      }
      const bool full = re2::RE2::FullMatch(
          re2::StringPiece(actual.data(), actual.size()), *re);
      return op == Op::kRegex ? full : !full;
    }
  }
  return false;
}

std::string LabelMatcher::ToString() const {
  absl::string_view op_text = "=";
  switch (op) {
    case Op::kEqual:
      op_text = "=";
      break;
    case Op::kNotEqual:
      op_text = "!=";
      break;
    case Op::kRegex:
      op_text = "=~";
      break;
    case Op::kNotRegex:
      op_text = "!~";
      break;
  }
  return absl::StrCat(name, op_text, QuoteMatcherValue(value));
}

std::string Route::MatchersString() const {
  std::vector<std::string> parts;
  for (const LabelMatcher& m : matchers) parts.push_back(m.ToString());
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

absl::StatusOr<std::vector<LabelMatcher>> ParseMatchers(
    absl::string_view text) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  absl::ConsumePrefix(&s, "{");
  absl::ConsumeSuffix(&s, "}");
  // Split on commas outside double quotes, as Alertmanager does.
  std::vector<std::string> tokens;
  std::string token;
  bool inside_quotes = false;
  bool escaped = false;
  for (const char c : s) {
    if (c == ',' && !inside_quotes) {
      tokens.push_back(token);
      token.clear();
      continue;
    }
    if (c == '"') {
      if (!escaped) {
        inside_quotes = !inside_quotes;
      } else {
        escaped = false;
      }
    } else if (c == '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token.push_back(c);
  }
  if (!absl::StripAsciiWhitespace(token).empty()) tokens.push_back(token);
  std::vector<LabelMatcher> matchers;
  for (const std::string& t : tokens) {
    absl::StatusOr<LabelMatcher> m = ParseOneMatcher(t);
    if (!m.ok()) return m.status();
    matchers.push_back(std::move(*m));
  }
  return matchers;
}

absl::StatusOr<AlertmanagerConfig> ParseAlertmanagerConfig(
    absl::string_view yaml_text, absl::string_view source_name) {
  ConfigReader reader(source_name);
  if (std::optional<internal::YamlTextProblem> problem =
          internal::CheckYamlEncoding(yaml_text, "an Alertmanager config")) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ":", problem->mark.line + 1, ": ", problem->message));
  }
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ":", e.mark.line + 1,
                     ": invalid YAML: ", e.msg));
  }
  if (!doc.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ": expected a mapping with route and receivers, got ",
        internal::DescribeNode(doc)));
  }
  AlertmanagerConfig config;
  try {
    const YAML::Node receivers = doc["receivers"];
    if (receivers.IsDefined() && !receivers.IsNull()) {
      if (!receivers.IsSequence()) {
        return reader.Error(receivers, "receivers",
                            absl::StrCat("expected a list, got ",
                                         internal::DescribeNode(receivers)));
      }
      for (size_t i = 0; i < receivers.size(); ++i) {
        const std::string path = internal::ElementPath("receivers", i);
        const YAML::Node receiver = receivers[i];
        if (!receiver.IsMap()) {
          return reader.Error(receiver, path,
                              absl::StrCat("expected a mapping, got ",
                                           internal::DescribeNode(receiver)));
        }
        const YAML::Node name_node = receiver["name"];
        absl::StatusOr<std::string> name =
            name_node.IsDefined()
                ? reader.String(name_node, internal::ChildPath(path, "name"))
                : absl::InvalidArgumentError("missing");
        if (!name.ok() || name->empty()) {
          return reader.Error(receiver, internal::ChildPath(path, "name"),
                              "every receiver needs a name");
        }
        std::vector<std::string>& urls = config.webhook_urls[*name];
        const YAML::Node webhooks = receiver["webhook_configs"];
        if (!webhooks.IsDefined() || webhooks.IsNull()) continue;
        const std::string webhooks_path =
            internal::ChildPath(path, "webhook_configs");
        if (!webhooks.IsSequence()) {
          return reader.Error(webhooks, webhooks_path,
                              absl::StrCat("expected a list, got ",
                                           internal::DescribeNode(webhooks)));
        }
        for (size_t w = 0; w < webhooks.size(); ++w) {
          const YAML::Node url = webhooks[w]["url"];
          if (!url.IsDefined() || url.IsNull()) continue;  // url_file
          absl::StatusOr<std::string> s = reader.String(
              url, internal::ChildPath(
                       internal::ElementPath(webhooks_path, w), "url"));
          if (!s.ok()) return s.status();
          urls.push_back(*s);
        }
      }
    }
    const YAML::Node route = doc["route"];
    if (!route.IsDefined() || route.IsNull()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": route: missing; Alertmanager needs a "
                                    "root route with a receiver"));
    }
    absl::Status s = reader.ReadRoute(route, nullptr, "route", &config.root);
    if (!s.ok()) return s;
    s = reader.CheckReceivers(config.root, config);
    if (!s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ":", e.mark.line + 1, ": invalid YAML: ", e.msg));
  }
  return config;
}

std::vector<const Route*> MatchRoutes(const AlertmanagerConfig& config,
                                      const LabelSet& labels) {
  std::vector<const Route*> out;
  Walk(config.root, labels, &out);
  return out;
}

}  // namespace alertmanager
}  // namespace autoheal

#include "autoheal/yaml_policy.h"

#include <cerrno>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "core/utf8.h"
#include "core/label_name.h"
#include "re2/re2.h"  // to destroy what CompileLabelPattern() returns
#include "yaml-cpp/yaml.h"
#include "yaml/yaml_merge.h"
#include "yaml/yaml_text.h"

namespace autoheal {
namespace {

using internal::ChildPath;
using internal::DescribeNode;
using internal::ElementPath;
using internal::EscapeText;
using internal::QuoteText;

// The only policy format version this loader reads.
constexpr absl::string_view kFormatVersion = "1";

// The largest max_executions of a budget or the flap guard (the engine keeps
// one time per execution).
constexpr int kMaxWindowLimit = 10000;

// Collections nested deeper than this are rejected before yaml-cpp builds
// any node. A policy nests 4 deep (actions -> action -> label_patterns).
// yaml-cpp 0.7 would stop near 1000 levels itself, but with the message
// "bad file" and a position far from the problem.
constexpr int kMaxNesting = 64;

const char* const kTopLevelKeys[] = {"version",    "enabled",    "cooldown",
                                     "opt_in",     "budget",     "flap_guard",
                                     "escalation", "actions"};
const char* const kWindowLimitKeys[] = {"max_executions", "window"};
const char* const kEscalationKeys[] = {"argv", "timeout"};
const char* const kOptInKeys[] = {"annotation", "value"};
const char* const kActionKeys[] = {"name",       "argv",
                                   "timeout",    "cooldown",
                                   "key_labels", "label_patterns",
                                   "budget"};

// yaml-cpp's tag for an untagged plain scalar, and the explicit `!!bool` tag.
constexpr absl::string_view kPlainTag = "?";
constexpr absl::string_view kBoolTag = "tag:yaml.org,2002:bool";

// A field's key path, as PolicyPositions has it.
using FieldPath = std::vector<std::string>;

// One key/value pair of a mapping, after merge keys are resolved.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  // Its key path from the top of the document.
  FieldPath field;
};

PolicyPosition PositionAt(const YAML::Mark& mark) {
  if (mark.is_null()) return PolicyPosition{1, 1};
  return PolicyPosition{mark.line + 1, mark.column + 1};
}

// True when `text` ends in a digit or a dot, i.e. has no unit: "120", "1.5".
bool LacksUnit(absl::string_view text) {
  return text.empty() || absl::ascii_isdigit(text.back()) || text.back() == '.';
}

// Walks a parsed policy document and fills `EngineOptions`. Every error
// carries the file name, the 1-based position and the key path.
class PolicyReader {
 public:
  // Notes where each field is written in `*positions` when it is not null;
  // it must outlive the reader.
  PolicyReader(absl::string_view filename, PolicyPositions* positions)
      : filename_(filename), positions_(positions) {}

  absl::Status ReadDocument(const YAML::Node& root, EngineOptions* options) {
    if (!root.IsMap()) {
      return ErrorAt(root.Mark(), "", "expected a mapping at the top level");
    }
    absl::StatusOr<std::vector<Entry>> entries = ReadMapping(root, "", {});
    if (!entries.ok()) return entries.status();
    for (const Entry& entry : *entries) {
      absl::Status status = ReadTopLevelEntry(entry, options);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  // Returns kInvalidArgument "<file>:<line>:<col>: <path>: <message>".
  absl::Status ErrorAt(const YAML::Mark& mark, absl::string_view path,
                       absl::string_view message) const {
    const PolicyPosition at = PositionAt(mark);
    std::string where =
        absl::StrCat(filename_, ":", at.line, ":", at.column, ": ");
    if (!path.empty()) absl::StrAppend(&where, path, ": ");
    return absl::InvalidArgumentError(absl::StrCat(where, message));
  }

 private:
  // An empty value (`key:`) has no reliable position of its own in yaml-cpp,
  // so errors about it point at its key.
  static YAML::Mark ValueMark(const Entry& entry) {
    return internal::ValueMark(entry.key_node, entry.value);
  }

  absl::Status ValueError(const Entry& entry, absl::string_view path,
                          absl::string_view expected) const {
    return ErrorAt(ValueMark(entry), path,
                   absl::StrCat(expected, ", got ", DescribeNode(entry.value)));
  }

  template <size_t N>
  absl::Status UnknownKey(const Entry& entry, absl::string_view path,
                          const char* const (&allowed)[N]) const {
    return ErrorAt(
        entry.key_node.Mark(), path,
        absl::StrCat("unknown key ", QuoteText(entry.key),
                     " (expected one of: ", absl::StrJoin(allowed, ", "), ")"));
  }

  // Lists the entries of `map` in document order, then those merged in by
  // `<<` (yaml/yaml_merge.h), and notes where each is written. Rejects what
  // the merge walker reports, duplicate keys (which yaml-cpp silently
  // accepts) included, at the first problem. `parent` is the key path of
  // `map`.
  absl::StatusOr<std::vector<Entry>> ReadMapping(const YAML::Node& map,
                                                 absl::string_view path,
                                                 const FieldPath& parent) {
    std::vector<internal::YamlTextProblem> problems;
    std::vector<internal::YamlEntry> read = merges_.Entries(map, &problems);
    if (!problems.empty()) {
      return ErrorAt(problems.front().mark, path, problems.front().message);
    }
    std::vector<Entry> entries;
    entries.reserve(read.size());
    for (internal::YamlEntry& entry : read) {
      FieldPath field = parent;
      field.push_back(entry.key);
      if (positions_ != nullptr) {
        positions_->emplace(field, PositionAt(entry.key_node.Mark()));
      }
      entries.push_back(Entry{std::move(entry.key), std::move(entry.key_node),
                              std::move(entry.value), std::move(field)});
    }
    return entries;
  }

  // Lists the entries of the mapping that `entry` holds.
  absl::StatusOr<std::vector<Entry>> ReadMapping(const Entry& entry,
                                                 absl::string_view path) {
    return ReadMapping(entry.value, path, entry.field);
  }

  absl::Status ReadTopLevelEntry(const Entry& entry, EngineOptions* options) {
    const std::string path = entry.key;
    if (entry.key == "version") return ReadVersion(entry, path);
    if (entry.key == "enabled") return ReadBool(entry, path, &options->enabled);
    if (entry.key == "cooldown") {
      return ReadDuration(entry, path, &options->default_cooldown);
    }
    if (entry.key == "opt_in") return ReadOptIn(entry, path, options);
    if (entry.key == "budget") {
      return ReadWindowLimit(entry, path, &options->global_budget.max_executions,
                             &options->global_budget.window);
    }
    if (entry.key == "flap_guard") {
      return ReadWindowLimit(entry, path, &options->flap_guard.max_executions,
                             &options->flap_guard.window);
    }
    if (entry.key == "escalation") return ReadEscalation(entry, path, options);
    if (entry.key == "actions") return ReadActions(entry, path, options);
    return UnknownKey(entry, "", kTopLevelKeys);
  }

  absl::Status ReadVersion(const Entry& entry, absl::string_view path) const {
    if (!entry.value.IsScalar() || entry.value.Scalar() != kFormatVersion) {
      return ValueError(entry, path,
                        absl::StrCat("expected ", kFormatVersion,
                                     " (the only policy format version)"));
    }
    return absl::OkStatus();
  }

  // Accepts only the plain scalars true and false, as YAML 1.2 does: a
  // quoted "true" or YAML 1.1's yes/on is a mistake worth reporting.
  absl::Status ReadBool(const Entry& entry, absl::string_view path,
                        bool* out) const {
    const YAML::Node& value = entry.value;
    bool plain = value.IsScalar() &&
                 (value.Tag() == kPlainTag || value.Tag() == kBoolTag);
    if (plain && value.Scalar() == "true") {
      *out = true;
      return absl::OkStatus();
    }
    if (plain && value.Scalar() == "false") {
      *out = false;
      return absl::OkStatus();
    }
    return ValueError(entry, path, "expected true or false");
  }

  absl::Status ReadString(const Entry& entry, absl::string_view path,
                          std::string* out) const {
    if (!entry.value.IsScalar()) {
      return ValueError(entry, path, "expected a string");
    }
    *out = entry.value.Scalar();
    return absl::OkStatus();
  }

  absl::Status ReadNonEmptyString(const Entry& entry, absl::string_view path,
                                  std::string* out) const {
    if (!entry.value.IsScalar() || entry.value.Scalar().empty()) {
      return ValueError(entry, path, "expected a non-empty string");
    }
    *out = entry.value.Scalar();
    return absl::OkStatus();
  }

  // Reads a positive, finite duration with a unit: 250ms, 30s, 5m, 1h30m.
  absl::Status ReadDuration(const Entry& entry, absl::string_view path,
                            absl::Duration* out) const {
    absl::Duration duration;
    if (!entry.value.IsScalar() || LacksUnit(entry.value.Scalar()) ||
        !absl::ParseDuration(entry.value.Scalar(), &duration)) {
      return ValueError(entry, path, "expected a duration like 30s");
    }
    if (duration == absl::InfiniteDuration() ||
        duration == -absl::InfiniteDuration()) {
      return ValueError(entry, path, "expected a finite duration like 30s");
    }
    if (duration <= absl::ZeroDuration()) {
      return ValueError(entry, path, "expected a positive duration like 30s");
    }
    *out = duration;
    return absl::OkStatus();
  }

  // Reads a whole number from 0 to `max`, written plainly: 3, not "3" or 3.0.
  absl::Status ReadCount(const Entry& entry, absl::string_view path, int max,
                         int* out) const {
    const std::string expected =
        absl::StrCat("expected a whole number from 0 to ", max);
    if (!entry.value.IsScalar() || entry.value.Tag() != kPlainTag) {
      return ValueError(entry, path, expected);
    }
    const std::string& text = entry.value.Scalar();
    int value = 0;
    bool digits = !text.empty() && text.size() <= 9 &&
                  std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
    if (!digits || !absl::SimpleAtoi(text, &value) || value > max) {
      return ValueError(entry, path, expected);
    }
    *out = value;
    return absl::OkStatus();
  }

  // Reads `{max_executions: N, window: D}`: a budget or the flap guard.
  // Keys left out keep their defaults; max_executions 0 turns it off.
  absl::Status ReadWindowLimit(const Entry& entry, absl::string_view path,
                               int* max_executions, absl::Duration* window) {
    if (!entry.value.IsMap()) {
      return ValueError(entry, path,
                        "expected a mapping with max_executions and window");
    }
    absl::StatusOr<std::vector<Entry>> entries = ReadMapping(entry, path);
    if (!entries.ok()) return entries.status();
    for (const Entry& child : *entries) {
      const std::string child_path = ChildPath(path, child.key);
      absl::Status status;
      if (child.key == "max_executions") {
        status = ReadCount(child, child_path, kMaxWindowLimit, max_executions);
      } else if (child.key == "window") {
        status = ReadDuration(child, child_path, window);
      } else {
        status = UnknownKey(child, path, kWindowLimitKeys);
      }
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  // Reads `escalation: {argv: [...], timeout: D}`.
  absl::Status ReadEscalation(const Entry& entry, absl::string_view path,
                              EngineOptions* options) {
    if (!entry.value.IsMap()) {
      return ValueError(entry, path,
                        "expected a mapping with argv and optionally timeout");
    }
    absl::StatusOr<std::vector<Entry>> entries = ReadMapping(entry, path);
    if (!entries.ok()) return entries.status();
    EscalationCommand escalation;
    for (const Entry& child : *entries) {
      const std::string child_path = ChildPath(path, child.key);
      absl::Status status;
      if (child.key == "argv") {
        status = ReadArgv(child, child_path, &escalation.argv);
      } else if (child.key == "timeout") {
        status = ReadDuration(child, child_path, &escalation.timeout);
      } else {
        status = UnknownKey(child, path, kEscalationKeys);
      }
      if (!status.ok()) return status;
    }
    if (escalation.argv.empty()) {
      return ErrorAt(entry.value.Mark(), path, "missing required key \"argv\"");
    }
    options->escalation = std::move(escalation);
    return absl::OkStatus();
  }

  absl::Status ReadOptIn(const Entry& entry, absl::string_view path,
                         EngineOptions* options) {
    if (!entry.value.IsMap()) {
      return ValueError(entry, path,
                        "expected a mapping with annotation and value");
    }
    absl::StatusOr<std::vector<Entry>> entries = ReadMapping(entry, path);
    if (!entries.ok()) return entries.status();
    for (const Entry& child : *entries) {
      const std::string child_path = ChildPath(path, child.key);
      absl::Status status;
      if (child.key == "annotation") {
        status =
            ReadNonEmptyString(child, child_path, &options->opt_in_annotation);
      } else if (child.key == "value") {
        status = ReadString(child, child_path, &options->opt_in_value);
      } else {
        status = UnknownKey(child, path, kOptInKeys);
      }
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status ReadActions(const Entry& entry, absl::string_view path,
                           EngineOptions* options) {
    if (!entry.value.IsMap()) {
      return ValueError(entry, path,
                        "expected a mapping from alertname to action");
    }
    absl::StatusOr<std::vector<Entry>> entries = ReadMapping(entry, path);
    if (!entries.ok()) return entries.status();
    options->actions.clear();
    for (const Entry& child : *entries) {
      if (child.key.empty()) {
        return ErrorAt(child.key_node.Mark(), path,
                       "expected a non-empty alertname, got \"\"");
      }
      Action action;
      absl::Status status =
          ReadAction(child, ChildPath(path, child.key), &action);
      if (!status.ok()) return status;
      options->actions.push_back(std::move(action));
    }
    return absl::OkStatus();
  }

  // Reads one `alertname: {name, argv, ...}` entry of `actions`.
  absl::Status ReadAction(const Entry& entry, absl::string_view path,
                          Action* action) {
    if (!entry.value.IsMap()) {
      return ValueError(entry, path,
                        "expected a mapping with name, argv and optionally "
                        "timeout, cooldown, key_labels, label_patterns");
    }
    absl::StatusOr<std::vector<Entry>> entries = ReadMapping(entry, path);
    if (!entries.ok()) return entries.status();
    action->alertname = entry.key;
    for (const Entry& child : *entries) {
      absl::Status status =
          ReadActionEntry(child, ChildPath(path, child.key), path, action);
      if (!status.ok()) return status;
    }
    return CheckRequiredActionKeys(*entries, entry.value.Mark(), path);
  }

  absl::Status ReadActionEntry(const Entry& entry, absl::string_view path,
                               absl::string_view action_path, Action* action) {
    if (entry.key == "name") {
      return ReadNonEmptyString(entry, path, &action->name);
    }
    if (entry.key == "argv") return ReadArgv(entry, path, &action->argv);
    if (entry.key == "timeout") {
      return ReadDuration(entry, path, &action->timeout);
    }
    if (entry.key == "cooldown") {
      absl::Duration cooldown;
      absl::Status status = ReadDuration(entry, path, &cooldown);
      if (status.ok()) action->cooldown = cooldown;
      return status;
    }
    if (entry.key == "key_labels") {
      return ReadKeyLabels(entry, path, &action->key_labels);
    }
    if (entry.key == "label_patterns") {
      return ReadLabelPatterns(entry, path, &action->label_patterns);
    }
    if (entry.key == "budget") {
      return ReadWindowLimit(entry, path, &action->budget.max_executions,
                             &action->budget.window);
    }
    return UnknownKey(entry, action_path, kActionKeys);
  }

  // Reads `label_patterns`: label name -> RE2 pattern, each compiled here
  // so that a bad pattern is reported at its line and column, with RE2's
  // complaint.
  absl::Status ReadLabelPatterns(const Entry& entry, absl::string_view path,
                                 std::map<std::string, std::string>* out) {
    if (!entry.value.IsMap()) {
      return ValueError(entry, path,
                        "expected a mapping from label name to pattern");
    }
    absl::StatusOr<std::vector<Entry>> entries = ReadMapping(entry, path);
    if (!entries.ok()) return entries.status();
    for (const Entry& child : *entries) {
      const std::string child_path = ChildPath(path, child.key);
      std::string pattern;
      absl::Status status = ReadNonEmptyString(child, child_path, &pattern);
      if (!status.ok()) return status;
      absl::Status compiled = CompileLabelPattern(pattern).status();
      if (!compiled.ok()) {
        return ErrorAt(ValueMark(child), child_path, compiled.message());
      }
      (*out)[child.key] = std::move(pattern);
    }
    return absl::OkStatus();
  }

  absl::Status CheckRequiredActionKeys(const std::vector<Entry>& entries,
                                       const YAML::Mark& mark,
                                       absl::string_view path) const {
    for (absl::string_view required : {"name", "argv"}) {
      bool present = false;
      for (const Entry& entry : entries) present |= entry.key == required;
      if (!present) {
        return ErrorAt(
            mark, path,
            absl::StrCat("missing required key ", QuoteText(required)));
      }
    }
    return absl::OkStatus();
  }

  // Reads a non-empty list of scalars whose first element, the program, is
  // not empty. Later arguments may be empty strings.
  absl::Status ReadArgv(const Entry& entry, absl::string_view path,
                        std::vector<std::string>* argv) const {
    if (!entry.value.IsSequence() || entry.value.size() == 0) {
      return ValueError(entry, path, "expected a non-empty list of strings");
    }
    absl::Status status = ReadStringList(entry.value, path, argv);
    if (!status.ok()) return status;
    if (argv->front().empty()) {
      return ErrorAt(entry.value[0].Mark(), ElementPath(path, 0),
                     "expected a non-empty program path");
    }
    return absl::OkStatus();
  }

  absl::Status ReadStringList(const YAML::Node& list, absl::string_view path,
                              std::vector<std::string>* out) const {
    out->clear();
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node element = list[i];
      if (!element.IsScalar()) {
        return ErrorAt(
            element.Mark(), ElementPath(path, i),
            absl::StrCat("expected a string, got ", DescribeNode(element)));
      }
      out->push_back(element.Scalar());
    }
    return absl::OkStatus();
  }

  // Reads a list of distinct Prometheus label names other than alertname.
  absl::Status ReadKeyLabels(const Entry& entry, absl::string_view path,
                             std::vector<std::string>* labels) const {
    if (!entry.value.IsSequence()) {
      return ValueError(entry, path, "expected a list of label names");
    }
    absl::Status status = ReadStringList(entry.value, path, labels);
    if (!status.ok()) return status;
    absl::flat_hash_set<absl::string_view> seen;
    for (size_t i = 0; i < labels->size(); ++i) {
      status = CheckKeyLabel((*labels)[i], entry.value[i].Mark(),
                             ElementPath(path, i), &seen);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status CheckKeyLabel(
      absl::string_view label, const YAML::Mark& mark, absl::string_view path,
      absl::flat_hash_set<absl::string_view>* seen) const {
    if (!internal::IsValidLabelName(label)) {
      return ErrorAt(mark, path,
                     absl::StrCat("expected a label name matching "
                                  "[a-zA-Z_][a-zA-Z0-9_]*, got ",
                                  QuoteText(label)));
    }
    if (label == "alertname") {
      return ErrorAt(mark, path,
                     "alertname is always part of the cooldown key; do not "
                     "list it");
    }
    if (!seen->insert(label).second) {
      return ErrorAt(mark, path,
                     absl::StrCat("duplicate label ", QuoteText(label)));
    }
    return absl::OkStatus();
  }

  std::string filename_;
  PolicyPositions* positions_;  // not owned; may be null
  internal::MergeKeyWalker merges_;
};

// --- Checks on the raw text ------------------------------------------------

// Returns `problem` as the reader's error, or OK when there is none.
absl::Status ProblemError(const std::optional<internal::YamlTextProblem>& problem,
                          const PolicyReader& reader) {
  if (!problem.has_value()) return absl::OkStatus();
  return reader.ErrorAt(problem->mark, "", problem->message);
}

// --- Parsing ----------------------------------------------------------------

// Parses `text` as a single document. An empty text yields a null document,
// reported as "expected a mapping". Only the first two documents are
// scanned (see internal::ScanYaml: yaml-cpp 0.7 loops forever on a stray
// ','), with nesting bounded before yaml-cpp builds any node.
absl::StatusOr<YAML::Node> ParseSingleDocument(const std::string& text,
                                               const PolicyReader& reader) {
  const internal::YamlScan scan =
      internal::ScanYaml(text, /*max_documents=*/2, kMaxNesting);
  absl::Status status =
      ProblemError(internal::FindUnterminatedQuote(text, scan), reader);
  if (!status.ok()) return status;
  status = ProblemError(internal::FindStrayComma(text, scan), reader);
  if (!status.ok()) return status;
  if (scan.documents.size() > 1) {
    return reader.ErrorAt(scan.documents[1].root, "",
                          "expected a single YAML document, found another");
  }
  return YAML::Load(text);
}

absl::Status ReadPolicy(absl::string_view text, absl::string_view filename,
                        EngineOptions* options, PolicyPositions* positions) {
  PolicyReader reader(filename, positions);
  // Positions are byte offsets after the byte order mark, which yaml-cpp
  // would skip anyway.
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  absl::Status status =
      ProblemError(internal::CheckYamlEncoding(text, "a policy"), reader);
  if (!status.ok()) return status;
  try {
    absl::StatusOr<YAML::Node> root =
        ParseSingleDocument(std::string(text), reader);
    if (!root.ok()) return root.status();
    return reader.ReadDocument(*root, options);
  } catch (const YAML::Exception& e) {
    return reader.ErrorAt(e.mark, "",
                          absl::StrCat("invalid YAML: ", EscapeText(e.msg)));
  } catch (const std::exception& e) {
    return reader.ErrorAt(YAML::Mark::null_mark(), "",
                          absl::StrCat("invalid YAML: ", EscapeText(e.what())));
  }
}

// Returns `status` with its message prefixed by `filename`.
absl::Status WithFilename(const absl::Status& status,
                          absl::string_view filename) {
  return absl::Status(status.code(),
                      absl::StrCat(filename, ": ", status.message()));
}

}  // namespace

absl::StatusOr<EngineOptions> ParsePolicy(absl::string_view text,
                                          absl::string_view filename,
                                          PolicyPositions* positions) {
  EngineOptions options;
  PolicyPositions read_positions;
  absl::Status status = ReadPolicy(text, filename, &options,
                                   positions != nullptr ? &read_positions
                                                        : nullptr);
  if (!status.ok()) return status;
  status = ValidateOptions(options);
  if (!status.ok()) return WithFilename(status, filename);
  if (positions != nullptr) *positions = std::move(read_positions);
  return options;
}

absl::StatusOr<EngineOptions> LoadPolicyFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open"));
  }
  std::string text;
  char buffer[8192];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    text.append(buffer, n);
  }
  int read_errno = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (read_errno != 0) {
    return absl::ErrnoToStatus(read_errno, absl::StrCat(path, ": cannot read"));
  }
  return ParsePolicy(text, path);
}

namespace {

// The placeholders only print what a real action would do; they are there
// so that the default policy can be switched on safely to try the chain.
constexpr absl::string_view kDefaultPolicy = R"yaml(
# autoheal-webhook's embedded default policy: the original stack's three
# actions, with harmless placeholder commands, in dry-run.
version: 1
enabled: false
cooldown: 120s
actions:
  CrmMetricsScrapeStale:
    name: restart-crm-metrics
    argv: ["/bin/echo", "placeholder: would restart the CRM metrics exporter"]
    timeout: 30s
  TcpEndpointDownFast:
    name: restart-tcp-endpoint
    argv: ["/bin/echo", "placeholder: would restart the TCP service"]
    timeout: 30s
    key_labels: [instance]
  UptimeProbeFailing:
    name: restart-web-frontend
    argv: ["/bin/echo", "placeholder: would restart the web frontend"]
    timeout: 30s
    key_labels: [instance]
)yaml";

}  // namespace

absl::string_view EmbeddedDefaultPolicy() { return kDefaultPolicy; }

}  // namespace autoheal

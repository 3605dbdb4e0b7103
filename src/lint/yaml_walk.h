// Reading YAML configuration files for `autoheal lint` without trusting
// them: parsing that never throws, and a walker that resolves merge keys,
// reports wrong types as findings naming the key path, and keeps positions.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: ParseYaml is
// reentrant; a YamlWalker belongs to one thread.
//
//   std::vector<Finding> findings;
//   std::vector<YAML::Node> documents;
//   if (!ParseYaml(text, "compose.yml", "a compose file", &documents,
//                  &findings)) return findings;
//   YamlWalker walker("compose.yml", rule::kComposeInvalid, &findings);
//   for (const MapEntry& service : walker.Entries(services, "services")) ...

#ifndef AUTOHEAL_LINT_YAML_WALK_H_
#define AUTOHEAL_LINT_YAML_WALK_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lint/finding.h"
#include "yaml-cpp/yaml.h"
#include "yaml/yaml_merge.h"
#include "yaml/yaml_text.h"

namespace autoheal {
namespace lint {

// A 1-based line and column; 0 when unknown.
struct Position {
  int line = 0;
  int column = 0;
};

// Returns the position of `node`, or {0, 0} when it has none.
Position PositionOf(const YAML::Node& node);

// Parses every YAML document of `text` into `documents`. On failure appends
// one parse-error finding with the position (a syntax error, a NUL byte,
// UTF-16, an unterminated quote, a stray ',', text over kMaxFileBytes,
// lists and mappings nested over 128 levels, more than 64 documents)
// and returns false. `what` names the document in messages ("a compose
// file"). Never throws. `documents` is empty for an empty text.
bool ParseYaml(absl::string_view text, absl::string_view file,
               absl::string_view what, std::vector<YAML::Node>* documents,
               std::vector<Finding>* findings);

// One key/value pair of a mapping, after merge keys are resolved.
using MapEntry = internal::YamlEntry;

// Paths and node descriptions in messages, worded as the policy loader's
// ("yaml/yaml_text.h").
using internal::ChildPath;
using internal::DescribeNode;
using internal::ElementPath;

// Walks one file's YAML, appending findings for what it cannot read.
class YamlWalker {
 public:
  // Appends findings to `*findings`, which must outlive the walker. Type
  // errors are reported under `invalid_rule` (e.g. rule::kComposeInvalid),
  // as parse errors.
  YamlWalker(absl::string_view file, absl::string_view invalid_rule,
             std::vector<Finding>* findings);

  YamlWalker(const YamlWalker&) = delete;
  YamlWalker& operator=(const YamlWalker&) = delete;

  // Parses `text` as ParseYaml() does and returns each document's
  // top-level mapping, in order: empty documents are skipped, and one that
  // is not a mapping is reported ("expected a mapping at the top level").
  // Returns nullopt, reported, when the text cannot be parsed at all.
  std::optional<std::vector<YAML::Node>> TopLevelMappings(
      absl::string_view text, absl::string_view what);

  // Returns the entries of mapping `map` in document order, then those merged
  // in by `<<`, as the policy loader reads them (yaml/yaml_merge.h; the
  // limits count per walker, so per file). Reports, under `path`, what the
  // merge walker finds: non-scalar keys (skipped), duplicate keys, `<<`
  // included (kept, so that no value escapes a check), bad merge values, and
  // merges nested too deeply or expanding too far (not followed).
  // Precondition: map.IsMap().
  std::vector<MapEntry> Entries(const YAML::Node& map, absl::string_view path);

  // Each returns true when `value` has the wanted type; otherwise reports
  // "<path>: expected <expected>, got <what it is>" at `value` (at `entry`'s
  // key when the value is empty) and returns false.
  bool ExpectMap(const MapEntry& entry, absl::string_view path,
                 absl::string_view expected);
  bool ExpectSequence(const MapEntry& entry, absl::string_view path,
                      absl::string_view expected);
  bool ExpectScalar(const MapEntry& entry, absl::string_view path,
                    absl::string_view expected);
  // The same for a node that is not a mapping's value (a list element, the
  // document).
  bool ExpectNode(bool ok, const YAML::Node& value, absl::string_view path,
                  absl::string_view expected);

  // Reports a type error at `at`: "<path>: <message>".
  void Invalid(Position at, absl::string_view path, absl::string_view message);

  // Appends a finding in this walker's file.
  void Report(absl::string_view rule, Severity severity, Position at,
              std::string message);

  // Returns where `entry`'s value is, or its key when the value is empty
  // (yaml-cpp gives empty values no reliable position).
  static Position ValuePosition(const MapEntry& entry);

  const std::string& file() const { return file_; }

 private:
  // Reports "<path>: expected <expected>, got <value>" at `at` unless `ok`.
  bool Expect(bool ok, Position at, const YAML::Node& value,
              absl::string_view path, absl::string_view expected);

  std::string file_;
  std::string invalid_rule_;
  std::vector<Finding>* findings_;
  internal::MergeKeyWalker merges_;
};

}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_LINT_YAML_WALK_H_

#include "yaml/yaml_merge.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/utf8.h"
#include "yaml-cpp/yaml.h"

namespace autoheal {
namespace internal {
namespace {

// The merge key; yaml-cpp's tag for an untagged plain scalar, so that a
// quoted "<<" stays an ordinary key.
constexpr absl::string_view kMergeKey = "<<";
constexpr absl::string_view kPlainTag = "?";

// Merges nested deeper than this are not followed; real files use one or
// two.
constexpr int kMaxMergeDepth = 16;

bool IsMergeKey(const YAML::Node& key) {
  return key.Scalar() == kMergeKey && key.Tag() == kPlainTag;
}

// Adds the mapping, or each mapping of the list, that `<<` names to
// `sources`.
void CollectMergeSources(const YAML::Node& value,
                         std::vector<YAML::Node>* sources,
                         std::vector<YamlTextProblem>* problems) {
  static constexpr absl::string_view kExpected =
      "expected a mapping or a list of mappings after <<, got ";
  if (value.IsMap()) {
    sources->push_back(value);
    return;
  }
  if (!value.IsSequence()) {
    problems->push_back(
        {value.Mark(), absl::StrCat(kExpected, DescribeNode(value))});
    return;
  }
  for (const YAML::Node& element : value) {
    if (!element.IsMap()) {
      problems->push_back(
          {element.Mark(),
           absl::StrCat(kExpected, "a list holding ", DescribeNode(element))});
      continue;
    }
    sources->push_back(element);
  }
}

}  // namespace

std::vector<YamlEntry> MergeKeyWalker::Entries(
    const YAML::Node& map, std::vector<YamlTextProblem>* problems) {
  return EntriesAtDepth(map, 0, problems);
}

std::vector<YamlEntry> MergeKeyWalker::EntriesAtDepth(
    const YAML::Node& map, int depth, std::vector<YamlTextProblem>* problems) {
  std::vector<YamlEntry> entries;
  // The ordinary keys: a quoted "<<" is one, the merge key is not.
  absl::flat_hash_set<std::string> seen;
  bool merged = false;
  std::vector<YAML::Node> sources;
  for (const auto& pair : map) {
    const YAML::Node key = pair.first;
    if (!key.IsScalar()) {
      problems->push_back(
          {key.Mark(),
           absl::StrCat("expected a plain key, got ", DescribeNode(key))});
      continue;
    }
    const bool merge = IsMergeKey(key);
    if (merge ? std::exchange(merged, true) : !seen.insert(key.Scalar()).second) {
      problems->push_back(
          {key.Mark(), absl::StrCat("duplicate key ", QuoteText(key.Scalar()))});
    }
    if (merge) {
      CollectMergeSources(pair.second, &sources, problems);
      continue;
    }
    entries.push_back(YamlEntry{key.Scalar(), key, pair.second});
  }
  AppendMerged(sources, depth, &seen, &entries, problems);
  return entries;
}

void MergeKeyWalker::AppendMerged(const std::vector<YAML::Node>& sources,
                                  int depth,
                                  absl::flat_hash_set<std::string>* taken,
                                  std::vector<YamlEntry>* entries,
                                  std::vector<YamlTextProblem>* problems) {
  for (const YAML::Node& source : sources) {
    if (depth >= kMaxMergeDepth) {
      problems->push_back(
          {source.Mark(), "merges (<<) are nested too deeply or form a cycle"});
      return;
    }
    if (merges_left_ <= 0) {
      problems->push_back(
          {source.Mark(), "merges (<<) expand to more than 1000 mappings"});
      return;
    }
    --merges_left_;
    for (YamlEntry& entry : EntriesAtDepth(source, depth + 1, problems)) {
      if (taken->insert(entry.key).second) entries->push_back(std::move(entry));
    }
  }
}

}  // namespace internal
}  // namespace autoheal

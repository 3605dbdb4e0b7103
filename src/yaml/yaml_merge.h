// YAML merge keys (`<<`), resolved one way for the policy loader and for
// `autoheal lint`. yaml-cpp 0.7 does not resolve them (jbeder/yaml-cpp#41):
// it reads `<<` as an ordinary key.
//
// The rules are those of the YAML 1.1 merge key type
// (https://yaml.org/type/merge.html), as Go's YAML libraries apply them:
// - a plain `<<` key (a quoted "<<" is an ordinary key) merges the mapping
//   it names, or each mapping of the list it names, into the mapping;
// - keys written in the mapping win over merged ones, and an earlier
//   mapping of the list wins over a later one;
// - `<<` is a key like any other, so it may appear once: a second `<<` is a
//   duplicate key, as gopkg.in/yaml.v3 (compose files, Prometheus rule
//   files) reports it ("mapping key "<<" already defined"). Write
//   `<<: [*a, *b]` to merge two mappings.
// Merges of merges are followed, at most 16 deep (aliases can form a
// cycle) and 1000 mappings per walker (merges of merges fan out
// exponentially): the work stays proportional to the text.
//
// Internal to autoheal (not installed). Thread safety: a MergeKeyWalker
// belongs to one thread.
//
//   internal::MergeKeyWalker walker;
//   std::vector<internal::YamlTextProblem> problems;
//   for (const internal::YamlEntry& entry : walker.Entries(map, &problems)) ...
//   if (!problems.empty()) ... report problems[0], or all of them

#ifndef AUTOHEAL_YAML_YAML_MERGE_H_
#define AUTOHEAL_YAML_YAML_MERGE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "yaml-cpp/node/node.h"
#include "yaml/yaml_text.h"

namespace autoheal {
namespace internal {

// One key/value pair of a mapping, after merge keys are resolved.
struct YamlEntry {
  std::string key;
  // Where the key is written: in the mapping, or in a merged one.
  YAML::Node key_node;
  YAML::Node value;
};

// Resolves merge keys in the mappings of one document (or file: the limits
// count per walker).
class MergeKeyWalker {
 public:
  MergeKeyWalker() = default;
  MergeKeyWalker(const MergeKeyWalker&) = delete;
  MergeKeyWalker& operator=(const MergeKeyWalker&) = delete;

  // Returns the entries of mapping `map` in document order, then those
  // merged in by `<<` whose key is not set yet. Appends to `*problems`, in
  // the order met, and goes on:
  // - "expected a plain key, got ..." for a key that is not a scalar
  //   (skipped);
  // - "duplicate key "k"" for a key set twice, `<<` included (the entry is
  //   kept and a second `<<` still merged, so that no value escapes a
  //   reader that reports every problem);
  // - "expected a mapping or a list of mappings after <<, got ..." (that
  //   value is not merged);
  // - "merges (<<) are nested too deeply or form a cycle" and "merges (<<)
  //   expand to more than 1000 mappings" (the rest is not merged).
  // A problem's position is its node's; the caller adds the mapping's path.
  // Precondition: map.IsMap().
  std::vector<YamlEntry> Entries(const YAML::Node& map,
                                 std::vector<YamlTextProblem>* problems);

 private:
  std::vector<YamlEntry> EntriesAtDepth(const YAML::Node& map, int depth,
                                        std::vector<YamlTextProblem>* problems);
  void AppendMerged(const std::vector<YAML::Node>& sources, int depth,
                    absl::flat_hash_set<std::string>* taken,
                    std::vector<YamlEntry>* entries,
                    std::vector<YamlTextProblem>* problems);

  int merges_left_ = 1000;
};

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_YAML_YAML_MERGE_H_

// Checks on raw YAML text that yaml-cpp 0.7 does not make itself, and the
// wording of paths and nodes in messages: shared by the policy loader
// (autoheal::yaml) and `autoheal lint`.
//
// yaml-cpp reads UTF-16/32 text, but its positions are then no longer byte
// offsets, and it silently accepts a quoted scalar left open at the end of
// the text (taking the rest of the file as its value). These checks reject
// both with a position.
//
// Internal to autoheal (not installed). Thread safety: pure functions.

#ifndef AUTOHEAL_YAML_YAML_TEXT_H_
#define AUTOHEAL_YAML_YAML_TEXT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "yaml-cpp/mark.h"
#include "yaml-cpp/node/node.h"

namespace autoheal {
namespace internal {

// A problem in YAML text, at a 0-based yaml-cpp position.
struct YamlTextProblem {
  YAML::Mark mark;
  // E.g. "invalid YAML: unterminated quoted string".
  std::string message;
};

// Returns the 0-based position of byte `offset` of `text`, as yaml-cpp
// counts. Precondition: offset <= text.size().
YAML::Mark MarkAt(absl::string_view text, size_t offset);

// Returns a problem when `text` holds a NUL byte or starts with a UTF-16
// byte order mark: "invalid YAML: <what> must be UTF-8 text without NUL
// bytes". `what` names the document, e.g. "a policy". Call it after removing
// a UTF-8 byte order mark, so that positions stay byte offsets.
std::optional<YamlTextProblem> CheckYamlEncoding(absl::string_view text,
                                                 absl::string_view what);

// What an event scan of YAML text found, before yaml-cpp builds any node.
struct YamlScan {
  struct Document {
    YAML::Mark start;
    YAML::Mark root;  // where its root node starts
  };
  // Where every scalar that may be quoted starts (not plain ones).
  std::vector<YAML::Mark> maybe_quoted;
  // The documents scanned, at most the `max_documents` asked for.
  std::vector<Document> documents;
  // True when the text holds more documents than were scanned.
  bool more_documents = false;
};

// Scans at most `max_documents` documents of `text`. yaml-cpp 0.7 never
// consumes a ',' outside a flow collection (jbeder/yaml-cpp#1040): it ends
// the document there and starts another at the same ',', forever, so an
// unbounded scan or LoadAll() never returns; this one stops. Throws
// YAML::ParserException at a list or mapping nested deeper than
// `max_nesting` ("lists and mappings nested deeper than N levels"), and
// YAML::Exception on malformed YAML: call it inside a try block.
// Precondition: `text` passed CheckYamlEncoding.
YamlScan ScanYaml(const std::string& text, size_t max_documents,
                  int max_nesting);

// Returns the first quoted scalar of `scan` that is never closed:
// "invalid YAML: unterminated quoted string" at its opening quote.
std::optional<YamlTextProblem> FindUnterminatedQuote(const std::string& text,
                                                     const YamlScan& scan);

// Returns "invalid YAML: unexpected ',' outside a flow collection" when a
// scanned document starts at a ',' (see ScanYaml). Call it before loading
// more documents than were scanned.
std::optional<YamlTextProblem> FindStrayComma(const std::string& text,
                                              const YamlScan& scan);

// Returns `path.key`, or `key` at the top level; the key escaped as
// EscapeText() does ("core/utf8.h") and cut to 64 bytes.
std::string ChildPath(absl::string_view path, absl::string_view key);

// Returns where a mapping entry's value is written, or its key's position
// when the value is empty (`key:` and nothing after it): yaml-cpp gives an
// empty value no reliable position of its own.
YAML::Mark ValueMark(const YAML::Node& key, const YAML::Node& value);

// Returns `path[index]`.
std::string ElementPath(absl::string_view path, size_t index);

// Names what a node holds, for the "got ..." half of a message: a quoted
// scalar (QuoteText()), "a list", "an empty mapping", "nothing".
std::string DescribeNode(const YAML::Node& node);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_YAML_YAML_TEXT_H_

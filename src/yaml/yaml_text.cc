#include "yaml/yaml_text.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/utf8.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/parser.h"
#include "yaml-cpp/yaml.h"

namespace autoheal {
namespace internal {
namespace {

// yaml-cpp's tag for an untagged plain scalar.
constexpr absl::string_view kPlainTag = "?";

// Fills a YamlScan from yaml-cpp's events, bounding the nesting depth.
class ScanHandler : public YAML::EventHandler {
 public:
  ScanHandler(YamlScan* scan, int max_nesting)
      : scan_(scan), max_nesting_(max_nesting) {}

  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t /*anchor*/,
                const std::string& /*value*/) override {
    OnNode(mark);
    if (tag != kPlainTag) scan_->maybe_quoted.push_back(mark);
  }
  void OnDocumentStart(const YAML::Mark& mark) override {
    scan_->documents.push_back(YamlScan::Document{mark, mark});
    awaiting_root_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    OnNode(mark);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    OnNode(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                       YAML::anchor_t /*anchor*/,
                       YAML::EmitterStyle::value /*style*/) override {
    OnNode(mark);
    EnterCollection(mark);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/,
                  YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {
    OnNode(mark);
    EnterCollection(mark);
  }
  void OnMapEnd() override { --depth_; }

 private:
  void EnterCollection(const YAML::Mark& mark) {
    if (++depth_ > max_nesting_) {
      throw YAML::ParserException(
          mark, absl::StrCat("lists and mappings nested deeper than ",
                             max_nesting_, " levels"));
    }
  }

  void OnNode(const YAML::Mark& mark) {
    if (!awaiting_root_) return;
    scan_->documents.back().root = mark;
    awaiting_root_ = false;
  }

  YamlScan* const scan_;
  const int max_nesting_;
  bool awaiting_root_ = false;
  int depth_ = 0;
};

bool IsYamlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Skips the anchor (&a) and tag (!t) properties that open a node, with the
// blanks and comments after them, and returns where the content starts.
size_t SkipNodeProperties(absl::string_view text, size_t i) {
  while (i < text.size() && (text[i] == '&' || text[i] == '!')) {
    while (i < text.size() && !IsYamlSpace(text[i])) ++i;
    while (i < text.size() && (IsYamlSpace(text[i]) || text[i] == '#')) {
      if (text[i] == '#') {
        i = std::min(text.find('\n', i), text.size());
      } else {
        ++i;
      }
    }
  }
  return i;
}

// Returns whether the quoted scalar whose quote is at `open` is closed.
bool HasClosingQuote(absl::string_view text, size_t open) {
  const char quote = text[open];
  for (size_t i = open + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escape: the next character is content
    } else if (text[i] == quote) {
      bool doubled =
          quote == '\'' && i + 1 < text.size() && text[i + 1] == quote;
      if (!doubled) return true;
      ++i;  // '' is a quote inside a single-quoted scalar
    }
  }
  return false;
}

}  // namespace

YAML::Mark MarkAt(absl::string_view text, size_t offset) {
  YAML::Mark mark;
  mark.pos = static_cast<int>(offset);
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++mark.line;
      mark.column = 0;
    } else {
      ++mark.column;
    }
  }
  return mark;
}

std::optional<YamlTextProblem> CheckYamlEncoding(absl::string_view text,
                                                 absl::string_view what) {
  size_t nul = text.find('\0');
  bool utf16_bom =
      absl::StartsWith(text, "\xFE\xFF") || absl::StartsWith(text, "\xFF\xFE");
  if (nul == absl::string_view::npos && !utf16_bom) return std::nullopt;
  return YamlTextProblem{
      MarkAt(text, utf16_bom ? 0 : nul),
      absl::StrCat("invalid YAML: ", what,
                   " must be UTF-8 text without NUL bytes")};
}

YamlScan ScanYaml(const std::string& text, size_t max_documents,
                  int max_nesting) {
  YamlScan scan;
  std::istringstream in(text);
  YAML::Parser parser(in);
  ScanHandler handler(&scan, max_nesting);
  while (scan.documents.size() < max_documents &&
         parser.HandleNextDocument(handler)) {
  }
  if (scan.documents.size() >= max_documents) {
    // The parser knows whether tokens are left: another document.
    scan.more_documents = static_cast<bool>(parser);
  }
  return scan;
}

std::optional<YamlTextProblem> FindUnterminatedQuote(const std::string& text,
                                                     const YamlScan& scan) {
  for (const YAML::Mark& mark : scan.maybe_quoted) {
    size_t open = SkipNodeProperties(text, static_cast<size_t>(mark.pos));
    if (open >= text.size() || (text[open] != '"' && text[open] != '\'')) {
      continue;  // a plain or block (| or >) scalar
    }
    if (!HasClosingQuote(text, open)) {
      return YamlTextProblem{MarkAt(text, open),
                             "invalid YAML: unterminated quoted string"};
    }
  }
  return std::nullopt;
}

std::optional<YamlTextProblem> FindStrayComma(const std::string& text,
                                              const YamlScan& scan) {
  for (const YamlScan::Document& document : scan.documents) {
    const size_t at = static_cast<size_t>(document.start.pos);
    if (at < text.size() && text[at] == ',') {
      return YamlTextProblem{document.start,
                             "invalid YAML: unexpected ',' outside a flow "
                             "collection ([...] or {...})"};
    }
  }
  return std::nullopt;
}

// Keys in a path are cut to this many bytes.
constexpr size_t kMaxPathKey = 64;

std::string ChildPath(absl::string_view path, absl::string_view key) {
  std::string shown =
      EscapeText(key.substr(0, Utf8PrefixLength(key, kMaxPathKey)));
  if (key.size() > kMaxPathKey) absl::StrAppend(&shown, "...");
  if (path.empty()) return shown;
  return absl::StrCat(path, ".", shown);
}

YAML::Mark ValueMark(const YAML::Node& key, const YAML::Node& value) {
  return value.IsNull() ? key.Mark() : value.Mark();
}

std::string ElementPath(absl::string_view path, size_t index) {
  return absl::StrCat(path, "[", index, "]");
}

std::string DescribeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return QuoteText(node.Scalar());
    case YAML::NodeType::Sequence:
      return node.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Map:
      return node.size() == 0 ? "an empty mapping" : "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

}  // namespace internal
}  // namespace autoheal

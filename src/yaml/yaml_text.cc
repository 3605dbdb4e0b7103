#include "yaml/yaml_text.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/parser.h"

namespace autoheal {
namespace internal {
namespace {

// yaml-cpp's tag for an untagged plain scalar.
constexpr absl::string_view kPlainTag = "?";

// Records where every scalar that may be quoted starts: yaml-cpp tags an
// untagged plain scalar "?", a quoted or block one "!", and any scalar with an
// explicit tag by that tag.
class MaybeQuotedScalarCollector : public YAML::EventHandler {
 public:
  const std::vector<YAML::Mark>& marks() const { return marks_; }

  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t /*anchor*/,
                const std::string& /*value*/) override {
    if (tag != kPlainTag) marks_.push_back(mark);
  }
  void OnDocumentStart(const YAML::Mark& /*mark*/) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& /*mark*/, YAML::anchor_t /*anchor*/) override {}
  void OnAlias(const YAML::Mark& /*mark*/, YAML::anchor_t /*anchor*/) override {
  }
  void OnSequenceStart(const YAML::Mark& /*mark*/, const std::string& /*tag*/,
                       YAML::anchor_t /*anchor*/,
                       YAML::EmitterStyle::value /*style*/) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& /*mark*/, const std::string& /*tag*/,
                  YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {}
  void OnMapEnd() override {}

 private:
  std::vector<YAML::Mark> marks_;
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

std::optional<YamlTextProblem> FindUnterminatedQuote(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  MaybeQuotedScalarCollector collector;
  while (parser.HandleNextDocument(collector)) {
  }
  for (const YAML::Mark& mark : collector.marks()) {
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

}  // namespace internal
}  // namespace autoheal

#include "lint/env.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/label_name.h"

namespace autoheal {
namespace lint {
namespace {

// ${...} nested deeper than this is kept as literal text.
constexpr int kMaxInterpolationDepth = 16;

// Compose variable names follow the POSIX shell's rule, which is the
// Prometheus label name rule: [a-zA-Z_][a-zA-Z0-9_]*.
using internal::LabelNamePrefixLength;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Returns the index of the '}' that closes the "${" at `open` (the '$'), or
// npos.
size_t MatchingBrace(absl::string_view text, size_t open) {
  int level = 0;
  for (size_t i = open; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      ++i;
    } else if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      ++level;
      ++i;
    } else if (text[i] == '}' && --level == 0) {
      return i;
    }
  }
  return absl::string_view::npos;
}

class Interpolator {
 public:
  Interpolator(const Variables& variables, Interpolated* out)
      : variables_(variables), out_(out) {}

  // Appends `text`, interpolated, to the result.
  void Append(absl::string_view text, int depth) {
    size_t i = 0;
    while (i < text.size()) {
      if (text[i] != '$' || i + 1 == text.size()) {
        out_->value.push_back(text[i++]);
      } else if (text[i + 1] == '$') {
        out_->value.push_back('$');
        i += 2;
      } else if (size_t length = LabelNamePrefixLength(text.substr(i + 1));
                 length > 0) {
        AppendValue(text.substr(i + 1, length));
        i += 1 + length;
      } else if (text[i + 1] == '{') {
        size_t close = MatchingBrace(text, i);
        if (close == absl::string_view::npos ||
            depth >= kMaxInterpolationDepth) {
          absl::StrAppend(&out_->value, text.substr(i));
          return;
        }
        Expand(text.substr(i + 2, close - i - 2), depth);
        i = close + 1;
      } else {
        out_->value.push_back(text[i++]);
      }
    }
  }

 private:
  // Appends the value of `name`, or nothing when unset.
  void AppendValue(absl::string_view name) {
    out_->substituted = true;
    auto it = variables_.find(std::string(name));
    if (it == variables_.end()) return;
    absl::StrAppend(&out_->value, it->second.value);
    out_->origins.push_back(it->second.origin);
  }

  // Expands the inside of ${...}.
  void Expand(absl::string_view body, int depth) {
    const size_t name_end = LabelNamePrefixLength(body);
    absl::string_view name = body.substr(0, name_end);
    absl::string_view rest = body.substr(name_end);
    if (name.empty()) {
      absl::StrAppend(&out_->value, "${", body, "}");
      return;
    }
    out_->substituted = true;
    auto it = variables_.find(std::string(name));
    const bool set = it != variables_.end();
    const bool non_empty = set && !it->second.value.empty();
    bool colon = absl::ConsumePrefix(&rest, ":");
    const bool present = colon ? non_empty : set;
    if (rest.empty() && !colon) {
      if (set) AppendValue(name);
    } else if (absl::ConsumePrefix(&rest, "-")) {
      if (present) {
        AppendValue(name);
      } else {
        Append(rest, depth + 1);
      }
    } else if (absl::ConsumePrefix(&rest, "+")) {
      if (present) Append(rest, depth + 1);
    } else if (absl::ConsumePrefix(&rest, "?")) {
      if (present) AppendValue(name);  // else compose refuses to start
    } else {
      absl::StrAppend(&out_->value, "${", body, "}");
    }
  }

  const Variables& variables_;
  Interpolated* out_;
};

// Reads an env file line by line; quoted values may span lines.
class EnvFileParser {
 public:
  EnvFileParser(absl::string_view text, std::vector<EnvFileProblem>* problems)
      : text_(text), problems_(problems) {}

  std::vector<EnvAssignment> Parse() {
    while (pos_ < text_.size()) ParseLine();
    return std::move(assignments_);
  }

 private:
  int Column(size_t offset) const {
    return static_cast<int>(offset - line_start_) + 1;
  }

  size_t LineEnd() const {
    size_t end = text_.find('\n', pos_);
    return end == absl::string_view::npos ? text_.size() : end;
  }

  // Moves to the start of the next line.
  void NextLine() {
    pos_ = LineEnd();
    if (pos_ < text_.size()) ++pos_;
    ++line_;
    line_start_ = pos_;
  }

  void SkipBlanks() {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
  }

  bool AtLineEnd() const {
    return pos_ >= text_.size() || text_[pos_] == '\n' ||
           (text_[pos_] == '\r' &&
            (pos_ + 1 == text_.size() || text_[pos_ + 1] == '\n'));
  }

  void Problem(size_t offset, std::string message) {
    problems_->push_back(EnvFileProblem{line_, Column(offset),
                                        std::move(message)});
  }

  void ParseLine() {
    SkipBlanks();
    if (AtLineEnd() || text_[pos_] == '#') return NextLine();
    if (absl::StartsWith(text_.substr(pos_), "export") &&
        pos_ + 6 < text_.size() && IsBlank(text_[pos_ + 6])) {
      pos_ += 6;
      SkipBlanks();
    }
    const size_t key_start = pos_;
    while (pos_ < text_.size() && !AtLineEnd() && !IsBlank(text_[pos_]) &&
           text_[pos_] != '=' && text_[pos_] != ':') {
      ++pos_;
    }
    EnvAssignment assignment;
    assignment.key = std::string(text_.substr(key_start, pos_ - key_start));
    SkipBlanks();
    if (AtLineEnd() && !assignment.key.empty()) return NextLine();  // KEY alone
    if (assignment.key.empty() || pos_ >= text_.size() ||
        (text_[pos_] != '=' && text_[pos_] != ':')) {
      Problem(key_start, "expected KEY=VALUE");
      return NextLine();
    }
    ++pos_;
    SkipBlanks();
    assignment.line = line_;
    assignment.column = Column(pos_);
    if (ReadValue(&assignment)) assignments_.push_back(std::move(assignment));
    NextLine();
  }

  // Reads the value at pos_; leaves pos_ on its last line.
  bool ReadValue(EnvAssignment* assignment) {
    if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'')) {
      return ReadQuoted(assignment);
    }
    const size_t start = pos_;
    size_t end = LineEnd();
    absl::string_view value = text_.substr(start, end - start);
    for (size_t i = 1; i < value.size(); ++i) {
      if (value[i] == '#' && IsBlank(value[i - 1])) {
        value = value.substr(0, i);
        break;
      }
    }
    if (!value.empty() && value[0] == '#') value = {};
    assignment->value = std::string(absl::StripAsciiWhitespace(value));
    return true;
  }

  bool ReadQuoted(EnvAssignment* assignment) {
    const char quote = text_[pos_];
    const size_t open = pos_;
    const int open_line = line_;
    const size_t open_line_start = line_start_;
    std::string value;
    for (size_t i = open + 1; i < text_.size(); ++i) {
      const char c = text_[i];
      if (c == quote) {
        pos_ = i + 1;
        assignment->value = std::move(value);
        assignment->interpolate = quote == '"';
        return true;
      }
      if (quote == '"' && c == '\\' && i + 1 < text_.size() &&
          Unescape(text_[i + 1]) != '\0') {
        value.push_back(Unescape(text_[++i]));
        continue;
      }
      if (c == '\n') {
        ++line_;
        line_start_ = i + 1;
      }
      value.push_back(c);
    }
    line_ = open_line;
    line_start_ = open_line_start;
    Problem(open, "unterminated quoted value");
    pos_ = text_.size();
    return false;
  }

  // Returns what `\c` stands for in a double-quoted value, or '\0' when the
  // backslash is kept.
  static char Unescape(char c) {
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case '"':
      case '\\':
      case '$':
        return c;
      default:
        return '\0';
    }
  }

  absl::string_view text_;
  std::vector<EnvFileProblem>* problems_;
  std::vector<EnvAssignment> assignments_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  int line_ = 1;
};

}  // namespace

SwitchValue ClassifySwitch(absl::string_view value) {
  const std::string v =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  for (const char* on :
       {"true", "t", "yes", "y", "on", "1", "enable", "enabled"}) {
    if (v == on) return SwitchValue::kOn;
  }
  for (const char* off :
       {"", "false", "f", "no", "n", "off", "0", "disable", "disabled"}) {
    if (v == off) return SwitchValue::kOff;
  }
  return SwitchValue::kUnknown;
}

Interpolated Interpolate(absl::string_view text, const Variables& variables) {
  Interpolated out;
  Interpolator(variables, &out).Append(text, 0);
  return out;
}

std::vector<EnvAssignment> ParseEnvFile(absl::string_view text,
                                        std::vector<EnvFileProblem>* problems) {
  return EnvFileParser(text, problems).Parse();
}

}  // namespace lint
}  // namespace autoheal

#include "lint/finding.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace autoheal {
namespace lint {
namespace {

// Quoted user text is cut to this many bytes.
constexpr size_t kMaxQuoted = 64;

// Returns the length of the longest prefix of `text` of at most `limit`
// bytes that does not end inside a UTF-8 sequence.
size_t Utf8PrefixLength(absl::string_view text, size_t limit) {
  if (text.size() <= limit) return text.size();
  size_t n = limit;
  // Back up over continuation bytes (10xxxxxx) to a sequence start.
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return n;
}

}  // namespace

absl::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kNotice:
      return "notice";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "error";
}

void SortAndDeduplicate(std::vector<Finding>* findings) {
  absl::flat_hash_map<std::string, size_t> file_order;
  for (const Finding& finding : *findings) {
    file_order.emplace(finding.file, file_order.size());
  }
  auto key = [&file_order](const Finding& f) {
    return std::make_tuple(file_order[f.file], f.line, f.column);
  };
  std::stable_sort(findings->begin(), findings->end(),
                   [&key](const Finding& a, const Finding& b) {
                     return key(a) < key(b);
                   });
  auto same = [](const Finding& a, const Finding& b) {
    return a.file == b.file && a.line == b.line && a.column == b.column &&
           a.rule == b.rule && a.message == b.message;
  };
  std::vector<Finding> unique;
  unique.reserve(findings->size());
  for (Finding& finding : *findings) {
    bool seen = false;
    // Duplicates are adjacent up to other findings at the same position.
    for (auto it = unique.rbegin();
         it != unique.rend() && key(*it) == key(finding); ++it) {
      seen = seen || same(*it, finding);
    }
    if (!seen) unique.push_back(std::move(finding));
  }
  *findings = std::move(unique);
}

void PromoteWarnings(std::vector<Finding>* findings) {
  for (Finding& finding : *findings) {
    if (finding.severity == Severity::kWarning) {
      finding.severity = Severity::kError;
    }
  }
}

int ExitCode(const std::vector<Finding>& findings) {
  int code = 0;
  for (const Finding& finding : findings) {
    if (finding.parse_error) return 2;
    if (finding.severity == Severity::kError) code = 1;
  }
  return code;
}

FindingCounts CountFindings(const std::vector<Finding>& findings) {
  FindingCounts counts;
  for (const Finding& finding : findings) {
    switch (finding.severity) {
      case Severity::kError:
        ++counts.errors;
        break;
      case Severity::kWarning:
        ++counts.warnings;
        break;
      case Severity::kNotice:
        ++counts.notices;
        break;
    }
  }
  return counts;
}

// Returns the length of the well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, no surrogates, at most U+10FFFF) of two to four bytes at
// the start of `text`, or 0 when there is none.
size_t MultibyteSequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (length == 0 || lead > 0xF4 || text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  const unsigned char second = byte(1);
  if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) ||
      (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F)) {
    return 0;
  }
  return length;
}

std::string EscapeText(absl::string_view text) {
  std::string out;
  while (!text.empty()) {
    const size_t sequence = MultibyteSequenceLength(text);
    if (sequence > 0) {
      absl::StrAppend(&out, text.substr(0, sequence));
      text.remove_prefix(sequence);
      continue;
    }
    // ASCII as C escapes; any byte of malformed UTF-8 as \xNN, so that a
    // message is always valid UTF-8 (JSON and GitHub output need it).
    absl::StrAppend(&out, absl::CHexEscape(text.substr(0, 1)));
    text.remove_prefix(1);
  }
  return out;
}

std::string Quote(absl::string_view text) {
  size_t shown = Utf8PrefixLength(text, kMaxQuoted);
  std::string out =
      absl::StrCat("\"", EscapeText(text.substr(0, shown)), "\"");
  if (shown < text.size()) absl::StrAppend(&out, "...");
  return out;
}

}  // namespace lint
}  // namespace autoheal

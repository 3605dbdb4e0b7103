#include "lint/yaml_walk.h"

#include <exception>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lint/file_reader.h"
#include "yaml/yaml_text.h"

namespace autoheal {
namespace lint {
namespace {

// A file may hold at most this many YAML documents, and lists and mappings
// nested this deep: real compose, Alertmanager and rule files use one
// document and nest a dozen levels (Alertmanager's routes within routes).
constexpr size_t kMaxDocuments = 64;
constexpr int kMaxNesting = 128;

Position FromMark(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return Position();
  return Position{mark.line + 1, mark.column + 1};
}

Finding ParseErrorAt(absl::string_view file, const YAML::Mark& mark,
                     std::string message) {
  Position at = FromMark(mark);
  return ParseErrorFinding(std::string(file), at.line, at.column,
                           std::move(message));
}

// Parses `text` (after the checks yaml-cpp does not make), or returns the
// first problem. Throws YAML::Exception on a syntax error.
std::optional<Finding> LoadDocuments(absl::string_view text,
                                     absl::string_view file,
                                     absl::string_view what,
                                     std::vector<YAML::Node>* documents) {
  if (text.size() > kMaxFileBytes) {
    return ParseErrorAt(file, YAML::Mark::null_mark(),
                        absl::StrCat("too large (", text.size(),
                                     " bytes; at most ", kMaxFileBytes, ")"));
  }
  if (auto problem = internal::CheckYamlEncoding(text, what)) {
    return ParseErrorAt(file, problem->mark, problem->message);
  }
  const std::string owned(text);
  const internal::YamlScan scan =
      internal::ScanYaml(owned, kMaxDocuments, kMaxNesting);
  for (auto problem : {internal::FindUnterminatedQuote(owned, scan),
                       internal::FindStrayComma(owned, scan)}) {
    if (problem) return ParseErrorAt(file, problem->mark, problem->message);
  }
  if (scan.more_documents) {
    return ParseErrorAt(file, scan.documents.back().start,
                        absl::StrCat("more than ", kMaxDocuments,
                                     " YAML documents"));
  }
  // Safe now: every document was scanned, none starts at a stray ','.
  *documents = YAML::LoadAll(owned);
  return std::nullopt;
}

}  // namespace

Position PositionOf(const YAML::Node& node) {
  if (!node.IsDefined()) return Position();
  return FromMark(node.Mark());
}

bool ParseYaml(absl::string_view text, absl::string_view file,
               absl::string_view what, std::vector<YAML::Node>* documents,
               std::vector<Finding>* findings) {
  documents->clear();
  // Positions are byte offsets after a UTF-8 byte order mark, which yaml-cpp
  // skips anyway.
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  std::optional<Finding> problem;
  try {
    problem = LoadDocuments(text, file, what, documents);
  } catch (const YAML::Exception& e) {
    problem = ParseErrorAt(file, e.mark,
                           absl::StrCat("invalid YAML: ", EscapeText(e.msg)));
  } catch (const std::exception& e) {
    problem =
        ParseErrorAt(file, YAML::Mark::null_mark(),
                     absl::StrCat("invalid YAML: ", EscapeText(e.what())));
  }
  if (!problem.has_value()) return true;
  documents->clear();
  findings->push_back(std::move(*problem));
  return false;
}

YamlWalker::YamlWalker(absl::string_view file, absl::string_view invalid_rule,
                       std::vector<Finding>* findings)
    : file_(file),
      invalid_rule_(invalid_rule),
      findings_(findings) {}

void YamlWalker::Report(absl::string_view rule, Severity severity, Position at,
                        std::string message) {
  Finding finding;
  finding.rule = std::string(rule);
  finding.severity = severity;
  finding.file = file_;
  finding.line = at.line;
  finding.column = at.column;
  finding.message = std::move(message);
  finding.parse_error = false;
  findings_->push_back(std::move(finding));
}

void YamlWalker::Invalid(Position at, absl::string_view path,
                         absl::string_view message) {
  Report(invalid_rule_, Severity::kError, at,
         path.empty() ? std::string(message)
                      : absl::StrCat(path, ": ", message));
  findings_->back().parse_error = true;
}

Position YamlWalker::ValuePosition(const MapEntry& entry) {
  return FromMark(internal::ValueMark(entry.key_node, entry.value));
}

bool YamlWalker::ExpectNode(bool ok, const YAML::Node& value,
                            absl::string_view path,
                            absl::string_view expected) {
  return Expect(ok, PositionOf(value), value, path, expected);
}

bool YamlWalker::ExpectMap(const MapEntry& entry, absl::string_view path,
                           absl::string_view expected) {
  return Expect(entry.value.IsMap(), ValuePosition(entry), entry.value, path,
                expected);
}

bool YamlWalker::ExpectSequence(const MapEntry& entry, absl::string_view path,
                                absl::string_view expected) {
  return Expect(entry.value.IsSequence(), ValuePosition(entry), entry.value,
                path, expected);
}

bool YamlWalker::ExpectScalar(const MapEntry& entry, absl::string_view path,
                              absl::string_view expected) {
  return Expect(entry.value.IsScalar(), ValuePosition(entry), entry.value,
                path, expected);
}

bool YamlWalker::Expect(bool ok, Position at, const YAML::Node& value,
                        absl::string_view path, absl::string_view expected) {
  if (ok) return true;
  Invalid(at, path,
          absl::StrCat("expected ", expected, ", got ", DescribeNode(value)));
  return false;
}

std::optional<std::vector<YAML::Node>> YamlWalker::TopLevelMappings(
    absl::string_view text, absl::string_view what) {
  std::vector<YAML::Node> documents;
  if (!ParseYaml(text, file_, what, &documents, findings_)) return std::nullopt;
  std::vector<YAML::Node> mappings;
  for (const YAML::Node& root : documents) {
    if (root.IsNull()) continue;
    if (ExpectNode(root.IsMap(), root, "", "a mapping at the top level")) {
      mappings.push_back(root);
    }
  }
  return mappings;
}

std::vector<MapEntry> YamlWalker::Entries(const YAML::Node& map,
                                          absl::string_view path) {
  std::vector<internal::YamlTextProblem> problems;
  std::vector<MapEntry> entries = merges_.Entries(map, &problems);
  for (const internal::YamlTextProblem& problem : problems) {
    Invalid(FromMark(problem.mark), path, problem.message);
  }
  return entries;
}

}  // namespace lint
}  // namespace autoheal

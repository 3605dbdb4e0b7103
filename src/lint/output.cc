#include "lint/output.h"

#include "absl/strings/str_cat.h"
#include "core/json_writer.h"

namespace autoheal {
namespace lint {
namespace {

std::string Plural(int count, absl::string_view noun) {
  return absl::StrCat(count, " ", noun, count == 1 ? "" : "s");
}

std::string Location(const Finding& finding) {
  std::string out = finding.file;
  if (finding.line > 0) {
    absl::StrAppend(&out, ":", finding.line);
    if (finding.column > 0) absl::StrAppend(&out, ":", finding.column);
  }
  return out;
}

std::string FormatText(const std::vector<Finding>& findings,
                       int files_checked) {
  std::string out;
  for (const Finding& f : findings) {
    absl::StrAppend(&out, Location(f), ": ", SeverityName(f.severity), ": ",
                    f.message, " [", f.rule, "]\n");
  }
  absl::StrAppend(&out, "autoheal lint: ", SummaryText(findings, files_checked),
                  "\n");
  return out;
}

void PositionMember(internal::JsonWriter& w, absl::string_view key,
                    int value) {
  w.Key(key);
  if (value > 0) {
    w.Int(value);
  } else {
    w.Null();
  }
}

std::string FormatJson(const std::vector<Finding>& findings,
                       int files_checked) {
  std::string out;
  internal::JsonWriter w(&out);
  w.BeginObject();
  w.Key("findings").BeginArray();
  for (const Finding& f : findings) {
    w.BeginObject();
    w.Key("file").String(f.file);
    PositionMember(w, "line", f.line);
    PositionMember(w, "column", f.column);
    w.Key("severity").String(SeverityName(f.severity));
    w.Key("rule").String(f.rule);
    w.Key("message").String(f.message);
    w.Key("parse_error").Bool(f.parse_error);
    w.EndObject();
  }
  w.EndArray();
  FindingCounts counts = CountFindings(findings);
  w.Key("summary").BeginObject();
  w.Key("errors").Int(counts.errors);
  w.Key("warnings").Int(counts.warnings);
  w.Key("notices").Int(counts.notices);
  w.Key("files").Int(files_checked);
  w.EndObject();
  w.Key("exit_code").Int(ExitCode(findings));
  w.EndObject();
  out.push_back('\n');
  return out;
}

std::string FormatGithub(const std::vector<Finding>& findings,
                         int files_checked) {
  std::string out;
  for (const Finding& f : findings) {
    absl::StrAppend(&out, "::", SeverityName(f.severity),
                    " file=", GithubEscapeProperty(f.file));
    if (f.line > 0) absl::StrAppend(&out, ",line=", f.line);
    if (f.line > 0 && f.column > 0) absl::StrAppend(&out, ",col=", f.column);
    absl::StrAppend(&out, ",title=", GithubEscapeProperty(f.rule),
                    "::", GithubEscapeData(f.message), "\n");
  }
  absl::StrAppend(&out, "autoheal lint: ", SummaryText(findings, files_checked),
                  "\n");
  return out;
}

}  // namespace

std::optional<OutputFormat> ParseOutputFormat(absl::string_view name) {
  if (name == "text") return OutputFormat::kText;
  if (name == "json") return OutputFormat::kJson;
  if (name == "github") return OutputFormat::kGithub;
  return std::nullopt;
}

std::string FormatFindings(const std::vector<Finding>& findings,
                           int files_checked, OutputFormat format) {
  switch (format) {
    case OutputFormat::kJson:
      return FormatJson(findings, files_checked);
    case OutputFormat::kGithub:
      return FormatGithub(findings, files_checked);
    case OutputFormat::kText:
      break;
  }
  return FormatText(findings, files_checked);
}

std::string SummaryText(const std::vector<Finding>& findings,
                        int files_checked) {
  FindingCounts counts = CountFindings(findings);
  return absl::StrCat(Plural(counts.errors, "error"), ", ",
                      Plural(counts.warnings, "warning"), ", ",
                      Plural(counts.notices, "notice"), " in ",
                      Plural(files_checked, "file"));
}

std::string GithubEscapeData(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string GithubEscapeProperty(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : GithubEscapeData(text)) {
    switch (c) {
      case ':':
        out += "%3A";
        break;
      case ',':
        out += "%2C";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace lint
}  // namespace autoheal

#include "cli/lint_command.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace autoheal {
namespace cli {

const char kLintUsage[] =
    "usage: autoheal lint [--policy FILE] [--compose F]... "
    "[--alertmanager F]...\n"
    "                     [--rules F]... [--allow-host H]... [--strict]\n"
    "                     [--format text|json|github]\n"
    "Checks docker compose files, Alertmanager configurations and Prometheus\n"
    "rule files against the policy (default: the embedded default policy).\n"
    "Exit codes: 0 clean (warnings alone pass unless --strict), 1 findings\n"
    "at error level, 2 usage or parse errors.\n";

namespace {

// Returns the vector a repeatable file flag appends to, or null.
std::vector<std::string>* RepeatedFlag(absl::string_view name,
                                       lint::LintOptions* options) {
  if (name == "compose") return &options->compose_paths;
  if (name == "alertmanager") return &options->alertmanager_paths;
  if (name == "rules") return &options->rules_paths;
  if (name == "allow-host" || name == "allow_host") {
    return &options->allow_hosts;
  }
  return nullptr;
}

absl::Status SetValueFlag(absl::string_view name, const std::string& value,
                          LintArgs* parsed) {
  if (value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " needs a non-empty value"));
  }
  if (std::vector<std::string>* list = RepeatedFlag(name, &parsed->options)) {
    list->push_back(value);
    return absl::OkStatus();
  }
  if (name == "policy") {
    parsed->options.policy_path = value;
    return absl::OkStatus();
  }
  std::optional<lint::OutputFormat> format = lint::ParseOutputFormat(value);
  if (!format.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format: expected text, json or github, got \"", value, "\""));
  }
  parsed->format = *format;
  return absl::OkStatus();
}

bool TakesValue(absl::string_view name) {
  return name == "policy" || name == "format" || name == "compose" ||
         name == "alertmanager" || name == "rules" || name == "allow-host" ||
         name == "allow_host";
}

absl::Status SetStrict(const std::optional<std::string>& value,
                       LintArgs* parsed) {
  if (!value.has_value() || *value == "true") {
    parsed->options.strict = true;
  } else if (*value == "false") {
    parsed->options.strict = false;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--strict: expected true or false, got \"", *value, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LintArgs> ParseLintArgs(const std::vector<std::string>& args) {
  LintArgs parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected argument \"", args[i], "\": files are given with "
          "--compose, --alertmanager or --rules"));
    }
    std::optional<std::string> value;
    size_t equals = arg.find('=');
    if (equals != absl::string_view::npos) {
      value = std::string(arg.substr(equals + 1));
      arg = arg.substr(0, equals);
    }
    if (arg == "help" || arg == "h") {
      parsed.help = true;
      continue;
    }
    absl::Status status;
    if (arg == "strict") {
      status = SetStrict(value, &parsed);
    } else if (TakesValue(arg)) {
      if (!value.has_value()) {
        if (i + 1 == args.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("--", arg, " needs a value"));
        }
        value = args[++i];
      }
      status = SetValueFlag(arg, *value, &parsed);
    } else {
      status = absl::InvalidArgumentError(
          absl::StrCat("unknown flag \"", args[i], "\""));
    }
    if (!status.ok()) return status;
  }
  const lint::LintOptions& o = parsed.options;
  if (!parsed.help && o.compose_paths.empty() &&
      o.alertmanager_paths.empty() && o.rules_paths.empty()) {
    return absl::InvalidArgumentError(
        "nothing to check: give --compose, --alertmanager or --rules");
  }
  return parsed;
}

int RunLintCommand(const std::vector<std::string>& args,
                   const lint::FileReader& files, std::ostream& out,
                   std::ostream& err) {
  absl::StatusOr<LintArgs> parsed = ParseLintArgs(args);
  if (!parsed.ok()) {
    err << "autoheal lint: " << parsed.status().message() << "\n"
        << kLintUsage;
    return 2;
  }
  if (parsed->help) {
    out << kLintUsage;
    return 0;
  }
  lint::LintResult result = lint::RunLint(parsed->options, files);
  out << lint::FormatFindings(result.findings, result.files_checked,
                              parsed->format);
  return result.exit_code;
}

}  // namespace cli
}  // namespace autoheal

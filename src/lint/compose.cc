#include "lint/compose.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lint/env.h"
#include "lint/yaml_walk.h"

namespace autoheal {
namespace lint {
namespace {

constexpr absl::string_view kVariable = "AUTOHEAL_ENABLED";

// One place that gives a service AUTOHEAL_ENABLED a value.
struct Setting {
  // As written, before interpolation.
  std::string raw;
  Interpolated resolved;
  std::string file;
  Position at;
  bool from_env_file = false;
};

// An env_file entry of a service.
struct EnvFileRef {
  std::string resolved_path;
  bool required = true;
  Position at;
};

// An env file, read once per compose file.
struct EnvFile {
  // False when it does not exist or cannot be read.
  bool found = false;
  // True when it does not exist (an unreadable file is a parse error).
  bool missing = false;
  // The AUTOHEAL_ENABLED assignments, in order, interpolated.
  std::vector<Setting> settings;
};

std::string DescribeSetting(const std::string& service, const Setting& s) {
  std::string text =
      s.from_env_file
          ? absl::StrCat("service ", QuoteText(service), " gets ", kVariable,
                         "=", QuoteText(s.raw), " from its env_file")
          : absl::StrCat("service ", QuoteText(service), " sets ", kVariable,
                         " to ", QuoteText(s.raw));
  if (s.resolved.substituted) {
    absl::StrAppend(&text, ", which compose turns into ",
                    QuoteText(s.resolved.value));
    if (s.resolved.origins.empty()) {
      absl::StrAppend(&text, " when the variables are unset");
    } else {
      absl::StrAppend(&text, " with the variables set in ",
                      absl::StrJoin(s.resolved.origins, ", "));
    }
  }
  return text;
}

class ComposeLinter {
 public:
  ComposeLinter(const std::string& path, const FileReader* files,
                ComposeReport* report)
      : path_(path),
        files_(files),
        report_(report),
        walker_(path, rule::kComposeInvalid, &report->findings) {}

  void Lint(absl::string_view text) {
    std::optional<std::vector<YAML::Node>> roots =
        walker_.TopLevelMappings(text, "a compose file");
    if (!roots.has_value()) return;
    LoadDotEnv();
    for (const YAML::Node& root : *roots) LintDocument(root);
  }

 private:
  // Reads the .env next to the compose file: compose interpolates with it.
  // One that is absent, or not a regular file (a virtualenv directory, say),
  // is skipped.
  void LoadDotEnv() {
    const std::string dotenv_path = JoinRelative(path_, ".env");
    absl::StatusOr<std::string> text = files_->Read(dotenv_path);
    if (!text.ok() &&
        (text.status().code() == absl::StatusCode::kNotFound ||
         text.status().code() == absl::StatusCode::kFailedPrecondition)) {
      return;
    }
    if (!text.ok()) {
      ReportUnreadable(dotenv_path, Position(), text.status());
      return;
    }
    for (const EnvAssignment& a : ParseEnvText(dotenv_path, *text)) {
      std::string value =
          a.interpolate ? Interpolate(a.value, dotenv_).value : a.value;
      dotenv_[a.key] = Variable{std::move(value),
                                absl::StrCat(dotenv_path, ":", a.line)};
    }
  }

  // Reads an env_file. Returns kNotFound when it does not exist; reports any
  // other failure at `at` in the compose file and returns it.
  absl::StatusOr<std::vector<EnvAssignment>> ReadEnvFileAssignments(
      const std::string& path, Position at) {
    absl::StatusOr<std::string> text = files_->Read(path);
    if (text.ok() && text->size() > kMaxFileBytes) {
      text = absl::FailedPreconditionError(
          absl::StrCat(path, ": too large (", text->size(), " bytes)"));
    }
    if (!text.ok()) {
      if (text.status().code() != absl::StatusCode::kNotFound) {
        ReportUnreadable(path_, at, text.status());
      }
      return text.status();
    }
    return ParseEnvText(path, *text);
  }

  void ReportUnreadable(const std::string& file, Position at,
                        const absl::Status& status) {
    report_->findings.push_back(ParseErrorFinding(
        file, at.line, at.column, std::string(status.message())));
  }

  // Parses an env file's text, reporting the lines it cannot read.
  std::vector<EnvAssignment> ParseEnvText(const std::string& path,
                                          absl::string_view text) {
    std::vector<EnvFileProblem> problems;
    std::vector<EnvAssignment> assignments = ParseEnvFile(text, &problems);
    for (const EnvFileProblem& problem : problems) {
      report_->findings.push_back(ParseErrorFinding(
          path, problem.line, problem.column,
          absl::StrCat("invalid env file: ", problem.message)));
    }
    return assignments;
  }

  void LintDocument(const YAML::Node& root) {
    for (const MapEntry& entry : walker_.Entries(root, "")) {
      if (entry.key != "services" || entry.value.IsNull()) continue;
      if (!walker_.ExpectMap(entry, "services",
                             "a mapping from service name to service")) {
        continue;
      }
      for (const MapEntry& service : walker_.Entries(entry.value, "services")) {
        LintService(service, ChildPath("services", service.key));
      }
    }
  }

  void LintService(const MapEntry& service, const std::string& path) {
    report_->hosts.push_back(service.key);
    if (service.value.IsNull()) return;
    if (!walker_.ExpectMap(service, path, "a mapping (a service)")) return;
    std::vector<Setting> environment;
    std::vector<EnvFileRef> env_files;
    for (const MapEntry& entry : walker_.Entries(service.value, path)) {
      const std::string child = ChildPath(path, entry.key);
      if (entry.value.IsNull()) continue;
      if (entry.key == "environment") {
        CollectEnvironment(entry, child, &environment);
      } else if (entry.key == "env_file") {
        CollectEnvFiles(entry, child, &env_files);
      } else if (entry.key == "container_name" || entry.key == "hostname") {
        if (walker_.ExpectScalar(entry, child, "a name")) {
          report_->hosts.push_back(entry.value.Scalar());
        }
      } else if (entry.key == "networks") {
        CollectNetworkAliases(entry, child);
      }
    }
    // A value in `environment` wins over every env file.
    if (!environment.empty()) {
      for (const Setting& setting : environment) Judge(service.key, setting);
      return;
    }
    std::optional<Setting> last;
    for (const EnvFileRef& ref : env_files) {
      const EnvFile& file = ReadEnvFile(ref);
      if (!file.settings.empty()) last = file.settings.back();
    }
    if (last.has_value()) Judge(service.key, *last);
  }

  void CollectEnvironment(const MapEntry& entry, const std::string& path,
                          std::vector<Setting>* settings) {
    if (entry.value.IsMap()) {
      for (const MapEntry& variable : walker_.Entries(entry.value, path)) {
        if (variable.key != kVariable || variable.value.IsNull()) continue;
        if (!walker_.ExpectScalar(variable, ChildPath(path, variable.key),
                                  "a string")) {
          continue;
        }
        AddSetting(variable.value.Scalar(), YamlWalker::ValuePosition(variable),
                   settings);
      }
      return;
    }
    if (!walker_.ExpectSequence(entry, path,
                                "a mapping or a list of KEY=VALUE strings")) {
      return;
    }
    for (size_t i = 0; i < entry.value.size(); ++i) {
      const YAML::Node element = entry.value[i];
      if (!walker_.ExpectNode(element.IsScalar(), element,
                              ElementPath(path, i), "a KEY=VALUE string")) {
        continue;
      }
      const std::string& text = element.Scalar();
      size_t equals = text.find('=');
      if (equals == std::string::npos || text.substr(0, equals) != kVariable) {
        continue;  // another variable, or taken from the host
      }
      AddSetting(text.substr(equals + 1), PositionOf(element), settings);
    }
  }

  void AddSetting(const std::string& raw, Position at,
                  std::vector<Setting>* settings) {
    Setting setting;
    setting.raw = raw;
    setting.resolved = Interpolate(raw, dotenv_);
    setting.file = path_;
    setting.at = at;
    settings->push_back(std::move(setting));
  }

  void CollectEnvFiles(const MapEntry& entry, const std::string& path,
                       std::vector<EnvFileRef>* refs) {
    if (entry.value.IsScalar()) {
      AddEnvFileRef(entry.value.Scalar(), true, YamlWalker::ValuePosition(entry),
                    refs);
      return;
    }
    if (!walker_.ExpectSequence(entry, path,
                                "a path or a list of paths or {path, required}")) {
      return;
    }
    for (size_t i = 0; i < entry.value.size(); ++i) {
      const YAML::Node element = entry.value[i];
      const std::string element_path = ElementPath(path, i);
      if (element.IsScalar()) {
        AddEnvFileRef(element.Scalar(), true, PositionOf(element), refs);
      } else if (walker_.ExpectNode(element.IsMap(), element, element_path,
                                    "a path or {path, required}")) {
        CollectLongEnvFile(element, element_path, refs);
      }
    }
  }

  // Reads an env_file entry in the long form {path: ..., required: ...}.
  void CollectLongEnvFile(const YAML::Node& element, const std::string& path,
                          std::vector<EnvFileRef>* refs) {
    std::optional<MapEntry> file_path;
    bool required = true;
    for (const MapEntry& entry : walker_.Entries(element, path)) {
      const std::string child = ChildPath(path, entry.key);
      if (entry.key == "path" && walker_.ExpectScalar(entry, child, "a path")) {
        file_path = entry;
      } else if (entry.key == "required" &&
                 walker_.ExpectScalar(entry, child, "true or false")) {
        required = ClassifySwitch(entry.value.Scalar()) != SwitchValue::kOff;
      }
    }
    if (!file_path.has_value()) {
      walker_.Invalid(PositionOf(element), path, "missing required key \"path\"");
      return;
    }
    AddEnvFileRef(file_path->value.Scalar(), required,
                  YamlWalker::ValuePosition(*file_path), refs);
  }

  void AddEnvFileRef(const std::string& written, bool required, Position at,
                     std::vector<EnvFileRef>* refs) {
    const std::string path = Interpolate(written, dotenv_).value;
    refs->push_back(EnvFileRef{JoinRelative(path_, path), required, at});
  }

  // Returns the env file of `ref`, reading it on first use.
  const EnvFile& ReadEnvFile(const EnvFileRef& ref) {
    auto cached = env_files_.find(ref.resolved_path);
    if (cached != env_files_.end()) {
      if (cached->second.missing) ReportMissing(ref);
      return cached->second;
    }
    EnvFile& file = env_files_[ref.resolved_path];
    absl::StatusOr<std::vector<EnvAssignment>> assignments =
        ReadEnvFileAssignments(ref.resolved_path, ref.at);
    if (!assignments.ok()) {
      file.missing = assignments.status().code() == absl::StatusCode::kNotFound;
      if (file.missing) ReportMissing(ref);
      return file;
    }
    file.found = true;
    Variables variables = dotenv_;
    for (const EnvAssignment& a : *assignments) {
      Setting setting;
      setting.raw = a.value;
      setting.resolved = a.interpolate ? Interpolate(a.value, variables)
                                       : Interpolated{a.value, false, {}};
      variables[a.key] = Variable{setting.resolved.value,
                                  absl::StrCat(ref.resolved_path, ":", a.line)};
      if (a.key != kVariable) continue;
      setting.file = ref.resolved_path;
      setting.at = Position{a.line, a.column};
      setting.from_env_file = true;
      file.settings.push_back(std::move(setting));
    }
    return file;
  }

  void ReportMissing(const EnvFileRef& ref) {
    walker_.Report(
        rule::kComposeEnvFileMissing, Severity::kNotice, ref.at,
        absl::StrCat(ref.required ? "env_file " : "optional env_file ",
                     QuoteText(ref.resolved_path),
                     " does not exist, so it was not checked"));
  }

  void CollectNetworkAliases(const MapEntry& entry, const std::string& path) {
    if (entry.value.IsSequence()) return;  // network names only
    if (!walker_.ExpectMap(entry, path, "a list or a mapping of networks")) {
      return;
    }
    for (const MapEntry& network : walker_.Entries(entry.value, path)) {
      const std::string child = ChildPath(path, network.key);
      if (network.value.IsNull()) continue;
      if (!walker_.ExpectMap(network, child, "a mapping")) continue;
      for (const MapEntry& setting : walker_.Entries(network.value, child)) {
        const std::string aliases_path = ChildPath(child, setting.key);
        if (setting.key != "aliases" || setting.value.IsNull() ||
            !walker_.ExpectSequence(setting, aliases_path, "a list of names")) {
          continue;
        }
        for (size_t i = 0; i < setting.value.size(); ++i) {
          const YAML::Node alias = setting.value[i];
          if (walker_.ExpectNode(alias.IsScalar(), alias,
                                 ElementPath(aliases_path, i), "a name")) {
            report_->hosts.push_back(alias.Scalar());
          }
        }
      }
    }
  }

  // Reports `setting` when it switches autoheal on or is unreadable.
  void Judge(const std::string& service, const Setting& setting) {
    Finding finding;
    finding.file = setting.file;
    finding.line = setting.at.line;
    finding.column = setting.at.column;
    switch (ClassifySwitch(setting.resolved.value)) {
      case SwitchValue::kOff:
        return;
      case SwitchValue::kOn:
        finding.rule = std::string(rule::kComposeAutohealEnabled);
        finding.severity = Severity::kError;
        finding.message = absl::StrCat(
            DescribeSetting(service, setting),
            ": this switches autoheal on; keep it \"false\" in compose files "
            "and enable autoheal per deployment");
        break;
      case SwitchValue::kUnknown:
        finding.rule = std::string(rule::kComposeAutohealEnabledUnknown);
        finding.severity = Severity::kWarning;
        finding.message = absl::StrCat(
            DescribeSetting(service, setting),
            ", which is neither on nor off (the receiver accepts only "
            "true/false/1/0/yes/no and refuses to start otherwise)");
        break;
    }
    report_->findings.push_back(std::move(finding));
  }

  const std::string path_;
  // Not owned; outlives the linter.
  const FileReader* files_;
  ComposeReport* report_;
  YamlWalker walker_;
  Variables dotenv_;
  std::map<std::string, EnvFile> env_files_;
};

}  // namespace

ComposeReport LintCompose(absl::string_view text, const std::string& path,
                          const FileReader& files) {
  ComposeReport report;
  LintGuarded(path, &report.findings,
              [&] { ComposeLinter(path, &files, &report).Lint(text); });
  return report;
}

}  // namespace lint
}  // namespace autoheal

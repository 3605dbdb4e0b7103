#include "flags/flags.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "core/utf8.h"
#include "autoheal/version.h"

namespace autoheal {
namespace flags {
namespace {

// Help lines are wrapped to this width.
constexpr size_t kHelpWidth = 80;

// Returns `text` with its words wrapped into lines of at most `width`
// characters (a longer word gets a line of its own); newlines are kept.
std::string Wrap(absl::string_view text, size_t width) {
  std::string out;
  for (absl::string_view paragraph : absl::StrSplit(text, '\n')) {
    if (!out.empty()) out.push_back('\n');
    size_t line = 0;
    for (absl::string_view word :
         absl::StrSplit(paragraph, ' ', absl::SkipEmpty())) {
      if (line > 0 && line + 1 + word.size() > width) {
        out.push_back('\n');
        line = 0;
      } else if (line > 0) {
        out.push_back(' ');
        ++line;
      }
      absl::StrAppend(&out, word);
      line += word.size();
    }
  }
  return out;
}

// CLI11's formatter, but naming each flag by its short names and its first
// (dashed) long name only (`--audit-log FILE`, not `--audit-log,--audit_log
// TEXT`; the underscored spellings are said once, in the footer), with the
// default and the flag's relations in its description, wrapped.
class DashedFormatter : public CLI::Formatter {
 public:
  DashedFormatter() { column_width(30); }

  std::string make_option_name(const CLI::Option* opt,
                               bool is_positional) const override {
    if (is_positional) return CLI::Formatter::make_option_name(opt, true);
    std::vector<std::string> names;
    for (const std::string& name : opt->get_snames()) {
      names.push_back(absl::StrCat("-", name));
    }
    if (!opt->get_lnames().empty()) {
      names.push_back(absl::StrCat("--", opt->get_lnames().front()));
    }
    return absl::StrJoin(names, ",");
  }

  std::string make_option_opts(const CLI::Option* opt) const override {
    if (opt->get_positional() || opt->get_type_size() == 0) return "";
    return absl::StrCat(" ", opt->get_type_name());
  }

  std::string make_option_desc(const CLI::Option* opt) const override {
    std::string desc = opt->get_description();
    auto names = [](const std::set<CLI::Option*>& options) {
      return absl::StrJoin(options, ", ",
                           [](std::string* out, const CLI::Option* o) {
                             absl::StrAppend(out, o->get_name());
                           });
    };
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) {
      absl::StrAppend(&desc, " (repeatable)");
    } else if (opt->get_type_size() != 0 && !opt->get_positional() &&
               !opt->get_default_str().empty()) {
      absl::StrAppend(&desc, " (default: ", opt->get_default_str(), ")");
    }
    if (!opt->get_needs().empty()) {
      absl::StrAppend(&desc, " (needs ", names(opt->get_needs()), ")");
    }
    if (!opt->get_excludes().empty()) {
      absl::StrAppend(&desc, " (not with ", names(opt->get_excludes()), ")");
    }
    return Wrap(desc, kHelpWidth - get_column_width());
  }

  std::string make_description(const CLI::App* app) const override {
    std::string desc = CLI::Formatter::make_description(app);
    if (desc.empty()) return desc;
    return absl::StrCat(Wrap(desc, kHelpWidth), "\n");
  }

  std::string make_subcommand(const CLI::App* sub) const override {
    std::stringstream out;
    CLI::detail::format_help(
        out, sub->get_display_name(),
        Wrap(sub->get_description(), kHelpWidth - get_column_width()),
        get_column_width());
    return out.str();
  }

  std::string make_footer(const CLI::App* app) const override {
    std::string footer = CLI::Formatter::make_footer(app);
    if (!footer.empty()) footer.push_back('\n');
    return absl::StrCat(
        footer,
        "Every flag also answers to its spelling with underscores "
        "(--audit_log for\n--audit-log) and takes its value as --flag VALUE "
        "or --flag=VALUE.\n");
  }
};

// Returns "autoheal lint": the names of `app` and of the subcommands parsed
// (so far) below it, the command a parse error concerns.
std::string CommandPath(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* current = &app;
  while (true) {
    std::vector<CLI::App*> parsed = current->get_subcommands();
    if (parsed.empty()) return path;
    current = parsed.front();
    absl::StrAppend(&path, " ", current->get_name());
  }
}

}  // namespace

std::string Names(absl::string_view dashed) {
  const std::string name = absl::StrCat("--", dashed);
  if (!absl::StrContains(dashed, '-')) return name;
  return absl::StrCat(name, ",--", absl::StrReplaceAll(dashed, {{"-", "_"}}));
}

void ConfigureApp(CLI::App& app) {
  app.formatter(std::make_shared<DashedFormatter>());
  app.set_help_flag("-h,--help", "print this help, and exit");
  app.set_version_flag("--version", AUTOHEAL_VERSION_LINE,
                       "print the version and build type, and exit");
  // Abseil's flags let a later value win, and scripts rely on it (a
  // wrapper's default first, the caller's value after it).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.option_defaults()->always_capture_default();
}

CLI::Option* AddDurationFlag(CLI::App& app, absl::string_view dashed,
                             absl::Duration* target, std::string description) {
  const std::string flag = absl::StrCat("--", dashed);
  CLI::Option* option = app.add_option_function<std::string>(
      Names(dashed),
      [flag, target](const std::string& value) {
        absl::Duration parsed;
        if (!absl::ParseDuration(value, &parsed) ||
            parsed < absl::ZeroDuration() ||
            parsed == absl::InfiniteDuration()) {
          throw CLI::ValidationError(absl::StrCat(
              flag, " ", value.empty() ? "\"\"" : value,
              ": expected a duration such as 10s or 500ms"));
        }
        *target = parsed;
      },
      std::move(description));
  option->type_name("DURATION");
  option->default_str(absl::FormatDuration(*target));
  return option;
}

CLI::Option* AddChoiceFlag(CLI::App& app, absl::string_view dashed,
                           std::string* target,
                           std::vector<std::string> choices,
                           std::string description) {
  std::string expected =
      absl::StrJoin(choices.begin(), choices.end() - 1, ", ");
  absl::StrAppend(&expected, choices.size() > 1 ? " or " : "", choices.back());
  const std::string type_name = absl::StrJoin(choices, "|");
  CLI::Validator one_of(
      [choices = std::move(choices), expected](std::string& value) {
        if (std::find(choices.begin(), choices.end(), value) != choices.end()) {
          return std::string();
        }
        return absl::StrCat("expected ", expected, ", got ",
                            internal::QuoteText(value));
      },
      "", "OneOf");
  return app.add_option(Names(dashed), *target, std::move(description))
      ->type_name(type_name)
      ->check(one_of);
}

CLI::Validator PositiveInteger() {
  return CLI::Validator(
      [](std::string& value) {
        int64_t number = 0;
        if (absl::SimpleAtoi(value, &number) && number > 0) {
          return std::string();
        }
        return absl::StrCat("expected a positive integer, got ",
                            internal::QuoteText(value));
      },
      "", "PositiveInteger");
}

std::optional<int> Parse(CLI::App& app, int argc, const char* const* argv,
                         std::ostream& out, std::ostream& err) {
  // CLI11 2.1 reads "--flag=" (an empty value) as "--flag" and takes the
  // next argument as its value; split it so that the value is the empty
  // string, as written. Everything after a bare "--" is left alone.
  std::vector<std::string> args;  // reversed, as CLI11 wants them
  args.reserve(static_cast<size_t>(argc) + 1);
  bool options_end = false;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") options_end = true;
    if (!options_end && absl::StartsWith(arg, "--") && arg.size() > 3 &&
        arg.find('=') == arg.size() - 1) {
      args.emplace_back(arg.substr(0, arg.size() - 1));
      args.emplace_back();
    } else {
      args.emplace_back(arg);
    }
  }
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e, out, err);
  } catch (const CLI::Error& e) {
    const std::string command = CommandPath(app);
    err << command << ": " << e.what() << "\n"
        << "Run '" << command << " --help' for usage.\n";
    return kUsageError;
  }
  return std::nullopt;
}

}  // namespace flags
}  // namespace autoheal

// What the command lines of autoheal's two binaries (`autoheal`,
// `autoheal-webhook`) share, on top of CLI11:
//
// - every long flag answers to its dashed and its underscored spelling
//   (`--audit-log` and `--audit_log`), as `--flag VALUE` or `--flag=VALUE`;
//   values are never rewritten, so `--bearer-token -a-b` is "-a-b";
// - --help lists the flags in their dashed spelling with their defaults,
//   generated from the definitions; --version prints AUTOHEAL_VERSION_LINE;
// - the last value of a repeated single-valued flag wins;
// - durations are parsed by absl::ParseDuration;
// - a parse error prints CLI11's message and a hint to run --help, and is
//   exit code 2; --help and --version are exit code 0.
//
//   CLI::App app("Does things.", "autoheal-thing");
//   flags::ConfigureApp(app);
//   app.add_option(flags::Names("audit-log"), config.audit_log, "...");
//   flags::AddDurationFlag(app, "shutdown-grace", &config.grace, "...");
//   if (std::optional<int> exit = flags::Parse(app, argc, argv, out, err)) {
//     return *exit;
//   }
//
// Thread safety: thread-compatible; an App is used by one thread.

#ifndef AUTOHEAL_FLAGS_FLAGS_H_
#define AUTOHEAL_FLAGS_FLAGS_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace CLI {
class App;
class Option;
class Validator;
}  // namespace CLI

namespace autoheal {
namespace flags {

// The exit code of a command line that could not be parsed.
inline constexpr int kUsageError = 2;

// Returns CLI11's name list for the long flag spelled `dashed` ("audit-log"):
// "--audit-log,--audit_log", or just "--policy" when there is no dash.
std::string Names(absl::string_view dashed);

// Sets up `app` (and the subcommands added to it afterwards) the way both
// binaries' command lines work: the dashed help formatter, --version, and
// the last value winning for a repeated flag. Call it before adding flags.
void ConfigureApp(CLI::App& app);

// Adds the flag --`dashed` (and its underscored spelling), whose value is a
// non-negative duration in absl::ParseDuration's syntax ("10s", "500ms",
// "1m30s", "0"), stored into `*target`, whose value before parsing is the
// default --help shows. Anything else is a usage error:
// "--shutdown-grace 10: expected a duration such as 10s or 500ms".
// `target` must outlive the parse.
CLI::Option* AddDurationFlag(CLI::App& app, absl::string_view dashed,
                             absl::Duration* target, std::string description);

// Adds the flag --`dashed` (and its underscored spelling), whose value must
// be one of `choices` (at least one), stored into `*target`, whose value
// before parsing is the default --help shows. Anything else is a usage
// error: "--format: expected text or json, got \"yaml\"". `target` must
// outlive the parse.
CLI::Option* AddChoiceFlag(CLI::App& app, absl::string_view dashed,
                           std::string* target,
                           std::vector<std::string> choices,
                           std::string description);

// Returns a CLI11 check that an integer flag's value is positive, with a
// message that says so: "--max-body-bytes: expected a positive integer,
// got \"-5\"" (CLI11's own PositiveNumber prints a range up to 1.8e308).
CLI::Validator PositiveInteger();

// Parses `argv` (argv[0] is the program and is ignored: `app`'s name is what
// help and errors show) into `app`. Returns nullopt when the program should
// go on with the parsed values, or the exit code it should end with: 0
// after printing --help or --version to `out`, kUsageError after printing
// the problem and a hint to run --help to `err`, prefixed with the
// subcommand it concerns ("autoheal lint: ...").
std::optional<int> Parse(CLI::App& app, int argc, const char* const* argv,
                         std::ostream& out, std::ostream& err);

}  // namespace flags
}  // namespace autoheal

#endif  // AUTOHEAL_FLAGS_FLAGS_H_

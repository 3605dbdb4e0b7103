#include "autoheal/decision.h"

#include "absl/strings/str_cat.h"
#include "core/utf8.h"

namespace autoheal {
namespace {

// Formats a duration for people: whole seconds, rounded up, so "1ns left"
// never reads as "0s left".
std::string Seconds(absl::Duration d) {
  int64_t secs = absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1)));
  return absl::StrCat(secs, "s");
}

// Values quoted in a sentence are cut after this many bytes: a sentence is
// for people, and a hostile megabyte-long label must not be echoed (and
// escaped, growing it) into every response and audit line.
constexpr size_t kMaxQuotedBytes = 128;

// Quotes `s` for a sentence (internal::QuoteText): escaped, so that a
// hostile value cannot forge or break a log line, with UTF-8 kept readable;
// a value longer than kMaxQuotedBytes is cut and followed by its length:
// "abc"... (1000000 bytes).
std::string Quoted(absl::string_view s) {
  return internal::QuoteText(s, kMaxQuotedBytes);
}

// The longest problem a sentence repeats. The parser's problems are far
// shorter; this bounds one built by hand.
constexpr size_t kMaxProblemBytes = 512;

// Returns `problem` with control characters escaped, cut on a character
// boundary after kMaxProblemBytes. Quotes and backslashes stay as they are:
// the parser has already quoted and escaped every value it names, so a
// sentence shows its problem exactly as the response's "problem" does.
std::string ProblemText(absl::string_view problem) {
  const size_t cut = internal::Utf8PrefixLength(problem, kMaxProblemBytes);
  std::string out;
  out.reserve(cut + 16);
  for (char c : problem.substr(0, cut)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      absl::StrAppend(&out, "\\x", absl::Hex(byte, absl::kZeroPad2));
    } else {
      out.push_back(c);
    }
  }
  if (cut < problem.size()) {
    absl::StrAppend(&out, "... (", problem.size(), " bytes)");
  }
  return out;
}

std::string ActionName(const Decision& d) {
  return d.action != nullptr ? Quoted(d.action->name) : std::string("(none)");
}

std::string NotOptedInSentence(const Decision& d) {
  if (d.opt_in_actual.data() == nullptr) {
    return absl::StrCat("annotation ", d.opt_in_annotation,
                        " is missing; the alert rule must set ",
                        d.opt_in_annotation, ": ", Quoted(d.opt_in_value),
                        " to opt in");
  }
  return absl::StrCat("annotation ", d.opt_in_annotation, " is ",
                      Quoted(d.opt_in_actual), ", but only the exact value ",
                      Quoted(d.opt_in_value), " opts in");
}

}  // namespace

absl::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kExecute:
      return "execute";
    case Verdict::kDryRun:
      return "dry_run";
    case Verdict::kSkip:
      return "skip";
  }
  return "unknown";
}

absl::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kInvalidAlert:
      return "invalid_alert";
    case Reason::kResolved:
      return "resolved";
    case Reason::kNotOptedIn:
      return "not_opted_in";
    case Reason::kNotAllowlisted:
      return "not_allowlisted";
    case Reason::kInvalidTarget:
      return "invalid_target";
    case Reason::kEscalated:
      return "escalated";
    case Reason::kInFlight:
      return "in_flight";
    case Reason::kCoolingDown:
      return "cooling_down";
    case Reason::kBudgetExhausted:
      return "budget_exhausted";
    case Reason::kStoreUnavailable:
      return "store_unavailable";
    case Reason::kExecute:
      return "execute";
    case Reason::kDryRun:
      return "dry_run";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, Verdict verdict) {
  return os << VerdictName(verdict);
}

std::ostream& operator<<(std::ostream& os, Reason reason) {
  return os << ReasonName(reason);
}

std::string Decision::Sentence() const {
  switch (reason) {
    case Reason::kInvalidAlert:
      return absl::StrCat("the alert is malformed (", ProblemText(problem),
                          "); it is skipped, and the rest of its notification "
                          "is decided as usual");
    case Reason::kResolved:
      return "the alert is resolved; there is nothing to remediate";
    case Reason::kNotOptedIn:
      return NotOptedInSentence(*this);
    case Reason::kNotAllowlisted:
      return absl::StrCat("no action is configured for alertname ",
                          Quoted(alertname));
    case Reason::kInvalidTarget:
      return absl::StrCat("action ", ActionName(*this), " needs label ",
                          target_label, ", which ", target_problem,
                          "; nothing runs");
    case Reason::kEscalated:
      return absl::StrCat(
          "action ", ActionName(*this), " ran ", flap_limit, " times within ",
          absl::FormatDuration(flap_window),
          " and the alert fired again: escalated to a human; nothing runs "
          "until the key is cleared or stays quiet for ",
          absl::FormatDuration(flap_window));
    case Reason::kInFlight:
      return absl::StrCat("action ", ActionName(*this),
                          " is still running for this key");
    case Reason::kCoolingDown:
      return absl::StrCat("action ", ActionName(*this), " is cooling down, ",
                          Seconds(time_left), " left");
    case Reason::kBudgetExhausted:
      return absl::StrCat("the ", budget_scope, " budget of ", budget_limit,
                          " executions per ",
                          absl::FormatDuration(budget_window),
                          " is spent; action ", ActionName(*this),
                          " is held back, a slot frees in ",
                          Seconds(time_left));
    case Reason::kStoreUnavailable:
      return absl::StrCat("the state store is unreachable (",
                          store_error.message(),
                          "); failing closed, nothing runs");
    case Reason::kExecute:
      return absl::StrCat("all gates passed; running action ",
                          ActionName(*this));
    case Reason::kDryRun:
      return absl::StrCat("all gates passed; would run action ",
                          ActionName(*this),
                          ", but autoheal is disabled (dry-run)");
  }
  return "unknown reason";
}

}  // namespace autoheal

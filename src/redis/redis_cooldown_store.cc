#include "autoheal/redis_cooldown_store.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/host_port.h"
#include "redis/redis_connection_pool.h"
#include "redis/redis_scripts.h"
#include "redis/redis_test_hooks.h"

namespace autoheal {

using internal::RedisCommand;
using internal::RedisConnectionPool;
using internal::RedisReplyPtr;

namespace {

constexpr int kMaxPoolSize = 64;
// SCAN's COUNT hint for ListEscalated(): keys looked at per round trip.
constexpr absl::string_view kScanCount = "1000";

// Returns `d` in whole units of `unit`, rounded up, at least 1.
int64_t CeilPositive(absl::Duration d, absl::Duration unit) {
  if (d <= absl::ZeroDuration()) return 1;
  if (d == absl::InfiniteDuration()) return INT64_MAX / 4;
  absl::Duration remainder;
  int64_t whole = absl::IDivDuration(d, unit, &remainder);
  return std::max<int64_t>(1, whole + (remainder > absl::ZeroDuration()));
}

std::string Micros(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return "0";
  return absl::StrCat(CeilPositive(d, absl::Microseconds(1)));
}

// Splits "host:port" or "[v6]:port"; port 0 is no server to connect to.
// Errors name the value.
absl::Status ParseAddress(const std::string& address, std::string* host,
                          int* port) {
  internal::HostPortSpec spec;
  spec.what = "redis address";
  spec.example = "127.0.0.1:6379";
  absl::StatusOr<internal::HostPort> parsed =
      internal::ParseHostPort(address, spec);
  if (!parsed.ok()) return parsed.status();
  *host = std::move(parsed->host);
  *port = *parsed->port;
  return absl::OkStatus();
}

absl::Status ValidateDuration(absl::Duration d, absl::string_view name) {
  if (d <= absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis ", name, " ", absl::FormatDuration(d),
                     ": expected a positive, finite duration"));
  }
  return absl::OkStatus();
}

absl::Status ValidateOptions(const RedisOptions& options) {
  if (options.prefix.empty() ||
      options.prefix.find_first_of("{}") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "redis prefix \"", options.prefix,
        "\": expected a non-empty string without '{' or '}'"));
  }
  if (options.pool_size < 1 || options.pool_size > kMaxPoolSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis pool size ", options.pool_size,
                     ": expected 1 to ", kMaxPoolSize));
  }
  for (const auto& [d, name] :
       {std::pair(options.connect_timeout, "connect timeout"),
        std::pair(options.command_timeout, "command timeout"),
        std::pair(options.initial_backoff, "initial backoff"),
        std::pair(options.max_backoff, "max backoff")}) {
    absl::Status status = ValidateDuration(d, name);
    if (!status.ok()) return status;
  }
  if (options.initial_backoff > options.max_backoff) {
    return absl::InvalidArgumentError(
        "redis initial backoff must not exceed the max backoff");
  }
  return absl::OkStatus();
}

// Escapes the glob characters of SCAN MATCH in `literal`.
std::string GlobLiteral(absl::string_view literal) {
  std::string out;
  for (char c : literal) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

std::string RandomHex() {
  std::random_device device;
  std::mt19937_64 generator((uint64_t{device()} << 32) ^ device());
  return absl::StrFormat("%016x%016x", generator(), generator());
}

absl::string_view ReplyText(const redisReply& reply) {
  return absl::string_view(reply.str, reply.len);
}

// Turns an error reply (or an unexpected shape) into kUnavailable.
absl::Status ReplyError(const RedisConnectionPool& pool,
                        const redisReply& reply, absl::string_view what) {
  if (reply.type == REDIS_REPLY_ERROR) {
    return absl::UnavailableError(absl::StrCat(
        "redis ", pool.address(), ": ", what, ": ",
        absl::string_view(reply.str, reply.len)));
  }
  return absl::UnavailableError(absl::StrCat("redis ", pool.address(), ": ",
                                             what, ": unexpected reply type ",
                                             reply.type));
}

// Reads an array reply of `n` integers.
absl::StatusOr<std::vector<int64_t>> Integers(const RedisConnectionPool& pool,
                                              const redisReply& reply,
                                              size_t n, absl::string_view what) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements != n) {
    return ReplyError(pool, reply, what);
  }
  std::vector<int64_t> values;
  for (size_t i = 0; i < n; ++i) {
    if (reply.element[i]->type != REDIS_REPLY_INTEGER) {
      return ReplyError(pool, *reply.element[i], what);
    }
    values.push_back(reply.element[i]->integer);
  }
  return values;
}

// Runs a script by its SHA1, or by its source after NOSCRIPT (a restarted or
// flushed server), which also caches it again.
absl::StatusOr<RedisReplyPtr> RunScript(RedisConnectionPool::Lease& lease,
                                        const std::string& sha,
                                        absl::string_view source,
                                        const std::vector<std::string>& keys,
                                        const std::vector<std::string>& args) {
  const std::string key_count = absl::StrCat(keys.size());
  RedisCommand command = {"EVALSHA", sha, key_count};
  for (const std::string& key : keys) command.push_back(key);
  for (const std::string& arg : args) command.push_back(arg);
  absl::StatusOr<RedisReplyPtr> reply = lease.Run(command);
  if (!reply.ok()) return reply;
  if ((*reply)->type == REDIS_REPLY_ERROR &&
      absl::StartsWith(absl::string_view((*reply)->str, (*reply)->len),
                       "NOSCRIPT")) {
    command[0] = "EVAL";
    command[1] = source;
    return lease.Run(command);
  }
  return reply;
}

// Turns a script's answer for one request into its result: `code`, then
// `a` (kScriptCoolingDown: the cooldown's PTTL in ms, -1 for none;
// kScriptBudgetExhausted: the budget's index) and `b` (the µs until that
// budget frees a slot). Returns nullopt for kScriptPass, kScriptCooldownLost
// and unknown codes, whose meaning depends on the script.
std::optional<AcquireResult> GateResult(int64_t code, int64_t a, int64_t b,
                                        const AcquireRequest& request) {
  AcquireResult result;
  switch (code) {
    case internal::kScriptEscalated:
    case internal::kScriptNewlyEscalated:
      result.outcome = AcquireOutcome::kEscalated;
      result.remaining = request.flap.window;
      // The scripts answer kScriptNewlyEscalated for a preview that would
      // trip the guard; a preview never reports it (autoheal/acquire.h).
      result.newly_escalated =
          code == internal::kScriptNewlyEscalated && !request.preview;
      return result;
    case internal::kScriptInFlight:
      result.outcome = AcquireOutcome::kInFlight;
      return result;
    case internal::kScriptCoolingDown:
      result.outcome = AcquireOutcome::kCoolingDown;
      // -1: a key without expiry, which this store never writes.
      result.remaining = a >= 0 ? absl::Milliseconds(a) : request.cooldown;
      return result;
    case internal::kScriptBudgetExhausted:
      result.outcome = AcquireOutcome::kBudgetExhausted;
      result.exhausted_budget = static_cast<int>(a);
      result.remaining = absl::Microseconds(b);
      return result;
    default:
      return std::nullopt;
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Connect

absl::StatusOr<std::unique_ptr<RedisCooldownStore>> RedisCooldownStore::Connect(
    RedisOptions options) {
  absl::Status valid = ValidateOptions(options);
  if (!valid.ok()) return valid;
  RedisConnectionPool::Options pool_options;
  valid = ParseAddress(options.address, &pool_options.host, &pool_options.port);
  if (!valid.ok()) return valid;
  if (options.clock == nullptr) options.clock = RealClock();
  pool_options.connect_timeout = options.connect_timeout;
  pool_options.command_timeout = options.command_timeout;
  pool_options.size = options.pool_size;
  pool_options.initial_backoff = options.initial_backoff;
  pool_options.max_backoff = options.max_backoff;
  pool_options.clock = options.clock;
  auto pool = std::make_unique<RedisConnectionPool>(std::move(pool_options));

  Scripts scripts;
  {
    absl::StatusOr<RedisConnectionPool::Lease> lease = pool->Borrow();
    if (!lease.ok()) return lease.status();
    const RedisCommand load_flap = {"SCRIPT", "LOAD", internal::kFlapScript};
    const RedisCommand load_budget = {"SCRIPT", "LOAD",
                                      internal::kBudgetScript};
    const RedisCommand load_batch = {"SCRIPT", "LOAD", internal::kBatchScript};
    absl::StatusOr<std::vector<RedisReplyPtr>> replies =
        lease->Pipeline({load_flap, load_budget, load_batch});
    if (!replies.ok()) return replies.status();
    for (const RedisReplyPtr& reply : *replies) {
      if (reply->type != REDIS_REPLY_STRING) {
        return ReplyError(*pool, *reply, "SCRIPT LOAD");
      }
    }
    scripts.flap_sha = std::string(ReplyText(*(*replies)[0]));
    scripts.budget_sha = std::string(ReplyText(*(*replies)[1]));
    scripts.batch_sha = std::string(ReplyText(*(*replies)[2]));
  }
  return std::unique_ptr<RedisCooldownStore>(new RedisCooldownStore(
      std::move(options), std::move(pool), std::move(scripts)));
}

RedisCooldownStore::RedisCooldownStore(
    RedisOptions options, std::unique_ptr<RedisConnectionPool> pool,
    Scripts scripts)
    : options_(std::move(options)),
      pool_(std::move(pool)),
      scripts_(std::move(scripts)),
      token_prefix_(RandomHex()) {}

RedisCooldownStore::~RedisCooldownStore() = default;

namespace internal {

void RedisStoreTestPeer::SetHooks(RedisCooldownStore& store,
                                  RedisTestHooks hooks) {
  store.hooks_ = std::make_unique<RedisTestHooks>(std::move(hooks));
}

absl::StatusOr<std::unique_ptr<RedisCooldownStore>> ConnectRedisWithHooks(
    RedisOptions options, RedisTestHooks hooks) {
  absl::StatusOr<std::unique_ptr<RedisCooldownStore>> store =
      RedisCooldownStore::Connect(std::move(options));
  if (store.ok()) RedisStoreTestPeer::SetHooks(**store, std::move(hooks));
  return store;
}

}  // namespace internal

// ---------------------------------------------------------------------------
// Key layout

namespace {
std::string KeyName(absl::string_view prefix, absl::string_view kind,
                    absl::string_view key) {
  return absl::StrCat("{", prefix, "}:v1:", kind, ":", key);
}
}  // namespace

std::string RedisCooldownStore::CooldownKeyName(absl::string_view key) const {
  return KeyName(options_.prefix, "cd", key);
}
std::string RedisCooldownStore::LatchKeyName(absl::string_view key) const {
  return KeyName(options_.prefix, "esc", key);
}
std::string RedisCooldownStore::FlapKeyName(absl::string_view key) const {
  return KeyName(options_.prefix, "flap", key);
}
std::string RedisCooldownStore::BudgetKeyName(absl::string_view budget) const {
  return KeyName(options_.prefix, "budget", budget);
}

std::string RedisCooldownStore::NewToken() {
  return absl::StrCat(token_prefix_, "-", token_counter_.fetch_add(1) + 1);
}

// ---------------------------------------------------------------------------
// Acquire

absl::StatusOr<AcquireResult> RedisCooldownStore::Acquire(
    const AcquireRequest& request) {
  absl::StatusOr<RedisConnectionPool::Lease> lease = pool_->Borrow();
  if (!lease.ok()) return lease.status();
  const std::string cooldown_key = CooldownKeyName(request.key);
  const std::string latch_key = LatchKeyName(request.key);
  const std::string flap_key = FlapKeyName(request.key);
  const std::string flap_limit = absl::StrCat(request.flap.max_executions);
  const std::string flap_window = Micros(request.flap.window);
  const std::string preview = request.preview ? "1" : "0";
  AcquireResult result;

  // 1. Gates 1-4: the flap script.
  absl::StatusOr<RedisReplyPtr> reply = RunScript(
      *lease, scripts_.flap_sha, internal::kFlapScript,
      {latch_key, flap_key, cooldown_key},
      {request.in_flight ? "1" : "0", flap_limit, flap_window, preview});
  if (!reply.ok()) return reply.status();
  absl::StatusOr<std::vector<int64_t>> gate =
      Integers(*pool_, **reply, 2, "flap script");
  if (!gate.ok()) return gate.status();
  if ((*gate)[0] != internal::kScriptPass) {
    std::optional<AcquireResult> gated =
        GateResult((*gate)[0], (*gate)[1], 0, request);
    if (!gated.has_value()) {
      return absl::InternalError(
          absl::StrCat("redis flap script answered code ", (*gate)[0]));
    }
    return *gated;
  }

  // 2. Take the cooldown (not for a preview).
  const std::string token = request.preview ? std::string() : NewToken();
  if (!request.preview) {
    if (hooks_ != nullptr && hooks_->before_set) hooks_->before_set(request.key);
    const std::string ttl =
        absl::StrCat(CeilPositive(request.cooldown, absl::Milliseconds(1)));
    reply = lease->Run({"SET", cooldown_key, token, "NX", "PX", ttl});
    if (!reply.ok()) return reply.status();
    if ((*reply)->type == REDIS_REPLY_NIL) {
      // Another caller took it since the flap script looked.
      reply = lease->Run({"PTTL", cooldown_key});
      if (!reply.ok()) return reply.status();
      if ((*reply)->type != REDIS_REPLY_INTEGER) {
        return ReplyError(*pool_, **reply, "PTTL");
      }
      result.outcome = AcquireOutcome::kCoolingDown;
      result.remaining = absl::Milliseconds(std::max<int64_t>(
          1, (*reply)->integer >= 0 ? (*reply)->integer : 1));
      return result;
    }
    if ((*reply)->type != REDIS_REPLY_STATUS) {
      return ReplyError(*pool_, **reply, "SET NX");
    }
  }

  // 3. Gate 5 and the reservation: the budget script.
  std::vector<std::string> keys = {cooldown_key, latch_key, flap_key};
  std::vector<std::string> args = {token, flap_limit, flap_window, preview};
  for (const BudgetReservation& budget : request.budgets) {
    keys.push_back(BudgetKeyName(budget.key));
    args.push_back(absl::StrCat(budget.limit));
    args.push_back(Micros(budget.window));
  }
  reply = RunScript(*lease, scripts_.budget_sha, internal::kBudgetScript,
                    keys, args);
  if (!reply.ok()) return reply.status();
  absl::StatusOr<std::vector<int64_t>> budget =
      Integers(*pool_, **reply, 3, "budget script");
  if (!budget.ok()) return budget.status();
  if ((*budget)[0] == internal::kScriptPass) {
    result.outcome = AcquireOutcome::kAcquired;
    return result;
  }
  if ((*budget)[0] == internal::kScriptCooldownLost) {
    return absl::UnavailableError(absl::StrCat(
        "redis ", pool_->address(),
        ": the cooldown expired before the budgets were reserved (a "
        "cooldown shorter than a round trip?); nothing was reserved"));
  }
  std::optional<AcquireResult> gated =
      GateResult((*budget)[0], (*budget)[1], (*budget)[2], request);
  if (!gated.has_value()) {
    return absl::InternalError(
        absl::StrCat("redis budget script answered code ", (*budget)[0]));
  }
  return *gated;
}

// ---------------------------------------------------------------------------
// AcquireBatch

absl::Status RedisCooldownStore::AcquireBatch(
    absl::Span<const AcquireRequest> requests,
    absl::Span<AcquireResult> results) {
  absl::Status sizes = CheckBatchSizes(requests, results);
  if (!sizes.ok()) return sizes;
  if (requests.empty()) return absl::OkStatus();

  // Each distinct key and budget is passed once, in KEYS[] (see
  // kBatchScript for the layout). Every key name starts with the hash tag
  // `{prefix}`, so all of them live in one Redis Cluster slot and one script
  // may touch them all, as the single-acquire scripts do.
  absl::flat_hash_map<absl::string_view, size_t> key_index;
  absl::flat_hash_map<absl::string_view, size_t> budget_index;
  std::vector<std::string> keys;
  std::vector<absl::string_view> budget_names;
  std::vector<std::string> args = {NewToken(), ""};
  args.reserve(2 + requests.size() * 13);
  for (const AcquireRequest& request : requests) {
    auto [key_it, new_key] = key_index.try_emplace(request.key, key_index.size());
    if (new_key) {
      keys.push_back(CooldownKeyName(request.key));
      keys.push_back(LatchKeyName(request.key));
      keys.push_back(FlapKeyName(request.key));
    }
    args.push_back(absl::StrCat(key_it->second));
    args.push_back(request.in_flight ? "1" : "0");
    args.push_back(request.preview ? "1" : "0");
    args.push_back(absl::StrCat(request.flap.max_executions));
    args.push_back(Micros(request.flap.window));
    args.push_back(
        absl::StrCat(CeilPositive(request.cooldown, absl::Milliseconds(1))));
    args.push_back(absl::StrCat(request.budgets.size()));
    for (const BudgetReservation& budget : request.budgets) {
      auto [budget_it, new_budget] =
          budget_index.try_emplace(budget.key, budget_index.size());
      if (new_budget) budget_names.push_back(budget.key);
      args.push_back(absl::StrCat(budget_it->second));
      args.push_back(absl::StrCat(budget.limit));
      args.push_back(Micros(budget.window));
    }
  }
  args[1] = absl::StrCat(key_index.size());
  for (absl::string_view budget : budget_names) {
    keys.push_back(BudgetKeyName(budget));
  }

  absl::StatusOr<RedisConnectionPool::Lease> lease = pool_->Borrow();
  if (!lease.ok()) return lease.status();
  absl::StatusOr<RedisReplyPtr> reply = RunScript(
      *lease, scripts_.batch_sha, internal::kBatchScript, keys, args);
  if (!reply.ok()) return reply.status();
  absl::StatusOr<std::vector<int64_t>> answers =
      Integers(*pool_, **reply, 3 * requests.size(), "batch script");
  if (!answers.ok()) return answers.status();

  for (size_t i = 0; i < requests.size(); ++i) {
    const AcquireRequest& request = requests[i];
    const int64_t code = (*answers)[3 * i];
    if (code == internal::kScriptPass) {
      results[i] = AcquireResult();
      results[i].outcome = AcquireOutcome::kAcquired;
      continue;
    }
    std::optional<AcquireResult> gated = GateResult(
        code, (*answers)[3 * i + 1], (*answers)[3 * i + 2], request);
    if (!gated.has_value()) {
      return absl::InternalError(
          absl::StrCat("redis batch script answered code ", code));
    }
    results[i] = *gated;
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Escalations

absl::StatusOr<bool> RedisCooldownStore::ClearEscalation(
    absl::string_view key) {
  absl::StatusOr<RedisConnectionPool::Lease> lease = pool_->Borrow();
  if (!lease.ok()) return lease.status();
  const std::string latch_key = LatchKeyName(key);
  const std::string flap_key = FlapKeyName(key);
  // One transaction: an acquire in between must not see the latch gone but
  // the full history still there (it would latch the key again).
  absl::StatusOr<std::vector<RedisReplyPtr>> replies = lease->Pipeline(
      {{"MULTI"}, {"DEL", latch_key}, {"DEL", flap_key}, {"EXEC"}});
  if (!replies.ok()) return replies.status();
  absl::StatusOr<std::vector<int64_t>> deleted =
      Integers(*pool_, *replies->back(), 2, "MULTI DEL");
  if (!deleted.ok()) return deleted.status();
  return (*deleted)[0] > 0;
}

absl::Status RedisCooldownStore::Ping() {
  absl::StatusOr<RedisConnectionPool::Lease> lease = pool_->Borrow();
  if (!lease.ok()) return lease.status();
  absl::StatusOr<RedisReplyPtr> reply = lease->Run({"PING"});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_STATUS || ReplyText(**reply) != "PONG") {
    return ReplyError(*pool_, **reply, "PING");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EscalatedKey>> RedisCooldownStore::ListEscalated(
    absl::Time now, size_t limit) {
  absl::StatusOr<RedisConnectionPool::Lease> lease = pool_->Borrow();
  if (!lease.ok()) return lease.status();
  const std::string latch_prefix = LatchKeyName("");
  const std::string pattern = absl::StrCat(GlobLiteral(latch_prefix), "*");
  // SCAN may return a key twice; keep the first.
  absl::flat_hash_set<std::string> seen;
  std::vector<std::string> names;
  std::string cursor = "0";
  do {
    absl::StatusOr<RedisReplyPtr> reply = lease->Run(
        {"SCAN", cursor, "MATCH", pattern, "COUNT", kScanCount});
    if (!reply.ok()) return reply.status();
    const redisReply& r = **reply;
    if (r.type != REDIS_REPLY_ARRAY || r.elements != 2 ||
        r.element[0]->type != REDIS_REPLY_STRING ||
        r.element[1]->type != REDIS_REPLY_ARRAY) {
      return ReplyError(*pool_, r, "SCAN");
    }
    cursor = std::string(ReplyText(*r.element[0]));
    for (size_t i = 0; i < r.element[1]->elements; ++i) {
      const redisReply& name = *r.element[1]->element[i];
      if (name.type != REDIS_REPLY_STRING) continue;
      std::string text(ReplyText(name));
      if (names.size() < limit && seen.insert(text).second) {
        names.push_back(std::move(text));
      }
    }
  } while (cursor != "0" && names.size() < limit);

  std::vector<RedisCommand> ttls;
  for (const std::string& name : names) ttls.push_back({"PTTL", name});
  absl::StatusOr<std::vector<RedisReplyPtr>> replies = lease->Pipeline(ttls);
  if (!replies.ok()) return replies.status();
  std::vector<EscalatedKey> escalated;
  for (size_t i = 0; i < names.size(); ++i) {
    const redisReply& ttl = *(*replies)[i];
    if (ttl.type != REDIS_REPLY_INTEGER) return ReplyError(*pool_, ttl, "PTTL");
    if (ttl.integer == -2) continue;  // opened since SCAN saw it
    EscalatedKey entry;
    entry.key = names[i].substr(latch_prefix.size());
    entry.quiet_until = ttl.integer >= 0
                            ? now + absl::Milliseconds(ttl.integer)
                            : absl::InfiniteFuture();
    escalated.push_back(std::move(entry));
  }
  return escalated;
}

}  // namespace autoheal

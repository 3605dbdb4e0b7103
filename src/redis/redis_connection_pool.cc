#include "autoheal/internal/mutex.h"
#include "redis/redis_connection_pool.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace autoheal {
namespace internal {
namespace {

// Returns the context's error text, or `fallback` when it has none.
std::string ContextError(const redisContext* context,
                         absl::string_view fallback) {
  if (context != nullptr && context->err != 0 && context->errstr[0] != '\0') {
    return context->errstr;
  }
  return std::string(fallback);
}

// Splits `command` into hiredis' argv form; the views must outlive the call.
void ToArgv(const RedisCommand& command, std::vector<const char*>& argv,
            std::vector<size_t>& lengths) {
  argv.clear();
  lengths.clear();
  for (absl::string_view arg : command) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
}

}  // namespace

void RedisReplyDeleter::operator()(redisReply* reply) const {
  freeReplyObject(reply);
}

// ---------------------------------------------------------------------------
// Lease

RedisConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      slot_(std::exchange(other.slot_, nullptr)),
      error_(std::move(other.error_)) {}

RedisConnectionPool::Lease::~Lease() {
  if (slot_ != nullptr) pool_->Return(slot_, error_);
}

absl::Status RedisConnectionPool::Lease::Broken() {
  error_ = ContextError(slot_->context, "connection failed");
  return pool_->Unavailable(error_);
}

absl::StatusOr<RedisReplyPtr> RedisConnectionPool::Lease::Run(
    const RedisCommand& command) {
  if (!error_.empty()) return pool_->Unavailable(error_);
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  ToArgv(command, argv, lengths);
  void* reply = redisCommandArgv(slot_->context, static_cast<int>(argv.size()),
                                 argv.data(), lengths.data());
  if (reply == nullptr) return Broken();
  return RedisReplyPtr(static_cast<redisReply*>(reply));
}

absl::StatusOr<std::vector<RedisReplyPtr>>
RedisConnectionPool::Lease::Pipeline(absl::Span<const RedisCommand> commands) {
  if (!error_.empty()) return pool_->Unavailable(error_);
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const RedisCommand& command : commands) {
    ToArgv(command, argv, lengths);
    if (redisAppendCommandArgv(slot_->context, static_cast<int>(argv.size()),
                               argv.data(), lengths.data()) != REDIS_OK) {
      return Broken();
    }
  }
  std::vector<RedisReplyPtr> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* reply = nullptr;
    if (redisGetReply(slot_->context, &reply) != REDIS_OK || reply == nullptr) {
      return Broken();
    }
    replies.emplace_back(static_cast<redisReply*>(reply));
  }
  return replies;
}

// ---------------------------------------------------------------------------
// RedisConnectionPool

RedisConnectionPool::RedisConnectionPool(Options options)
    : options_(std::move(options)),
      address_(absl::StrCat(options_.host, ":", options_.port)) {
  autoheal::internal::MutexLock lock(&mu_);
  for (int i = 0; i < options_.size; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    idle_.push_back(slots_.back().get());
  }
}

RedisConnectionPool::~RedisConnectionPool() {
  // Every Lease must have been returned (they hold a pointer to the pool).
  for (const std::unique_ptr<Slot>& slot : slots_) {
    if (slot->context != nullptr) redisFree(slot->context);
  }
}

absl::Status RedisConnectionPool::Unavailable(absl::string_view why) const {
  return absl::UnavailableError(absl::StrCat("redis ", address_, ": ", why));
}

absl::StatusOr<redisContext*> RedisConnectionPool::Open() const {
  redisContext* context = redisConnectWithTimeout(
      options_.host.c_str(), options_.port,
      absl::ToTimeval(options_.connect_timeout));
  if (context == nullptr || context->err != 0) {
    std::string error = ContextError(context, "cannot allocate a context");
    if (context != nullptr) redisFree(context);
    return Unavailable(error);
  }
  if (redisSetTimeout(context, absl::ToTimeval(options_.command_timeout)) !=
          REDIS_OK ||
      redisEnableKeepAlive(context) != REDIS_OK) {
    std::string error = ContextError(context, "cannot set socket options");
    redisFree(context);
    return Unavailable(error);
  }
  return context;
}

absl::Status RedisConnectionPool::AdmitAttempt(bool* gated) {
  *gated = !healthy_;
  if (healthy_) return absl::OkStatus();
  if (connecting_) {
    return Unavailable(absl::StrCat("unreachable (", last_error_,
                                    "); a reconnect attempt is in progress"));
  }
  const absl::Time now = options_.clock->Now();
  if (now < retry_at_) {
    return Unavailable(absl::StrCat(
        "unreachable (", last_error_, "); next reconnect attempt in ",
        absl::FormatDuration(retry_at_ - now)));
  }
  connecting_ = true;
  return absl::OkStatus();
}

void RedisConnectionPool::AttemptEnded(const absl::Status& status,
                                       bool gated) {
  if (gated) connecting_ = false;
  if (status.ok()) {
    healthy_ = true;
    backoff_ = absl::ZeroDuration();
    return;
  }
  if (healthy_) {
    healthy_ = false;
    ++epoch_;
  }
  last_error_ = std::string(status.message());
  backoff_ = backoff_ == absl::ZeroDuration()
                 ? options_.initial_backoff
                 : std::min(backoff_ * 2, options_.max_backoff);
  retry_at_ = options_.clock->Now() + backoff_;
}

absl::StatusOr<RedisConnectionPool::Lease> RedisConnectionPool::Borrow() {
  Slot* slot = nullptr;
  bool gated = false;
  uint64_t epoch = 0;
  {
    autoheal::internal::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &RedisConnectionPool::HasIdle));
    slot = idle_.back();
    idle_.pop_back();
    if (slot->context != nullptr && slot->epoch == epoch_) {
      return Lease(this, slot);
    }
    absl::Status admitted = AdmitAttempt(&gated);
    if (!admitted.ok()) {
      idle_.push_back(slot);
      return admitted;
    }
    epoch = epoch_;
  }
  // The slot is ours alone now: (re)connect without holding the lock.
  if (slot->context != nullptr) {
    redisFree(slot->context);
    slot->context = nullptr;
  }
  absl::StatusOr<redisContext*> opened = Open();
  autoheal::internal::MutexLock lock(&mu_);
  AttemptEnded(opened.status(), gated);
  if (!opened.ok()) {
    idle_.push_back(slot);
    return opened.status();
  }
  slot->context = *opened;
  // A failure seen by another thread during the attempt bumped epoch_: this
  // connection is then reopened at its next use.
  slot->epoch = epoch;
  return Lease(this, slot);
}

void RedisConnectionPool::Return(Slot* slot, const std::string& error) {
  if (!error.empty() && slot->context != nullptr) {
    redisFree(slot->context);
    slot->context = nullptr;
  }
  autoheal::internal::MutexLock lock(&mu_);
  if (!error.empty()) {
    last_error_ = error;
    if (healthy_) {
      // The first failure: reopen every connection, and try at once.
      healthy_ = false;
      ++epoch_;
      retry_at_ = options_.clock->Now();
    }
  }
  idle_.push_back(slot);
}

}  // namespace internal
}  // namespace autoheal

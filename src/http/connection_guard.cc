#include "http/connection_guard.h"

#include <algorithm>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "http/socket_address.h"

namespace autoheal {
namespace http {

ConnectionGuard::ConnectionGuard(Options options)
    : options_(std::move(options)) {}

ConnectionGuard::~ConnectionGuard() { StopSweeper(); }

std::string ConnectionGuard::PerIpKeyFor(const sockaddr* client) const {
  if (options_.per_ip_limit == 0) return "";
  if (options_.exempt_loopback && IsLoopback(client)) return "";
  return PerIpKey(client);
}

bool ConnectionGuard::MayAccept(const sockaddr* client) {
  const std::string key = PerIpKeyFor(client);
  if (key.empty()) return true;
  {
    internal::MutexLock lock(&mu_);
    auto it = per_ip_.find(key);
    if (it == per_ip_.end() || it->second < options_.per_ip_limit) return true;
  }
  options_.log(absl::StrCat("refused a connection from ", PeerAddress(client),
                            ": it has ", options_.per_ip_limit,
                            " open (per-IP connection limit)"));
  return false;
}

void ConnectionGuard::Open(TrackedConnection* connection,
                           const sockaddr* client, int fd) {
  if (connection != nullptr) {
    connection->peer = PeerAddress(client);
    connection->per_ip_key = PerIpKeyFor(client);
    connection->fd = fd;
    ArmDeadline(connection);
  }
  internal::MutexLock lock(&mu_);
  if (connection != nullptr) {
    if (!connection->per_ip_key.empty()) ++per_ip_[connection->per_ip_key];
    try {
      if (connection->fd >= 0) tracked_.insert(connection);
    } catch (...) {
      Unpublish(connection);
      throw;
    }
  }
  ++open_connections_;
}

void ConnectionGuard::Close(TrackedConnection* connection) {
  internal::MutexLock lock(&mu_);
  --open_connections_;
  if (connection != nullptr) Unpublish(connection);
}

void ConnectionGuard::Unpublish(TrackedConnection* connection) {
  tracked_.erase(connection);
  if (connection->per_ip_key.empty()) return;
  auto it = per_ip_.find(connection->per_ip_key);
  if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
}

void ConnectionGuard::ArmDeadline(TrackedConnection* connection) const {
  const absl::Time deadline = options_.clock->Now() + options_.request_timeout;
  connection->request_deadline_ns.store(absl::ToUnixNanos(deadline),
                                        std::memory_order_relaxed);
}

void ConnectionGuard::DisarmDeadline(TrackedConnection* connection) {
  connection->request_deadline_ns.store(0, std::memory_order_relaxed);
}

absl::Status ConnectionGuard::StartSweeper() {
  try {
    sweeper_ = std::thread([this] { SweepOverdueRequests(); });
  } catch (const std::system_error& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot start the request-timeout thread: ", e.what()));
  }
  return absl::OkStatus();
}

void ConnectionGuard::StopSweeper() {
  {
    internal::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (sweeper_.joinable()) sweeper_.join();
}

size_t ConnectionGuard::open_connections() const {
  internal::MutexLock lock(&mu_);
  return open_connections_;
}

bool ConnectionGuard::WaitForOpenConnections(size_t count,
                                             absl::Duration timeout) const {
  internal::MutexLock lock(&mu_);
  std::pair<const ConnectionGuard*, size_t> arg(this, count);
  return internal::AwaitWithRealTimeout(
      mu_,
      absl::Condition(
          +[](std::pair<const ConnectionGuard*, size_t>* a) {
            a->first->mu_.AssertHeld();
            return a->first->open_connections_ == a->second;
          },
          &arg),
      timeout);
}

absl::Duration ConnectionGuard::SweepInterval() const {
  return std::clamp(options_.request_timeout / 10, absl::Milliseconds(50),
                    absl::Seconds(1));
}

// Every SweepInterval() until StopSweeper(), shuts down the sockets of
// connections whose request is overdue; libmicrohttpd then sees the
// connection end and closes it as usual.
void ConnectionGuard::SweepOverdueRequests() {
  const absl::Duration interval = SweepInterval();
  std::vector<std::string> dropped;
  while (true) {
    {
      internal::MutexLock lock(&mu_);
      if (internal::AwaitWithRealTimeout(mu_, absl::Condition(&stopping_),
                                         interval)) {
        return;
      }
      const int64_t now = absl::ToUnixNanos(options_.clock->Now());
      for (TrackedConnection* connection : tracked_) {
        const int64_t deadline =
            connection->request_deadline_ns.load(std::memory_order_relaxed);
        if (deadline == 0 || now < deadline || connection->timed_out) continue;
        connection->timed_out = true;
        ::shutdown(connection->fd, SHUT_RDWR);
        dropped.push_back(connection->peer);
      }
    }
    // Log outside the lock: the logger is the user's code.
    for (const std::string& peer : dropped) {
      options_.log(absl::StrCat("closed the connection from ", peer,
                                ": its request was not complete within ",
                                absl::FormatDuration(options_.request_timeout)));
    }
    dropped.clear();
  }
}

}  // namespace http
}  // namespace autoheal

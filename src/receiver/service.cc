#include "receiver/service.h"

#include <malloc.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "autoheal/json_audit_sink.h"
#include "autoheal/process_executor.h"
#include "autoheal/version.h"
#include "core/host_port.h"
#include "receiver/receiver.h"

namespace autoheal {
namespace receiver {
namespace {

// How often the state store is pinged for GET /readyz.
constexpr absl::Duration kStoreProbeInterval = absl::Seconds(1);

void Log(absl::string_view message) {
  std::cerr << "autoheal-webhook: " << message << std::endl;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " ", path, ": cannot open: ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::StatusOr<std::unique_ptr<AuditSink>> OpenAudit(const ServiceConfig& c) {
  if (c.audit_log.empty()) return {JsonLinesAuditSink::ForStdout()};
  absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>> sink =
      JsonLinesAuditSink::OpenFile(c.audit_log);
  if (!sink.ok()) return sink.status();
  return {*std::move(sink)};
}

// Returns the worker count: `workers`, or one per core when 0.
int WorkerCount(int workers) {
  if (workers > 0) return workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

absl::StatusOr<http::HttpServerOptions> ServerOptions(const ServiceConfig& c) {
  http::HttpServerOptions options;
  absl::Status status =
      ParseListenAddress(c.listen, &options.bind_address, &options.port);
  if (!status.ok()) return status;
  if (c.workers < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--workers ", c.workers, ": expected a number of threads, at least 1 "
        "(or 0 for one per core)"));
  }
  if (c.max_queued_requests < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max-queued-requests ", c.max_queued_requests,
        ": expected at least 1"));
  }
  options.worker_threads = WorkerCount(c.workers);
  options.worker_queue_limit = static_cast<size_t>(c.max_queued_requests);
  options.offload = &Receiver::Offload;
  options.max_body_bytes = c.max_body_bytes;
  options.connection_timeout = c.connection_timeout;
  options.request_timeout = c.request_timeout;
  options.error_logger = [](absl::string_view m) { Log(m); };
  if (c.tls_cert_path.empty() != c.tls_key_path.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key must be given together");
  }
  if (!c.tls_cert_path.empty()) {
    absl::StatusOr<std::string> cert = ReadWholeFile(c.tls_cert_path, "--tls-cert");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadWholeFile(c.tls_key_path, "--tls-key");
    if (!key.ok()) return key.status();
    options.tls_cert_pem = *std::move(cert);
    options.tls_key_pem = *std::move(key);
  }
  return options;
}

// Opens the configured state store. The default SQLite file's directory is
// created when missing (that level only), as a package would; any other
// path's directory must exist.
absl::StatusOr<std::unique_ptr<CooldownStore>> OpenState(
    const StateOptions& state) {
  if (state.backend == "sqlite" && state.sqlite_path == kDefaultSqlitePath) {
    absl::StatusOr<bool> created =
        CreateDirectoryIfMissing(kDefaultStateDirectory, 0750);
    if (!created.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "state database ", state.sqlite_path, ": ", created.status().message(),
          "; run as a user who may create it, or give --state-path"));
    }
    if (*created) {
      Log(absl::StrCat("created ", kDefaultStateDirectory,
                       " (mode 0750) for the state database"));
    }
  }
  return OpenStateStore(state);
}

// Keeps the buffers of a delivery (its body, its answer and its audit lines,
// a few hundred KB each for a 200-alert notification) in the heap for reuse:
// by default glibc maps and unmaps buffers that large on every request, and
// the page faults and TLB flushes cost a storm about a fifth of its CPU
// (bench/RESULTS.md). The heap then keeps up to 64 MiB it no longer uses
// instead of giving it back at once.
void TuneAllocatorForLargeRequests() {
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

// Blocks the signals the service handles, in this thread and every thread
// it starts afterwards, so that only WaitForSignals() sees them.
sigset_t BlockServiceSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client hanging up must not kill us
  return set;
}

// Handles SIGHUP (reload) until SIGTERM or SIGINT arrives.
void WaitForSignals(const sigset_t& set, Receiver& receiver) {
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig != SIGHUP) {
      Log(absl::StrCat("received ", strsignal(sig), "; shutting down"));
      return;
    }
    absl::Status reloaded = receiver.Reload();
    Log(reloaded.ok()
            ? absl::StrCat("policy reloaded; digest ", receiver.policy_digest())
            : absl::StrCat("policy reload failed, keeping the old policy: ",
                           reloaded.message()));
  }
}

}  // namespace

absl::Status ParseListenAddress(const std::string& listen, std::string* host,
                                uint16_t* port) {
  internal::HostPortSpec spec;
  spec.what = "listen address";
  spec.example = "127.0.0.1:9009";
  spec.allow_port_zero = true;  // any free port, which the log line shows
  absl::StatusOr<internal::HostPort> parsed =
      internal::ParseHostPort(listen, spec);
  if (!parsed.ok()) return parsed.status();
  *host = std::move(parsed->host);
  *port = *parsed->port;
  return absl::OkStatus();
}

absl::Status ResolveServiceConfig(const EnvLookup& env, bool listen_from_flag,
                                  const std::string& token_file,
                                  bool state_path_from_flag,
                                  ServiceConfig& config) {
  if (!listen_from_flag) {
    if (std::optional<std::string> listen = env("AUTOHEAL_LISTEN")) {
      config.listen = *listen;
    }
  }
  if (!state_path_from_flag) {
    if (std::optional<std::string> path = env("AUTOHEAL_STATE_PATH")) {
      if (path->empty()) {
        return absl::InvalidArgumentError(
            "AUTOHEAL_STATE_PATH: expected a file path, got an empty value");
      }
      config.state.sqlite_path = *path;
    }
  }
  if (!token_file.empty()) {
    if (!config.bearer_token.empty()) {
      return absl::InvalidArgumentError(
          "give the bearer token once: --bearer-token or --bearer-token-file");
    }
    absl::StatusOr<std::string> token =
        ReadWholeFile(token_file, "--bearer-token-file");
    if (!token.ok()) return token.status();
    config.bearer_token = std::string(absl::StripSuffix(
        absl::StripSuffix(*token, "\n"), "\r"));
    if (config.bearer_token.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--bearer-token-file ", token_file, ": the file is empty"));
    }
  } else if (config.bearer_token.empty()) {
    if (std::optional<std::string> token = env("AUTOHEAL_BEARER_TOKEN")) {
      config.bearer_token = *token;
    }
  }
  return absl::OkStatus();
}

int RunService(const ServiceConfig& config) {
  sigset_t signals = BlockServiceSignals();
  TuneAllocatorForLargeRequests();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  absl::StatusOr<http::HttpServerOptions> server_options = ServerOptions(config);
  absl::StatusOr<std::unique_ptr<AuditSink>> audit = OpenAudit(config);
  for (const absl::Status& s : {server_options.status(), audit.status()}) {
    if (!s.ok()) {
      Log(s.message());
      return 1;
    }
  }
  ProcessExecutorOptions executor_options;
  executor_options.max_concurrent = config.max_concurrent_actions;
  executor_options.max_queue = config.max_queued_actions;
  absl::StatusOr<std::unique_ptr<ProcessExecutor>> executor =
      ProcessExecutor::Create(executor_options, RealClock());
  if (!executor.ok()) {
    Log(executor.status().message());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<CooldownStore>> store = OpenState(config.state);
  if (!store.ok()) {
    Log(store.status().message());
    return 1;
  }
  ReceiverConfig receiver_config;
  receiver_config.policy_path = config.policy_path;
  receiver_config.bearer_token = config.bearer_token;
  ReceiverDeps deps;
  deps.store = store->get();
  deps.executor = executor->get();
  deps.audit = audit->get();
  absl::StatusOr<std::unique_ptr<Receiver>> receiver =
      Receiver::Create(receiver_config, deps);
  if (!receiver.ok()) {
    Log(receiver.status().message());
    return 1;
  }
  Receiver* r = receiver->get();
  server_options->on_own_response = [r](int code) { r->CountHttpResponse(code); };
  absl::StatusOr<std::unique_ptr<StoreProber>> prober =
      StoreProber::Start([r] { r->CheckStore(); }, kStoreProbeInterval);
  if (!prober.ok()) {
    Log(prober.status().message());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<http::HttpServer>> server = http::HttpServer::Start(
      *server_options,
      [r](const http::HttpRequest& request) { return r->Handle(request); });
  if (!server.ok()) {
    Log(server.status().message());
    return 1;
  }
  Log(absl::StrCat("autoheal ", AUTOHEAL_VERSION_STRING, " listening on ",
                   config.tls_cert_path.empty() ? "http://" : "https://",
                   internal::JoinHostPort(server_options->bind_address,
                                          (*server)->port()),
                   "; ", r->enabled() ? "ENABLED: actions run" : "dry-run",
                   "; policy ",
                   config.policy_path.empty() ? "embedded default" : config.policy_path,
                   " (sha256 ", r->policy_digest(), "); state ",
                   DescribeStateStore(config.state), "; ",
                   server_options->worker_threads, " workers"));

  WaitForSignals(signals, *r);

  (*server)->Stop();
  prober->reset();
  absl::Status drained = (*executor)->Shutdown(config.shutdown_grace);
  if (!drained.ok()) Log(drained.message());
  absl::Status flushed = (*audit)->Flush();
  if (!flushed.ok()) Log(flushed.message());
  Log("stopped");
  return 0;
}

}  // namespace receiver
}  // namespace autoheal

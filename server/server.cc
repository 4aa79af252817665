// Server's lifecycle: Start wires the state, the store, TLS, the listener,
// the worker threads and the background sweep; Stop takes them down. The
// rest of server/ is split by concern: listener.cc (accept, TLS), session.cc
// (one request after another), pipeline.cc (what a request does),
// body_reader.cc, response_writer.cc, background.cc, inspect.cc.
#include "s2lite/server.h"

#include <signal.h>
#include <spdlog/logger.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdio>
#include <thread>

#include "common/crypto.h"
#include "server/handlers/common.h"
#include "server/leader.h"
#include "server/logging.h"
#include "server/seed.h"
#include "server/server_impl.h"

namespace s2lite {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Threads of the worker pool that runs copies.
constexpr size_t kWorkerThreads = 2;

// Blocks SIGPIPE in the calling thread while alive, so that the threads it
// starts meanwhile inherit the blocked mask; restores the mask after.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &saved_);
  }
  ~SigpipeBlocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t saved_;
};

Status CheckUsers(const Options& options) {
  if (options.users.empty())
    return Status(ErrorCode::kInvalidArgument, "at least one user (access key) is required");
  for (const auto& u : options.users) {
    if (u.name.empty() || u.access_key.empty() || u.secret_key.empty())
      return Status(ErrorCode::kInvalidArgument, "users need a name, access key and secret key");
  }
  return Status::Ok();
}

}  // namespace

Status Server::Impl::Start() {
  if (running) return Status(ErrorCode::kInvalidArgument, "server already started");
  if (Status s = CheckUsers(options); !s.ok()) return s;
  if (options.domains.empty()) options.domains = {"localhost"};
  auto st = OpenState();
  if (!st.ok()) return st.status();
  if (Status s = LoadTls(); !s.ok()) return s;
  unsigned n =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  iocs.clear();
  md5_batches.clear();
  for (unsigned i = 0; i < n; ++i) {
    iocs.push_back(std::make_unique<asio::io_context>(1));
    md5_batches.push_back(options.md5_lanes ? std::make_unique<auth::Md5Batch>() : nullptr);
  }
  if (Status s = Listen(); !s.ok()) return s;
  for (const auto& rule : options.faults) (*st)->faults.Add(rule);
  Launch(std::move(*st));
  return Status::Ok();
}

// The shared state over an opened store, with the configured buckets and the
// seed directory's objects in it.
Result<std::unique_ptr<server::ServerState>> Server::Impl::OpenState() {
  auto st = std::make_unique<server::ServerState>();
  st->options = options;
  st->logger = server::MakeLogger(options, "s2lite");
  for (const auto& u : options.users) st->users_by_access_key[u.access_key] = u;
  st->host_id = common::Base64Encode(common::RandomHex(24));
  st->request_id_prefix = common::RandomHex(4);
  storage::StoreOptions so{options.data_dir, options.in_memory, options.fsync,
                           /*group_commit=*/!options.in_memory};
  if (options.clock) so.now = [clock = options.clock] { return server::ToTimeMs(clock()); };
  so.registry = options.registry;
  so.max_read_ms = options.max_read_duration.count();
  // A PostgreSQL registry's pool: four connections per I/O thread.
  so.registry_connections =
      4 * static_cast<int>(options.threads ? options.threads
                                           : std::max(1u, std::thread::hardware_concurrency()));
  so.warn = [logger = st->logger](const std::string& message) { logger->warn("{}", message); };
  auto store = storage::OpenObjectStore(so);
  if (!store.ok()) return store.status();
  st->store = std::move(*store);
  for (const auto& name : options.buckets) {
    if (Status s = EnsureBucket(*st, name); !s.ok()) return s;
  }
  if (!options.seed_dir.empty()) {
    auto seeded = server::SeedFromDirectory(*st, options.seed_dir);
    if (!seeded.ok()) return seeded.status();
    st->logger->info("seeded {} buckets from {}: {} objects uploaded, {} unchanged",
                     seeded->buckets, options.seed_dir, seeded->uploaded, seeded->unchanged);
  }
  return st;
}

// Sets `tls` when a certificate and key are configured.
Status Server::Impl::LoadTls() {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) return Status::Ok();
  if (options.tls_cert_file.empty() || options.tls_key_file.empty())
    return Status(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key file");
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  beast::error_code tls_ec;
  ctx->use_certificate_chain_file(options.tls_cert_file, tls_ec);
  if (!tls_ec) ctx->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, tls_ec);
  if (tls_ec)
    return Status(ErrorCode::kInvalidArgument,
                  "cannot load TLS certificate/key: " + tls_ec.message());
  tls = std::move(ctx);
  return Status::Ok();
}

// Opens the acceptor on the first worker's event loop; sets port and
// listen_address.
Status Server::Impl::Listen() {
  beast::error_code ec;
  std::string host = options.listen_host == "localhost" ? "127.0.0.1" : options.listen_host;
  auto address = asio::ip::make_address(host, ec);
  if (ec)
    return Status(ErrorCode::kInvalidArgument, "invalid listen address: " + options.listen_host);
  tcp::endpoint ep(address, options.listen_port);
  // On the first worker's (single-threaded) io_context: Stop() posts the
  // close to it, so it never runs while the accept loop arms its next accept.
  acceptor = std::make_unique<tcp::acceptor>(*iocs.front());
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(ErrorCode::kInternalError, "cannot listen on " + options.listen_host + ":" +
                                                 std::to_string(options.listen_port) + ": " +
                                                 ec.message());
  }
  port = acceptor->local_endpoint().port();
  asio::ip::address bound = acceptor->local_endpoint().address();
  listen_address = bound.is_v6() ? "[" + bound.to_string() + "]" : bound.to_string();
  listen_address += ":" + std::to_string(port);
  return Status::Ok();
}

// Starts the worker pool, the accept loop, the background sweep and the
// worker threads.
void Server::Impl::Launch(std::unique_ptr<server::ServerState> st) {
  state = std::move(st);
  // Every thread the library starts inherits a mask with SIGPIPE blocked: a
  // write to a peer that reset (sendfile has no MSG_NOSIGNAL) then fails with
  // EPIPE instead of killing a host process that keeps SIGPIPE's default.
  SigpipeBlocked no_sigpipe;
  workers = std::make_unique<asio::thread_pool>(kWorkerThreads);
  state->workers = workers.get();
  stopping = false;
  asio::co_spawn(acceptor->get_executor(), AcceptLoop(), asio::detached);
  state->leader =
      server::StartLeader(*state, iocs.front()->get_executor(), workers->get_executor());
  reaper = std::make_unique<asio::steady_timer>(*iocs.front());
  asio::co_spawn(reaper->get_executor(), ReapStaleUploads(), asio::detached);
  for (auto& ioc : iocs) {
    idle_guards.push_back(asio::make_work_guard(*ioc));
    threads.emplace_back([ctx = ioc.get()] { ctx->run(); });
  }
  running = true;
  state->ready = true;
}

void Server::Impl::Stop() {
  if (!running) return;
  stopping = true;
  if (reaper) asio::post(reaper->get_executor(), [this] { reaper->cancel(); });
  if (state->leader) state->leader->Cancel();
  state->ready = false;
  asio::post(acceptor->get_executor(), [this] {
    beast::error_code ec;
    acceptor->close(ec);
  });
  idle_guards.clear();  // each run() returns once its connections are gone
  {
    std::unique_lock lock(mu);
    for (const auto& track : sessions) {
      // Idle connections are cancelled; busy ones finish their request, then close.
      asio::post(track->executor, [track] {
        // The socket may already be closed (a deadline fired, or a reset
        // fault): cancel must not throw on this thread.
        beast::error_code ignored;
        if (track->socket && !track->busy) track->socket->cancel(ignored);
      });
    }
    if (!cv.wait_for(lock, std::chrono::seconds(10), [this] { return sessions.empty(); })) {
      state->logger->warn("stop: {} connections still busy, closing them", sessions.size());
      for (auto& ioc : iocs) ioc->stop();
    }
  }
  for (auto& t : threads) t.join();
  threads.clear();
  workers->join();  // a copy still running finishes (its session is gone)
  workers.reset();
  // Another daemon takes the background work over at once.
  if (state->leader) static_cast<void>(storage::Sync(state->leader->Release()));
  // Its timer belongs to an io_context: it goes first.
  state->leader.reset();
  state->workers = nullptr;
  // The store's last commit, before the io_contexts its waiters belong to go.
  state->store.reset();
  acceptor.reset();
  reaper.reset();
  iocs.clear();
  state->logger->flush();
  state.reset();  // closes the registry cleanly
  running = false;
  port = 0;
  listen_address.clear();
}

namespace server {
std::string ServerState::NextRequestId() {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08llX", static_cast<unsigned long long>(request_counter++));
  std::string id = request_id_prefix + buf;
  for (char& c : id)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  return id;
}
}  // namespace server

Server::Server(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
Server::~Server() { Stop(); }
Status Server::Start() { return impl_->Start(); }
void Server::Stop() { impl_->Stop(); }
uint16_t Server::port() const { return impl_->port; }
std::string Server::listen_address() const { return impl_->listen_address; }
std::string Server::endpoint() const {
  std::string host = impl_->options.listen_host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::")
    host = "[::1]";
  else if (host.find(':') != std::string::npos && host.front() != '[')
    host = "[" + host + "]";
  return (impl_->tls ? "https://" : "http://") + host + ":" + std::to_string(impl_->port);
}
const Options& Server::options() const { return impl_->options; }

}  // namespace s2lite

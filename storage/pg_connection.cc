#include "storage/pg_connection.h"

#include <endian.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <optional>
#include <utility>

namespace s2lite::storage::pg {

namespace asio = boost::asio;

// --- Params

Params& Params::Add(Oid type, std::string value, int format, bool null) {
  types_.push_back(type);
  values_.push_back(std::move(value));
  nulls_.push_back(null);
  formats_.push_back(format);
  return *this;
}

Params& Params::Int(int64_t v) {
  uint64_t be = htobe64(static_cast<uint64_t>(v));
  return Add(20, std::string(reinterpret_cast<const char*>(&be), sizeof be), 1);
}

Params& Params::Int4(int32_t v) {
  uint32_t be = htobe32(static_cast<uint32_t>(v));
  return Add(23, std::string(reinterpret_cast<const char*>(&be), sizeof be), 1);
}

Params& Params::TextArray(const std::vector<std::string>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return Add(1009, std::move(out), 0);
}

Params& Params::IntArray(const std::vector<int64_t>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(v[i]);
  }
  out += '}';
  return Add(1016, std::move(out), 0);
}

std::vector<const char*> Params::Values() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) {
    out.push_back(nulls_[i] ? nullptr : values_[i].data());
  }
  return out;
}

std::vector<int> Params::Lengths() const {
  std::vector<int> out;
  out.reserve(values_.size());
  for (const std::string& v : values_) out.push_back(static_cast<int>(v.size()));
  return out;
}

// --- Rows

int64_t Rows::Int(int row, int col) const {
  const char* p = pq::getvalue(r_.get(), row, col);
  switch (pq::getlength(r_.get(), row, col)) {
    case 8: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      return static_cast<int64_t>(be64toh(v));
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return static_cast<int32_t>(be32toh(v));
    }
    case 2: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return static_cast<int16_t>(be16toh(v));
    }
    case 1:
      return static_cast<unsigned char>(*p);
    default:
      return 0;
  }
}

int64_t Rows::affected() const {
  const char* n = r_ ? pq::cmdTuples(r_.get()) : "";
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}

// --- Connection

void Connection::Drop() {
  if (conn_ != nullptr) pq::finish(conn_);
  conn_ = nullptr;
  prepared_.clear();
}

bool Connection::InTransaction() const {
  if (conn_ == nullptr) return false;
  PGTransactionStatusType t = pq::transactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

namespace {

// One wait's descriptor and deadline timer, shared with the timer's handler
// (which may run after the wait is over).
struct SocketWait {
  SocketWait(const asio::any_io_executor& executor, int fd)
      : socket(executor, fd), timer(executor) {}
  asio::posix::stream_descriptor socket;
  asio::steady_timer timer;
};

}  // namespace

Task<bool> Connection::Wait(bool write, Clock::time_point deadline) {
  auto executor = co_await asio::this_coro::executor;
  // The descriptor only borrows libpq's socket: released, never closed. The
  // timer cancels the wait at the deadline (a plain handler: cheaper than a
  // parallel group of coroutines on every round trip).
  auto wait = std::make_shared<SocketWait>(executor, pq::socket(conn_));
  wait->timer.expires_at(deadline);
  wait->timer.async_wait([wait](const boost::system::error_code& ec) {
    if (!ec && wait->socket.is_open()) {
      boost::system::error_code ignored;
      wait->socket.cancel(ignored);
    }
  });
  boost::system::error_code ec;
  co_await wait->socket.async_wait(write ? asio::posix::stream_descriptor::wait_write
                                         : asio::posix::stream_descriptor::wait_read,
                                   asio::redirect_error(asio::use_awaitable, ec));
  wait->timer.cancel();
  wait->socket.release();
  co_return !ec;
}

Task<Status> Connection::Connect(Clock::time_point deadline) {
  Drop();
  if (Status loaded = pq::Load(); !loaded.ok()) co_return loaded;
  // A host name is resolved here (blocking): use a Unix socket path, an
  // address (hostaddr) or a local resolver for the registry.
  conn_ = pq::connectStart(conninfo_.c_str());
  if (conn_ == nullptr) co_return Status(ErrorCode::kSlowDown, "out of memory");
  auto failed = [this](std::string why) {
    std::string message = conn_ ? pq::errorMessage(conn_) : "";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    Drop();
    return Status(ErrorCode::kSlowDown, why + (message.empty() ? "" : ": " + message));
  };
  if (pq::status(conn_) == CONNECTION_BAD) co_return failed("cannot connect");
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  while (poll != PGRES_POLLING_OK) {
    if (poll == PGRES_POLLING_FAILED) co_return failed("cannot connect");
    if (!co_await Wait(poll == PGRES_POLLING_WRITING, deadline)) {
      co_return failed("connection timed out");
    }
    poll = pq::connectPoll(conn_);
  }
  // Notices (e.g. "already exists, skipping") are not errors: not printed.
  pq::setNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  if (pq::setnonblocking(conn_, 1) != 0 || pq::enterPipelineMode(conn_) != 1) {
    co_return failed("cannot enter pipeline mode");
  }
  // The server gives up on what the client has given up on: a statement
  // (a lock wait) past the client's timeout, and a transaction left open by
  // a client that vanished.
  Command limits;
  limits.sql =
      "SELECT set_config('statement_timeout', $1, false), "
      "set_config('idle_in_transaction_session_timeout', $2, false)";
  limits.params.Text(std::to_string(session_timeout_ms_))
      .Text(std::to_string(2 * session_timeout_ms_));
  std::vector<Command> commands;
  commands.push_back(std::move(limits));
  Reply r = co_await Run(commands, deadline);
  if (!r.ok()) co_return failed("cannot set session limits: " + r.message);
  co_return Status::Ok();
}

Task<Reply> Connection::Run(const std::vector<Command>& commands, Clock::time_point deadline,
                            int commit_index) {
  Reply reply;
  if (conn_ == nullptr) {
    reply.failure = Reply::Failure::kConnection;
    reply.message = "not connected";
    co_return reply;
  }
  reply.results.resize(commands.size());
  std::vector<Expected> expected;
  bool commit_answered = false;
  std::optional<Broken> broken;
  if (!Send(commands, expected)) broken = Broken{Reply::Failure::kConnection, "send failed"};
  if (!broken) broken = co_await Flush(deadline);
  if (!broken) {
    broken = co_await Receive(commands, expected, commit_index, deadline, reply, commit_answered);
  }
  if (broken) {
    co_return Lost(std::move(reply), std::move(*broken), commit_index >= 0 && !commit_answered);
  }
  if (!reply.ok()) reply.results.clear();
  co_return reply;
}

Reply Connection::Lost(Reply reply, Broken broken, bool commit_unknown) {
  std::string message = conn_ ? pq::errorMessage(conn_) : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  Drop();
  reply.failure = broken.failure;
  reply.message = broken.why + (message.empty() ? "" : ": " + message);
  reply.commit_unknown = commit_unknown;
  reply.results.clear();
  return reply;
}

bool Connection::Send(const std::vector<Command>& commands, std::vector<Expected>& expected) {
  for (size_t i = 0; i < commands.size(); ++i) {
    const Command& c = commands[i];
    std::vector<const char*> values = c.params.Values();
    std::vector<int> lengths = c.params.Lengths();
    int sent;
    if (c.statement != nullptr) {
      if (prepared_.count(c.statement->name) == 0) {
        if (pq::sendPrepare(conn_, c.statement->name.c_str(), c.statement->sql.c_str(),
                            c.params.size(), c.params.types().data()) != 1) {
          return false;
        }
        expected.push_back({static_cast<int>(i), true});
      }
      sent = pq::sendQueryPrepared(conn_, c.statement->name.c_str(), c.params.size(), values.data(),
                                   lengths.data(), c.params.formats().data(), 1);
    } else {
      sent = pq::sendQueryParams(conn_, c.sql.c_str(), c.params.size(), c.params.types().data(),
                                 values.data(), lengths.data(), c.params.formats().data(), 1);
    }
    if (sent != 1) return false;
    expected.push_back({static_cast<int>(i), false});
  }
  return pq::pipelineSync(conn_) == 1;
}

Task<std::optional<Connection::Broken>> Connection::Flush(Clock::time_point deadline) {
  for (;;) {
    int flushed = pq::flush(conn_);
    if (flushed == 0) co_return std::nullopt;
    if (flushed < 0) co_return Broken{Reply::Failure::kConnection, "send failed"};
    if (!co_await Wait(true, deadline)) {
      co_return Broken{Reply::Failure::kTimeout, "no answer in time"};
    }
    if (pq::consumeInput(conn_) != 1)
      co_return Broken{Reply::Failure::kConnection, "connection lost"};
  }
}

Task<std::optional<Connection::Broken>> Connection::Receive(const std::vector<Command>& commands,
                                                            const std::vector<Expected>& expected,
                                                            int commit_index,
                                                            Clock::time_point deadline,
                                                            Reply& reply, bool& commit_answered) {
  const Broken out_of_step{Reply::Failure::kConnection, "protocol out of step"};
  size_t at = 0;  // the expected result being read
  for (;;) {
    while (pq::isBusy(conn_)) {
      if (!co_await Wait(false, deadline)) {
        co_return Broken{Reply::Failure::kTimeout, "no answer in time"};
      }
      if (pq::consumeInput(conn_) != 1) {
        co_return Broken{Reply::Failure::kConnection, "connection lost"};
      }
    }
    PGresult* r = pq::getResult(conn_);
    if (pq::status(conn_) == CONNECTION_BAD) {
      if (r != nullptr) pq::clear(r);
      co_return Broken{Reply::Failure::kConnection, "connection lost"};
    }
    if (r == nullptr) {
      if (++at > expected.size()) co_return out_of_step;
      continue;
    }
    if (pq::resultStatus(r) == PGRES_PIPELINE_SYNC) {
      pq::clear(r);
      co_return std::nullopt;
    }
    if (at >= expected.size()) {
      pq::clear(r);
      co_return out_of_step;
    }
    const Expected e = expected[at];
    if (e.command == commit_index && !e.prepare) commit_answered = true;
    if (std::optional<Broken> broken = Take(r, e, commands, reply)) co_return broken;
  }
}

std::optional<Connection::Broken> Connection::Take(PGresult* r, Expected e,
                                                   const std::vector<Command>& commands,
                                                   Reply& reply) {
  ExecStatusType status = pq::resultStatus(r);
  if (status == PGRES_FATAL_ERROR) {
    const char* state = pq::resultErrorField(r, PG_DIAG_SQLSTATE);
    std::string sqlstate = state ? state : "";
    std::string message = pq::resultErrorMessage(r);
    pq::clear(r);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    // The server ending this session (pg_terminate_backend, shutdown).
    if (sqlstate.rfind("57P", 0) == 0 || sqlstate.rfind("08", 0) == 0) {
      return Broken{Reply::Failure::kConnection, message};
    }
    if (reply.failure == Reply::Failure::kNone) {
      reply.failure = Reply::Failure::kServer;
      reply.sqlstate = std::move(sqlstate);
      reply.message = std::move(message);
      reply.failed_command = e.command;
    }
  } else if (status == PGRES_PIPELINE_ABORTED) {
    pq::clear(r);
  } else if (e.prepare) {
    if (status == PGRES_COMMAND_OK) prepared_.insert(commands[e.command].statement->name);
    pq::clear(r);
  } else {
    reply.results[e.command] = Rows(r);
  }
  return std::nullopt;
}

// --- Pool

Pool::Pool(Options options) : options_(std::move(options)) {
  redacted_ = RedactConninfo(options_.conninfo);
  if (options_.size < 1) options_.size = 1;
}

Pool::~Pool() {
  closed_ = true;
  std::lock_guard lock(mu_);
  idle_.clear();
  waiters_.clear();
}

void Pool::Lease::Return() {
  if (pool_ != nullptr && c_ != nullptr) pool_->Release(std::move(c_));
  c_.reset();
}

void Pool::Release(std::unique_ptr<Connection> c) {
  if (c->InTransaction()) c->Drop();  // never hand on an open transaction
  std::unique_lock lock(mu_);
  if (!waiters_.empty() && !closed_) {
    Waiter w = std::move(waiters_.front());
    waiters_.pop_front();
    lock.unlock();
    auto executor = w.work.get_executor();
    asio::post(executor, [handler = std::move(w.handler), c = std::move(c)]() mutable {
      std::move(handler)(std::move(c));
    });
    return;
  }
  idle_.push_back(std::move(c));
  --lent_;
}

Task<std::unique_ptr<Connection>> Pool::WaitForConnection() {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                          void(std::unique_ptr<Connection>)>(
      [this](auto handler) {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        std::unique_lock lock(mu_);
        // Freed between the caller's check and now?
        if (!idle_.empty()) {
          std::unique_ptr<Connection> c = std::move(idle_.back());
          idle_.pop_back();
          lock.unlock();
          asio::post(work.get_executor(), [h = std::move(handler), c = std::move(c)]() mutable {
            std::move(h)(std::move(c));
          });
          return;
        }
        waiters_.push_back(Waiter{std::move(work), std::move(handler)});
      },
      asio::use_awaitable);
}

void Pool::NoteLost(const std::string& why) {
  healthy_.store(false, std::memory_order_release);
  Log("registry connection to " + redacted_ + " lost: " + why);
}

Task<Result<Pool::Lease>> Pool::Acquire() {
  const Clock::time_point deadline = Deadline();
  std::unique_ptr<Connection> c;
  bool wait = false;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
      ++lent_;
    } else if (lent_ < options_.size) {
      ++lent_;
      c = std::make_unique<Connection>(options_.conninfo,
                                       static_cast<int>(options_.timeout.count()));
    } else {
      wait = true;
    }
  }
  // Handed over by Release, still counted as lent.
  if (wait) c = co_await WaitForConnection();
  Lease lease(this, std::move(c));
  if (Clock::now() > deadline) {
    co_return Status(ErrorCode::kSlowDown, "no registry connection free in time");
  }
  if (!lease->connected()) {
    Status s = co_await lease->Connect(Deadline());
    if (!s.ok()) {
      if (healthy_.exchange(false, std::memory_order_acq_rel)) {
        Log("registry " + redacted_ + " unreachable: " + s.message());
      }
      co_return s;
    }
    if (!healthy_.exchange(true, std::memory_order_acq_rel)) {
      Log("registry " + redacted_ + " reachable again");
    }
  }
  co_return lease;
}

std::string RedactConninfo(const std::string& conninfo) {
  if (!pq::Load().ok()) return "(libpq not loaded)";
  char* error = nullptr;
  PQconninfoOption* options = pq::conninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    if (error != nullptr) pq::freemem(error);
    return "(unparsable connection string)";
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    if (!out.empty()) out += ' ';
    out += o->keyword;
    out += '=';
    out += std::strcmp(o->keyword, "password") == 0 ? "********" : o->val;
  }
  pq::conninfoFree(options);
  return out;
}

}  // namespace s2lite::storage::pg

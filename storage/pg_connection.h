#pragma once

// libpq on Asio, a detail of the PostgreSQL registry: non-blocking
// connections whose socket is waited on with the caller's executor (never a
// blocking call on an I/O thread), statements sent in pipeline mode (one
// round trip for a batch), prepared once per connection, and a small bounded
// pool. Every wait has a deadline: a connection that times out or breaks is
// dropped and the pool opens a new one on next use.

#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "s2lite/status.h"
#include "storage/libpq.h"
#include "storage/task.h"

namespace s2lite::storage::pg {

using Clock = std::chrono::steady_clock;

// A statement prepared (under `name`) on each connection the first time it
// runs there. Parameter types come from the Params of that first run, so a
// statement is always called with the same parameter types.
struct Statement {
  std::string name;
  std::string sql;
};

// Parameters, sent in binary (text arrays in text form).
class Params {
 public:
  Params& Text(std::string_view v) { return Add(25, std::string(v), 1); }
  Params& Bytes(std::string_view v) { return Add(17, std::string(v), 1); }
  Params& Int(int64_t v);
  Params& Int4(int32_t v);
  Params& NullBytes() { return Add(17, std::string(), 1, true); }
  Params& NullText() { return Add(25, std::string(), 1, true); }
  // text[]; elements are quoted, so any text goes.
  Params& TextArray(const std::vector<std::string>& v);
  // int8[].
  Params& IntArray(const std::vector<int64_t>& v);

  int size() const { return static_cast<int>(types_.size()); }
  const std::vector<Oid>& types() const { return types_; }
  // Pointers into this object: valid while it lives unchanged.
  std::vector<const char*> Values() const;
  std::vector<int> Lengths() const;
  const std::vector<int>& formats() const { return formats_; }

 private:
  Params& Add(Oid type, std::string value, int format, bool null = false);
  std::vector<Oid> types_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> formats_;
};

// One command of a pipeline: a prepared statement, or one SQL statement sent
// unprepared (schema migrations).
struct Command {
  const Statement* statement = nullptr;
  std::string sql;  // when statement is null
  Params params;
};

// A result (binary format).
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* r) : r_(r, &pq::clear) {}
  int size() const { return r_ ? pq::ntuples(r_.get()) : 0; }
  bool empty() const { return size() == 0; }
  bool IsNull(int row, int col) const { return pq::getisnull(r_.get(), row, col) != 0; }
  // text or bytea: the raw bytes.
  std::string Text(int row, int col) const {
    return std::string(pq::getvalue(r_.get(), row, col),
                       static_cast<size_t>(pq::getlength(r_.get(), row, col)));
  }
  // int2, int4, int8 or bool.
  int64_t Int(int row, int col) const;
  // Rows a command affected.
  int64_t affected() const;

 private:
  std::shared_ptr<PGresult> r_;
};

// How a pipeline ended.
struct Reply {
  enum class Failure {
    kNone,
    kServer,      // the server reported an error (sqlstate); the connection is fine
    kConnection,  // lost, or never made: the connection is dropped
    kTimeout,     // no answer in time: the connection is dropped
  };
  Failure failure = Failure::kNone;
  std::string sqlstate;
  std::string message;
  int failed_command = -1;  // the command that failed (kServer)
  // The connection went (kConnection/kTimeout) after a COMMIT was sent and
  // before its answer came: the transaction may or may not be committed.
  bool commit_unknown = false;
  std::vector<Rows> results;  // one per command when ok()

  bool ok() const { return failure == Failure::kNone; }
};

class Connection {
 public:
  // `session_timeout_ms`: the server-side statement_timeout (and twice it,
  // idle_in_transaction_session_timeout) set on each new session.
  Connection(std::string conninfo, int session_timeout_ms)
      : conninfo_(std::move(conninfo)), session_timeout_ms_(session_timeout_ms) {}
  ~Connection() { Drop(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return conn_ != nullptr; }
  // Connects (non-blocking) and enters pipeline mode. An error says why
  // (pq::Load()'s when libpq cannot be loaded).
  Task<Status> Connect(Clock::time_point deadline);
  // Sends every command in one pipeline and reads their results. Stops at
  // the first failing command (the server skips the rest). `commit_index`:
  // the command that is a COMMIT (or -1), for Reply::commit_unknown.
  Task<Reply> Run(const std::vector<Command>& commands, Clock::time_point deadline,
                  int commit_index = -1);
  // pq::transactionStatus: whether a transaction block is open.
  bool InTransaction() const;
  int backend_pid() const { return conn_ ? pq::backendPID(conn_) : 0; }
  void Drop();

 private:
  // Waits until the socket is readable (writable, when `write`). False on
  // timeout or error.
  Task<bool> Wait(bool write, Clock::time_point deadline);

  // Run's steps. A pipeline's results come back in order: each command's,
  // preceded by its statement's preparation when this connection had not
  // prepared it yet.
  struct Expected {
    int command;
    bool prepare;
  };
  // Why a pipeline stopped short: the connection went or timed out.
  struct Broken {
    Reply::Failure failure;
    std::string why;
  };
  // Queues every command (and missing preparations) and the pipeline sync.
  bool Send(const std::vector<Command>& commands, std::vector<Expected>& expected);
  // Sends what libpq has queued.
  Task<std::optional<Broken>> Flush(Clock::time_point deadline);
  // Reads the results up to the pipeline sync into `reply`; `commit_answered`
  // once the command at `commit_index` has its answer.
  Task<std::optional<Broken>> Receive(const std::vector<Command>& commands,
                                      const std::vector<Expected>& expected, int commit_index,
                                      Clock::time_point deadline, Reply& reply,
                                      bool& commit_answered);
  // Files one result (and frees it, or hands it to `reply`).
  std::optional<Broken> Take(PGresult* r, Expected e, const std::vector<Command>& commands,
                             Reply& reply);
  // Drops the connection and says why in `reply`.
  Reply Lost(Reply reply, Broken broken, bool commit_unknown);

  std::string conninfo_;
  int session_timeout_ms_;
  PGconn* conn_ = nullptr;
  std::unordered_set<std::string> prepared_;
};

// A bounded pool of connections shared by every thread.
class Pool {
 public:
  struct Options {
    std::string conninfo;
    int size = 8;
    std::chrono::milliseconds timeout{5000};
    // Told (without the password) when a connection fails or comes back.
    std::function<void(const std::string&)> log;
  };
  explicit Pool(Options options);
  ~Pool();

  // A connection lent to one caller; back to the pool when the lease goes.
  class Lease {
   public:
    Lease() = default;
    Lease(Pool* pool, std::unique_ptr<Connection> c) : pool_(pool), c_(std::move(c)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&& other) noexcept {
      Return();
      pool_ = other.pool_;
      c_ = std::move(other.c_);
      return *this;
    }
    ~Lease() { Return(); }
    Connection* operator->() const { return c_.get(); }
    Connection& operator*() const { return *c_; }
    explicit operator bool() const { return c_ != nullptr; }

   private:
    void Return();
    Pool* pool_ = nullptr;
    std::unique_ptr<Connection> c_;
  };

  // A connected connection, waiting (without holding the thread) while all
  // are lent. kSlowDown when none can be had before the timeout (the
  // database is unreachable), with the reason.
  Task<Result<Lease>> Acquire();

  Clock::time_point Deadline() const { return Clock::now() + options_.timeout; }
  // False from a failed connection attempt (or a dropped connection) until a
  // later attempt succeeds.
  bool healthy() const { return healthy_.load(std::memory_order_acquire); }
  // The conninfo without its password, for messages.
  const std::string& redacted_conninfo() const { return redacted_; }
  // Notes a connection lost during use (logged, not healthy until the next
  // connect).
  void NoteLost(const std::string& why);
  // Notes a round trip that worked (healthy again).
  void NoteReachable() {
    if (!healthy_.exchange(true, std::memory_order_acq_rel)) {
      Log("registry " + redacted_ + " reachable again");
    }
  }
  void Log(const std::string& message) const {
    if (options_.log) options_.log(message);
  }

 private:
  struct Waiter {
    boost::asio::executor_work_guard<boost::asio::any_io_executor> work;
    boost::asio::any_completion_handler<void(std::unique_ptr<Connection>)> handler;
  };
  void Release(std::unique_ptr<Connection> c);
  Task<std::unique_ptr<Connection>> WaitForConnection();

  Options options_;
  std::string redacted_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int lent_ = 0;  // connections out (or being created)
  std::deque<Waiter> waiters_;
  std::atomic<bool> healthy_{true};
  std::atomic<bool> closed_{false};
};

// `conninfo` (key=value or a postgresql:// URI) without its password (a
// placeholder when libpq cannot be loaded).
std::string RedactConninfo(const std::string& conninfo);

}  // namespace s2lite::storage::pg

#pragma once

// How storage calls complete: as Asio coroutines on the caller's executor.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <utility>

namespace s2lite::storage {

// A storage call: `co_await` it from a coroutine running on an Asio executor
// (an I/O thread's io_context, a thread pool). It resumes the caller on that
// same executor once the call is done, without holding the thread meanwhile.
template <class T>
using Task = boost::asio::awaitable<T>;

// Runs `task` to completion on the calling thread (a private io_context) and
// returns its value. For callers outside the server's event loops: start-up,
// the embedding API, tests. Never call it on an I/O thread (it blocks).
template <class T>
T Sync(Task<T> task) {
  boost::asio::io_context ioc(1);
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(
      ioc, [&]() -> Task<void> { out.emplace(co_await std::move(task)); },
      [&](std::exception_ptr e) { error = e; });
  ioc.run();
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

}  // namespace s2lite::storage

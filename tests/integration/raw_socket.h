#pragma once

// A bare TCP connection for tests that must misbehave at the byte level
// (slow headers, stalled bodies, connection floods): nothing is buffered or
// retried, and a peer close is reported, not thrown.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace s2lite::testing {

class RawSocket {
 public:
  explicit RawSocket(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    int one = 1;
    if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawSocket() { Close(); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Closes with RST (SO_LINGER 0), as a client that gives up mid-transfer.
  void Reset() {
    linger l{1, 0};
    if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    Close();
  }

  // Sends everything; false when the peer has gone.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Appends whatever arrives within `timeout` to `received`; returns true
  // when the peer closed (FIN or RST) meanwhile.
  bool ReadFor(std::chrono::milliseconds timeout, std::string& received) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r <= 0) continue;
      char buf[16384];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN && errno != EINTR;
      received.append(buf, static_cast<size_t>(n));
    }
  }

  // Reads until the peer closes or `timeout`; true when it closed.
  bool WaitClosed(std::chrono::milliseconds timeout, std::string* received = nullptr) {
    std::string sink;
    return ReadFor(timeout, received ? *received : sink);
  }

  // Reads until a complete response header and Content-Length body arrived.
  std::string ReadResponse(std::chrono::milliseconds timeout) {
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto end = got.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        auto cl = got.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) length = std::stoul(got.substr(cl + 16));
        if (got.size() >= end + 4 + length) return got;
      }
      if (ReadFor(std::chrono::milliseconds(50), got)) break;
    }
    return got;
  }

 private:
  int fd_ = -1;
};

}  // namespace s2lite::testing

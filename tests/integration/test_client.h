#pragma once

// A small blocking HTTP/1.1 client for integration tests, signing with
// SigV4/SigV2 through auth/ (the vectors in tests/unit/auth keep the signer honest).

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "s2lite/server.h"

namespace s2lite::testing {

enum class Sign { kV4, kV2, kNone };

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string Header(const std::string& lower_name) const;
  // Text of the first <name>...</name> in the body ("" if absent).
  std::string Xml(const std::string& name) const;
  // The same with XML's five predefined entities decoded.
  std::string XmlText(const std::string& name) const;
  // Texts of every <name>...</name> in the body, in order.
  std::vector<std::string> XmlAll(const std::string& name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";  // path + query, already %-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Sign sign = Sign::kV4;
  std::string host;  // Host header; default 127.0.0.1:<port>
  std::optional<std::chrono::system_clock::time_point> time;  // signing time
  std::string access_key;                                     // default: the client's
  std::string secret_key;
  bool unsigned_payload = false;
  // When set, signed and sent as x-amz-content-sha256 instead of the body's
  // hash (e.g. "STREAMING-UNSIGNED-PAYLOAD-TRAILER" for aws-chunked bodies).
  std::string payload_hash;
};

class TestClient {
 public:
  TestClient(uint16_t port, std::string access_key, std::string secret_key,
             std::string region = "us-east-1");
  ~TestClient();
  // One request on a fresh connection (or the kept-alive one when `keep`).
  HttpResponse Send(HttpRequest req, bool keep = false);
  // Signs `req` and returns its wire bytes (for pipelining tests).
  std::string Serialize(HttpRequest req);
  uint16_t port() const { return port_; }

 private:
  struct Conn;
  uint16_t port_;
  std::string access_key_, secret_key_, region_;
  std::unique_ptr<Conn> conn_;
};

// "20261125T173000Z", as SigV4 signs it.
std::string AmzDate(std::chrono::system_clock::time_point t);

// Reads HTTP responses from raw bytes sent over one socket (pipelining).
std::vector<HttpResponse> SendRaw(uint16_t port, const std::string& bytes, size_t expect);

// Creates and removes a temp directory.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline UserCredentials Alice() { return {"alice", "AKIAALICE", "alice-secret"}; }
inline UserCredentials Bob() { return {"bob", "AKIABOB", "bob-secret"}; }

}  // namespace s2lite::testing

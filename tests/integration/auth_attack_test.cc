// Authentication under attack: forged, replayed, skewed, truncated, oversized
// and ambiguous credentials are all refused with S3's code, the server keeps
// serving, and no secret or signature ever reaches the log.
#include <gtest/gtest.h>

#include <mutex>

#include "auth/request_view.h"
#include "auth/sigv4.h"
#include "common/crypto.h"
#include "common/uri.h"
#include "raw_socket.h"
#include "server_fixture.h"

namespace s2lite::testing {
namespace {

using namespace std::chrono_literals;

// Every log line the server writes, at trace level.
struct LogCapture {
  std::mutex mu;
  std::vector<std::string> lines;
  std::string All() {
    std::lock_guard lock(mu);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

class AuthAttackTest : public ServerTest {
 protected:
  Options MakeOptions() override {
    Options o = ServerTest::MakeOptions();
    o.log_level = LogLevel::kTrace;
    o.log_sink = [log = log_](LogLevel, std::string_view line) {
      std::lock_guard lock(log->mu);
      log->lines.emplace_back(line);
    };
    return o;
  }

  // A SigV4 request with full control over the Authorization header.
  struct Signed {
    HttpRequest req;
    std::string authorization;
    std::string signature;
  };
  Signed SignManually(
      std::string method, std::string target, std::string region = "us-east-1",
      std::string service = "s3", bool sign_host = true, std::string secret = "alice-secret",
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
    Signed out;
    std::string host = "127.0.0.1:" + std::to_string(server_->port());
    std::string amz_date = AmzDate(now);
    std::string payload = common::Sha256Hex("");
    auth::RequestView v;
    v.method = method;
    auto q = target.find('?');
    v.raw_path = target.substr(0, q);
    if (q != std::string::npos) v.query = *common::ParseQuery(target.substr(q + 1));
    v.headers = {{"host", host}, {"x-amz-content-sha256", payload}, {"x-amz-date", amz_date}};
    std::vector<std::string> signed_headers = {"x-amz-content-sha256", "x-amz-date"};
    if (sign_host) signed_headers.insert(signed_headers.begin(), "host");
    std::string scope = amz_date.substr(0, 8) + "/" + region + "/" + service + "/aws4_request";
    std::string sts =
        auth::StringToSign(amz_date, scope, auth::CanonicalRequest(v, signed_headers, payload));
    out.signature =
        auth::SignatureHex(auth::SigningKey(secret, amz_date.substr(0, 8), region, service), sts);
    std::string list;
    for (const auto& h : signed_headers) list += (list.empty() ? "" : ";") + h;
    out.authorization = "AWS4-HMAC-SHA256 Credential=AKIAALICE/" + scope +
                        ", SignedHeaders=" + list + ", Signature=" + out.signature;
    out.req.method = method;
    out.req.target = target;
    out.req.sign = Sign::kNone;
    out.req.host = host;
    out.req.headers = {{"x-amz-content-sha256", payload},
                       {"x-amz-date", amz_date},
                       {"Authorization", out.authorization}};
    return out;
  }

  // A presigned SigV4 GET URL signed at `at`, valid for `expires` seconds.
  std::string Presign(const std::string& path, std::chrono::system_clock::time_point at,
                      long long expires, std::string* signature = nullptr) {
    std::string amz_date = AmzDate(at);
    std::string scope = amz_date.substr(0, 8) + "/us-east-1/s3/aws4_request";
    std::string query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
                        common::UriEncode("AKIAALICE/" + scope, false) + "&X-Amz-Date=" + amz_date +
                        "&X-Amz-Expires=" + std::to_string(expires) + "&X-Amz-SignedHeaders=host";
    auth::RequestView v;
    v.method = "GET";
    v.raw_path = path;
    v.query = *common::ParseQuery(query);
    v.headers = {{"host", "127.0.0.1:" + std::to_string(server_->port())}};
    std::string sts = auth::StringToSign(
        amz_date, scope,
        auth::CanonicalRequest(v, {"host"}, auth::kUnsignedPayload, {.presigned = true}));
    std::string sig = auth::SignatureHex(
        auth::SigningKey("alice-secret", amz_date.substr(0, 8), "us-east-1", "s3"), sts);
    if (signature) *signature = sig;
    return path + "?" + query + "&X-Amz-Signature=" + sig;
  }

  void ExpectStillServing() {
    HttpRequest ok;
    ok.target = "/alice-bucket?list-type=2";
    EXPECT_EQ(alice_->Send(ok).status, 200) << "server stopped serving";
  }

  void PutObject(const std::string& key) {
    HttpRequest put;
    put.method = "PUT";
    put.target = "/alice-bucket/" + key;
    put.body = "secret data";
    ASSERT_EQ(alice_->Send(put).status, 200);
  }

  std::shared_ptr<LogCapture> log_ = std::make_shared<LogCapture>();
};

TEST_F(AuthAttackTest, ManuallySignedRequestIsAccepted) {
  // The control: the attacks below differ from this request in one way each.
  EXPECT_EQ(alice_->Send(SignManually("GET", "/alice-bucket?list-type=2").req).status, 200);
}

TEST_F(AuthAttackTest, ForgedSignatureIsSignatureDoesNotMatch) {
  PutObject("doc");
  // Wrong secret.
  HttpResponse r = alice_->Send(
      SignManually("GET", "/alice-bucket/doc", "us-east-1", "s3", true, "guessed-secret").req);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Xml("Code"), "SignatureDoesNotMatch");
  EXPECT_EQ(r.body.find("secret data"), std::string::npos);
  // A valid signature with one hex digit flipped.
  Signed s = SignManually("GET", "/alice-bucket/doc");
  std::string forged = s.signature;
  forged[10] = forged[10] == '0' ? '1' : '0';
  s.req.headers.back().second = s.authorization.substr(0, s.authorization.size() - 64) + forged;
  r = alice_->Send(s.req);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Xml("Code"), "SignatureDoesNotMatch");
  // A valid signature for another request (replayed onto a different key).
  Signed other = SignManually("GET", "/alice-bucket/other");
  other.req.target = "/alice-bucket/doc";
  EXPECT_EQ(alice_->Send(other.req).Xml("Code"), "SignatureDoesNotMatch");
  ExpectStillServing();
}

TEST_F(AuthAttackTest, PresignedUrlIsRefusedAfterExpiry) {
  PutObject("shared");
  HttpRequest get;
  get.sign = Sign::kNone;
  get.target = Presign("/alice-bucket/shared", std::chrono::system_clock::now(), 60);
  HttpResponse fresh = alice_->Send(get);
  EXPECT_EQ(fresh.status, 200);
  EXPECT_EQ(fresh.body, "secret data");
  // The same kind of URL, signed two minutes ago for one minute: replay fails.
  get.target = Presign("/alice-bucket/shared", std::chrono::system_clock::now() - 120s, 60);
  HttpResponse expired = alice_->Send(get);
  EXPECT_EQ(expired.status, 403);
  EXPECT_EQ(expired.Xml("Code"), "AccessDenied");
  EXPECT_EQ(expired.Xml("Message"), "Request has expired");
  // Stretching X-Amz-Expires after signing breaks the signature.
  std::string stretched =
      Presign("/alice-bucket/shared", std::chrono::system_clock::now() - 120s, 60);
  stretched.replace(stretched.find("X-Amz-Expires=60"), 16, "X-Amz-Expires=600");
  get.target = stretched;
  EXPECT_EQ(alice_->Send(get).Xml("Code"), "SignatureDoesNotMatch");
  ExpectStillServing();
}

TEST_F(AuthAttackTest, SkewedTimeIsRefusedBothWays) {
  for (auto skew : {-20min, 20min}) {
    SCOPED_TRACE(skew.count());
    HttpRequest req;
    req.target = "/alice-bucket?list-type=2";
    req.time = std::chrono::system_clock::now() + skew;
    HttpResponse r = alice_->Send(req);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.Xml("Code"), "RequestTimeTooSkewed");
  }
  // Within the 15-minute window both ways is fine.
  for (auto skew : {-10min, 10min}) {
    HttpRequest req;
    req.target = "/alice-bucket?list-type=2";
    req.time = std::chrono::system_clock::now() + skew;
    EXPECT_EQ(alice_->Send(req).status, 200);
  }
  // A presigned URL dated in the future is refused too.
  HttpRequest get;
  get.sign = Sign::kNone;
  get.target = Presign("/alice-bucket/x", std::chrono::system_clock::now() + 1h, 60);
  EXPECT_EQ(alice_->Send(get).Xml("Code"), "RequestTimeTooSkewed");
}

TEST_F(AuthAttackTest, TruncatedAuthorizationHeadersAreRefused) {
  Signed s = SignManually("GET", "/alice-bucket?list-type=2");
  for (size_t cut : {std::string("AWS4-HMAC-SHA256").size(), size_t{30}, s.authorization.find(','),
                     s.authorization.find("Signature="), s.authorization.size() - 1}) {
    SCOPED_TRACE(cut);
    HttpRequest req = s.req;
    req.headers.back().second = s.authorization.substr(0, cut);
    HttpResponse r = alice_->Send(req);
    EXPECT_TRUE(r.status == 400 || r.status == 403) << r.status;
    EXPECT_TRUE(r.Xml("Code") == "AuthorizationHeaderMalformed" ||
                r.Xml("Code") == "SignatureDoesNotMatch" || r.Xml("Code") == "InvalidArgument")
        << r.Xml("Code");
  }
  HttpRequest v2 = s.req;
  v2.headers.back().second = "AWS AKIAALICE";
  EXPECT_EQ(alice_->Send(v2).status / 100, 4);
  ExpectStillServing();
}

TEST_F(AuthAttackTest, OversizedAuthorizationHeaderIsRefused) {
  Signed s = SignManually("GET", "/alice-bucket?list-type=2");
  // 64 KiB: over the header section limit, refused before parsing.
  RawSocket big(server_->port());
  big.Send("GET /alice-bucket HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + s.authorization +
           std::string(64 * 1024, 'f') + "\r\n\r\n");
  std::string got;
  EXPECT_TRUE(big.WaitClosed(5s, &got));
  EXPECT_NE(got.find("RequestHeaderSectionTooLarge"), std::string::npos) << got.substr(0, 200);
  // 60 KiB, under the limit: parsed, and refused.
  HttpRequest req = s.req;
  req.headers.back().second = s.authorization + std::string(60 * 1024, 'f');
  HttpResponse r = alice_->Send(req);
  EXPECT_EQ(r.status / 100, 4);
  EXPECT_FALSE(r.Xml("Code").empty());
  // A huge SignedHeaders list naming headers that are not there.
  req = s.req;
  std::string list = "host";
  while (list.size() < 50 * 1024) list += ";x-amz-h" + std::to_string(list.size());
  req.headers.back().second = "AWS4-HMAC-SHA256 Credential=AKIAALICE/" +
                              s.authorization.substr(s.authorization.find('/') + 1, 34) +
                              ", SignedHeaders=" + list + ", Signature=" + s.signature;
  EXPECT_EQ(alice_->Send(req).status / 100, 4);
  ExpectStillServing();
}

TEST_F(AuthAttackTest, CredentialForAnotherRegionOrServiceIsMalformed) {
  HttpResponse region = alice_->Send(SignManually("GET", "/alice-bucket", "eu-west-1").req);
  EXPECT_EQ(region.status, 400);
  EXPECT_EQ(region.Xml("Code"), "AuthorizationHeaderMalformed");
  EXPECT_EQ(region.Xml("Region"), "us-east-1");
  HttpResponse service = alice_->Send(SignManually("GET", "/alice-bucket", "us-east-1", "ec2").req);
  EXPECT_EQ(service.status, 400);
  EXPECT_EQ(service.Xml("Code"), "AuthorizationHeaderMalformed");
}

TEST_F(AuthAttackTest, SignedHeadersWithoutHostIsAccessDenied) {
  HttpResponse r = alice_->Send(
      SignManually("GET", "/alice-bucket", "us-east-1", "s3", /*sign_host=*/false).req);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Xml("Code"), "AccessDenied");
  EXPECT_EQ(r.Xml("HeadersNotSigned"), "host");
}

TEST_F(AuthAttackTest, DuplicateAuthorizationHeadersAreRefused) {
  Signed s = SignManually("GET", "/alice-bucket?list-type=2");
  HttpRequest req = s.req;
  req.headers.emplace_back("Authorization", "AWS AKIABOB:forgedforgedforgedforged=");
  HttpResponse r = alice_->Send(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "InvalidArgument");
  req = s.req;
  req.headers.insert(req.headers.begin(), {"Authorization", s.authorization});
  EXPECT_EQ(alice_->Send(req).Xml("Code"), "InvalidArgument");
}

TEST_F(AuthAttackTest, PresignedQueryAndHeaderAtOnceAreRefused) {
  Signed s = SignManually("GET", "/alice-bucket/x");
  s.req.target = Presign("/alice-bucket/x", std::chrono::system_clock::now(), 60);
  HttpResponse r = alice_->Send(s.req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Xml("Code"), "InvalidArgument");
}

TEST_F(AuthAttackTest, LogsNeverContainSecretsOrSignatures) {
  PutObject("logged");
  std::vector<std::string> signatures;
  // Valid and forged requests, header and presigned, v4 and v2.
  Signed good = SignManually("GET", "/alice-bucket/logged");
  signatures.push_back(good.signature);
  EXPECT_EQ(alice_->Send(good.req).status, 200);
  Signed bad = SignManually("GET", "/alice-bucket/logged", "us-east-1", "s3", true, "wrong");
  signatures.push_back(bad.signature);
  EXPECT_EQ(alice_->Send(bad.req).status, 403);
  std::string presigned_sig;
  HttpRequest get;
  get.sign = Sign::kNone;
  get.target =
      Presign("/alice-bucket/logged", std::chrono::system_clock::now(), 60, &presigned_sig);
  signatures.push_back(presigned_sig);
  EXPECT_EQ(alice_->Send(get).status, 200);
  HttpRequest v2;
  v2.sign = Sign::kV2;
  v2.target = "/alice-bucket/logged";
  EXPECT_EQ(alice_->Send(v2).status, 200);
  HttpRequest v2_bad = v2;
  v2_bad.secret_key = "wrong";
  EXPECT_EQ(alice_->Send(v2_bad).status, 403);
  Signed dup = SignManually("GET", "/alice-bucket/logged");
  dup.req.headers.emplace_back("Authorization", dup.authorization);
  signatures.push_back(dup.signature);
  alice_->Send(dup.req);
  server_->Stop();  // flushes the logger

  std::string log = log_->All();
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.find("access"), std::string::npos) << "no access lines captured";
  for (const std::string& secret : {std::string("alice-secret"), std::string("bob-secret")})
    EXPECT_EQ(log.find(secret), std::string::npos) << "secret key logged";
  EXPECT_EQ(log.find(good.authorization), std::string::npos) << "Authorization logged";
  EXPECT_EQ(log.find("Signature="), std::string::npos);
  EXPECT_EQ(log.find("X-Amz-Signature"), std::string::npos);
  for (const std::string& sig : signatures)
    EXPECT_EQ(log.find(sig.substr(0, 16)), std::string::npos) << "signature logged: " << sig;
}

}  // namespace
}  // namespace s2lite::testing

// Runs every case of the AWS SigV4 test suite (tests/testdata/aws-sigv4-suite)
// through the canonical-request, string-to-sign and signature steps, for both
// the Authorization-header and the presigned (query) forms, and checks that a
// signature stops matching once any signed byte changes.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "auth/sigv4.h"
#include "common/crypto.h"
#include "test_util.h"

namespace s2lite::auth {
namespace {

using testing::ParsedRequest;
using testing::ParseHttpRequest;
using testing::ReadFile;

const std::string kSuiteDir = S2LITE_SIGV4_SUITE_DIR;

struct VectorContext {
  std::string access_key;
  std::string secret_key;
  std::string region;
  std::string service;
  bool normalize = false;
  bool omit_session_token = false;
};

std::string JsonString(const std::string& json, const std::string& key) {
  std::smatch m;
  std::regex re("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"");
  EXPECT_TRUE(std::regex_search(json, m, re)) << key;
  return m.size() > 1 ? m[1].str() : std::string();
}

bool JsonBool(const std::string& json, const std::string& key) {
  std::smatch m;
  std::regex re("\"" + key + "\"\\s*:\\s*(true|false)");
  return std::regex_search(json, m, re) && m[1] == "true";
}

VectorContext LoadContext(const std::string& dir) {
  std::string json = ReadFile(dir + "/context.json");
  VectorContext ctx;
  ctx.access_key = JsonString(json, "access_key_id");
  ctx.secret_key = JsonString(json, "secret_access_key");
  ctx.region = JsonString(json, "region");
  ctx.service = JsonString(json, "service");
  ctx.normalize = JsonBool(json, "normalize");
  ctx.omit_session_token = JsonBool(json, "omit_session_token");
  return ctx;
}

std::vector<std::string> VectorNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kSuiteDir)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// What a verifier computes for a header-signed request, given the parsed
// Authorization header: the signature the client must have sent.
struct HeaderComputation {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

HeaderComputation ComputeHeaderForm(const ParsedRequest& req, const SigV4Header& auth,
                                    const VectorContext& ctx) {
  HeaderComputation out;
  const std::string* amz_date = req.view.Header("x-amz-date");
  EXPECT_NE(amz_date, nullptr);
  out.canonical_request =
      CanonicalRequest(req.view, auth.signed_headers, common::Sha256Hex(req.body),
                       {.normalize_path = ctx.normalize});
  out.string_to_sign =
      StringToSign(amz_date ? *amz_date : "", auth.credential.Scope(), out.canonical_request);
  out.signature = SignatureHex(SigningKey(ctx.secret_key, auth.credential.date,
                                          auth.credential.region, auth.credential.service),
                               out.string_to_sign);
  return out;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string Dir() const { return kSuiteDir + "/" + GetParam(); }
  std::string File(const std::string& name) const { return ReadFile(Dir() + "/" + name); }

  ParsedRequest HeaderSigned() const { return ParseHttpRequest(File("header-signed-request.txt")); }

  SigV4Header ParseAuth(const ParsedRequest& req) const {
    const std::string* authorization = req.view.Header("authorization");
    EXPECT_NE(authorization, nullptr);
    Result<SigV4Header> auth = ParseSigV4Authorization(authorization ? *authorization : "");
    EXPECT_TRUE(auth.ok()) << auth.status().message();
    return auth.ok() ? *auth : SigV4Header{};
  }
};

TEST_P(SigV4SuiteTest, HeaderFormMatchesEveryStep) {
  VectorContext ctx = LoadContext(Dir());
  ParsedRequest req = HeaderSigned();
  SigV4Header auth = ParseAuth(req);
  EXPECT_EQ(auth.credential.access_key, ctx.access_key);
  EXPECT_EQ(auth.credential.region, ctx.region);
  EXPECT_EQ(auth.credential.service, ctx.service);

  HeaderComputation got = ComputeHeaderForm(req, auth, ctx);
  EXPECT_EQ(got.canonical_request, File("header-canonical-request.txt"));
  EXPECT_EQ(got.string_to_sign, File("header-string-to-sign.txt"));
  EXPECT_EQ(got.signature, Trimmed(File("header-signature.txt")));
}

TEST_P(SigV4SuiteTest, HeaderFormSignatureIsAccepted) {
  VectorContext ctx = LoadContext(Dir());
  ParsedRequest req = HeaderSigned();
  SigV4Header auth = ParseAuth(req);
  EXPECT_TRUE(
      common::ConstantTimeEquals(ComputeHeaderForm(req, auth, ctx).signature, auth.signature));
}

TEST_P(SigV4SuiteTest, HeaderFormRejectsAnyChangedSignedByte) {
  VectorContext ctx = LoadContext(Dir());
  const ParsedRequest original = HeaderSigned();
  const SigV4Header auth = ParseAuth(original);

  struct Mutation {
    std::string what;
    std::function<void(ParsedRequest&)> apply;
  };
  std::vector<Mutation> mutations = {
      {"method", [](ParsedRequest& r) { r.view.method = r.view.method == "GET" ? "PUT" : "GET"; }},
      {"path", [](ParsedRequest& r) { r.view.raw_path += "x"; }},
      {"path character",
       [](ParsedRequest& r) {
         if (r.view.raw_path.size() > 1) {
           r.view.raw_path.back() ^= 0x02;
         } else {
           r.view.raw_path = "/a";
         }
       }},
      {"query",
       [](ParsedRequest& r) {
         if (r.view.query.empty()) {
           r.view.query.push_back({"a", "b", true});
         } else {
           r.view.query.front().value += "x";
         }
       }},
      {"date",
       [](ParsedRequest& r) { testing::SetHeader(r.view, "x-amz-date", "20150830T123601Z"); }},
      {"body", [](ParsedRequest& r) { r.body += "x"; }},
  };
  for (const std::string& name : auth.signed_headers) {
    mutations.push_back({"header " + name, [name](ParsedRequest& r) {
                           for (auto& [n, v] : r.view.headers) {
                             if (n == name) {
                               v += "x";
                               return;
                             }
                           }
                         }});
  }
  for (const Mutation& m : mutations) {
    SCOPED_TRACE(m.what);
    ParsedRequest changed = original;
    m.apply(changed);
    EXPECT_FALSE(common::ConstantTimeEquals(ComputeHeaderForm(changed, auth, ctx).signature,
                                            auth.signature));
  }
}

TEST_P(SigV4SuiteTest, QueryFormMatchesEveryStep) {
  VectorContext ctx = LoadContext(Dir());
  ParsedRequest req = ParseHttpRequest(File("query-signed-request.txt"));
  if (ctx.omit_session_token) {
    // The token was appended after signing (post-sts-header-after).
    testing::RemoveQuery(req.view, "X-Amz-Security-Token");
  }
  Result<SigV4Query> query = ParseSigV4Query(req.view);
  ASSERT_TRUE(query.ok()) << query.status().message();
  EXPECT_EQ(query->auth.credential.access_key, ctx.access_key);
  EXPECT_EQ(query->amz_date, "20150830T123600Z");
  EXPECT_EQ(query->expires_seconds, 3600);

  std::string canonical =
      CanonicalRequest(req.view, query->auth.signed_headers, common::Sha256Hex(req.body),
                       {.normalize_path = ctx.normalize, .presigned = true});
  EXPECT_EQ(canonical, File("query-canonical-request.txt"));
  std::string string_to_sign =
      StringToSign(query->amz_date, query->auth.credential.Scope(), canonical);
  EXPECT_EQ(string_to_sign, File("query-string-to-sign.txt"));
  const CredentialScope& c = query->auth.credential;
  std::string signature =
      SignatureHex(SigningKey(ctx.secret_key, c.date, c.region, c.service), string_to_sign);
  EXPECT_EQ(signature, Trimmed(File("query-signature.txt")));
  EXPECT_TRUE(common::ConstantTimeEquals(signature, query->auth.signature));
}

INSTANTIATE_TEST_SUITE_P(AwsVectors, SigV4SuiteTest, ::testing::ValuesIn(VectorNames()), TestName);

TEST(SigV4SuiteTest, SuiteHasAllVectors) { EXPECT_GE(VectorNames().size(), 38u); }

}  // namespace
}  // namespace s2lite::auth

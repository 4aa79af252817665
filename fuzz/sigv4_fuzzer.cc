// SigV4: the Authorization header parser, the presigned-query parser, and the
// whole verifier (header and presigned, SigV2 too) over a request given in
// fuzz_util.h's text form, with a fixed clock and the AWS example user.
#include "auth/sigv4.h"
#include "auth/verifier.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s2lite;
  std::string_view in = fuzz::AsView(data, size);
  (void)auth::ParseSigV4Authorization(in);
  (void)auth::ParseAmzDate(in);

  auth::RequestView req;
  if (!fuzz::ParseRequestText(in, req)) return 0;
  if (const std::string* h = req.Header("authorization")) (void)auth::ParseSigV4Authorization(*h);
  (void)auth::ParseSigV4Query(req);

  auth::VerifyContext vc;
  vc.region = "us-east-1";
  vc.bucket = "examplebucket";
  vc.virtual_host = true;
  vc.now = fuzz::ExampleNow();
  vc.lookup = [](std::string_view key) -> const UserCredentials* {
    return key == fuzz::ExampleUser().access_key ? &fuzz::ExampleUser() : nullptr;
  };
  auto result = auth::Verify(req, vc);
  // Only the example user can ever be authenticated.
  if (result.ok() && result->user != &fuzz::ExampleUser()) __builtin_trap();
  return 0;
}

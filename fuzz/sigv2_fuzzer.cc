// SigV2: the `AWS AK:sig` parser and the string to sign over any request.
#include "auth/sigv2.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s2lite;
  std::string_view in = fuzz::AsView(data, size);
  (void)auth::ParseSigV2Authorization(in);
  auth::RequestView req;
  if (!fuzz::ParseRequestText(in, req)) return 0;
  if (const std::string* h = req.Header("authorization")) (void)auth::ParseSigV2Authorization(*h);
  std::string sts = auth::SigV2StringToSign(req, "examplebucket", true);
  std::string sts_path = auth::SigV2StringToSign(req, "", false, "1175139620");
  (void)auth::SigV2Signature(fuzz::ExampleUser().secret_key, sts);
  (void)sts_path;
  return 0;
}

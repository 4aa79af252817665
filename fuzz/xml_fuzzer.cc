// The request-body XML parsers: Complete, Delete, CreateBucketConfiguration.
#include "fuzz/fuzz_util.h"
#include "server/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s2lite;
  std::string_view in = fuzz::AsView(data, size);
  auto complete = server::ParseCompleteMultipartUpload(in);
  if (complete.ok() && complete->size() > server::kMaxCompleteParts) __builtin_trap();
  auto del = server::ParseDelete(in);
  if (del.ok() && (del->keys.empty() || del->keys.size() > 1000)) __builtin_trap();
  (void)server::ParseCreateBucketConfiguration(in);
  return 0;
}

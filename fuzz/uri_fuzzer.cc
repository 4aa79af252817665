// Query strings and key decoding; and the round trip every signature relies
// on: PercentDecode(UriEncode(x)) == x for any bytes x.
#include "common/uri.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s2lite;
  std::string_view in = fuzz::AsView(data, size);
  (void)common::ParseQuery(in);
  auto decoded = common::PercentDecode(in);
  for (bool keep_slash : {false, true}) {
    std::string encoded = common::UriEncode(in, keep_slash);
    auto back = common::PercentDecode(encoded);
    if (!back || *back != in) __builtin_trap();
    auto params = common::ParseQuery("k=" + common::UriEncode(in, false));
    if (!params || params->size() != 1 || (*params)[0].value != in) __builtin_trap();
  }
  (void)decoded;
  return 0;
}

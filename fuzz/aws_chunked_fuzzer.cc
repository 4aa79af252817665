// The aws-chunked decoder, signed (AWS example key and seed) and unsigned,
// with and without trailers, fed in pieces split where the input says.
// Byte 0: bit 0 signed, bit 1 trailers; byte 1: piece size (1..256).
#include <string>

#include "auth/aws_chunked.h"
#include "auth/sigv4.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s2lite;
  if (size < 2) return 0;
  const bool is_signed = data[0] & 1;
  const bool trailer = data[0] & 2;
  const size_t piece = static_cast<size_t>(data[1]) + 1;
  std::string_view body = fuzz::AsView(data + 2, size - 2);

  std::optional<auth::ChunkSigning> signing;
  if (is_signed) {
    static const common::Sha256Digest key =
        auth::SigningKey(fuzz::ExampleUser().secret_key, "20130524", "us-east-1", "s3");
    signing = auth::ChunkSigning{
        key, "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
        trailer ? "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
                : "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"};
  }
  auth::AwsChunkedDecoder decoder(std::move(signing), trailer);
  uint64_t out_bytes = 0;
  auto out = [&out_bytes](const char* p, size_t n) -> Status {
    out_bytes += n;
    return Status::Ok();
  };
  Status s;
  while (!body.empty() && s.ok()) {
    size_t n = std::min(piece, body.size());
    s = decoder.Feed(body.data(), n, out);
    body.remove_prefix(n);
  }
  if (s.ok()) s = decoder.Finish();
  // Decoded payload never exceeds what was sent, and is what was counted.
  if (out_bytes > size || out_bytes != decoder.decoded_bytes()) __builtin_trap();
  return 0;
}

// PutObject: PUT /<bucket>/<key>
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
#include "server/handlers/body_writer.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_common.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

// The body goes straight into a new blob; the object is recorded only once
// the whole body arrived and its digests matched.
class PutObjectSink final : public BodySink {
 public:
  PutObjectSink(RequestContext& ctx, storage::ObjectAttrs attrs, std::unique_ptr<BodyWriter> writer)
      : ctx_(ctx), attrs_(std::move(attrs)), writer_(std::move(writer)) {}

  Status Write(const char* data, size_t n) override { return writer_->Write(data, n); }
  Response Finish() override;

 private:
  RequestContext& ctx_;
  storage::ObjectAttrs attrs_;
  std::unique_ptr<BodyWriter> writer_;
};

Response PutObjectSink::Finish() {
  auto body = writer_->Finish();
  if (!body.ok()) return Response::Error(body.status());
  storage::ObjectInfo object;
  object.bucket = ctx_.route.bucket;
  object.key = ctx_.route.key;
  object.size = body->blob.size;
  object.etag = "\"" + body->md5_hex + "\"";
  object.owner = ctx_.user->name;
  object.attrs = std::move(attrs_);
  if (!body->checksum_algorithm.empty()) {
    object.attrs.checksum_algorithm = body->checksum_algorithm;
    object.attrs.checksum_type = "FULL_OBJECT";
    object.checksum_value = body->checksum_value;
  } else {
    object.attrs.checksum_type.clear();
  }
  object.manifest = {body->blob};
  Status s = ctx_.state->store->PutObject(object);
  if (!s.ok()) return Response::Error(std::move(s));

  Response r;
  r.AddHeader("ETag", object.etag);
  AddChecksumHeader(r, object.attrs.checksum_algorithm, object.checksum_value);
  if (!object.checksum_value.empty()) r.AddHeader("x-amz-checksum-type", "FULL_OBJECT");
  if (!object.attrs.sse.empty()) r.AddHeader("x-amz-server-side-encryption", object.attrs.sse);
  if (!object.attrs.sse_kms_key_id.empty())
    r.AddHeader("x-amz-server-side-encryption-aws-kms-key-id", object.attrs.sse_kms_key_id);
  return r;
}

}  // namespace

Result<std::unique_ptr<BodySink>> BeginPutObject(RequestContext& ctx) {
  auto attrs = ParseWriteAttrs(ctx);
  if (!attrs.ok()) return attrs.status();
  // x-amz-checksum-algorithm without a value asks S3 to compute that checksum.
  auto writer = BodyWriter::Start(ctx, attrs->checksum_algorithm);
  if (!writer.ok()) return writer.status();
  return std::unique_ptr<BodySink>(
      std::make_unique<PutObjectSink>(ctx, std::move(*attrs), std::move(*writer)));
}

}  // namespace s2lite::server

// PutObject: PUT /<bucket>/<key>
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
#include "server/handlers/body_writer.h"
#include "server/handlers/conditional_write.h"
#include "server/handlers/handlers.h"
#include "server/handlers/object_common.h"
#include "server/handlers/ownership.h"
#include "server/lifecycle.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

// The body goes straight into a new blob; the object is recorded only once
// the whole body arrived and its digests matched.
class PutObjectSink final : public BodySink {
 public:
  PutObjectSink(RequestContext& ctx, storage::ObjectAttrs attrs, storage::WriteCondition condition,
                std::unique_ptr<BodyWriter> writer)
      : ctx_(ctx),
        attrs_(std::move(attrs)),
        condition_(std::move(condition)),
        writer_(std::move(writer)) {}

  Status Write(const char* data, size_t n) override { return writer_->Write(data, n); }
  Task<Response> Finish() override;

 private:
  RequestContext& ctx_;
  storage::ObjectAttrs attrs_;
  storage::WriteCondition condition_;
  std::unique_ptr<BodyWriter> writer_;
};

Task<Response> PutObjectSink::Finish() {
  auto body = writer_->Finish();
  if (!body.ok()) co_return Response::Error(body.status());
  storage::ObjectInfo object = SinglePartObject(ctx_, *body, std::move(attrs_));
  object.condition = condition_;
  Status s = co_await ctx_.state->store->PutObject(object);
  if (!s.ok()) co_return Response::Error(ConditionalCommitError(std::move(s), condition_));

  Response r;
  r.AddHeader("ETag", object.etag);
  AddChecksumHeader(r, object.attrs.checksum_algorithm, object.checksum_value);
  if (!object.checksum_value.empty()) r.AddHeader("x-amz-checksum-type", "FULL_OBJECT");
  AddSseHeaders(r, object.attrs);
  co_await AddExpirationHeader(r, *ctx_.state, object);
  co_return r;
}

}  // namespace

Task<Result<std::unique_ptr<BodySink>>> BeginPutObject(RequestContext& ctx) {
  auto attrs = ParseWriteAttrs(ctx);
  if (!attrs.ok()) co_return attrs.status();
  if (Status s = co_await CheckObjectAcl(ctx); !s.ok()) co_return s;
  // Checked before the body is read; again, atomically, when it is stored.
  auto condition = ParseWriteCondition(ctx);
  if (!condition.ok()) co_return condition.status();
  if (Status s = co_await PrecheckWriteCondition(ctx, *condition); !s.ok()) co_return s;
  // x-amz-checksum-algorithm without a value asks S3 to compute that checksum.
  auto writer = BodyWriter::Start(ctx, attrs->checksum_algorithm);
  if (!writer.ok()) co_return writer.status();
  co_return std::unique_ptr<BodySink>(std::make_unique<PutObjectSink>(
      ctx, std::move(*attrs), std::move(*condition), std::move(*writer)));
}

}  // namespace s2lite::server

// UploadPart: PUT /<key>?partNumber=N&uploadId=ID
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html
#include "server/handlers/body_writer.h"
#include "server/handlers/common.h"
#include "server/handlers/handlers.h"
#include "server/handlers/multipart_common.h"
#include "server/handlers/object_common.h"
#include "server/lifecycle.h"
#include "server/state.h"

namespace s2lite::server {
namespace {

// Streams the part into a blob, then records it (replacing an earlier part
// with the same number).
class PartSink final : public BodySink {
 public:
  PartSink(RequestContext& ctx, storage::UploadInfo upload, int part_number,
           std::unique_ptr<BodyWriter> writer)
      : ctx_(ctx),
        upload_(std::move(upload)),
        part_number_(part_number),
        writer_(std::move(writer)) {}

  Status Write(const char* data, size_t n) override { return writer_->Write(data, n); }

  Task<Response> Finish() override {
    Result<WrittenBody> body = writer_->Finish();
    if (!body.ok()) co_return Response::Error(body.status());
    storage::PartInfo part = MakePart(part_number_, *body, ToTimeMs(ctx_.now));
    // The upload may have been completed or aborted while the body streamed:
    // PutPart then refuses the part (kNoSuchUpload) and drops its bytes.
    Status s = co_await ctx_.state->store->PutPart(upload_.upload_id, part);
    if (!s.ok()) co_return Response::Error(std::move(s));
    Response r;
    r.AddHeader("ETag", part.etag);
    // SDK transfer managers copy this header into CompleteMultipartUpload.
    AddChecksumHeader(r, part.checksum_algorithm, part.checksum_value);
    AddSseHeaders(r, upload_.attrs);
    co_await AddAbortDateHeaders(r, ctx_, upload_);
    co_return r;
  }

 private:
  RequestContext& ctx_;
  storage::UploadInfo upload_;
  int part_number_;
  std::unique_ptr<BodyWriter> writer_;
};

}  // namespace

Task<Result<std::unique_ptr<BodySink>>> BeginUploadPart(RequestContext& ctx) {
  // Everything that can refuse the part is checked before the body is read
  // (and before 100-continue is sent).
  Result<int> part_number = ParsePartNumber(ctx);
  if (!part_number.ok()) co_return part_number.status();
  Result<storage::UploadInfo> upload = co_await LoadUpload(ctx);
  if (!upload.ok()) co_return upload.status();
  if (Status s = CheckPartChecksumAlgorithm(ctx, *upload); !s.ok()) co_return s;
  Result<std::unique_ptr<BodyWriter>> writer =
      BodyWriter::Start(ctx, upload->attrs.checksum_algorithm);
  if (!writer.ok()) co_return writer.status();
  co_return std::unique_ptr<BodySink>(
      std::make_unique<PartSink>(ctx, std::move(*upload), *part_number, std::move(*writer)));
}

}  // namespace s2lite::server

#include "server/handlers/handlers.h"

namespace s2lite::server {

const OpHandler* FindHandler(Op op) {
  static constexpr OpHandler kListBuckets{BodyMode::kNone, HandleListBuckets, nullptr, false};
  static constexpr OpHandler kCreateBucket{BodyMode::kXml, HandleCreateBucket, nullptr, false};
  static constexpr OpHandler kHeadBucket{BodyMode::kNone, HandleHeadBucket};
  static constexpr OpHandler kDeleteBucket{BodyMode::kNone, HandleDeleteBucket};
  static constexpr OpHandler kGetBucketLocation{BodyMode::kNone, HandleGetBucketLocation};
  static constexpr OpHandler kCreateMultipartUpload{BodyMode::kNone, HandleCreateMultipartUpload};
  switch (op) {
    case Op::kListBuckets: return &kListBuckets;
    case Op::kCreateBucket: return &kCreateBucket;
    case Op::kHeadBucket: return &kHeadBucket;
    case Op::kDeleteBucket: return &kDeleteBucket;
    case Op::kGetBucketLocation: return &kGetBucketLocation;
    case Op::kCreateMultipartUpload: return &kCreateMultipartUpload;
    default: return nullptr;
  }
}

}  // namespace s2lite::server

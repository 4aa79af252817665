#include "server/handlers/handlers.h"

namespace s2lite::server {
namespace {

constexpr OpHandler None(Task<Response> (*fn)(RequestContext&)) {
  return {BodyMode::kNone, fn, nullptr};
}
constexpr OpHandler Xml(Task<Response> (*fn)(RequestContext&)) {
  return {BodyMode::kXml, fn, nullptr};
}
// Copies move every byte of their source: they run on the worker pool.
constexpr OpHandler Copy(Task<Response> (*fn)(RequestContext&)) {
  return {BodyMode::kNone, fn, nullptr, true, true};
}
constexpr OpHandler Stream(Task<Result<std::unique_ptr<BodySink>>> (*fn)(RequestContext&)) {
  return {BodyMode::kStream, nullptr, fn};
}

}  // namespace

const OpHandler* FindHandler(Op op) {
  static constexpr OpHandler kListBuckets{BodyMode::kNone, HandleListBuckets, nullptr, false};
  static constexpr OpHandler kCreateBucket{BodyMode::kXml, HandleCreateBucket, nullptr, false};
  static constexpr OpHandler kHeadBucket = None(HandleHeadBucket);
  static constexpr OpHandler kDeleteBucket = None(HandleDeleteBucket);
  static constexpr OpHandler kGetBucketLocation = None(HandleGetBucketLocation);
  static constexpr OpHandler kCreateMultipartUpload = None(HandleCreateMultipartUpload);
  static constexpr OpHandler kUploadPart = Stream(BeginUploadPart);
  static constexpr OpHandler kUploadPartCopy = Copy(HandleUploadPartCopy);
  static constexpr OpHandler kCompleteMultipartUpload = Xml(HandleCompleteMultipartUpload);
  static constexpr OpHandler kAbortMultipartUpload = None(HandleAbortMultipartUpload);
  static constexpr OpHandler kListParts = None(HandleListParts);
  static constexpr OpHandler kListMultipartUploads = None(HandleListMultipartUploads);
  static constexpr OpHandler kPutObject = Stream(BeginPutObject);
  static constexpr OpHandler kGetObject = None(HandleGetObject);
  static constexpr OpHandler kHeadObject = None(HandleHeadObject);
  static constexpr OpHandler kDeleteObject = None(HandleDeleteObject);
  static constexpr OpHandler kDeleteObjects = Xml(HandleDeleteObjects);
  static constexpr OpHandler kCopyObject = Copy(HandleCopyObject);
  static constexpr OpHandler kListObjects = None(HandleListObjects);
  static constexpr OpHandler kListObjectsV2 = None(HandleListObjectsV2);
  static constexpr OpHandler kPutBucketCors = Xml(HandlePutBucketCors);
  static constexpr OpHandler kGetBucketCors = None(HandleGetBucketCors);
  static constexpr OpHandler kDeleteBucketCors = None(HandleDeleteBucketCors);
  // Both authenticate (or need no signature) on their own: see RunPipeline().
  static constexpr OpHandler kCorsPreflight{BodyMode::kNone, HandleCorsPreflight, nullptr, false};
  static constexpr OpHandler kPostObject{BodyMode::kStream, nullptr, BeginPostObject, false};
  static constexpr OpHandler kAdminFaults{BodyMode::kXml, HandleAdminFaults, nullptr, false};
  static constexpr OpHandler kListObjectVersions = None(HandleListObjectVersions);
  static constexpr OpHandler kGetObjectTagging = None(HandleGetObjectTagging);
  static constexpr OpHandler kPutObjectTagging = Xml(HandlePutObjectTagging);
  static constexpr OpHandler kDeleteObjectTagging = None(HandleDeleteObjectTagging);
  static constexpr OpHandler kReadBucketSetting = None(HandleBucketSetting);
  static constexpr OpHandler kWriteBucketSetting = Xml(HandleBucketSetting);
  static constexpr OpHandler kAdminRequests{BodyMode::kNone, HandleAdminRequests, nullptr, false};
  switch (op) {
    case Op::kListObjectVersions:
      return &kListObjectVersions;
    case Op::kGetObjectTagging:
      return &kGetObjectTagging;
    case Op::kPutObjectTagging:
      return &kPutObjectTagging;
    case Op::kDeleteObjectTagging:
      return &kDeleteObjectTagging;
    case Op::kGetBucketTagging:
    case Op::kDeleteBucketTagging:
    case Op::kGetBucketLifecycleConfiguration:
    case Op::kDeleteBucketLifecycle:
    case Op::kGetBucketPolicy:
    case Op::kDeleteBucketPolicy:
    case Op::kGetBucketEncryption:
    case Op::kDeleteBucketEncryption:
    case Op::kGetBucketOwnershipControls:
    case Op::kDeleteBucketOwnershipControls:
    case Op::kGetPublicAccessBlock:
    case Op::kDeletePublicAccessBlock:
    case Op::kGetBucketVersioning:
    case Op::kGetBucketAcl:
    case Op::kGetBucketWebsite:
    case Op::kDeleteBucketWebsite:
    case Op::kGetBucketAccelerateConfiguration:
    case Op::kGetBucketRequestPayment:
    case Op::kGetBucketLogging:
    case Op::kGetBucketReplication:
    case Op::kDeleteBucketReplication:
    case Op::kGetObjectLockConfiguration:
      return &kReadBucketSetting;
    case Op::kPutBucketTagging:
    case Op::kPutBucketLifecycleConfiguration:
    case Op::kPutBucketPolicy:
    case Op::kPutBucketEncryption:
    case Op::kPutBucketOwnershipControls:
    case Op::kPutPublicAccessBlock:
    case Op::kPutBucketVersioning:
    case Op::kPutBucketAcl:
    case Op::kPutBucketAccelerateConfiguration:
    case Op::kPutBucketRequestPayment:
    case Op::kPutBucketLogging:
      return &kWriteBucketSetting;
    case Op::kAdminFaults:
      return &kAdminFaults;
    case Op::kAdminRequests:
      return &kAdminRequests;
    case Op::kListBuckets:
      return &kListBuckets;
    case Op::kCreateBucket:
      return &kCreateBucket;
    case Op::kHeadBucket:
      return &kHeadBucket;
    case Op::kDeleteBucket:
      return &kDeleteBucket;
    case Op::kGetBucketLocation:
      return &kGetBucketLocation;
    case Op::kCreateMultipartUpload:
      return &kCreateMultipartUpload;
    case Op::kUploadPart:
      return &kUploadPart;
    case Op::kUploadPartCopy:
      return &kUploadPartCopy;
    case Op::kCompleteMultipartUpload:
      return &kCompleteMultipartUpload;
    case Op::kAbortMultipartUpload:
      return &kAbortMultipartUpload;
    case Op::kListParts:
      return &kListParts;
    case Op::kListMultipartUploads:
      return &kListMultipartUploads;
    case Op::kPutObject:
      return &kPutObject;
    case Op::kGetObject:
      return &kGetObject;
    case Op::kHeadObject:
      return &kHeadObject;
    case Op::kDeleteObject:
      return &kDeleteObject;
    case Op::kDeleteObjects:
      return &kDeleteObjects;
    case Op::kCopyObject:
      return &kCopyObject;
    case Op::kListObjects:
      return &kListObjects;
    case Op::kListObjectsV2:
      return &kListObjectsV2;
    case Op::kPutBucketCors:
      return &kPutBucketCors;
    case Op::kGetBucketCors:
      return &kGetBucketCors;
    case Op::kDeleteBucketCors:
      return &kDeleteBucketCors;
    case Op::kCorsPreflight:
      return &kCorsPreflight;
    case Op::kPostObject:
      return &kPostObject;
    case Op::kUnsupported:
      return nullptr;
  }
  return nullptr;
}

}  // namespace s2lite::server

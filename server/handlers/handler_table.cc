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
  static constexpr OpHandler kAdminFaults{BodyMode::kXml, HandleAdminFaults, nullptr, false};
  switch (op) {
    case Op::kAdminFaults:
      return &kAdminFaults;
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
    case Op::kUnsupported:
      return nullptr;
  }
  return nullptr;
}

}  // namespace s2lite::server

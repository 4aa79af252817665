#pragma once

// The S3 errors the store reports, with S3's messages, in one place so the
// registry and the object store word them identically. BucketName and Key
// elements are left to the caller, which attaches the names it addressed (the
// handlers do); the upload id is attached here because S3 reports it for every
// multipart error.

#include <string>

#include "s2lite/status.h"

namespace s2lite::storage {

inline Status NoSuchBucketError() {
  return Status(ErrorCode::kNoSuchBucket, "The specified bucket does not exist");
}

inline Status NoSuchKeyError() {
  return Status(ErrorCode::kNoSuchKey, "The specified key does not exist.");
}

inline Status NoSuchUploadError(const std::string& upload_id) {
  return Status(ErrorCode::kNoSuchUpload,
                "The specified multipart upload does not exist. The upload ID may be invalid, "
                "or the upload may have been aborted or completed.")
      .With("UploadId", upload_id);
}

inline Status BucketNotEmptyError() {
  return Status(ErrorCode::kBucketNotEmpty, "The bucket you tried to delete is not empty");
}

inline Status BucketAlreadyExistsError() {
  return Status(ErrorCode::kBucketAlreadyExists,
                "The requested bucket name is not available. The bucket namespace is shared by "
                "all users of the system. Please select a different name and try again.");
}

inline Status BucketAlreadyOwnedByYouError() {
  return Status(ErrorCode::kBucketAlreadyOwnedByYou,
                "Your previous request to create the named bucket succeeded and you already own "
                "it.");
}

}  // namespace s2lite::storage

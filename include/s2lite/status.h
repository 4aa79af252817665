#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace s2lite {

// Every failure s2lite can report, named after the S3 error code it becomes on
// the wire (see server/errors.cc for the one table that maps each to its S3
// code string, HTTP status and default message). kOk means success.
enum class ErrorCode {
  kOk = 0,
  // Generic / non-S3 (embedding API, I/O).
  kInternalError,
  kNotImplemented,
  kServiceUnavailable,
  kSlowDown,
  // Request shape.
  kInvalidArgument,
  kInvalidRequest,
  kInvalidURI,
  kMalformedXML,
  kMethodNotAllowed,
  kMissingContentLength,
  kMissingRequestBodyError,
  kIncompleteBody,
  kRequestTimeout,
  kKeyTooLongError,
  kMetadataTooLarge,
  kInvalidStorageClass,
  kInvalidDigest,
  kBadDigest,
  kEntityTooLarge,
  kEntityTooSmall,
  kInvalidRange,
  kPreconditionFailed,
  kNotModified,
  kInvalidTag,
  kInvalidEncryptionAlgorithmError,
  kUnexpectedContent,
  kMaxMessageLengthExceeded,
  kRequestHeaderSectionTooLarge,
  // Auth.
  kAccessDenied,
  kInvalidAccessKeyId,
  kSignatureDoesNotMatch,
  kRequestTimeTooSkewed,
  kAuthorizationHeaderMalformed,
  kAuthorizationQueryParametersError,
  kMissingSecurityHeader,
  kXAmzContentSHA256Mismatch,
  kExpiredToken,
  // Buckets.
  kNoSuchBucket,
  kInvalidBucketName,
  kBucketAlreadyExists,
  kBucketAlreadyOwnedByYou,
  kBucketNotEmpty,
  kInvalidLocationConstraint,
  kIllegalLocationConstraintException,
  // Objects and uploads.
  kNoSuchKey,
  kNoSuchUpload,
  kInvalidPart,
  kInvalidPartOrder,
  kInvalidPartNumber,
  kTooManyParts,
  // Conditional writes.
  kConditionalRequestConflict,
  // Bucket configuration (subresources) not set, or refused.
  kNoSuchTagSet,
  kNoSuchWebsiteConfiguration,
  kReplicationConfigurationNotFoundError,
  kObjectLockConfigurationNotFoundError,
  kNoSuchBucketPolicy,
  kNoSuchLifecycleConfiguration,
  kOwnershipControlsNotFoundError,
  kNoSuchPublicAccessBlockConfiguration,
  kMalformedPolicy,
};

// A cheap success-or-error value. Expected failures are Status values, never
// exceptions. `extra` carries S3's additional error elements (for example
// `UploadId`, `StringToSign`), rendered after Message in the error document.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message = {}) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  // Empty means "use the default S3 message for this code".
  const std::string& message() const { return message_; }
  const std::vector<std::pair<std::string, std::string>>& extra() const { return extra_; }

  Status& With(std::string name, std::string value) {
    extra_.emplace_back(std::move(name), std::move(value));
    return *this;
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::vector<std::pair<std::string, std::string>> extra_;
};

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) {}
  Result(ErrorCode code, std::string message = {}) : v_(Status(code, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  // Precondition for value()/operator*: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // OK status when ok().
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace s2lite

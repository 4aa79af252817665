#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace s2lite {

// Every failure s2lite can report, named after the S3 error code it becomes on
// the wire (see server/errors.cc for the one table that maps each to its S3
// code string, HTTP status and default message). kOk means success.
#define S2LITE_ERROR_CODES(X)                                    \
  X(Ok)                                                          \
  /* Generic / non-S3 (embedding API, I/O). */                   \
  X(InternalError)                                               \
  X(NotImplemented)                                              \
  X(ServiceUnavailable)                                          \
  X(SlowDown)                                                    \
  /* Request shape. */                                           \
  X(InvalidArgument)                                             \
  X(InvalidRequest)                                              \
  X(InvalidURI)                                                  \
  X(MalformedXML)                                                \
  X(MethodNotAllowed)                                            \
  X(MissingContentLength)                                        \
  X(MissingRequestBodyError)                                     \
  X(IncompleteBody)                                              \
  X(RequestTimeout)                                              \
  X(KeyTooLongError)                                             \
  X(MetadataTooLarge)                                            \
  X(InvalidStorageClass)                                         \
  X(InvalidDigest)                                               \
  X(BadDigest)                                                   \
  X(EntityTooLarge)                                              \
  X(EntityTooSmall)                                              \
  X(InvalidRange)                                                \
  X(PreconditionFailed)                                          \
  X(NotModified)                                                 \
  X(InvalidTag)                                                  \
  X(InvalidEncryptionAlgorithmError)                             \
  X(UnexpectedContent)                                           \
  X(MaxMessageLengthExceeded)                                    \
  X(RequestHeaderSectionTooLarge)                                \
  /* Auth. */                                                    \
  X(AccessDenied)                                                \
  X(InvalidAccessKeyId)                                          \
  X(SignatureDoesNotMatch)                                       \
  X(RequestTimeTooSkewed)                                        \
  X(AuthorizationHeaderMalformed)                                \
  X(AuthorizationQueryParametersError)                           \
  X(MissingSecurityHeader)                                       \
  X(XAmzContentSHA256Mismatch)                                   \
  X(ExpiredToken)                                                \
  /* Buckets. */                                                 \
  X(NoSuchBucket)                                                \
  X(InvalidBucketName)                                           \
  X(BucketAlreadyExists)                                         \
  X(BucketAlreadyOwnedByYou)                                     \
  X(BucketNotEmpty)                                              \
  X(InvalidLocationConstraint)                                   \
  X(IllegalLocationConstraintException)                          \
  /* Objects and uploads. */                                     \
  X(NoSuchKey)                                                   \
  X(NoSuchUpload)                                                \
  X(InvalidPart)                                                 \
  X(InvalidPartOrder)                                            \
  X(InvalidPartNumber)                                           \
  X(TooManyParts)                                                \
  /* CORS and browser form uploads (POST Object). */             \
  X(NoSuchCORSConfiguration)                                     \
  X(AccessForbidden) /* a refused CORS preflight */              \
  X(BadRequest)      /* a preflight without Origin or method */  \
  X(MalformedPOSTRequest)                                        \
  X(InvalidPolicyDocument)                                       \
  X(MaxPostPreDataLengthExceededError)                           \
  /* Conditional writes. */                                      \
  X(ConditionalRequestConflict)                                  \
  /* Bucket configuration (subresources) not set, or refused. */ \
  X(NoSuchTagSet)                                                \
  X(NoSuchWebsiteConfiguration)                                  \
  X(ReplicationConfigurationNotFoundError)                       \
  X(ObjectLockConfigurationNotFoundError)                        \
  X(NoSuchBucketPolicy)                                          \
  X(NoSuchLifecycleConfiguration)                                \
  X(OwnershipControlsNotFoundError)                              \
  X(NoSuchPublicAccessBlockConfiguration)                        \
  X(MalformedPolicy)                                             \
  /* ACLs a bucket's Object Ownership disables. */               \
  X(AccessControlListNotSupported)                               \
  X(InvalidBucketAclWithObjectOwnership)

enum class ErrorCode {
#define S2LITE_ERROR_CODE_ENUM(name) k##name,
  S2LITE_ERROR_CODES(S2LITE_ERROR_CODE_ENUM)
#undef S2LITE_ERROR_CODE_ENUM
};
static_assert(static_cast<int>(ErrorCode::kOk) == 0);

// The code's name ("NoSuchBucket"; "OK" for kOk): the S3 error code it is
// sent as, except kTooManyParts, which S3 reports as InvalidArgument.
constexpr std::string_view ErrorCodeName(ErrorCode code) {
  if (code == ErrorCode::kOk) return "OK";
  switch (code) {
#define S2LITE_ERROR_CODE_NAME(name) \
  case ErrorCode::k##name:           \
    return #name;
    S2LITE_ERROR_CODES(S2LITE_ERROR_CODE_NAME)
#undef S2LITE_ERROR_CODE_NAME
  }
  return "Unknown";
}

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

  // "NoSuchKey: The specified key does not exist. (Key=a/b)", or "OK".
  std::string ToString() const {
    if (ok()) return "OK";
    std::string out(ErrorCodeName(code_));
    if (!message_.empty()) out += ": " + message_;
    if (!extra_.empty()) {
      out += " (";
      for (size_t i = 0; i < extra_.size(); ++i) {
        out += (i > 0 ? ", " : "") + extra_[i].first + "=" + extra_[i].second;
      }
      out += ")";
    }
    return out;
  }

  Status& With(std::string name, std::string value) {
    extra_.emplace_back(std::move(name), std::move(value));
    return *this;
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::vector<std::pair<std::string, std::string>> extra_;
};

// Printable, so test failures say what happened (GoogleTest uses these).
inline std::ostream& operator<<(std::ostream& os, ErrorCode code) {
  return os << ErrorCodeName(code);
}
inline std::ostream& operator<<(std::ostream& os, const Status& status) {
  return os << status.ToString();
}

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

#include "server/errors.h"

#include <array>

#include "server/xml.h"

namespace s2lite::server {
namespace {

struct Entry {
  ErrorCode code;
  ErrorInfo info;
};

// Codes, statuses and messages as S3 sends them:
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
constexpr Entry kTable[] = {
    {ErrorCode::kOk, {"OK", 200, ""}},
    {ErrorCode::kInternalError,
     {"InternalError", 500, "We encountered an internal error. Please try again."}},
    {ErrorCode::kNotImplemented,
     {"NotImplemented", 501,
      "A header you provided implies functionality that is not implemented."}},
    {ErrorCode::kServiceUnavailable,
     {"ServiceUnavailable", 503, "Please reduce your request rate."}},
    {ErrorCode::kSlowDown, {"SlowDown", 503, "Please reduce your request rate."}},
    {ErrorCode::kInvalidArgument, {"InvalidArgument", 400, "Invalid Argument"}},
    {ErrorCode::kInvalidRequest, {"InvalidRequest", 400, "Invalid Request"}},
    {ErrorCode::kInvalidURI, {"InvalidURI", 400, "Couldn't parse the specified URI."}},
    {ErrorCode::kMalformedXML,
     {"MalformedXML", 400,
      "The XML you provided was not well-formed or did not validate against our published "
      "schema"}},
    {ErrorCode::kMethodNotAllowed,
     {"MethodNotAllowed", 405, "The specified method is not allowed against this resource."}},
    {ErrorCode::kMissingContentLength,
     {"MissingContentLength", 411, "You must provide the Content-Length HTTP header."}},
    {ErrorCode::kMissingRequestBodyError,
     {"MissingRequestBodyError", 400, "Request Body is empty"}},
    {ErrorCode::kIncompleteBody,
     {"IncompleteBody", 400,
      "You did not provide the number of bytes specified by the Content-Length HTTP header"}},
    {ErrorCode::kRequestTimeout,
     {"RequestTimeout", 400,
      // As S3 sends it (the API reference's table drops the second sentence).
      "Your socket connection to the server was not read from or written to within the "
      "timeout period. Idle connections will be closed."}},
    {ErrorCode::kKeyTooLongError, {"KeyTooLongError", 400, "Your key is too long"}},
    {ErrorCode::kMetadataTooLarge,
     {"MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size."}},
    {ErrorCode::kInvalidStorageClass,
     {"InvalidStorageClass", 400, "The storage class you specified is not valid"}},
    {ErrorCode::kInvalidDigest,
     {"InvalidDigest", 400, "The Content-MD5 you specified was invalid."}},
    {ErrorCode::kBadDigest,
     {"BadDigest", 400, "The Content-MD5 you specified did not match what we received."}},
    {ErrorCode::kEntityTooLarge,
     {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size."}},
    {ErrorCode::kEntityTooSmall,
     {"EntityTooSmall", 400,
      "Your proposed upload is smaller than the minimum allowed object size."}},
    {ErrorCode::kInvalidRange, {"InvalidRange", 416, "The requested range is not satisfiable"}},
    {ErrorCode::kPreconditionFailed,
     {"PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold"}},
    {ErrorCode::kNotModified, {"NotModified", 304, "Not Modified"}},
    {ErrorCode::kInvalidTag, {"InvalidTag", 400, "The TagValue you have provided is invalid"}},
    {ErrorCode::kInvalidEncryptionAlgorithmError,
     {"InvalidEncryptionAlgorithmError", 400,
      "The Encryption request you specified is not valid. Supported value: AES256."}},
    {ErrorCode::kUnexpectedContent,
     {"UnexpectedContent", 400, "This request does not support content"}},
    {ErrorCode::kMaxMessageLengthExceeded,
     {"MaxMessageLengthExceeded", 400, "Your request was too big."}},
    {ErrorCode::kRequestHeaderSectionTooLarge,
     {"RequestHeaderSectionTooLarge", 400,
      "Your request header section exceeds the maximum allowed size."}},
    {ErrorCode::kAccessDenied, {"AccessDenied", 403, "Access Denied"}},
    {ErrorCode::kInvalidAccessKeyId,
     {"InvalidAccessKeyId", 403,
      "The AWS Access Key Id you provided does not exist in our records."}},
    {ErrorCode::kSignatureDoesNotMatch,
     {"SignatureDoesNotMatch", 403,
      "The request signature we calculated does not match the signature you provided. Check "
      "your key and signing method."}},
    {ErrorCode::kRequestTimeTooSkewed,
     {"RequestTimeTooSkewed", 403,
      "The difference between the request time and the current time is too large."}},
    {ErrorCode::kAuthorizationHeaderMalformed,
     {"AuthorizationHeaderMalformed", 400, "The authorization header is malformed."}},
    {ErrorCode::kAuthorizationQueryParametersError,
     {"AuthorizationQueryParametersError", 400, "Error parsing the X-Amz-Credential parameter."}},
    {ErrorCode::kMissingSecurityHeader,
     {"MissingSecurityHeader", 400, "Your request is missing a required header."}},
    {ErrorCode::kXAmzContentSHA256Mismatch,
     {"XAmzContentSHA256Mismatch", 400,
      "The provided 'x-amz-content-sha256' header does not match what was computed."}},
    {ErrorCode::kExpiredToken, {"ExpiredToken", 400, "The provided token has expired."}},
    {ErrorCode::kNoSuchBucket, {"NoSuchBucket", 404, "The specified bucket does not exist"}},
    {ErrorCode::kInvalidBucketName,
     {"InvalidBucketName", 400, "The specified bucket is not valid."}},
    {ErrorCode::kBucketAlreadyExists,
     {"BucketAlreadyExists", 409,
      "The requested bucket name is not available. The bucket namespace is shared by all users "
      "of the system. Please select a different name and try again."}},
    {ErrorCode::kBucketAlreadyOwnedByYou,
     {"BucketAlreadyOwnedByYou", 409,
      "Your previous request to create the named bucket succeeded and you already own it."}},
    {ErrorCode::kBucketNotEmpty,
     {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty"}},
    {ErrorCode::kInvalidLocationConstraint,
     {"InvalidLocationConstraint", 400, "The specified location-constraint is not valid"}},
    {ErrorCode::kIllegalLocationConstraintException,
     {"IllegalLocationConstraintException", 400,
      "The unspecified location constraint is incompatible for the region specific endpoint "
      "this request was sent to."}},
    {ErrorCode::kNoSuchKey, {"NoSuchKey", 404, "The specified key does not exist."}},
    {ErrorCode::kNoSuchUpload,
     {"NoSuchUpload", 404,
      "The specified multipart upload does not exist. The upload ID may be invalid, or the "
      "upload may have been aborted or completed."}},
    {ErrorCode::kInvalidPart,
     {"InvalidPart", 400,
      "One or more of the specified parts could not be found.  The part may not have been "
      "uploaded, or the specified entity tag may not have matched the part's entity tag."}},
    {ErrorCode::kInvalidPartOrder,
     {"InvalidPartOrder", 400,
      "The list of parts was not in ascending order. Parts must be ordered by part number."}},
    {ErrorCode::kInvalidPartNumber,
     {"InvalidPartNumber", 416, "The requested partnumber is not satisfiable"}},
    {ErrorCode::kTooManyParts,
     {"InvalidArgument", 400, "Part number must be an integer between 1 and 10000, inclusive"}},
    {ErrorCode::kNoSuchCORSConfiguration,
     {"NoSuchCORSConfiguration", 404, "The CORS configuration does not exist"}},
    {ErrorCode::kAccessForbidden,
     {"AccessForbidden", 403, "CORSResponse: This CORS request is not allowed."}},
    {ErrorCode::kBadRequest,
     {"BadRequest", 400, "Insufficient information. Origin request header needed."}},
    {ErrorCode::kMalformedPOSTRequest,
     {"MalformedPOSTRequest", 400,
      "The body of your POST request is not well-formed multipart/form-data."}},
    {ErrorCode::kInvalidPolicyDocument,
     {"InvalidPolicyDocument", 400,
      "The content of the form does not meet the conditions specified in the policy document."}},
    {ErrorCode::kMaxPostPreDataLengthExceededError,
     {"MaxPostPreDataLengthExceededError", 400,
      "Your POST request fields preceding the upload file were too large."}},
    {ErrorCode::kConditionalRequestConflict,
     {"ConditionalRequestConflict", 409,
      "The conditional request cannot succeed due to a conflicting operation against this "
      "resource."}},
    {ErrorCode::kNoSuchTagSet, {"NoSuchTagSet", 404, "The TagSet does not exist"}},
    {ErrorCode::kNoSuchWebsiteConfiguration,
     {"NoSuchWebsiteConfiguration", 404,
      "The specified bucket does not have a website configuration"}},
    {ErrorCode::kReplicationConfigurationNotFoundError,
     {"ReplicationConfigurationNotFoundError", 404, "The replication configuration was not found"}},
    {ErrorCode::kObjectLockConfigurationNotFoundError,
     {"ObjectLockConfigurationNotFoundError", 404,
      "Object Lock configuration does not exist for this bucket"}},
    {ErrorCode::kNoSuchBucketPolicy,
     {"NoSuchBucketPolicy", 404, "The bucket policy does not exist"}},
    {ErrorCode::kNoSuchLifecycleConfiguration,
     {"NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist"}},
    {ErrorCode::kOwnershipControlsNotFoundError,
     {"OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found"}},
    {ErrorCode::kNoSuchPublicAccessBlockConfiguration,
     {"NoSuchPublicAccessBlockConfiguration", 404,
      "The public access block configuration was not found"}},
    {ErrorCode::kMalformedPolicy, {"MalformedPolicy", 400, "Policies must be valid JSON"}},
    {ErrorCode::kAccessControlListNotSupported,
     {"AccessControlListNotSupported", 400, "The bucket does not allow ACLs"}},
    {ErrorCode::kInvalidBucketAclWithObjectOwnership,
     {"InvalidBucketAclWithObjectOwnership", 400,
      "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"}},
};

constexpr size_t kTableSize = sizeof(kTable) / sizeof(kTable[0]);

constexpr bool TableIsIndexedByCode() {
  for (size_t i = 0; i < kTableSize; ++i)
    if (static_cast<size_t>(kTable[i].code) != i) return false;
  return true;
}
static_assert(TableIsIndexedByCode(), "kTable must list every ErrorCode in enum order");
static_assert(kTableSize ==
                  static_cast<size_t>(ErrorCode::kInvalidBucketAclWithObjectOwnership) + 1,
              "kTable must list every ErrorCode");

}  // namespace

const ErrorInfo& LookupError(ErrorCode code) {
  auto i = static_cast<size_t>(code);
  return i < kTableSize ? kTable[i].info : kTable[1].info;
}

namespace {

std::string Render(std::string_view code, std::string_view message, const Status* extras,
                   std::string_view resource, std::string_view request_id,
                   std::string_view host_id) {
  XmlWriter w;
  w.Open("Error");
  w.Element("Code", code);
  w.Element("Message", message);
  if (extras)
    for (const auto& [name, value] : extras->extra()) w.Element(name, value);
  if (!resource.empty()) w.Element("Resource", resource);
  w.Element("RequestId", request_id);
  w.Element("HostId", host_id);
  w.Close("Error");
  return w.Take();
}

}  // namespace

std::string RenderErrorXml(const Status& status, std::string_view resource,
                           std::string_view request_id, std::string_view host_id) {
  const ErrorInfo& info = LookupError(status.code());
  return Render(info.code, status.message().empty() ? info.message : status.message(), &status,
                resource, request_id, host_id);
}

std::string RenderErrorXml(std::string_view code, std::string_view message,
                           std::string_view resource, std::string_view request_id,
                           std::string_view host_id) {
  return Render(code, message, nullptr, resource, request_id, host_id);
}

}  // namespace s2lite::server

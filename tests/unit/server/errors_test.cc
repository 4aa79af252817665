#include "server/errors.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "s2lite/status.h"

namespace s2lite::server {
namespace {

// Every code's printable name is the S3 code the error table sends, but for
// the one code S3 reports under a more general name.
TEST(ErrorsTest, EveryCodesNameIsTheS3CodeOnTheWire) {
  EXPECT_EQ(LookupError(ErrorCode::kTooManyParts).code, "InvalidArgument");
#define S2LITE_CHECK_CODE(name)                                                                  \
  if (ErrorCode::k##name != ErrorCode::kTooManyParts) {                                          \
    EXPECT_EQ(ErrorCodeName(ErrorCode::k##name), LookupError(ErrorCode::k##name).code) << #name; \
  }
  S2LITE_ERROR_CODES(S2LITE_CHECK_CODE)
#undef S2LITE_CHECK_CODE
}

TEST(ErrorsTest, StatusPrintsCodeMessageAndExtras) {
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  EXPECT_EQ(Status(ErrorCode::kNoSuchBucket).ToString(), "NoSuchBucket");
  Status s = Status(ErrorCode::kNoSuchUpload, "gone").With("UploadId", "u1").With("Key", "k");
  EXPECT_EQ(s.ToString(), "NoSuchUpload: gone (UploadId=u1, Key=k)");
  std::ostringstream os;
  os << s << " / " << ErrorCode::kSlowDown;
  EXPECT_EQ(os.str(), "NoSuchUpload: gone (UploadId=u1, Key=k) / SlowDown");
  EXPECT_EQ(::testing::PrintToString(ErrorCode::kAccessDenied), "AccessDenied");
}

}  // namespace
}  // namespace s2lite::server

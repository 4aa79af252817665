// The example's tests: a real fake S3 per test, three lines of setup.
#include "uploader.h"

#include <s2lite/testing/gtest.h>

class UploaderTest : public s2lite::testing::S3Test {};

TEST_F(UploaderTest, UploadsInPartsAndTheObjectArrivesWhole) {
  std::string data(1000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  Uploader up(endpoint(), access_key(), secret_key());
  UploadResult r = up.Upload(bucket(), "reports/2026.csv", data, 300);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.etag.find("-4"), std::string::npos) << r.etag;  // 4 parts
  EXPECT_EQ(*server().ReadObject(bucket(), "reports/2026.csv"), data);
  EXPECT_TRUE(server().ListUploads()->empty());
}

TEST_F(UploaderTest, ReportsTheS3ErrorForAMissingBucket) {
  Uploader up(endpoint(), access_key(), secret_key());
  UploadResult r = up.Upload("no-such-bucket", "k", "data", 300);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "NoSuchBucket");
}

TEST_F(UploaderTest, WrongCredentialsAreRefused) {
  Uploader up(endpoint(), access_key(), "wrong-secret");
  UploadResult r = up.Upload(bucket(), "k", "data", 300);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "SignatureDoesNotMatch");
}

#include "server/xml.h"

#include <gtest/gtest.h>

#include "server/errors.h"

namespace s2lite::server {
namespace {

TEST(XmlWriterTest, WritesNamespacedDocumentWithEscaping) {
  XmlWriter w;
  w.Open("InitiateMultipartUploadResult", true);
  w.Element("Bucket", "b");
  w.Element("Key", "a&b<c>\"d'");
  w.Element("UploadId", "xyz");
  w.Close("InitiateMultipartUploadResult");
  EXPECT_EQ(w.Take(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Bucket>b</Bucket><Key>a&amp;b&lt;c&gt;&quot;d&apos;</Key><UploadId>xyz</UploadId>"
            "</InitiateMultipartUploadResult>");
}

TEST(ErrorXmlTest, RendersS3ErrorDocumentWithoutNamespace) {
  Status s = Status(ErrorCode::kNoSuchUpload).With("UploadId", "abc");
  EXPECT_EQ(RenderErrorXml(s, "/b/k", "REQ1", "HOST1"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Error><Code>NoSuchUpload</Code><Message>The specified multipart upload does not "
            "exist. The upload ID may be invalid, or the upload may have been aborted or "
            "completed.</Message><UploadId>abc</UploadId><Resource>/b/k</Resource>"
            "<RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>");
}

TEST(ErrorTableTest, MapsCodesToS3Statuses) {
  struct Case {
    ErrorCode code;
    std::string_view s3;
    int status;
  } cases[] = {
      {ErrorCode::kAccessDenied, "AccessDenied", 403},
      {ErrorCode::kNoSuchBucket, "NoSuchBucket", 404},
      {ErrorCode::kSignatureDoesNotMatch, "SignatureDoesNotMatch", 403},
      {ErrorCode::kBucketAlreadyExists, "BucketAlreadyExists", 409},
      {ErrorCode::kMissingContentLength, "MissingContentLength", 411},
      {ErrorCode::kNotImplemented, "NotImplemented", 501},
      {ErrorCode::kMethodNotAllowed, "MethodNotAllowed", 405},
      {ErrorCode::kInvalidRange, "InvalidRange", 416},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.s3));
    EXPECT_EQ(LookupError(c.code).code, c.s3);
    EXPECT_EQ(LookupError(c.code).http_status, c.status);
  }
}

TEST(CompleteXmlTest, ParsesPartsAndUnquotesEtags) {
  auto parts = ParseCompleteMultipartUpload(
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Part><PartNumber>1</PartNumber><ETag>&quot;aa&quot;</ETag></Part>"
      "<Part><ETag>\"bb\"</ETag><PartNumber>2</PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></"
      "Part>"
      "</CompleteMultipartUpload>");
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].part_number, 1);
  EXPECT_EQ((*parts)[0].etag, "aa");
  EXPECT_EQ((*parts)[1].etag, "bb");
  ASSERT_EQ((*parts)[1].checksums.size(), 1u);
  EXPECT_EQ((*parts)[1].checksums[0].first, "CRC32");
}

TEST(CompleteXmlTest, RefusesMalformedDocuments) {
  for (std::string_view body :
       {"", "<CompleteMultipartUpload>", "<Other/>",
        "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part>"
        "</CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><ETag>a</ETag></Part></CompleteMultipartUpload>"}) {
    SCOPED_TRACE(std::string(body));
    EXPECT_EQ(ParseCompleteMultipartUpload(body).status().code(), ErrorCode::kMalformedXML);
  }
}

TEST(CreateBucketXmlTest, ReadsLocationConstraint) {
  EXPECT_EQ(*ParseCreateBucketConfiguration(""), "");
  EXPECT_EQ(*ParseCreateBucketConfiguration(
                "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
                "</CreateBucketConfiguration>"),
            "eu-west-1");
}

}  // namespace
}  // namespace s2lite::server

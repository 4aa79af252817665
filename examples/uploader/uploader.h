#pragma once

// The code under test in this example: uploads a buffer to S3 in parts
// (CreateMultipartUpload, UploadPart..., CompleteMultipartUpload), signing
// with libcurl's SigV4.

#include <string>

struct UploadResult {
  bool ok = false;
  std::string etag;   // of the completed object
  std::string error;  // S3 error code or transport error
};

class Uploader {
 public:
  Uploader(std::string endpoint, std::string access_key, std::string secret_key,
           std::string region = "us-east-1");
  UploadResult Upload(const std::string& bucket, const std::string& key, const std::string& data,
                      size_t part_size);

 private:
  std::string endpoint_, access_key_, secret_key_, region_;
};

#include "uploader.h"

#include <curl/curl.h>

#include <vector>

namespace {

struct Reply {
  long status = 0;
  std::string body;
  std::string etag;
};

size_t OnBody(char* p, size_t size, size_t n, void* out) {
  static_cast<Reply*>(out)->body.append(p, size * n);
  return size * n;
}

size_t OnHeader(char* p, size_t size, size_t n, void* out) {
  std::string line(p, size * n);
  if (line.size() > 6 && (line.rfind("ETag:", 0) == 0 || line.rfind("etag:", 0) == 0)) {
    auto v = line.substr(5);
    while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.pop_back();
    static_cast<Reply*>(out)->etag = v;
  }
  return size * n;
}

std::string Between(const std::string& s, const std::string& tag) {
  auto a = s.find("<" + tag + ">");
  if (a == std::string::npos) return "";
  a += tag.size() + 2;
  auto b = s.find("</" + tag + ">", a);
  return b == std::string::npos ? "" : s.substr(a, b - a);
}

Reply Send(const std::string& method, const std::string& url, const std::string& body,
           const std::string& user, const std::string& region) {
  Reply r;
  CURL* c = curl_easy_init();
  std::string provider = "aws:amz:" + region + ":s3";
  curl_slist* headers = curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, provider.c_str());
  curl_easy_setopt(c, CURLOPT_USERPWD, user.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return r;
}

}  // namespace

Uploader::Uploader(std::string endpoint, std::string access_key, std::string secret_key,
                   std::string region)
    : endpoint_(std::move(endpoint)),
      access_key_(std::move(access_key)),
      secret_key_(std::move(secret_key)),
      region_(std::move(region)) {}

UploadResult Uploader::Upload(const std::string& bucket, const std::string& key,
                              const std::string& data, size_t part_size) {
  UploadResult out;
  std::string user = access_key_ + ":" + secret_key_;
  std::string base = endpoint_ + "/" + bucket + "/" + key;
  Reply init = Send("POST", base + "?uploads=", "", user, region_);
  std::string upload_id = Between(init.body, "UploadId");
  if (init.status != 200 || upload_id.empty()) {
    out.error = init.status ? Between(init.body, "Code") : "connection failed";
    return out;
  }
  std::string complete = "<CompleteMultipartUpload>";
  int part = 1;
  for (size_t off = 0; off < data.size() || part == 1; off += part_size, ++part) {
    std::string chunk = data.substr(off, part_size);
    Reply r = Send("PUT", base + "?partNumber=" + std::to_string(part) + "&uploadId=" + upload_id,
                   chunk, user, region_);
    if (r.status != 200) {
      out.error = Between(r.body, "Code");
      return out;
    }
    complete += "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>" + r.etag +
                "</ETag></Part>";
    if (off + part_size >= data.size()) break;
  }
  complete += "</CompleteMultipartUpload>";
  Reply done = Send("POST", base + "?uploadId=" + upload_id, complete, user, region_);
  if (done.status != 200) {
    out.error = Between(done.body, "Code");
    return out;
  }
  out.ok = true;
  out.etag = Between(done.body, "ETag");
  return out;
}

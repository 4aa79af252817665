#include "server/form_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s2lite::server {
namespace {

// Records what the parser hands on; checks that each chunk of file bytes is
// still intact when the next arrives (BodySink's contract).
class Recorder : public FormHandler {
 public:
  Status OnField(std::string_view name, std::string_view value) override {
    fields.emplace_back(std::string(name), std::string(value));
    return Status::Ok();
  }
  Status OnFileStart(std::string_view name) override {
    filename = std::string(name);
    started = true;
    return Status::Ok();
  }
  Status OnFileData(const char* data, size_t n) override {
    CheckPrevious();
    last = data;
    last_copy.assign(data, n);
    file.append(data, n);
    return Status::Ok();
  }
  Status OnFileEnd() override {
    CheckPrevious();
    ended = true;
    return Status::Ok();
  }
  void CheckPrevious() {
    if (last) {
      EXPECT_EQ(std::string(last, last_copy.size()), last_copy);
    }
  }

  std::vector<std::pair<std::string, std::string>> fields;
  std::string filename, file;
  bool started = false, ended = false;
  const char* last = nullptr;
  std::string last_copy;
};

std::string Form(const std::string& boundary, const std::string& file_bytes) {
  return "--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuploads/${filename}\r\n--" +
         boundary +
         "\r\nContent-Disposition: form-data; name=\"Content-Type\"\r\n\r\nimage/png\r\n--" +
         boundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".png\"\r\n"
         "Content-Type: image/png\r\n\r\n" +
         file_bytes + "\r\n--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nignored\r\n--" + boundary +
         "--\r\n";
}

TEST(FormParserTest, FindsTheBoundary) {
  EXPECT_EQ(FormDataBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(FormDataBoundary("Multipart/Form-Data;boundary=\"a b\""), "a b");
  EXPECT_FALSE(FormDataBoundary("multipart/form-data"));
  EXPECT_FALSE(FormDataBoundary("application/x-www-form-urlencoded"));
  EXPECT_FALSE(FormDataBoundary("multipart/form-data; boundary=" + std::string(71, 'x')));
}

TEST(FormParserTest, ParsesFieldsAndStreamsTheFileWhateverTheChunking) {
  // The file holds near-boundaries: "\r\n--b" prefixes that are not the delimiter.
  std::string file_bytes;
  for (int i = 0; i < 3000; ++i) file_bytes += static_cast<char>(i * 7);
  file_bytes += "\r\n--XyZboundar\r\n--XyZ\r\n-";
  std::string body = Form("XyZboundary", file_bytes);
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{7}, size_t{64}, size_t{1000}, body.size()}) {
    SCOPED_TRACE(chunk);
    Recorder r;
    FormParser p("XyZboundary", r, 20 * 1024);
    for (size_t i = 0; i < body.size(); i += chunk) {
      ASSERT_TRUE(p.Feed(body.data() + i, std::min(chunk, body.size() - i)).ok());
    }
    ASSERT_TRUE(p.Finish().ok());
    EXPECT_TRUE(p.file_seen());
    ASSERT_EQ(r.fields.size(), 2u);  // "after" follows the file: ignored
    EXPECT_EQ(r.fields[0], (std::pair<std::string, std::string>{"key", "uploads/${filename}"}));
    EXPECT_EQ(r.fields[1], (std::pair<std::string, std::string>{"Content-Type", "image/png"}));
    EXPECT_EQ(r.filename, "a \"b\".png");
    EXPECT_EQ(r.file, file_bytes);
    EXPECT_TRUE(r.ended);
  }
}

TEST(FormParserTest, AFormWithoutAFileEndsCleanly) {
  std::string body =
      "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--b--\r\n";
  Recorder r;
  FormParser p("b", r, 1024);
  ASSERT_TRUE(p.Feed(body.data(), body.size()).ok());
  EXPECT_TRUE(p.Finish().ok());
  EXPECT_FALSE(p.file_seen());
  EXPECT_EQ(r.fields.size(), 1u);
}

TEST(FormParserTest, RefusesMalformedAndTruncatedBodies) {
  for (std::string body : {
           std::string("no boundary at all"),
           std::string("--b\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--b--"),
           std::string("--b\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nv\r\n--b--"),
           std::string("--bX\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--"),
           std::string("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ncut off"),
       }) {
    SCOPED_TRACE(body);
    Recorder r;
    FormParser p("b", r, 1024);
    Status s = p.Feed(body.data(), body.size());
    if (s.ok()) s = p.Finish();
    EXPECT_EQ(s.code(), ErrorCode::kMalformedPOSTRequest);
  }
}

TEST(FormParserTest, BoundsTheFieldsBeforeTheFile) {
  std::string big(30 * 1024, 'v');
  std::string body = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n" + big;
  Recorder r;
  FormParser p("b", r, 20 * 1024);
  Status s = Status::Ok();
  for (size_t i = 0; i < body.size() && s.ok(); i += 4096)
    s = p.Feed(body.data() + i, std::min<size_t>(4096, body.size() - i));
  EXPECT_EQ(s.code(), ErrorCode::kMaxPostPreDataLengthExceededError);

  // A file larger than the bound is fine: only what precedes it counts.
  std::string file(100 * 1024, 'f');
  std::string ok = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n" +
                   file + "\r\n--b--\r\n";
  Recorder r2;
  FormParser p2("b", r2, 20 * 1024);
  ASSERT_TRUE(p2.Feed(ok.data(), ok.size()).ok());
  ASSERT_TRUE(p2.Finish().ok());
  EXPECT_EQ(r2.file, file);
}

}  // namespace
}  // namespace s2lite::server

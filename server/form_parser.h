#pragma once

// A streaming multipart/form-data parser for browser form uploads (POST
// Object). The fields before the file are buffered, bounded; the file's bytes
// are handed on as they arrive, never held whole; whatever follows the file
// is ignored, as S3 does.
// https://www.rfc-editor.org/rfc/rfc7578

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "s2lite/status.h"

namespace s2lite::server {

// The boundary of a `multipart/form-data; boundary=...` Content-Type, or
// nullopt for any other type or a missing/invalid boundary.
std::optional<std::string> FormDataBoundary(std::string_view content_type);

class FormHandler {
 public:
  virtual ~FormHandler() = default;
  // A field before the file (`name` as sent).
  virtual Status OnField(std::string_view name, std::string_view value) = 0;
  // The part named "file" begins; `filename` from its Content-Disposition.
  virtual Status OnFileStart(std::string_view filename) = 0;
  // File bytes: `data` stays valid until the next OnFileData or OnFileEnd
  // (BodySink's contract).
  virtual Status OnFileData(const char* data, size_t n) = 0;
  virtual Status OnFileEnd() = 0;
};

class FormParser {
 public:
  // `max_prefile_bytes` bounds everything before the file's data (S3: 20 KiB,
  // kMaxPostPreDataLengthExceededError past it).
  FormParser(std::string boundary, FormHandler& handler, size_t max_prefile_bytes);

  // Errors: kMalformedPOSTRequest, kMaxPostPreDataLengthExceededError, or a handler's.
  Status Feed(const char* data, size_t n);
  // The body ended. Errors: kMalformedPOSTRequest (cut inside a part).
  Status Finish();
  bool file_seen() const { return file_seen_; }

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kValue, kFile, kDone };
  Status Process();
  Status StartPart(std::string_view headers);
  // State::kFile: hands the file's bytes in the current buffer on.
  Status FileData();

  std::string delimiter_;  // "\r\n--" + boundary
  FormHandler& handler_;
  size_t max_prefile_;
  State state_ = State::kPreamble;
  // Two buffers taking turns: the one whose bytes were last handed to
  // OnFileData is not touched until the handler has had the next ones.
  std::string bufs_[2];
  int cur_ = 0;
  size_t pos_ = 0;         // first unprocessed byte in bufs_[cur_]
  uint64_t consumed_ = 0;  // stream offset of bufs_[cur_][0]
  std::string field_name_;
  bool file_seen_ = false;
};

}  // namespace s2lite::server

#include "server/form_parser.h"

#include <algorithm>

#include "common/ascii.h"

namespace s2lite::server {
namespace {

Status Malformed() { return Status(ErrorCode::kMalformedPOSTRequest); }

// `; name=value` parameters of a header value (values may be quoted, with
// backslash escapes), looked up by lower-case name.
std::optional<std::string> Param(std::string_view value, std::string_view wanted) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    std::string name = common::AsciiLower(common::TrimOws(value.substr(i, eq - i)));
    size_t j = eq + 1;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v += value[j++];
      }
      if (j >= value.size()) return std::nullopt;
      ++j;  // closing quote
      i = value.find(';', j);
    } else {
      size_t end = value.find(';', j);
      v = std::string(
          common::TrimOws(value.substr(j, end == std::string_view::npos ? end : end - j)));
      i = end;
    }
    if (name == wanted) return v;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> FormDataBoundary(std::string_view content_type) {
  std::string_view type = common::TrimOws(content_type.substr(0, content_type.find(';')));
  if (!common::EqualsIgnoreCase(type, "multipart/form-data")) return std::nullopt;
  auto boundary = Param(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  return boundary;
}

FormParser::FormParser(std::string boundary, FormHandler& handler, size_t max_prefile_bytes)
    : delimiter_("\r\n--" + boundary), handler_(handler), max_prefile_(max_prefile_bytes) {
  // The first delimiter may open the body: as if a line break preceded it.
  bufs_[0] = "\r\n";
}

Status FormParser::Feed(const char* data, size_t n) {
  if (state_ == State::kDone) return Status::Ok();
  bufs_[cur_].append(data, n);
  return Process();
}

Status FormParser::StartPart(std::string_view headers) {
  std::optional<std::string> name, filename;
  while (!headers.empty()) {
    auto eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    auto colon = line.find(':');
    if (colon != std::string_view::npos &&
        common::EqualsIgnoreCase(common::TrimOws(line.substr(0, colon)), "content-disposition")) {
      std::string_view value = common::TrimOws(line.substr(colon + 1));
      if (!common::EqualsIgnoreCase(common::TrimOws(value.substr(0, value.find(';'))), "form-data"))
        return Malformed();
      name = Param(value, "name");
      filename = Param(value, "filename");
    }
    if (eol == std::string_view::npos) break;
    headers.remove_prefix(eol + 2);
  }
  if (!name) return Malformed();
  if (common::EqualsIgnoreCase(*name, "file")) {
    if (consumed_ + pos_ > max_prefile_ + 2)
      return Status(ErrorCode::kMaxPostPreDataLengthExceededError);
    file_seen_ = true;
    state_ = State::kFile;
    return handler_.OnFileStart(filename.value_or(""));
  }
  field_name_ = std::move(*name);
  state_ = State::kValue;
  return Status::Ok();
}

Status FormParser::Process() {
  for (;;) {
    std::string& b = bufs_[cur_];
    std::string_view v(b);
    switch (state_) {
      case State::kDone:
        return Status::Ok();
      case State::kPreamble: {
        auto i = v.find(delimiter_, pos_);
        if (i == std::string_view::npos) break;
        pos_ = i + delimiter_.size();
        state_ = State::kAfterDelimiter;
        continue;
      }
      case State::kAfterDelimiter: {
        size_t p = pos_;
        if (v.size() - p >= 2 && v.substr(p, 2) == "--") {
          state_ = State::kDone;  // the close delimiter; the epilogue is ignored
          return Status::Ok();
        }
        while (p < v.size() && (v[p] == ' ' || v[p] == '\t')) ++p;  // transport padding
        if (v.size() - p < 2) break;
        if (v.substr(p, 2) != "\r\n") return Malformed();
        pos_ = p + 2;
        state_ = State::kHeaders;
        continue;
      }
      case State::kHeaders: {
        // pos_ - 2 is the line break after the delimiter: no header at all
        // is "\r\n\r\n" from there.
        auto i = v.find("\r\n\r\n", pos_ - 2);
        if (i == std::string_view::npos) break;
        std::string_view headers = i < pos_ ? std::string_view() : v.substr(pos_, i - pos_);
        pos_ = i + 4;
        if (Status s = StartPart(headers); !s.ok()) return s;
        continue;
      }
      case State::kValue: {
        auto i = v.find(delimiter_, pos_);
        if (i == std::string_view::npos) break;
        if (Status s = handler_.OnField(field_name_, v.substr(pos_, i - pos_)); !s.ok()) return s;
        pos_ = i + delimiter_.size();
        state_ = State::kAfterDelimiter;
        continue;
      }
      case State::kFile:
        return FileData();
    }
    // Waiting for more bytes before the file: bounded.
    if (consumed_ + v.size() > max_prefile_ + 2)
      return Status(ErrorCode::kMaxPostPreDataLengthExceededError);
    return Status::Ok();
  }
}

Status FormParser::FileData() {
  std::string& b = bufs_[cur_];
  std::string_view v(b);
  auto i = v.find(delimiter_, pos_);
  if (i != std::string_view::npos) {
    if (i > pos_) {
      if (Status s = handler_.OnFileData(b.data() + pos_, i - pos_); !s.ok()) return s;
    }
    state_ = State::kDone;
    return handler_.OnFileEnd();
  }
  // Hand on all but a tail that may be the start of the delimiter; the
  // tail moves to the other buffer, leaving these bytes untouched.
  size_t keep = std::min(v.size() - pos_, delimiter_.size() - 1);
  size_t end = v.size() - keep;
  if (end > pos_) {
    if (Status s = handler_.OnFileData(b.data() + pos_, end - pos_); !s.ok()) return s;
    std::string& other = bufs_[1 - cur_];
    other.assign(b, end, keep);
    cur_ = 1 - cur_;
    consumed_ += end;
    pos_ = 0;
  }
  return Status::Ok();
}

Status FormParser::Finish() {
  if (state_ == State::kDone) return Status::Ok();
  return Malformed();
}

}  // namespace s2lite::server

#pragma once

// XML for S3 documents. Responses are written by XmlWriter (escaping done
// here, once); request bodies are parsed with pugixml, confined to xml.cc.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s2lite/status.h"

namespace s2lite::server {

inline constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// Escapes & < > " ' for element text and attribute values.
std::string XmlEscape(std::string_view s);

// Builds a document: `<?xml version="1.0" encoding="UTF-8"?>` then elements.
class XmlWriter {
 public:
  XmlWriter();
  // Opens <name> (with xmlns when `with_namespace`).
  void Open(std::string_view name, bool with_namespace = false);
  void Close(std::string_view name);
  // <name>escaped text</name>
  void Element(std::string_view name, std::string_view text);
  void Element(std::string_view name, uint64_t value);
  // Escaped text inside the currently open element.
  void Text(std::string_view text);
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// CompleteMultipartUpload request body.
struct CompletePartXml {
  int part_number = 0;
  std::string etag;  // XML-unescaped, surrounding quotes stripped
  // Checksum elements given for the part (e.g. {"CRC32", "base64"}).
  std::vector<std::pair<std::string, std::string>> checksums;
};
// S3's most parts in one upload; a longer Complete list is refused.
inline constexpr size_t kMaxCompleteParts = 10000;
// Errors: kMalformedXML (not well-formed, wrong root, missing/invalid
// PartNumber or ETag, more than kMaxCompleteParts parts).
Result<std::vector<CompletePartXml>> ParseCompleteMultipartUpload(std::string_view body);

// CreateBucketConfiguration body; returns the LocationConstraint ("" if none).
// An empty body is fine. Errors: kMalformedXML.
Result<std::string> ParseCreateBucketConfiguration(std::string_view body);

// DeleteObjects (`<Delete>`) body.
struct DeleteRequestXml {
  bool quiet = false;
  std::vector<std::string> keys;
};
Result<DeleteRequestXml> ParseDelete(std::string_view body);

// A parsed element of a configuration document (Tagging, Lifecycle, ...):
// its local name (prefix dropped), its own text and its child elements.
struct XmlNode {
  std::string name;
  std::string text;  // the element's character data, untrimmed
  std::vector<XmlNode> children;
  // The first child named `name`, or nullptr.
  const XmlNode* Child(std::string_view name) const;
  // Every child named `name`, in order.
  std::vector<const XmlNode*> Children(std::string_view name) const;
};
// The document element of `body`. Errors: kMalformedXML (not well-formed,
// empty, or nested deeper than 16 levels).
Result<XmlNode> ParseXmlTree(std::string_view body);

}  // namespace s2lite::server

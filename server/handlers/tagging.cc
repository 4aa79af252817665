#include "server/handlers/tagging.h"

#include "common/uri.h"
#include "server/xml.h"

namespace s2lite::server {
namespace {

// Unicode characters in UTF-8 text (continuation bytes not counted).
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

Status ValidateTags(const TagSet& tags, size_t max_tags) {
  if (tags.size() > max_tags) {
    return Status(ErrorCode::kInvalidTag, max_tags == kMaxObjectTags
                                              ? "Object tags cannot be greater than 10"
                                              : "Bucket tag count cannot be greater than 50");
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    const auto& [key, value] = tags[i];
    if (key.empty() || CodePoints(key) > 128)
      return Status(ErrorCode::kInvalidTag, "The TagKey you have provided is invalid");
    if (CodePoints(value) > 256)
      return Status(ErrorCode::kInvalidTag, "The TagValue you have provided is too long, max 256");
    if (key.rfind("aws:", 0) == 0)
      return Status(ErrorCode::kInvalidTag, "System tags cannot be added/updated by requester");
    for (size_t j = 0; j < i; ++j) {
      if (tags[j].first == key)
        return Status(ErrorCode::kInvalidTag, "Cannot provide multiple Tags with the same key");
    }
  }
  return Status::Ok();
}

Result<TagSet> ParseTaggingXml(std::string_view body, size_t max_tags) {
  auto root = ParseXmlTree(body);
  if (!root.ok()) return root.status();
  const XmlNode* set = root->Child("TagSet");
  if (root->name != "Tagging" || !set) return Status(ErrorCode::kMalformedXML);
  TagSet tags;
  for (const XmlNode* tag : set->Children("Tag")) {
    const XmlNode* key = tag->Child("Key");
    const XmlNode* value = tag->Child("Value");
    if (!key || !value) return Status(ErrorCode::kMalformedXML);
    tags.emplace_back(key->text, value->text);
  }
  if (Status s = ValidateTags(tags, max_tags); !s.ok()) return s;
  return tags;
}

Result<TagSet> ParseTaggingHeader(std::string_view header) {
  auto params = common::ParseQuery(header);
  if (!params) {
    return Status(ErrorCode::kInvalidArgument,
                  "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL "
                  "query parameters without tag name duplicates.");
  }
  TagSet tags;
  for (auto& p : *params) tags.emplace_back(std::move(p.name), std::move(p.value));
  if (Status s = ValidateTags(tags, kMaxObjectTags); !s.ok()) {
    if (s.message() == "Cannot provide multiple Tags with the same key") {
      return Status(ErrorCode::kInvalidArgument,
                    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL "
                    "query parameters without tag name duplicates.");
    }
    return s;
  }
  return tags;
}

std::string EncodeTags(const TagSet& tags) {
  std::string out;
  for (const auto& [key, value] : tags) {
    if (!out.empty()) out += '&';
    out += common::UriEncode(key, false) + "=" + common::UriEncode(value, false);
  }
  return out;
}

TagSet DecodeTags(std::string_view encoded) {
  TagSet tags;
  if (encoded.empty()) return tags;
  auto params = common::ParseQuery(encoded);
  if (!params) return tags;
  for (auto& p : *params) tags.emplace_back(std::move(p.name), std::move(p.value));
  return tags;
}

std::string TaggingXml(const TagSet& tags) {
  XmlWriter w;
  w.Open("Tagging", true);
  w.Open("TagSet");
  for (const auto& [key, value] : tags) {
    w.Open("Tag");
    w.Element("Key", key);
    w.Element("Value", value);
    w.Close("Tag");
  }
  w.Close("TagSet");
  w.Close("Tagging");
  return w.Take();
}

}  // namespace s2lite::server

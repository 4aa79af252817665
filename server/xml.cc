#include "server/xml.h"

#include <charconv>
#include <pugixml.hpp>

#include "common/ascii.h"

namespace s2lite::server {

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

XmlWriter::XmlWriter() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }

void XmlWriter::Open(std::string_view name, bool with_namespace) {
  out_ += '<';
  out_ += name;
  if (with_namespace) {
    out_ += " xmlns=\"";
    out_ += kS3Namespace;
    out_ += '"';
  }
  out_ += '>';
}

void XmlWriter::Close(std::string_view name) {
  out_ += "</";
  out_ += name;
  out_ += '>';
}

void XmlWriter::Element(std::string_view name, std::string_view text) {
  Open(name);
  out_ += XmlEscape(text);
  Close(name);
}

void XmlWriter::Text(std::string_view text) { out_ += XmlEscape(text); }

void XmlWriter::Element(std::string_view name, uint64_t value) {
  Element(name, std::to_string(value));
}

namespace {

Status Malformed() { return Status(ErrorCode::kMalformedXML); }

// Loads `body`; pugixml does not resolve external entities, so no XXE.
// Whitespace-only text is data (the key " " is a key), so it is kept.
bool Load(pugi::xml_document& doc, std::string_view body) {
  auto r = doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata,
                           pugi::encoding_utf8);
  return static_cast<bool>(r);
}

}  // namespace

Result<std::vector<CompletePartXml>> ParseCompleteMultipartUpload(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(doc, body)) return Malformed();
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "CompleteMultipartUpload") return Malformed();
  std::vector<CompletePartXml> parts;
  for (pugi::xml_node p : root.children()) {
    if (p.type() != pugi::node_element) continue;
    if (std::string_view(p.name()) != "Part") return Malformed();
    CompletePartXml part;
    bool have_number = false, have_etag = false;
    for (pugi::xml_node f : p.children()) {
      if (f.type() != pugi::node_element) continue;
      std::string_view name = f.name();
      std::string_view text = common::TrimWhitespace(f.child_value());
      if (name == "PartNumber") {
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), part.part_number);
        if (ec != std::errc() || ptr != text.data() + text.size()) return Malformed();
        have_number = true;
      } else if (name == "ETag") {
        if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
          text = text.substr(1, text.size() - 2);
        part.etag = std::string(text);
        have_etag = true;
      } else if (name.rfind("Checksum", 0) == 0 && name.size() > 8) {
        part.checksums.emplace_back(std::string(name.substr(8)), std::string(text));
      }
    }
    if (!have_number || !have_etag) return Malformed();
    if (parts.size() == kMaxCompleteParts) return Malformed();
    parts.push_back(std::move(part));
  }
  return parts;
}

Result<std::string> ParseCreateBucketConfiguration(std::string_view body) {
  if (common::TrimWhitespace(body).empty()) return std::string();
  pugi::xml_document doc;
  if (!Load(doc, body)) return Malformed();
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "CreateBucketConfiguration") return Malformed();
  return std::string(common::TrimWhitespace(root.child("LocationConstraint").child_value()));
}

Result<DeleteRequestXml> ParseDelete(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(doc, body)) return Malformed();
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "Delete") return Malformed();
  DeleteRequestXml req;
  for (pugi::xml_node n : root.children()) {
    if (n.type() != pugi::node_element) continue;
    std::string_view name = n.name();
    if (name == "Quiet") {
      req.quiet = common::TrimWhitespace(n.child_value()) == "true";
    } else if (name == "Object") {
      pugi::xml_node key = n.child("Key");
      if (!key) return Malformed();
      req.keys.emplace_back(key.child_value());
    } else {
      return Malformed();
    }
  }
  if (req.keys.empty() || req.keys.size() > 1000) return Malformed();
  return req;
}

const XmlNode* XmlNode::Child(std::string_view child) const {
  for (const XmlNode& n : children)
    if (n.name == child) return &n;
  return nullptr;
}

std::vector<const XmlNode*> XmlNode::Children(std::string_view child) const {
  std::vector<const XmlNode*> out;
  for (const XmlNode& n : children)
    if (n.name == child) out.push_back(&n);
  return out;
}

namespace {

bool Convert(const pugi::xml_node& in, XmlNode& out, int depth) {
  if (depth > 16) return false;
  std::string_view name = in.name();
  if (auto colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
  out.name = std::string(name);
  for (pugi::xml_node c : in.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      out.text += c.value();
    } else if (c.type() == pugi::node_element) {
      out.children.emplace_back();
      if (!Convert(c, out.children.back(), depth + 1)) return false;
    }
  }
  return true;
}

}  // namespace

Result<XmlNode> ParseXmlTree(std::string_view body) {
  pugi::xml_document doc;
  if (body.empty() || !Load(doc, body)) return Malformed();
  pugi::xml_node root = doc.document_element();
  if (!root) return Malformed();
  XmlNode out;
  if (!Convert(root, out, 0)) return Malformed();
  return out;
}

}  // namespace s2lite::server

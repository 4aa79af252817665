#include "auth/post_policy.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

#include "common/crypto.h"
#include "common/time.h"

namespace s2lite::auth {
namespace {

// The JSON a policy document is made of; no library of ours parses JSON, and
// a policy needs only this much (depth-limited, strings with escapes).
struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  std::string text;  // string value, or a number's literal
  std::vector<Json> items;
  struct Member;  // {name, value}: std::pair would need Json complete here
  std::vector<Member> members;
};
struct Json::Member {
  std::string name;
  Json value;
};

class JsonParser {
 public:
  explicit JsonParser(std::string_view in) : in_(in) {}

  bool ParseDocument(Json& out) {
    if (!Value(out, 0)) return false;
    Space();
    return i_ == in_.size();
  }

 private:
  void Space() {
    while (i_ < in_.size() &&
           (in_[i_] == ' ' || in_[i_] == '\t' || in_[i_] == '\n' || in_[i_] == '\r'))
      ++i_;
  }
  bool Literal(std::string_view word) {
    if (in_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  static void AppendUtf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool Hex4(uint32_t& cp) {
    if (in_.size() - i_ < 4) return false;
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in_[i_++];
      cp <<= 4;
      if (c >= '0' && c <= '9')
        cp |= c - '0';
      else if (c >= 'a' && c <= 'f')
        cp |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        cp |= c - 'A' + 10;
      else
        return false;
    }
    return true;
  }
  bool String(std::string& out) {
    if (i_ >= in_.size() || in_[i_] != '"') return false;
    ++i_;
    while (i_ < in_.size()) {
      char c = in_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= in_.size()) return false;
      char e = in_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (!Literal("\\u") || !Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }
  bool Value(Json& out, int depth) {
    if (depth > 16) return false;
    Space();
    if (i_ >= in_.size()) return false;
    char c = in_[i_];
    if (c == '"') {
      out.type = Json::Type::kString;
      return String(out.text);
    }
    if (c == '{') {
      out.type = Json::Type::kObject;
      ++i_;
      Space();
      if (i_ < in_.size() && in_[i_] == '}') return ++i_, true;
      for (;;) {
        Space();
        std::string name;
        if (!String(name)) return false;
        Space();
        if (!Literal(":")) return false;
        Json v;
        if (!Value(v, depth + 1)) return false;
        out.members.push_back(Json::Member{std::move(name), std::move(v)});
        Space();
        if (Literal(",")) continue;
        return Literal("}");
      }
    }
    if (c == '[') {
      out.type = Json::Type::kArray;
      ++i_;
      Space();
      if (i_ < in_.size() && in_[i_] == ']') return ++i_, true;
      for (;;) {
        Json v;
        if (!Value(v, depth + 1)) return false;
        out.items.push_back(std::move(v));
        Space();
        if (Literal(",")) continue;
        return Literal("]");
      }
    }
    if (Literal("true") || Literal("false")) {
      out.type = Json::Type::kBool;
      return true;
    }
    if (Literal("null")) return true;
    size_t start = i_;
    while (i_ < in_.size() &&
           (std::isdigit(static_cast<unsigned char>(in_[i_])) || in_[i_] == '-' || in_[i_] == '+' ||
            in_[i_] == '.' || in_[i_] == 'e' || in_[i_] == 'E'))
      ++i_;
    if (i_ == start) return false;
    out.type = Json::Type::kNumber;
    out.text = std::string(in_.substr(start, i_ - start));
    return true;
  }

  std::string_view in_;
  size_t i_ = 0;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Status Invalid(std::string message) {
  return Status(ErrorCode::kInvalidPolicyDocument, "Invalid Policy: " + std::move(message));
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A content-length-range bound: a JSON number or a string of digits.
std::optional<int64_t> Bound(const Json& v) {
  if (v.type != Json::Type::kNumber && v.type != Json::Type::kString) return std::nullopt;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), n);
  if (ec != std::errc() || p != v.text.data() + v.text.size() || n < 0) return std::nullopt;
  return n;
}

Result<PolicyCondition> ParseArrayCondition(const Json& c) {
  PolicyCondition out;
  if (c.items.size() != 3 || c.items[0].type != Json::Type::kString)
    return Invalid("Invalid Condition: array must have 3 items.");
  std::string op = Lower(c.items[0].text);
  if (op == "content-length-range") {
    auto min = Bound(c.items[1]), max = Bound(c.items[2]);
    if (!min || !max) return Invalid("Invalid content-length-range: bounds must be integers.");
    out.kind = PolicyCondition::Kind::kContentLengthRange;
    out.field = "content-length";
    out.min = *min;
    out.max = *max;
    out.text =
        "[\"content-length-range\", " + std::to_string(*min) + ", " + std::to_string(*max) + "]";
    return out;
  }
  if (op != "eq" && op != "starts-with")
    return Invalid("Invalid Condition: unknown operator \"" + c.items[0].text + "\".");
  if (c.items[1].type != Json::Type::kString || c.items[2].type != Json::Type::kString)
    return Invalid("Invalid Condition: field and value must be strings.");
  const std::string& field = c.items[1].text;
  if (field.empty() || field[0] != '$')
    return Invalid("Invalid Condition: field name must start with '$': " + Quote(field) + ".");
  out.kind = op == "eq" ? PolicyCondition::Kind::kEq : PolicyCondition::Kind::kStartsWith;
  out.field = Lower(std::string_view(field).substr(1));
  out.value = c.items[2].text;
  out.text = "[" + Quote(op) + ", " + Quote(field) + ", " + Quote(out.value) + "]";
  return out;
}

const std::string* Field(const FormFields& fields, std::string_view name) {
  for (const auto& [n, v] : fields)
    if (n == name) return &v;
  return nullptr;
}

// Fields no condition needs to name: the signature and its policy, the file,
// and x-ignore-* (S3's escape hatch for form-only fields).
bool ExemptField(std::string_view name) {
  return name == "policy" || name == "x-amz-signature" || name == "signature" ||
         name == "awsaccesskeyid" || name == "file" || name.rfind("x-ignore-", 0) == 0;
}

bool Holds(const PolicyCondition& c, std::string_view value) {
  if (c.kind == PolicyCondition::Kind::kEq) return value == c.value;
  // For Content-Type, each value of a comma-separated list must match.
  if (c.field == "content-type" && value.find(',') != std::string_view::npos) {
    while (!value.empty()) {
      auto comma = value.find(',');
      std::string_view item = value.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      if (item.rfind(c.value, 0) != 0) return false;
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
    return true;
  }
  return value.rfind(c.value, 0) == 0;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> ParseIso8601Utc(std::string_view s) {
  std::optional<int64_t> ms = common::ParseIso8601Millis(s);
  if (!ms) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms));
}

Result<PostPolicy> ParsePostPolicy(std::string_view base64_policy) {
  auto decoded = common::Base64Decode(base64_policy);
  if (!decoded) return Invalid("Invalid Base64 Encoding.");
  Json doc;
  if (!JsonParser(*decoded).ParseDocument(doc) || doc.type != Json::Type::kObject)
    return Invalid("Invalid JSON.");
  PostPolicy policy;
  bool have_expiration = false, have_conditions = false;
  for (const auto& [name, value] : doc.members) {
    if (name == "expiration") {
      auto t = value.type == Json::Type::kString ? ParseIso8601Utc(value.text) : std::nullopt;
      if (!t) return Invalid("Invalid 'expiration' value: " + Quote(value.text));
      policy.expiration = *t;
      have_expiration = true;
    } else if (name == "conditions") {
      if (value.type != Json::Type::kArray) return Invalid("Invalid 'conditions' value.");
      have_conditions = true;
      for (const Json& c : value.items) {
        if (c.type == Json::Type::kObject) {
          for (const auto& [field, v] : c.members) {
            if (v.type != Json::Type::kString)
              return Invalid("Invalid Simple-Condition: value must be a string.");
            PolicyCondition pc;
            pc.field = Lower(field);
            pc.value = v.text;
            pc.text = "[\"eq\", " + Quote("$" + field) + ", " + Quote(v.text) + "]";
            policy.conditions.push_back(std::move(pc));
          }
        } else if (c.type == Json::Type::kArray) {
          auto pc = ParseArrayCondition(c);
          if (!pc.ok()) return pc.status();
          if (pc->kind == PolicyCondition::Kind::kContentLengthRange)
            policy.length_range = {pc->min, pc->max};
          policy.conditions.push_back(std::move(*pc));
        } else {
          return Invalid("Invalid Condition: must be an object or an array.");
        }
      }
    } else {
      return Invalid("Unexpected field " + Quote(name) + ".");
    }
  }
  if (!have_expiration) return Invalid("Policy missing expiration.");
  if (!have_conditions) return Invalid("Policy missing conditions.");
  return policy;
}

Status CheckPostPolicy(const PostPolicy& policy, const FormFields& fields, std::string_view bucket,
                       std::chrono::system_clock::time_point now) {
  auto denied = [](std::string why) {
    return Status(ErrorCode::kAccessDenied, "Invalid according to Policy: " + std::move(why));
  };
  if (now >= policy.expiration) return denied("Policy expired.");
  for (const PolicyCondition& c : policy.conditions) {
    if (c.kind == PolicyCondition::Kind::kContentLengthRange) continue;
    std::string_view value;
    if (c.field == "bucket") {
      value = bucket;
    } else if (const std::string* v = Field(fields, c.field)) {
      value = *v;
    }
    if (!Holds(c, value)) return denied("Policy Condition failed: " + c.text);
  }
  std::string extra;
  for (const auto& field : fields) {
    const std::string& name = field.first;
    if (ExemptField(name)) continue;
    bool named = std::any_of(policy.conditions.begin(), policy.conditions.end(),
                             [&](const PolicyCondition& c) { return c.field == name; });
    if (!named) extra += (extra.empty() ? "" : ", ") + name;
  }
  if (!extra.empty()) return denied("Extra input fields: " + extra);
  return Status::Ok();
}

}  // namespace s2lite::auth

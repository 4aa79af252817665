#include "server/faults.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace s2lite {
namespace {

Status Bad(std::string what) { return Status(ErrorCode::kInvalidArgument, "fault rule: " + what); }

bool ToInt(std::string_view v, int* out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
  return ec == std::errc() && p == v.data() + v.size();
}

// Applies one key=value to a rule.
Status Apply(FaultRule& r, std::string_view k, std::string_view v) {
  if (k == "operation") {
    r.operation = std::string(v);
  } else if (k == "bucket") {
    r.bucket = std::string(v);
  } else if (k == "prefix" || k == "key_prefix") {
    r.key_prefix = std::string(v);
  } else if (k == "part" || k == "part_number") {
    if (!ToInt(v, &r.part_number) || r.part_number < 0) return Bad("bad part");
  } else if (k == "times" || k == "count") {
    if (!ToInt(v, &r.times) || r.times < -1) return Bad("bad times");
  } else if (k == "probability") {
    char* end = nullptr;
    std::string s(v);
    r.probability = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || r.probability < 0 || r.probability > 1)
      return Bad("probability must be within 0..1");
  } else if (k == "action") {
    if (v == "error")
      r.action = FaultAction::kError;
    else if (v == "delay")
      r.action = FaultAction::kDelay;
    else if (v == "reset")
      r.action = FaultAction::kReset;
    else if (v == "truncate")
      r.action = FaultAction::kTruncate;
    else
      return Bad("action must be error, delay, reset or truncate");
  } else if (k == "code" || k == "error_code") {
    r.error_code = std::string(v);
  } else if (k == "status" || k == "http_status") {
    if (!ToInt(v, &r.http_status) || r.http_status < 200 || r.http_status > 599)
      return Bad("status must be an HTTP status");
  } else if (k == "message") {
    r.message = std::string(v);
  } else if (k == "delay_ms" || k == "delay") {
    if (!ToInt(v, &r.delay_ms) || r.delay_ms < 0 || r.delay_ms > 600000) return Bad("bad delay_ms");
  } else {
    return Bad("unknown key '" + std::string(k) + "'");
  }
  return Status::Ok();
}

}  // namespace

Result<FaultRule> ParseFaultRule(std::string_view spec) {
  FaultRule r;
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return Bad("expected key=value, got '" + std::string(item) + "'");
    if (Status s = Apply(r, item.substr(0, eq), item.substr(eq + 1)); !s.ok()) return s;
  }
  return r;
}

namespace server {

std::string_view FaultActionName(FaultAction a) {
  switch (a) {
    case FaultAction::kError:
      return "error";
    case FaultAction::kDelay:
      return "delay";
    case FaultAction::kReset:
      return "reset";
    case FaultAction::kTruncate:
      return "truncate";
  }
  return "error";
}

FaultSet::FaultSet() : rng_(std::random_device{}()) {}

int FaultSet::Add(FaultRule rule) {
  std::lock_guard lock(mu_);
  int id = next_id_++;
  int remaining = rule.times;
  rules_.push_back({id, std::move(rule), remaining});
  any_ = true;
  return id;
}

bool FaultSet::Remove(int id) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(rules_.begin(), rules_.end(), [id](const Entry& e) { return e.id == id; });
  if (it == rules_.end()) return false;
  rules_.erase(it);
  any_ = !rules_.empty();
  return true;
}

void FaultSet::Clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
  any_ = false;
}

std::optional<FaultRule> FaultSet::Match(std::string_view operation, std::string_view bucket,
                                         std::string_view key, int part_number) {
  if (!any_) return std::nullopt;  // the common case costs one atomic load
  std::lock_guard lock(mu_);
  for (Entry& e : rules_) {
    const FaultRule& r = e.rule;
    if (e.remaining == 0) continue;
    if (r.operation != "*" && r.operation != operation) continue;
    if (!r.bucket.empty() && r.bucket != bucket) continue;
    if (!r.key_prefix.empty() && key.substr(0, r.key_prefix.size()) != r.key_prefix) continue;
    if (r.part_number != 0 && r.part_number != part_number) continue;
    if (r.probability < 1.0 && std::uniform_real_distribution<double>(0, 1)(rng_) >= r.probability)
      continue;
    if (e.remaining > 0) --e.remaining;
    ++e.fired;
    ++fired_;
    return r;
  }
  return std::nullopt;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string FaultSet::ToJson() const {
  std::lock_guard lock(mu_);
  std::string out = "[";
  for (const Entry& e : rules_) {
    const FaultRule& r = e.rule;
    if (out.size() > 1) out += ",";
    out +=
        "{\"id\":" + std::to_string(e.id) + ",\"operation\":" + JsonString(r.operation) +
        ",\"bucket\":" + JsonString(r.bucket) + ",\"prefix\":" + JsonString(r.key_prefix) +
        ",\"part\":" + std::to_string(r.part_number) + ",\"times\":" + std::to_string(r.times) +
        ",\"remaining\":" + std::to_string(e.remaining) + ",\"fired\":" + std::to_string(e.fired) +
        ",\"probability\":" + std::to_string(r.probability) +
        ",\"action\":" + JsonString(FaultActionName(r.action)) +
        ",\"code\":" + JsonString(r.error_code) + ",\"status\":" + std::to_string(r.http_status) +
        ",\"message\":" + JsonString(r.message) + ",\"delay_ms\":" + std::to_string(r.delay_ms) +
        "}";
  }
  return out + "]";
}

// A deliberately small parser: one flat object of string/number/bool values.
Result<FaultRule> ParseFaultRuleJson(std::string_view json) {
  FaultRule r;
  size_t i = 0;
  auto ws = [&] {
    while (i < json.size() && std::isspace(static_cast<unsigned char>(json[i]))) ++i;
  };
  auto str = [&](std::string* out) -> bool {
    if (i >= json.size() || json[i] != '"') return false;
    ++i;
    while (i < json.size() && json[i] != '"') {
      if (json[i] == '\\' && i + 1 < json.size()) {
        ++i;
        char c = json[i];
        *out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
      } else {
        *out += json[i];
      }
      ++i;
    }
    if (i >= json.size()) return false;
    ++i;
    return true;
  };
  ws();
  if (i >= json.size() || json[i] != '{') return Bad("expected a JSON object");
  ++i;
  ws();
  if (i < json.size() && json[i] == '}') return r;
  for (;;) {
    ws();
    std::string key, value;
    if (!str(&key)) return Bad("expected a key");
    ws();
    if (i >= json.size() || json[i] != ':') return Bad("expected ':'");
    ++i;
    ws();
    if (i < json.size() && json[i] == '"') {
      if (!str(&value)) return Bad("bad string");
    } else {
      while (i < json.size() && json[i] != ',' && json[i] != '}' &&
             !std::isspace(static_cast<unsigned char>(json[i])))
        value += json[i++];
    }
    if (Status s = Apply(r, key, value); !s.ok()) return s;
    ws();
    if (i < json.size() && json[i] == ',') {
      ++i;
      continue;
    }
    if (i < json.size() && json[i] == '}') return r;
    return Bad("expected ',' or '}'");
  }
}

}  // namespace server
}  // namespace s2lite

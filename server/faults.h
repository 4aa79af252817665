#pragma once

// The fault rules of one Server, matched against each routed request.

#include <atomic>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "s2lite/faults.h"

namespace s2lite::server {

class FaultSet {
 public:
  FaultSet();
  int Add(FaultRule rule);
  // Removes rule `id`; false when there is none.
  bool Remove(int id);
  void Clear();
  // The rule that fires for this request, if any (consumes one of its `times`).
  std::optional<FaultRule> Match(std::string_view operation, std::string_view bucket,
                                 std::string_view key, int part_number);
  uint64_t fired() const { return fired_; }
  // [{"id":1,"operation":"UploadPart",...,"remaining":1,"fired":0}, ...]
  std::string ToJson() const;

 private:
  struct Entry {
    int id;
    FaultRule rule;
    int remaining;       // -1 = unlimited
    uint64_t fired = 0;  // times this rule fired
  };
  mutable std::mutex mu_;
  std::vector<Entry> rules_;
  int next_id_ = 1;
  std::mt19937_64 rng_;
  std::atomic<uint64_t> fired_{0};
  std::atomic<bool> any_{false};
};

// Parses a flat JSON object of the FaultRule fields (as ParseFaultRule's
// keys). Errors: kMalformedXML is wrong here — kInvalidArgument.
Result<FaultRule> ParseFaultRuleJson(std::string_view json);

std::string_view FaultActionName(FaultAction a);

// `s` as a quoted JSON string (quotes, backslashes and controls escaped).
std::string JsonString(std::string_view s);

}  // namespace s2lite::server

#include "server/request_ring.h"

#include <cstdio>

#include "server/errors.h"
#include "server/faults.h"
#include "server/handlers/common.h"
#include "server/request.h"
#include "server/state.h"

namespace s2lite::server {

void RequestRing::Record(RequestRecord r) {
  std::lock_guard lock(mu_);
  if (records_.size() < kCapacity) {
    records_.push_back(std::move(r));
    return;
  }
  records_[next_] = std::move(r);
  next_ = (next_ + 1) % kCapacity;
}

size_t RequestRing::size() const {
  std::lock_guard lock(mu_);
  return records_.size();
}

std::string RequestRing::ToJson() const {
  std::lock_guard lock(mu_);
  std::string out = "[";
  const size_t n = records_.size();
  // Newest first: the slot before next_ (or the last pushed while filling).
  const size_t newest = n < kCapacity ? n - 1 : (next_ + kCapacity - 1) % kCapacity;
  for (size_t i = 0; i < n; ++i) {
    const RequestRecord& r = records_[(newest + n - i) % n];
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", r.duration_ms);
    if (i) out += ",";
    out += "{\"time_ms\":" + std::to_string(r.time_ms) +
           ",\"request_id\":" + JsonString(r.request_id) +
           ",\"operation\":" + JsonString(r.operation) + ",\"method\":" + JsonString(r.method) +
           ",\"bucket\":" + JsonString(r.bucket) + ",\"key\":" + JsonString(r.key) +
           ",\"user\":" + JsonString(r.user) + ",\"status\":" + std::to_string(r.status) +
           ",\"error_code\":" + JsonString(r.error_code) + ",\"duration_ms\":" + duration +
           ",\"bytes_in\":" + std::to_string(r.bytes_in) +
           ",\"bytes_out\":" + std::to_string(r.bytes_out) + "}";
  }
  return out + "]";
}

void RecordRecentRequest(ServerState& state, const RequestContext& ctx, const Response& r,
                         uint64_t bytes_in, uint64_t bytes_out, double duration_ms) {
  if (ctx.operational || ctx.route.op == Op::kAdminRequests) return;
  RequestRecord rec;
  rec.time_ms = ToTimeMs(ctx.now);
  rec.request_id = ctx.request_id;
  rec.operation = std::string(OpName(ctx.route.op));
  rec.method = ctx.view.method;
  rec.bucket = ctx.route.bucket;
  rec.key = ctx.route.key;
  rec.user = ctx.user ? ctx.user->name : std::string();
  rec.status = r.status;
  if (!ctx.fault_code.empty())
    rec.error_code = ctx.fault_code;
  else if (!r.error.ok())
    rec.error_code = std::string(LookupErrorCode(r.error));
  rec.duration_ms = duration_ms;
  rec.bytes_in = bytes_in;
  rec.bytes_out = bytes_out;
  state.recent_requests.Record(std::move(rec));
}

}  // namespace s2lite::server

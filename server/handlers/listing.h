#pragma once

// What ListObjects, ListObjectsV2 and ListMultipartUploads share: their
// paging parameters, and rolling keys up into CommonPrefixes by a delimiter
// while paging through the store, with S3's counting (a common prefix counts
// against max-keys like a key).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-prefixes.html

#include <string>
#include <string_view>
#include <vector>

#include "s2lite/status.h"
#include "server/request.h"
#include "storage/task.h"

namespace s2lite::server {

inline constexpr int kMaxListKeys = 1000;

// A max-keys style parameter (`name`, e.g. "max-keys", "max-uploads"):
// absent -> kMaxListKeys. Errors: kInvalidArgument when not an integer in
// [0, 2^31). Values above kMaxListKeys are returned as given: callers echo
// them and cap the page with std::min.
Result<int> ParseMaxKeys(const RequestContext& ctx, std::string_view name);

// encoding-type: absent -> false, "url" -> true. Errors: kInvalidArgument.
Result<bool> ParseEncodingType(const RequestContext& ctx);

// `value` as a listing writes a key, prefix, delimiter or marker: URL-encoded
// (UriEncode, '/' kept) when encoding-type=url.
std::string ListingEncode(std::string_view value, bool url);

// The common prefix `key` rolls up into: `prefix` and what follows it up to
// and including the first `delimiter` after it. "" when there is none or
// `delimiter` is "".
std::string CommonPrefixOf(std::string_view key, std::string_view prefix,
                           std::string_view delimiter);

// A bound past which no key starting with `common_prefix` is found except
// keys continuing with bytes 0xFF 0xFF 0xFF 0xFF (which GroupByDelimiter
// skips one by one): every key in (common_prefix, bound] starts with it.
std::string SkipBound(std::string_view common_prefix);

struct GroupParams {
  std::string prefix;
  std::string delimiter;  // "" for none
  // Exclusive start (marker, start-after, decoded continuation token): a
  // common prefix <= marker was returned by an earlier page and is skipped.
  std::string marker;
  int max_keys = kMaxListKeys;  // already capped
};

template <typename Entry>
struct Grouped {
  std::vector<Entry> entries;                // in key order
  std::vector<std::string> common_prefixes;  // in order, unencoded
  bool truncated = false;
  std::string last;  // the last key or common prefix returned (NextMarker)
};

// Pages `cursor` into at most max_keys entries plus common prefixes.
// Cursor: `Task<Result<const Entry*>> Next()` (the next entry in key order after
// the marker and within the prefix; nullptr at the end) and
// `void SkipPast(const std::string& bound)` (entries with key <= bound may
// be dropped). `key_of(entry)` returns the entry's key.
template <typename Entry, typename Cursor, typename KeyOf>
Task<Result<Grouped<Entry>>> GroupByDelimiter(const GroupParams& p, Cursor& cursor, KeyOf key_of) {
  Grouped<Entry> out;
  // S3 answers max-keys=0 with an empty, untruncated page.
  if (p.max_keys <= 0) co_return out;
  int count = 0;
  for (;;) {
    Result<const Entry*> next = co_await cursor.Next();
    if (!next.ok()) co_return next.status();
    if (*next == nullptr) co_return out;
    const Entry& entry = **next;
    const std::string& key = key_of(entry);
    std::string common = CommonPrefixOf(key, p.prefix, p.delimiter);
    if (!common.empty()) {
      bool seen = common <= p.marker ||
                  (!out.common_prefixes.empty() && out.common_prefixes.back() == common);
      if (seen) {
        cursor.SkipPast(SkipBound(common));
        continue;
      }
      if (count == p.max_keys) {
        out.truncated = true;
        co_return out;
      }
      cursor.SkipPast(SkipBound(common));
      out.last = common;
      out.common_prefixes.push_back(std::move(common));
    } else {
      if (count == p.max_keys) {
        out.truncated = true;
        co_return out;
      }
      out.last = key;
      out.entries.push_back(entry);
    }
    ++count;
  }
}

}  // namespace s2lite::server

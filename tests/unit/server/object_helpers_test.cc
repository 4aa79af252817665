// The object handlers' pure helpers: delimiter grouping over a paged cursor,
// HTTP dates and entity-tag lists, aws-chunked stripping.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/handlers/listing.h"
#include "server/handlers/object_common.h"
#include "server/handlers/preconditions.h"

namespace s2lite::server {
namespace {

// A cursor over sorted keys, as the store pages them.
class VectorCursor {
 public:
  VectorCursor(std::vector<std::string> keys, const std::string& marker) : keys_(std::move(keys)) {
    while (pos_ < keys_.size() && keys_[pos_] <= marker) ++pos_;
  }
  Task<Result<const std::string*>> Next() {
    if (pos_ == keys_.size()) co_return static_cast<const std::string*>(nullptr);
    co_return &keys_[pos_++];
  }
  void SkipPast(const std::string& bound) {
    while (pos_ < keys_.size() && keys_[pos_] <= bound) ++pos_;
  }

 private:
  std::vector<std::string> keys_;
  size_t pos_ = 0;
};

Grouped<std::string> Group(const std::vector<std::string>& keys, const GroupParams& p) {
  VectorCursor cursor(keys, p.marker);
  auto out = storage::Sync(GroupByDelimiter<std::string>(
      p, cursor, [](const std::string& k) -> const std::string& { return k; }));
  EXPECT_TRUE(out.ok());
  return out.ok() ? *out : Grouped<std::string>{};
}

using Keys = std::vector<std::string>;

TEST(GroupByDelimiterTest, RollsKeysUpIntoCommonPrefixes) {
  Keys keys = {"a", "b/1", "b/2", "b/c/3", "c", "d/"};
  Grouped<std::string> g = Group(keys, {"", "/", "", 1000});
  EXPECT_EQ(g.entries, (Keys{"a", "c"}));
  EXPECT_EQ(g.common_prefixes, (Keys{"b/", "d/"}));
  EXPECT_FALSE(g.truncated);

  // The store yields only keys under the prefix; the delimiter is sought after it.
  Grouped<std::string> nested = Group({"b/1", "b/2", "b/c/3"}, {"b/", "/", "", 1000});
  EXPECT_EQ(nested.entries, (Keys{"b/1", "b/2"}));
  EXPECT_EQ(nested.common_prefixes, (Keys{"b/c/"}));
}

TEST(GroupByDelimiterTest, CountsCommonPrefixesAgainstMaxKeys) {
  Keys keys = {"a", "b/1", "b/2", "c/1", "d"};
  Grouped<std::string> p1 = Group(keys, {"", "/", "", 2});
  EXPECT_EQ(p1.entries, (Keys{"a"}));
  EXPECT_EQ(p1.common_prefixes, (Keys{"b/"}));
  EXPECT_TRUE(p1.truncated);
  EXPECT_EQ(p1.last, "b/");
  Grouped<std::string> p2 = Group(keys, {"", "/", p1.last, 2});
  EXPECT_EQ(p2.entries, (Keys{"d"}));
  EXPECT_EQ(p2.common_prefixes, (Keys{"c/"}));
  EXPECT_FALSE(p2.truncated);
}

TEST(GroupByDelimiterTest, ExactlyFullPageIsNotTruncated) {
  Grouped<std::string> g = Group({"a", "b"}, {"", "", "", 2});
  EXPECT_EQ(g.entries, (Keys{"a", "b"}));
  EXPECT_FALSE(g.truncated);
  Grouped<std::string> zero = Group({"a"}, {"", "", "", 0});
  EXPECT_TRUE(zero.entries.empty());
  EXPECT_FALSE(zero.truncated) << "S3 answers max-keys=0 untruncated";
}

TEST(GroupByDelimiterTest, SkipsGroupsAtOrBeforeTheMarker) {
  Keys keys = {"b/1", "b/2", "c/1"};
  Grouped<std::string> g = Group(keys, {"", "/", "b/1", 1000});
  EXPECT_EQ(g.common_prefixes, (Keys{"c/"}));
  EXPECT_TRUE(g.entries.empty());
}

TEST(GroupByDelimiterTest, KeepsGroupingKeysBeyondTheSkipBound) {
  // Keys continuing with 0xFF bytes lie past SkipBound and are skipped one by one.
  Keys keys = {"p/a", std::string("p/\xFF\xFF\xFF\xFF\xFF"), "q"};
  Grouped<std::string> g = Group(keys, {"", "/", "", 1000});
  EXPECT_EQ(g.common_prefixes, (Keys{"p/"}));
  EXPECT_EQ(g.entries, (Keys{"q"}));
}

TEST(GroupByDelimiterTest, SupportsMultiCharacterDelimiters) {
  Grouped<std::string> g = Group({"a--b--c", "a--d", "x-y"}, {"", "--", "", 1000});
  EXPECT_EQ(g.common_prefixes, (Keys{"a--"}));
  EXPECT_EQ(g.entries, (Keys{"x-y"}));
}

TEST(EtagListTest, MatchesQuotedUnquotedWeakAndWildcard) {
  const std::string etag = "\"abc\"";
  EXPECT_TRUE(EtagListMatches("\"abc\"", etag));
  EXPECT_TRUE(EtagListMatches("abc", etag));
  EXPECT_TRUE(EtagListMatches("W/\"abc\"", etag));
  EXPECT_TRUE(EtagListMatches("\"x\", \"abc\"", etag));
  EXPECT_TRUE(EtagListMatches(" * ", etag));
  EXPECT_FALSE(EtagListMatches("\"abcd\"", etag));
  EXPECT_FALSE(EtagListMatches("", etag));
}

TEST(StripAwsChunkedTest, RemovesOnlyTheFraming) {
  EXPECT_EQ(StripAwsChunked("aws-chunked"), "");
  EXPECT_EQ(StripAwsChunked("aws-chunked,gzip"), "gzip");
  EXPECT_EQ(StripAwsChunked("gzip, aws-chunked"), "gzip");
  EXPECT_EQ(StripAwsChunked("gzip, AWS-Chunked, br"), "gzip,br");
  EXPECT_EQ(StripAwsChunked("identity"), "identity");
  EXPECT_EQ(StripAwsChunked(""), "");
}

}  // namespace
}  // namespace s2lite::server

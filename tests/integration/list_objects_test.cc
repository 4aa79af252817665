// ListObjects (v1) and ListObjectsV2 over real sockets: document shape,
// prefixes, delimiters, markers, continuation tokens, paging and URL encoding.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "common/uri.h"
#include "server_fixture.h"

namespace s2lite::testing {
namespace {

// Common prefixes of a listing, in order.
std::vector<std::string> CommonPrefixes(const HttpResponse& r) {
  std::vector<std::string> out;
  for (const std::string& group : r.XmlAll("CommonPrefixes")) {
    HttpResponse inner;
    inner.body = group;
    out.push_back(inner.Xml("Prefix"));
  }
  return out;
}

// Position of `element` in the body (npos when absent), to check element order.
size_t At(const HttpResponse& r, const std::string& element) {
  return r.body.find("<" + element + ">");
}

class ListObjectsTest : public ServerTest {
 protected:
  void PutKeys(const std::vector<std::string>& keys) {
    for (const std::string& key : keys) {
      HttpRequest r;
      r.method = "PUT";
      r.target = "/alice-bucket/" + common::UriEncode(key, true);
      r.body = "body of " + key;
      HttpResponse put = alice_->Send(r, true);
      ASSERT_EQ(put.status, 200) << key << ": " << put.body;
    }
  }
  // GET /alice-bucket?<query> (already encoded).
  HttpResponse List(const std::string& query, TestClient* client = nullptr) {
    HttpRequest r;
    r.target = "/alice-bucket?" + query;
    return (client ? client : alice_.get())->Send(r, true);
  }
  static std::string Q(const std::string& value) { return common::UriEncode(value, false); }
};

TEST_F(ListObjectsTest, V1WritesS3sDocument) {
  PutKeys({"b.txt", "a.txt"});
  HttpResponse r = List("");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/xml");
  EXPECT_NE(r.body.find("<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"),
            std::string::npos);
  EXPECT_EQ(r.Xml("Name"), "alice-bucket");
  EXPECT_NE(r.body.find("<Prefix></Prefix>"), std::string::npos);
  EXPECT_NE(r.body.find("<Marker></Marker>"), std::string::npos);
  EXPECT_EQ(r.Xml("MaxKeys"), "1000");
  EXPECT_EQ(r.Xml("IsTruncated"), "false");
  EXPECT_EQ(At(r, "NextMarker"), std::string::npos);
  EXPECT_EQ(At(r, "Delimiter"), std::string::npos);
  EXPECT_EQ(At(r, "EncodingType"), std::string::npos);
  EXPECT_LT(At(r, "Name"), At(r, "Prefix"));
  EXPECT_LT(At(r, "Prefix"), At(r, "Marker"));
  EXPECT_LT(At(r, "Marker"), At(r, "MaxKeys"));
  EXPECT_LT(At(r, "MaxKeys"), At(r, "IsTruncated"));
  EXPECT_LT(At(r, "IsTruncated"), At(r, "Contents"));

  EXPECT_EQ(r.XmlAll("Key"), (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(r.XmlAll("Size"), (std::vector<std::string>{"13", "13"}));
  EXPECT_EQ(r.XmlAll("StorageClass"), (std::vector<std::string>{"STANDARD", "STANDARD"}));
  EXPECT_EQ(r.XmlAll("Owner").size(), 2u) << "v1 always names the owner";
  EXPECT_EQ(r.Xml("DisplayName"), "alice");
  std::string etag = r.Xml("ETag");
  EXPECT_TRUE(std::regex_match(etag, std::regex("&quot;[0-9a-f]{32}&quot;"))) << etag;
  EXPECT_TRUE(std::regex_match(r.Xml("LastModified"),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << r.Xml("LastModified");
  HttpResponse contents;
  contents.body = r.XmlAll("Contents")[0];
  EXPECT_LT(At(contents, "Key"), At(contents, "LastModified"));
  EXPECT_LT(At(contents, "LastModified"), At(contents, "ETag"));
  EXPECT_LT(At(contents, "ETag"), At(contents, "Size"));
  EXPECT_LT(At(contents, "Size"), At(contents, "StorageClass"));
}

TEST_F(ListObjectsTest, V2WritesS3sDocument) {
  PutKeys({"k1", "k2"});
  HttpResponse r = List("list-type=2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Xml("Name"), "alice-bucket");
  EXPECT_EQ(r.Xml("KeyCount"), "2");
  EXPECT_EQ(r.Xml("MaxKeys"), "1000");
  EXPECT_EQ(r.Xml("IsTruncated"), "false");
  EXPECT_EQ(At(r, "Owner"), std::string::npos) << "v2 names owners only with fetch-owner";
  EXPECT_EQ(At(r, "Marker"), std::string::npos);
  EXPECT_EQ(At(r, "StartAfter"), std::string::npos);
  EXPECT_EQ(At(r, "ContinuationToken"), std::string::npos);
  EXPECT_EQ(At(r, "NextContinuationToken"), std::string::npos);
  EXPECT_LT(At(r, "Prefix"), At(r, "KeyCount"));
  EXPECT_LT(At(r, "KeyCount"), At(r, "MaxKeys"));
  EXPECT_LT(At(r, "MaxKeys"), At(r, "IsTruncated"));
  EXPECT_EQ(r.XmlAll("Key"), (std::vector<std::string>{"k1", "k2"}));

  HttpResponse owned = List("list-type=2&fetch-owner=true");
  EXPECT_EQ(owned.XmlAll("Owner").size(), 2u);
  EXPECT_EQ(owned.Xml("DisplayName"), "alice");
  EXPECT_EQ(List("list-type=2&fetch-owner=false").XmlAll("Owner").size(), 0u);
}

TEST_F(ListObjectsTest, FiltersByPrefix) {
  PutKeys({"photos/2026/a.jpg", "photos/2027/b.jpg", "photo", "videos/c.mp4"});
  for (const std::string type : {"", "list-type=2&"}) {
    SCOPED_TRACE(type);
    HttpResponse r = List(type + "prefix=photos/");
    EXPECT_EQ(r.Xml("Prefix"), "photos/");
    EXPECT_EQ(r.XmlAll("Key"),
              (std::vector<std::string>{"photos/2026/a.jpg", "photos/2027/b.jpg"}));
    EXPECT_EQ(List(type + "prefix=nothing").XmlAll("Key").size(), 0u);
  }
}

TEST_F(ListObjectsTest, GroupsByDelimiter) {
  PutKeys({"a", "b/1", "b/2", "b/c/3", "c/1", "d", "e/"});
  for (const std::string type : {"", "list-type=2&"}) {
    SCOPED_TRACE(type);
    HttpResponse r = List(type + "delimiter=/");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.Xml("Delimiter"), "/");
    EXPECT_EQ(r.XmlAll("Key"), (std::vector<std::string>{"a", "d"}));
    EXPECT_EQ(CommonPrefixes(r), (std::vector<std::string>{"b/", "c/", "e/"}));
    if (!type.empty()) {
      EXPECT_EQ(r.Xml("KeyCount"), "5");
    }

    HttpResponse nested = List(type + "prefix=b/&delimiter=/");
    EXPECT_EQ(nested.XmlAll("Key"), (std::vector<std::string>{"b/1", "b/2"}));
    EXPECT_EQ(CommonPrefixes(nested), (std::vector<std::string>{"b/c/"}));
  }
  HttpResponse multi = List("delimiter=" + Q("/1"));
  EXPECT_EQ(CommonPrefixes(multi), (std::vector<std::string>{"b/1", "c/1"}));
  EXPECT_EQ(multi.XmlAll("Key"), (std::vector<std::string>{"a", "b/2", "b/c/3", "d", "e/"}));
}

TEST_F(ListObjectsTest, V1PagesWithMarkersCountingCommonPrefixes) {
  PutKeys({"a", "b/1", "b/2", "c/1", "d"});
  HttpResponse p1 = List("delimiter=/&max-keys=2");
  EXPECT_EQ(p1.Xml("IsTruncated"), "true");
  EXPECT_EQ(p1.XmlAll("Key"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(CommonPrefixes(p1), (std::vector<std::string>{"b/"}));
  EXPECT_EQ(p1.Xml("NextMarker"), "b/");
  EXPECT_EQ(p1.Xml("MaxKeys"), "2");

  HttpResponse p2 = List("delimiter=/&max-keys=2&marker=" + Q(p1.Xml("NextMarker")));
  EXPECT_EQ(p2.Xml("Marker"), "b/");
  EXPECT_EQ(p2.Xml("IsTruncated"), "false");
  EXPECT_EQ(At(p2, "NextMarker"), std::string::npos);
  EXPECT_EQ(p2.XmlAll("Key"), (std::vector<std::string>{"d"}));
  EXPECT_EQ(CommonPrefixes(p2), (std::vector<std::string>{"c/"}));

  // A marker inside a group does not bring the group back.
  HttpResponse inside = List("delimiter=/&marker=" + Q("b/1"));
  EXPECT_EQ(CommonPrefixes(inside), (std::vector<std::string>{"c/"}));

  // Without a delimiter S3 sends no NextMarker: the last Key is the marker.
  HttpResponse plain = List("max-keys=2");
  EXPECT_EQ(plain.Xml("IsTruncated"), "true");
  EXPECT_EQ(At(plain, "NextMarker"), std::string::npos);
  EXPECT_EQ(plain.XmlAll("Key"), (std::vector<std::string>{"a", "b/1"}));
  HttpResponse next = List("max-keys=2&marker=" + Q("b/1"));
  EXPECT_EQ(next.XmlAll("Key"), (std::vector<std::string>{"b/2", "c/1"}));
}

TEST_F(ListObjectsTest, V2PagesWithContinuationTokensAndStartAfter) {
  PutKeys({"a", "b/1", "b/2", "c/1", "d"});
  HttpResponse p1 = List("list-type=2&delimiter=/&max-keys=2");
  EXPECT_EQ(p1.Xml("IsTruncated"), "true");
  EXPECT_EQ(p1.Xml("KeyCount"), "2");
  std::string token = p1.Xml("NextContinuationToken");
  ASSERT_FALSE(token.empty());
  HttpResponse p2 = List("list-type=2&delimiter=/&max-keys=2&continuation-token=" + Q(token));
  EXPECT_EQ(p2.Xml("ContinuationToken"), token);
  EXPECT_EQ(p2.Xml("IsTruncated"), "false");
  EXPECT_EQ(At(p2, "NextContinuationToken"), std::string::npos);
  EXPECT_EQ(p2.XmlAll("Key"), (std::vector<std::string>{"d"}));
  EXPECT_EQ(CommonPrefixes(p2), (std::vector<std::string>{"c/"}));

  HttpResponse after = List("list-type=2&start-after=" + Q("b/1"));
  EXPECT_EQ(after.Xml("StartAfter"), "b/1");
  EXPECT_EQ(after.XmlAll("Key"), (std::vector<std::string>{"b/2", "c/1", "d"}));
  EXPECT_LT(At(after, "Prefix"), At(after, "StartAfter"));
  EXPECT_LT(At(after, "StartAfter"), At(after, "KeyCount"));

  // The token wins over start-after; both are echoed.
  HttpResponse both = List("list-type=2&delimiter=/&start-after=a&continuation-token=" + Q(token));
  EXPECT_EQ(both.XmlAll("Key"), (std::vector<std::string>{"d"}));
  EXPECT_EQ(both.Xml("StartAfter"), "a");

  for (const std::string bad : {"", "%%%", "not base64!"}) {
    HttpResponse r = List("list-type=2&continuation-token=" + Q(bad));
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.Xml("Code"), "InvalidArgument") << bad;
  }
}

TEST_F(ListObjectsTest, PagesThroughThousandsOfKeys) {
  std::vector<std::string> keys;
  for (int i = 0; i < 2500; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "key-%05d", i);
    keys.push_back(name);
  }
  PutKeys(keys);

  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  for (;;) {
    HttpResponse r = List("list-type=2" + (token.empty() ? "" : "&continuation-token=" + Q(token)));
    ASSERT_EQ(r.status, 200) << r.body;
    std::vector<std::string> page = r.XmlAll("Key");
    EXPECT_EQ(r.Xml("KeyCount"), std::to_string(page.size()));
    seen.insert(seen.end(), page.begin(), page.end());
    ++pages;
    if (r.Xml("IsTruncated") != "true") break;
    EXPECT_EQ(page.size(), 1000u);
    token = r.Xml("NextContinuationToken");
    ASSERT_FALSE(token.empty());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, keys);

  seen.clear();
  std::string marker;
  for (pages = 0; pages < 10; ++pages) {
    HttpResponse r = List("max-keys=700&marker=" + Q(marker));
    std::vector<std::string> page = r.XmlAll("Key");
    seen.insert(seen.end(), page.begin(), page.end());
    if (r.Xml("IsTruncated") != "true") break;
    marker = page.back();
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, keys);

  HttpResponse capped = List("list-type=2&max-keys=5000");
  EXPECT_EQ(capped.XmlAll("Key").size(), 1000u);
  EXPECT_EQ(capped.Xml("IsTruncated"), "true");
}

TEST_F(ListObjectsTest, ValidatesMaxKeys) {
  PutKeys({"a", "b"});
  for (const std::string type : {"", "list-type=2&"}) {
    SCOPED_TRACE(type);
    HttpResponse zero = List(type + "max-keys=0");
    ASSERT_EQ(zero.status, 200);
    EXPECT_EQ(zero.XmlAll("Key").size(), 0u);
    EXPECT_EQ(zero.Xml("IsTruncated"), "false");
    EXPECT_EQ(zero.Xml("MaxKeys"), "0");
    for (const std::string bad : {"-1", "abc", "99999999999", ""}) {
      HttpResponse r = List(type + "max-keys=" + bad);
      EXPECT_EQ(r.status, 400) << bad;
      EXPECT_EQ(r.Xml("Code"), "InvalidArgument") << bad;
    }
  }
}

TEST_F(ListObjectsTest, UrlEncodesWhenAsked) {
  const std::vector<std::string> keys = {"dir one/a b", "dir one/c+d", "e%f", "\xC3\xBC/x",
                                         "plain"};
  PutKeys(keys);
  HttpResponse raw = List("list-type=2");
  EXPECT_EQ(raw.XmlAll("Key"),
            (std::vector<std::string>{"dir one/a b", "dir one/c+d", "e%f", "plain", "\xC3\xBC/x"}));
  EXPECT_EQ(At(raw, "EncodingType"), std::string::npos);

  HttpResponse v2 = List("list-type=2&encoding-type=url&delimiter=/&start-after=" + Q("a b"));
  ASSERT_EQ(v2.status, 200) << v2.body;
  EXPECT_EQ(v2.Xml("EncodingType"), "url");
  EXPECT_EQ(v2.Xml("StartAfter"), "a%20b");
  EXPECT_EQ(v2.Xml("Delimiter"), "/");
  EXPECT_EQ(v2.XmlAll("Key"), (std::vector<std::string>{"e%25f", "plain"}));
  EXPECT_EQ(CommonPrefixes(v2), (std::vector<std::string>{"dir%20one/", "%C3%BC/"}));

  HttpResponse prefixed = List("list-type=2&encoding-type=url&prefix=" + Q("dir one/"));
  EXPECT_EQ(prefixed.Xml("Prefix"), "dir%20one/");
  EXPECT_EQ(prefixed.XmlAll("Key"),
            (std::vector<std::string>{"dir%20one/a%20b", "dir%20one/c%2Bd"}));

  HttpResponse v1 =
      List("encoding-type=url&delimiter=" + Q("+") + "&max-keys=1&marker=" + Q("dir one/a b"));
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_EQ(v1.Xml("Marker"), "dir%20one/a%20b");
  EXPECT_EQ(v1.Xml("Delimiter"), "%2B");
  EXPECT_EQ(v1.XmlAll("Key").size(), 0u);
  EXPECT_EQ(CommonPrefixes(v1), (std::vector<std::string>{"dir%20one/c%2B"}));
  EXPECT_EQ(v1.Xml("IsTruncated"), "true");
  EXPECT_EQ(v1.Xml("NextMarker"), "dir%20one/c%2B");

  HttpResponse bad = List("list-type=2&encoding-type=base64");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Xml("Code"), "InvalidArgument");
}

TEST_F(ListObjectsTest, ListsOnlyOwnedExistingBuckets) {
  HttpResponse foreign = List("list-type=2", bob_.get());
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.Xml("Code"), "AccessDenied");
  HttpRequest r;
  r.target = "/no-such-bucket?list-type=2";
  HttpResponse missing = alice_->Send(r);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Xml("Code"), "NoSuchBucket");
  HttpResponse empty = List("list-type=2");
  EXPECT_EQ(empty.Xml("KeyCount"), "0");
  EXPECT_EQ(empty.XmlAll("Contents").size(), 0u);
}

}  // namespace
}  // namespace s2lite::testing

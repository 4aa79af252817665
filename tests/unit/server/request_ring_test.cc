#include "server/request_ring.h"

#include <gtest/gtest.h>

#include <string>

namespace s2lite::server {
namespace {

RequestRecord Numbered(int i) {
  RequestRecord r;
  r.request_id = "R" + std::to_string(i);
  r.operation = "HeadBucket";
  r.status = 200;
  return r;
}

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(RequestRingTest, EmptyIsAnEmptyArray) { EXPECT_EQ(RequestRing().ToJson(), "[]"); }

TEST(RequestRingTest, ListsNewestFirstBeforeAndAfterWrapping) {
  RequestRing ring;
  for (int i = 1; i <= 3; ++i) ring.Record(Numbered(i));
  std::string json = ring.ToJson();
  EXPECT_LT(json.find("\"R3\""), json.find("\"R2\""));
  EXPECT_LT(json.find("\"R2\""), json.find("\"R1\""));

  for (int i = 4; i <= 250; ++i) ring.Record(Numbered(i));
  EXPECT_EQ(ring.size(), RequestRing::kCapacity);
  json = ring.ToJson();
  EXPECT_EQ(Count(json, "\"request_id\""), RequestRing::kCapacity);
  EXPECT_EQ(json.find("\"R150\""), std::string::npos);  // dropped: older than the last 100
  EXPECT_EQ(json.rfind("{\"time_ms\":0,\"request_id\":\"R250\"", 1), 1u);  // newest first
  EXPECT_LT(json.find("\"R250\""), json.find("\"R151\""));
  EXPECT_EQ(json.rfind("\"request_id\":\"R151\""), json.rfind("\"request_id\""));  // oldest last
}

TEST(RequestRingTest, EscapesKeysAsJsonStrings) {
  RequestRing ring;
  RequestRecord r = Numbered(1);
  r.key = "a\"b\\c\nd";
  r.duration_ms = 1.5;
  ring.Record(r);
  std::string json = ring.ToJson();
  EXPECT_NE(json.find(R"("key":"a\"b\\c\u000ad")"), std::string::npos) << json;
  EXPECT_NE(json.find("\"duration_ms\":1.500"), std::string::npos) << json;
}

}  // namespace
}  // namespace s2lite::server

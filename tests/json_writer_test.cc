#include "core/json_writer.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace internal {
namespace {

std::string Quote(absl::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(JsonWriterTest, EscapesWhatJsonRequires) {
  EXPECT_EQ(Quote("plain"), "\"plain\"");
  EXPECT_EQ(Quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quote("l1\nl2\r\t"), "\"l1\\nl2\\r\\t\"");
  EXPECT_EQ(Quote(std::string("n\0ul", 4)), "\"n\\u0000ul\"");
  EXPECT_EQ(Quote("\x1b[31m\x7f"), "\"\\u001b[31m\\u007f\"");
}

TEST(JsonWriterTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quote("Zürich ✓ 😀"), "\"Zürich ✓ 😀\"");
  EXPECT_EQ(Quote("a\xff" "b"), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(Quote("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // overlong
  EXPECT_EQ(Quote("\xED\xA0\x80"),                                // surrogate
            "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(Quote("\xE2\x9C"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // truncated
}

TEST(JsonWriterTest, EveryByteSequenceYieldsParseableJson) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (int i = 255; i >= 0; --i) all.push_back(static_cast<char>(i));
  std::string out = Quote(all);
  nlohmann::json parsed = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << out;
  EXPECT_EQ(parsed.get<std::string>().substr(0, 128), all.substr(0, 128));
}

TEST(JsonWriterTest, WritesNestedDocumentsWithCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a").Int(-3);
  w.Key("b").BeginArray().String("x").Bool(true).Null().Double(1.5).EndArray();
  w.Key("c").BeginObject().EndObject();
  w.Key("d").Double(73);
  w.Key("e").Double(1.0 / 0.0);
  w.EndObject();
  EXPECT_EQ(out, R"({"a":-3,"b":["x",true,null,1.500],"c":{},"d":73,"e":null})");
  EXPECT_FALSE(nlohmann::json::parse(out, nullptr, false).is_discarded());
}

}  // namespace
}  // namespace internal
}  // namespace autoheal

namespace autoheal {
namespace internal {
namespace {

TEST(IsoTimeMillisTest, FormatsUtcWithMillisecondsAcrossSecondsAndEpoch) {
  absl::Time t = absl::FromUnixMillis(1795764381557);  // 2026-11-27T07:26:21.557Z
  EXPECT_EQ(IsoTimeMillis(t), "2026-11-27T07:26:21.557Z");
  EXPECT_EQ(IsoTimeMillis(t + absl::Milliseconds(1)), "2026-11-27T07:26:21.558Z");
  EXPECT_EQ(IsoTimeMillis(t + absl::Milliseconds(443)), "2026-11-27T07:26:22.000Z");
  EXPECT_EQ(IsoTimeMillis(absl::FromUnixMillis(-1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(IsoTimeMillis(absl::UnixEpoch()), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(IsoTimeMillis(t), "2026-11-27T07:26:21.557Z");  // back again
}

}  // namespace
}  // namespace internal
}  // namespace autoheal

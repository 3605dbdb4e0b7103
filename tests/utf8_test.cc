#include "core/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace autoheal {
namespace internal {
namespace {

TEST(Utf8MultibyteLengthTest, WellFormedSequences) {
  EXPECT_EQ(Utf8MultibyteLength("\xC3\xA9"), 2u);           // é
  EXPECT_EQ(Utf8MultibyteLength("\xE2\x82\xAC rest"), 3u);  // €
  EXPECT_EQ(Utf8MultibyteLength("\xF0\x9F\x98\x80"), 4u);   // 😀
  EXPECT_EQ(Utf8MultibyteLength("\xF4\x8F\xBF\xBF"), 4u);   // U+10FFFF
  EXPECT_EQ(Utf8MultibyteLength("\xED\x9F\xBF"), 3u);       // U+D7FF
}

TEST(Utf8MultibyteLengthTest, EverythingElseIsZero) {
  EXPECT_EQ(Utf8MultibyteLength(""), 0u);
  EXPECT_EQ(Utf8MultibyteLength("a"), 0u);                 // ASCII
  EXPECT_EQ(Utf8MultibyteLength("\x80"), 0u);              // continuation
  EXPECT_EQ(Utf8MultibyteLength("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(Utf8MultibyteLength("\xC1\xBF"), 0u);          // overlong
  EXPECT_EQ(Utf8MultibyteLength("\xE0\x9F\xBF"), 0u);      // overlong
  EXPECT_EQ(Utf8MultibyteLength("\xF0\x8F\xBF\xBF"), 0u);  // overlong
  EXPECT_EQ(Utf8MultibyteLength("\xED\xA0\x80"), 0u);      // surrogate
  EXPECT_EQ(Utf8MultibyteLength("\xF4\x90\x80\x80"), 0u);  // > U+10FFFF
  EXPECT_EQ(Utf8MultibyteLength("\xF5\x80\x80\x80"), 0u);  // bad lead
  EXPECT_EQ(Utf8MultibyteLength("\xE2\x82"), 0u);          // truncated
  EXPECT_EQ(Utf8MultibyteLength("\xE2\x28\xA1"), 0u);      // bad 2nd byte
  EXPECT_EQ(Utf8MultibyteLength("\xF0\x9F\x98\x28"), 0u);  // bad 4th byte
}

TEST(IsValidUtf8Test, WholeStrings) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("ok\xFF"));
  EXPECT_FALSE(IsValidUtf8("cut \xC3"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80 surrogate"));
}

TEST(Utf8PrefixLengthTest, NeverEndsInsideASequence) {
  EXPECT_EQ(Utf8PrefixLength("short", 64), 5u);
  EXPECT_EQ(Utf8PrefixLength("abcdef", 3), 3u);
  // "ab€": a cut at 3 or 4 would split the euro sign.
  EXPECT_EQ(Utf8PrefixLength("ab\xE2\x82\xAC", 3), 2u);
  EXPECT_EQ(Utf8PrefixLength("ab\xE2\x82\xAC", 4), 2u);
  EXPECT_EQ(Utf8PrefixLength("ab\xE2\x82\xAC", 5), 5u);
  // "ab😀": a 4-byte sequence, the longest, is backed over whole.
  EXPECT_EQ(Utf8PrefixLength("ab\xF0\x9F\x98\x80", 5), 2u);
}

// A sequence has at most three continuation bytes: a longer run is malformed
// text, cut where the limit says, not backed over to nothing. (The audit
// sink's excerpts stopped after three, the quoting did not; one rule now.)
TEST(Utf8PrefixLengthTest, BacksOverAtMostThreeContinuationBytes) {
  const std::string continuations(100, '\x80');
  EXPECT_EQ(Utf8PrefixLength(continuations, 64), 61u);
  EXPECT_EQ(QuoteText(continuations).size(), 2u + 4u * 61u + 15u);
}

TEST(EscapeTextTest, KeepsUtf8AndEscapesTheRest) {
  EXPECT_EQ(EscapeText("ok \xC3\xA9 \xF0\x9F\x98\x80"),
            "ok \xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(EscapeText("tab\there\n\"q\"\\"), "tab\\there\\n\\\"q\\\"\\\\");
  EXPECT_EQ(EscapeText(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeText("\xFF\xC0\xAF\xED\xA0\x80"),
            "\\xff\\xc0\\xaf\\xed\\xa0\\x80");
  EXPECT_TRUE(IsValidUtf8(EscapeText("\xE2\x82 \xF4\x90\x80\x80 \x80")));
}

// The cut says how long the value was: QuoteText() is now the only quoting
// of values in messages, and the payload parser's and the decision
// sentences' copies, which it replaced, both gave the length.
TEST(QuoteTextTest, QuotesEscapesAndCuts) {
  EXPECT_EQ(QuoteText("a\"b\n"), "\"a\\\"b\\n\"");
  EXPECT_EQ(QuoteText(std::string(64, 'x')), "\"" + std::string(64, 'x') + "\"");
  EXPECT_EQ(QuoteText(std::string(100, 'x')),
            "\"" + std::string(64, 'x') + "\"... (100 bytes)");
  // A multi-byte character is never cut in half.
  std::string text = std::string(63, 'x') + "\xC3\xA9" + "tail";
  EXPECT_EQ(QuoteText(text),
            "\"" + std::string(63, 'x') + "\"... (69 bytes)");
  EXPECT_EQ(QuoteText("abcdef", 3), "\"abc\"... (6 bytes)");
  EXPECT_EQ(QuoteText("", 3), "\"\"");
  // A megabyte of hostile bytes quotes to a short, valid line.
  const std::string hostile(1 << 20, '\xFF');
  const std::string quoted = QuoteText(hostile);
  std::string expected = "\"";
  for (int i = 0; i < 64; ++i) expected += "\\xff";
  EXPECT_EQ(quoted, expected + "\"... (1048576 bytes)");
  EXPECT_LE(quoted.size(), 4u * 64u + 30u);
  EXPECT_TRUE(IsValidUtf8(quoted));
}

// Control characters, quotes and backslashes as C escapes; the UTF-8 is
// kept and malformed bytes become \xNN, so that the quoted text is valid
// UTF-8 even when the value is not.
TEST(QuoteTextTest, EscapesLikeEscapeText) {
  EXPECT_EQ(QuoteText(std::string("\0\x01\t\r\x7f", 5)),
            "\"\\x00\\x01\\t\\r\\x7f\"");
  EXPECT_EQ(QuoteText("caf\xC3\xA9 \xFF"), "\"caf\xC3\xA9 \\xff\"");
  EXPECT_EQ(QuoteText("back\\slash"), "\"back\\\\slash\"");
}

}  // namespace
}  // namespace internal
}  // namespace autoheal

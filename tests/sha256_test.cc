#include "receiver/sha256.h"

#include <string>

#include "gtest/gtest.h"

namespace autoheal {
namespace internal {
namespace {

// Expected digests are the FIPS 180-4 / NIST CSRC examples, and for the
// padding boundaries the output of `sha256sum` on the same bytes, e.g.
//   head -c 55 /dev/zero | tr '\0' a | sha256sum

TEST(Sha256Test, EmptyString) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, NistOneBlockMessageAbc) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, NistTwoBlockMessage448Bits) {
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, Nist896BitMessage) {
  EXPECT_EQ(Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                      "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256Test, NistOneMillionA) {
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

struct BoundaryCase {
  size_t length;
  const char* digest;
};

class Sha256PaddingBoundaryTest
    : public ::testing::TestWithParam<BoundaryCase> {};

// 55 bytes is the longest message whose padding fits one block; 56 needs a
// second block; 63, 64 and 65 straddle the block size itself.
TEST_P(Sha256PaddingBoundaryTest, MatchesSha256sum) {
  EXPECT_EQ(Sha256Hex(std::string(GetParam().length, 'a')), GetParam().digest)
      << "length " << GetParam().length;
}

INSTANTIATE_TEST_SUITE_P(
    Lengths, Sha256PaddingBoundaryTest,
    ::testing::Values(
        BoundaryCase{55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e"
                         "910f734318"},
        BoundaryCase{56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970"
                         "686ec6738a"},
        BoundaryCase{63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da"
                         "457ddc2f34"},
        BoundaryCase{64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337"
                         "df154668eb"},
        BoundaryCase{65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d"
                         "4f17eb0ae0"}),
    [](const ::testing::TestParamInfo<BoundaryCase>& param_info) {
      return "Length" + std::to_string(param_info.param.length);
    });

TEST(Sha256Test, HashesNulAndHighBytesAsGiven) {
  // printf 'a\0b\xff' | sha256sum
  EXPECT_EQ(Sha256Hex(std::string("a\0b\xff", 4)),
            "a37cc3026aae4d519e0b19c298fa913b4dccfdf0658cbccbb7deaa0226d5acdb");
}

TEST(Sha256Test, IsLowercaseHexOf64Digits) {
  const std::string hex = Sha256Hex("autoheal");
  ASSERT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace internal
}  // namespace autoheal

#include "receiver/policy_digest.h"

#include <nettle/sha2.h>

#include <cstdint>

namespace autoheal {
namespace receiver {

std::string Sha256Hex(absl::string_view data) {
  sha256_ctx context;
  sha256_init(&context);
  sha256_update(&context, data.size(),
                reinterpret_cast<const uint8_t*>(data.data()));
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&context, sizeof(digest), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * sizeof(digest));
  for (uint8_t byte : digest) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0xf]);
  }
  return hex;
}

std::string PolicyDigest(const EngineOptions& options) {
  return Sha256Hex(CanonicalPolicy(options));
}

}  // namespace receiver
}  // namespace autoheal

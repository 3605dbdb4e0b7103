// The digest of the policy a receiver runs: the SHA-256 (nettle, which
// libmicrohttpd already links through GnuTLS) of the policy's canonical form
// (`CanonicalPolicy()` in "autoheal/options.h"). Replicas that report the
// same digest decide alike; the startup line, GET / and a reload log it.
//
// Thread safety: pure functions.

#ifndef AUTOHEAL_RECEIVER_POLICY_DIGEST_H_
#define AUTOHEAL_RECEIVER_POLICY_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"
#include "autoheal/options.h"

namespace autoheal {
namespace receiver {

// Returns the SHA-256 of `data` as 64 lowercase hex digits, e.g.
// "e3b0c442...b855" for "". Any bytes, NUL included, are hashed as given.
std::string Sha256Hex(absl::string_view data);

// Returns Sha256Hex(CanonicalPolicy(options)): every field of the policy
// counts, after the environment's overrides.
std::string PolicyDigest(const EngineOptions& options);

}  // namespace receiver
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_POLICY_DIGEST_H_

// SHA-256 (FIPS 180-4), for the receiver's policy digest.
//
// The receiver reports a digest of the policy it loaded, so that an operator
// can tell which version of a policy file each replica runs. This is a plain
// single-shot implementation with no dependencies; it is not meant for
// secrets (it makes no constant-time promises) nor for bulk hashing.
//
// Thread safety: a pure function.

#ifndef AUTOHEAL_RECEIVER_SHA256_H_
#define AUTOHEAL_RECEIVER_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace autoheal {
namespace internal {

// Returns the SHA-256 digest of `data` as 64 lowercase hex digits, e.g.
// "e3b0c442...b855" for "". Any bytes, including NUL, are hashed as given.
std::string Sha256Hex(absl::string_view data);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_SHA256_H_

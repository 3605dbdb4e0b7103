// The text of an errno value, thread-safely (strerror is not).
// Internal to autoheal. Thread safety: reentrant.

#ifndef AUTOHEAL_CORE_ERRNO_TEXT_H_
#define AUTOHEAL_CORE_ERRNO_TEXT_H_

#include <string>

namespace autoheal {
namespace internal {

// Returns e.g. "No such file or directory" for ENOENT.
std::string ErrnoText(int err);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_CORE_ERRNO_TEXT_H_

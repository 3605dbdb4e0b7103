#include "core/errno_text.h"

#include <string.h>

namespace autoheal {
namespace internal {
namespace {

// strerror_r has two signatures (GNU returns char*, XSI returns int); these
// overloads accept either.
[[maybe_unused]] const char* StrerrorResult(const char* result, const char*) {
  return result;
}
[[maybe_unused]] const char* StrerrorResult(int result, const char* buf) {
  return result == 0 ? buf : "unknown error";
}

}  // namespace

std::string ErrnoText(int err) {
  char buf[256];
  buf[0] = '\0';
  return StrerrorResult(strerror_r(err, buf, sizeof(buf)), buf);
}

}  // namespace internal
}  // namespace autoheal

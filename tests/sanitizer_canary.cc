// Canaries for the ASan+UBSan tree: each mode commits one bug on purpose,
// and tests/sanitizer_suites.cmake asserts that the sanitizer reports it and
// stops the program. If the tree were ever built without the sanitizers (or
// their runtime options stopped applying), these tests fail instead of the
// suite passing for the wrong reason.
//
//   sanitizer_canary heap-overflow     ASan: read past a heap block
//   sanitizer_canary leak              LeakSanitizer: an unreachable block
//   sanitizer_canary signed-overflow   UBSan, fatal: INT_MAX + 1
//
// Each prints "survived" if it gets past its bug, which the tests reject.
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// Values the optimizer cannot fold: argc-derived and volatile.
volatile int opaque_one = 1;

int HeapOverflow() {
  char* block = static_cast<char*>(std::malloc(8));
  std::memset(block, 'x', 8);
  const int value = block[8 * opaque_one];
  std::free(block);
  return value;
}

int Leak() {
  void* volatile block = std::malloc(64);
  block = nullptr;
  return block == nullptr ? 0 : 1;
}

int SignedOverflow() {
  int max = INT_MAX;
  max += opaque_one;
  return max < 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s heap-overflow|leak|signed-overflow\n",
                 argv[0]);
    return 2;
  }
  int result;
  if (std::strcmp(argv[1], "heap-overflow") == 0) {
    result = HeapOverflow();
  } else if (std::strcmp(argv[1], "leak") == 0) {
    result = Leak();
  } else if (std::strcmp(argv[1], "signed-overflow") == 0) {
    result = SignedOverflow();
  } else {
    std::fprintf(stderr, "unknown mode \"%s\"\n", argv[1]);
    return 2;
  }
  std::printf("survived (%d)\n", result);
  return 0;
}

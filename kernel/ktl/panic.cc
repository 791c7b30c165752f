#include "kernel/ktl/panic.h"

#include "kernel/ktl/format.h"

namespace ktl {

void AssertFail(const char* file, int line, const char* expression) {
  // Static, not on the stack: a failed assertion may come from a nearly full
  // kernel stack. A race between two failing vCPUs garbles the text at worst;
  // Panic stops everything anyway.
  static char message[256];
  FormatTo(message, sizeof(message), "%s:%d: assertion failed: %s", file, line, expression);
  Panic(message);
}

}  // namespace ktl

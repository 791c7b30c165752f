#include "kernel/syscalls/strace.h"

#include "kernel/ktl/format.h"
#include "kernel/ktl/string.h"
#include "kernel/task/task.h"
#include "platform_kvm/guest/hypercall.h"

namespace sentry::syscalls {
namespace {

constexpr size_t kMaxShownBytes = 32;

void AppendHexValue(ktl::Formatter& out, uint64_t value) {
  out.AppendString("0x").AppendHex(value);
}

bool NeverReturns(const SyscallInfo& info) {
  return ktl::StrCmp(info.name, "exit") == 0 || ktl::StrCmp(info.name, "exit_group") == 0;
}

// Appends up to kMaxShownBytes of user memory as a quoted, escaped string.
void AppendUserBytes(ktl::Formatter& out, uint64_t address, uint64_t length) {
  uint8_t bytes[kMaxShownBytes];
  size_t shown = length < kMaxShownBytes ? length : kMaxShownBytes;
  if (!CurrentTask().address_space().CopyIn(address, bytes, shown).ok()) {
    AppendHexValue(out, address);
    return;
  }
  out.AppendChar('"');
  for (size_t i = 0; i < shown; ++i) {
    uint8_t c = bytes[i];
    if (c == '\n') {
      out.AppendString("\\n");
    } else if (c == '\t') {
      out.AppendString("\\t");
    } else if (c == '"' || c == '\\') {
      out.AppendChar('\\').AppendChar(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      out.AppendChar(static_cast<char>(c));
    } else {
      out.AppendString("\\x").AppendHex(c, 2, true);
    }
  }
  out.AppendChar('"');
  if (length > shown) out.AppendString("...");
}

void AppendUserString(ktl::Formatter& out, uint64_t address) {
  char text[kMaxShownBytes + 1];
  auto length = CurrentTask().address_space().CopyInString(address, text, sizeof(text));
  if (!length.ok()) {
    AppendHexValue(out, address);
    return;
  }
  out.AppendChar('"').AppendString(text).AppendChar('"');
}

// C's octal notation: 0644, and 0 for zero.
void AppendOctal(ktl::Formatter& out, uint64_t value) {
  char digits[22];
  int count = 0;
  for (; value != 0; value >>= 3) digits[count++] = static_cast<char>('0' + (value & 7));
  out.AppendChar('0');
  while (count > 0) out.AppendChar(digits[--count]);
}

// An *at syscall's dirfd: an int, or AT_FDCWD.
void AppendDirFd(ktl::Formatter& out, uint64_t value) {
  constexpr int32_t kAtFdcwd = -100;
  int32_t fd = static_cast<int32_t>(value);
  if (fd == kAtFdcwd) {
    out.AppendString("AT_FDCWD");
  } else {
    out.AppendDec(fd);
  }
}

// As strace -f: a line from any thread but the first names its thread.
void AppendThread(ktl::Formatter& out) {
  int32_t tid = CurrentTask().tid();
  if (tid != 1) out.AppendString("[pid ").AppendDec(tid).AppendString("] ");
}

void AppendCall(ktl::Formatter& out, const SyscallInfo& info, const uint64_t* args,
                int64_t result, bool returned) {
  AppendThread(out);
  out.AppendString(info.name).AppendChar('(');
  for (int i = 0; info.format[i] != '\0'; ++i) {
    if (i > 0) out.AppendString(", ");
    uint64_t value = args[i];
    switch (info.format[i]) {
      case 'd': out.AppendDec(static_cast<int64_t>(value)); break;
      case 'u': out.AppendUnsigned(value); break;
      case 'o': AppendOctal(out, value); break;
      case 'a': AppendDirFd(out, value); break;
      case 'b': AppendUserBytes(out, value, args[i + 1]); break;
      case 'B':
        if (returned && result >= 0) {
          AppendUserBytes(out, value, static_cast<uint64_t>(result));
        } else {
          AppendHexValue(out, value);
        }
        break;
      case 's': AppendUserString(out, value); break;
      case 'p':
        if (value == 0) {
          out.AppendString("NULL");
          break;
        }
        [[fallthrough]];
      default: AppendHexValue(out, value); break;
    }
  }
  out.AppendChar(')');
}

bool ReturnsAddress(const SyscallInfo& info) {
  return ktl::StrCmp(info.name, "mmap") == 0 || ktl::StrCmp(info.name, "mremap") == 0 ||
         ktl::StrCmp(info.name, "brk") == 0;
}

void Emit(ktl::Formatter& out) {
  out.AppendChar('\n');
  platform::WriteToStderr(out.c_str(), out.size());
}

}  // namespace

void TraceEntry(const SyscallInfo& info, const uint64_t* args) {
  if (!NeverReturns(info)) return;
  char line[256];
  ktl::Formatter out(line, sizeof(line) - 1);
  AppendCall(out, info, args, 0, false);
  out.AppendString(" = ?");
  Emit(out);
}

void TraceResult(const SyscallInfo& info, const uint64_t* args, int64_t result) {
  char line[256];
  ktl::Formatter out(line, sizeof(line) - 1);
  AppendCall(out, info, args, result, true);
  out.AppendString(" = ");
  if (result < 0 && result >= -4095) {
    out.AppendString("-1 ").AppendString(ktl::ErrnoName(static_cast<ktl::Errno>(-result)));
  } else if (ReturnsAddress(info)) {
    AppendHexValue(out, static_cast<uint64_t>(result));
  } else {
    out.AppendDec(result);
  }
  Emit(out);
}

void TraceUnimplemented(uint64_t number, const uint64_t* args) {
  char line[256];
  ktl::Formatter out(line, sizeof(line) - 1);
  AppendThread(out);
  out.AppendString("syscall_").AppendUnsigned(number).AppendChar('(');
  for (int i = 0; i < 6; ++i) {
    if (i > 0) out.AppendString(", ");
    AppendHexValue(out, args[i]);
  }
  out.AppendString(") = -1 ENOSYS");
  Emit(out);
}

}  // namespace sentry::syscalls

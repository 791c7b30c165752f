#include "vmm/crash_report.h"

#include <capstone/capstone.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace ringfence::vmm {
namespace {

// The longest x86 instruction is 15 bytes; the hex column is sized for it
// only up to 10 bytes, beyond which the text simply shifts right.
constexpr int kHexColumnWidth = 30;

absl::string_view ExceptionName(uint64_t vector) {
  static constexpr absl::string_view kNames[] = {
      "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
      "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "(15)",
      "#MF", "#AC", "#MC", "#XM", "#VE", "#CP"};
  if (vector < std::size(kNames)) return kNames[vector];
  return "interrupt";
}

std::string FlagsText(uint64_t rflags) {
  static constexpr std::pair<uint64_t, absl::string_view> kFlags[] = {
      {1 << 0, "CF"},  {1 << 2, "PF"},  {1 << 4, "AF"}, {1 << 6, "ZF"},
      {1 << 7, "SF"},  {1 << 8, "TF"},  {1 << 9, "IF"}, {1 << 10, "DF"},
      {1 << 11, "OF"}, {1 << 18, "AC"}, {1 << 21, "ID"}};
  std::vector<absl::string_view> set;
  for (const auto& [bit, name] : kFlags) {
    if (rflags & bit) set.push_back(name);
  }
  return absl::StrCat("[", absl::StrJoin(set, " "), "]");
}

void AppendRegisters(const struct kvm_regs& r, std::string* out) {
  absl::StrAppendFormat(out, "  rip 0x%016x  rsp 0x%016x  rflags 0x%08x %s\n",
                        r.rip, r.rsp, r.rflags, FlagsText(r.rflags));
  const std::pair<absl::string_view, uint64_t> gprs[] = {
      {"rax", r.rax}, {"rbx", r.rbx}, {"rcx", r.rcx}, {"rdx", r.rdx},
      {"rsi", r.rsi}, {"rdi", r.rdi}, {"rbp", r.rbp}, {"r8", r.r8},
      {"r9", r.r9},   {"r10", r.r10}, {"r11", r.r11}, {"r12", r.r12},
      {"r13", r.r13}, {"r14", r.r14}, {"r15", r.r15}};
  for (size_t i = 0; i < std::size(gprs); ++i) {
    absl::StrAppendFormat(out, "%s%-3s 0x%016x", i % 3 == 0 ? "  " : "  ",
                          gprs[i].first, gprs[i].second);
    if (i % 3 == 2) out->push_back('\n');
  }
}

void AppendSpecialRegisters(const struct kvm_sregs& s, std::string* out) {
  absl::StrAppendFormat(out, "  cr0 0x%016x  cr2 0x%016x  cr3 0x%016x\n", s.cr0,
                        s.cr2, s.cr3);
  absl::StrAppendFormat(out, "  cr4 0x%016x  efer 0x%016x\n", s.cr4, s.efer);
  absl::StrAppendFormat(out, "  cs 0x%04x (ring %d)  ss 0x%04x\n",
                        s.cs.selector, s.cs.dpl, s.ss.selector);
}

// One decoded line: either an instruction or a byte capstone rejected.
struct Line {
  uint64_t address;
  size_t offset;  // into the code bytes
  size_t size;
  std::string text;
};

// Decodes [start, end) of `code` linearly. Bytes capstone cannot decode
// become single-byte "(bad)" lines so garbage never stops the listing.
std::vector<Line> Decode(csh handle, cs_insn* insn,
                         const std::vector<uint8_t>& code, uint64_t base,
                         size_t start) {
  std::vector<Line> lines;
  size_t offset = start;
  while (offset < code.size()) {
    const uint8_t* ptr = code.data() + offset;
    size_t remaining = code.size() - offset;
    uint64_t address = base + offset;
    if (cs_disasm_iter(handle, &ptr, &remaining, &address, insn)) {
      std::string text = insn->mnemonic;
      if (insn->op_str[0] != '\0') absl::StrAppend(&text, " ", insn->op_str);
      lines.push_back({insn->address, offset, insn->size, std::move(text)});
      offset += insn->size;
    } else {
      lines.push_back({base + offset, offset, 1, "(bad)"});
      offset += 1;
    }
  }
  return lines;
}

bool LandsOn(const std::vector<Line>& lines, uint64_t address) {
  for (const Line& line : lines) {
    if (line.address == address) return true;
  }
  return false;
}

void AppendCode(const CrashInfo& info, std::string* out) {
  const std::vector<uint8_t>& code = info.code_bytes;
  uint64_t rip = info.regs.rip;
  if (code.empty()) {
    absl::StrAppendFormat(out, "code: unavailable (rip 0x%x not readable)\n",
                          rip);
    return;
  }
  absl::StrAppendFormat(out, "code at 0x%x (%d bytes):\n", info.code_address,
                        code.size());

  csh handle;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
    absl::StrAppend(out, "  (capstone unavailable)\n");
    return;
  }
  // AT&T syntax, as gdb and objdump print by default on Linux.
  cs_option(handle, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
  cs_insn* insn = cs_malloc(handle);

  // x86 cannot be decoded backwards: bytes before RIP only make sense from an
  // instruction boundary we do not know. Try each start offset until the
  // linear decode lands exactly on RIP; starting at RIP itself always does.
  std::vector<Line> lines;
  size_t skipped = 0;
  bool rip_inside =
      rip >= info.code_address && rip - info.code_address < code.size();
  if (rip_inside) {
    size_t rip_offset = rip - info.code_address;
    for (size_t start = 0; start <= rip_offset; ++start) {
      lines = Decode(handle, insn, code, info.code_address, start);
      if (LandsOn(lines, rip)) {
        skipped = start;
        break;
      }
    }
  } else {
    lines = Decode(handle, insn, code, info.code_address, 0);
  }
  cs_free(insn, 1);
  cs_close(&handle);

  auto hex = [&](size_t offset, size_t size) {
    std::string text;
    for (size_t i = 0; i < size; ++i) {
      absl::StrAppendFormat(&text, "%s%02x", i ? " " : "", code[offset + i]);
    }
    return text;
  };
  if (skipped != 0) {
    absl::StrAppendFormat(out, "    0x%016x: %-*s (no instruction boundary)\n",
                          info.code_address, kHexColumnWidth, hex(0, skipped));
  }
  for (const Line& line : lines) {
    absl::StrAppendFormat(
        out, " %s 0x%016x: %-*s %s\n", line.address == rip ? "=>" : "  ",
        line.address, kHexColumnWidth, hex(line.offset, line.size), line.text);
  }
  if (!rip_inside) {
    absl::StrAppendFormat(out, "  (rip 0x%x is outside these bytes)\n", rip);
  }
}

// Everything but the headline: shared by crash reports and state dumps.
void AppendState(const CrashInfo& info, std::string* out) {
  if (info.exception.has_value()) {
    const CrashException& e = *info.exception;
    absl::StrAppendFormat(out, "exception: %s (vector %d) error code 0x%x",
                          ExceptionName(e.vector), e.vector, e.error_code);
    if (e.vector == 14) absl::StrAppendFormat(out, " cr2 0x%x", e.cr2);
    out->push_back('\n');
  }
  absl::StrAppend(out, "registers:\n");
  AppendRegisters(info.regs, out);
  if (info.sregs.has_value()) {
    absl::StrAppend(out, "special registers:\n");
    AppendSpecialRegisters(*info.sregs, out);
  }
  AppendCode(info, out);
  if (!info.stack_code_addresses.empty()) {
    absl::StrAppend(out, "Sentry code addresses on the stack, nearest first",
                    " (addr2line -e build/platform_kvm/sentry.elf):\n ");
    for (uint64_t address : info.stack_code_addresses) {
      absl::StrAppendFormat(out, " 0x%x", address);
    }
    out->push_back('\n');
  }
}

}  // namespace

CodeBytes CollectCodeBytes(uint64_t rip, uint64_t cr3, GuestMemoryReader read) {
  CodeBytes result;
  std::vector<uint8_t> buffer(kCrashCodeBytes);
  // Prefer some context before RIP, but only if that memory is readable: it
  // may sit on a preceding page that is unmapped.
  if (rip >= kCrashCodeBytesBeforeRip) {
    uint64_t start = rip - kCrashCodeBytesBeforeRip;
    size_t n = ReadGuestVirtual(cr3, start, buffer.data(), buffer.size(), read);
    if (n > kCrashCodeBytesBeforeRip) {
      buffer.resize(n);
      result.address = start;
      result.bytes = std::move(buffer);
      return result;
    }
  }
  size_t n = ReadGuestVirtual(cr3, rip, buffer.data(),
                              kCrashCodeBytes - kCrashCodeBytesBeforeRip, read);
  buffer.resize(n);
  result.address = rip;
  result.bytes = std::move(buffer);
  return result;
}

struct kvm_regs KvmRegsFromPanicRegisters(const abi::PanicRegisters& p) {
  struct kvm_regs r = {};
  r.rax = p.rax;
  r.rbx = p.rbx;
  r.rcx = p.rcx;
  r.rdx = p.rdx;
  r.rsi = p.rsi;
  r.rdi = p.rdi;
  r.rbp = p.rbp;
  r.rsp = p.rsp;
  r.r8 = p.r8;
  r.r9 = p.r9;
  r.r10 = p.r10;
  r.r11 = p.r11;
  r.r12 = p.r12;
  r.r13 = p.r13;
  r.r14 = p.r14;
  r.r15 = p.r15;
  r.rip = p.rip;
  r.rflags = p.rflags;
  return r;
}

std::vector<uint64_t> CollectStackCodeAddresses(uint64_t rsp, uint64_t cr3, GuestMemoryReader read,
                                                uint64_t code_start, uint64_t code_end) {
  std::vector<uint64_t> words(kStackWordsScanned);
  size_t n = ReadGuestVirtual(cr3, rsp, words.data(), words.size() * sizeof(uint64_t), read) /
             sizeof(uint64_t);
  std::vector<uint64_t> found;
  for (size_t i = 0; i < n && found.size() < kStackCodeAddressesKept; ++i) {
    if (words[i] >= code_start && words[i] < code_end) found.push_back(words[i]);
  }
  return found;
}

std::string FormatCrashReport(const std::string& reason, const CrashInfo& info) {
  std::string out;
  absl::StrAppend(&out, "ringfence: guest crashed: ", reason, "\n");
  AppendState(info, &out);
  return out;
}

std::string FormatStateDump(int index, const CrashInfo& info) {
  std::string out;
  absl::StrAppendFormat(&out, "ringfence: state of vCPU %d (SIGQUIT; the sandbox runs on)\n", index);
  AppendState(info, &out);
  return out;
}

}  // namespace ringfence::vmm

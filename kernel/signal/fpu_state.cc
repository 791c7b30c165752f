#include "kernel/signal/fpu_state.h"

#include "kernel/ktl/panic.h"
#include "kernel/ktl/string.h"
#include "kernel/signal/signal_frame.h"
#include "kernel/task/task.h"
#include "platform_kvm/guest/cpu.h"

namespace sentry::signal {
namespace {

using ktl::Errno;

constexpr uint64_t kCr4Osxsave = 1ull << 18;
constexpr uint32_t kCpuidXsave = 1u << 26;
constexpr uint16_t kX87InitControlWord = 0x37f;
constexpr uint32_t kMxcsrInit = 0x1f80;
constexpr uint32_t kMxcsrDefaultMask = 0xffbf;  // when FXSAVE reports a mask of 0
// Room for x87+SSE+AVX+AVX-512 (2,696 bytes), the most boot.cc enables.
constexpr uint64_t kScratchSize = 4096;

struct FpuFormat {
  bool initialized = false;
  bool xsave = false;
  uint64_t features = 0;     // XCR0: the components in every image
  uint64_t xstate_size = 0;  // XSAVE image bytes for `features`
  uint32_t mxcsr_mask = kMxcsrDefaultMask;
};
FpuFormat g_format;

// One signal delivery or sigreturn at a time per vCPU, with interrupts off
// in the Sentry: these buffers stay global until tasks can be preempted in
// the Sentry or several vCPUs run tasks (then they move to per-CPU data).
// XSAVE/XRSTOR need 64-byte alignment, which user memory need not offer:
// the state passes through here on its way to or from the frame.
alignas(64) uint8_t g_scratch[kScratchSize];
// The state a handler starts with: FCW 0x37f, MXCSR 0x1f80, and an XSAVE
// header with XSTATE_BV 0, which XRSTOR turns into "every component init".
alignas(64) uint8_t g_init_image[kXsaveMinSize];

FxsaveArea& Legacy(uint8_t* image) { return *reinterpret_cast<FxsaveArea*>(image); }  // offset 0
XsaveHeader& Header(uint8_t* image) {
  return *reinterpret_cast<XsaveHeader*>(image + kXsaveHeaderOffset);  // fixed by the SDM
}

const FpuFormat& Format() {
  FpuFormat& f = g_format;
  if (f.initialized) return f;
  bool cpu_xsave = (platform::Cpuid(1).ecx & kCpuidXsave) != 0;
  bool os_xsave = cpu_xsave && (platform::ReadCr4() & kCr4Osxsave) != 0;
  // XSAVE only covers what XCR0 enables: without both x87 and SSE in it the
  // XMM registers would go unsaved, so such a setup (as Linux does) keeps
  // to the FXSAVE format, which always holds x87 and SSE.
  f.features = os_xsave ? platform::ReadXcr0() : 0;
  f.xsave = (f.features & kXfeatureFpSse) == kXfeatureFpSse;
  if (f.xsave) {
    f.xstate_size = platform::Cpuid(0xd, 0).ebx;  // size for the components enabled in XCR0
    if (f.xstate_size < kXsaveMinSize || f.xstate_size + kFpXstateMagic2Size > kScratchSize) {
      ktl::Panic("XSAVE area size outside the signal code's scratch buffer");
    }
  }
  // FXSAVE only reads the live state; its MXCSR_MASK says which MXCSR bits
  // FXRSTOR/XRSTOR accept.
  ktl::MemSet(g_scratch, 0, sizeof(FxsaveArea));
  platform::Fxsave(g_scratch);
  uint32_t mask = Legacy(g_scratch).mxcsr_mask;
  f.mxcsr_mask = mask != 0 ? mask : kMxcsrDefaultMask;
  Legacy(g_init_image).cwd = kX87InitControlWord;
  Legacy(g_init_image).mxcsr = kMxcsrInit;
  f.initialized = true;
  return f;
}

// Loads g_scratch after the caller checked it: a legacy-only image becomes
// FP+SSE with every other component in its init state.
void LoadScratch(const FpuFormat& f) {
  if (f.xsave) {
    platform::Xrstor(g_scratch, f.features);
  } else {
    platform::Fxrstor(g_scratch);
  }
}

bool HeaderValid(const XsaveHeader& header, uint64_t features) {
  if (header.xstate_bv & ~features) return false;  // XRSTOR: #GP
  if (header.xcomp_bv != 0) return false;          // compacted form is not a signal-frame format
  for (uint64_t word : header.reserved) {
    if (word != 0) return false;
  }
  return true;
}

// Whether the frame's legacy area announces a complete XSAVE image: magic1
// in the software bytes, a plausible size, and MAGIC2 right after it.
ktl::Result<bool> HasXstateImage(uint64_t address, const FpxSwBytes& sw, const FpuFormat& f) {
  if (sw.magic1 != kFpXstateMagic1 || sw.xstate_size < kXsaveMinSize ||
      sw.xstate_size > f.xstate_size || sw.xstate_size > sw.extended_size) {
    return false;
  }
  uint32_t magic2 = 0;
  TRY(CurrentTask().address_space().CopyIn(address + sw.xstate_size, &magic2, sizeof(magic2)));
  return magic2 == kFpXstateMagic2;
}

}  // namespace

uint64_t FpuFrameSize() {
  const FpuFormat& f = Format();
  return f.xsave ? f.xstate_size + kFpXstateMagic2Size : sizeof(FxsaveArea);
}

bool FpuUsesXsave() { return Format().xsave; }

ktl::Result<void> SaveFpuToUser(uint64_t address) {
  const FpuFormat& f = Format();
  if (!f.xsave) {
    ktl::MemSet(g_scratch, 0, sizeof(FxsaveArea));  // FXSAVE leaves bytes 464..511 alone
    platform::Fxsave(g_scratch);
    return CurrentTask().address_space().CopyOut(address, g_scratch, sizeof(FxsaveArea));
  }
  // XSAVE writes only XSTATE_BV of the header: the rest must start zeroed.
  ktl::MemSet(g_scratch, 0, f.xstate_size + kFpXstateMagic2Size);
  platform::Xsave(g_scratch, f.features);
  // As Linux does: FP and SSE are always marked present, so a handler that
  // edits the legacy area (ignorant of the header) has its edits restored.
  Header(g_scratch).xstate_bv |= kXfeatureFpSse;
  FpxSwBytes& sw = Legacy(g_scratch).sw_reserved;
  sw.magic1 = kFpXstateMagic1;
  sw.extended_size = static_cast<uint32_t>(f.xstate_size + kFpXstateMagic2Size);
  sw.xfeatures = f.features;
  sw.xstate_size = static_cast<uint32_t>(f.xstate_size);
  uint32_t magic2 = kFpXstateMagic2;
  ktl::MemCopy(g_scratch + f.xstate_size, &magic2, sizeof(magic2));
  return CurrentTask().address_space().CopyOut(address, g_scratch,
                                               f.xstate_size + kFpXstateMagic2Size);
}

void ResetFpuForHandler() {
  const FpuFormat& f = Format();
  if (f.xsave) {
    platform::Xrstor(g_init_image, f.features);
  } else {
    platform::Fxrstor(g_init_image);
  }
}

ktl::Result<void> RestoreFpuFromUser(uint64_t address) {
  const FpuFormat& f = Format();
  if (address == 0) {
    ResetFpuForHandler();
    return ktl::Ok();
  }
  mm::AddressSpace& memory = CurrentTask().address_space();
  ktl::MemSet(g_scratch, 0, f.xsave ? f.xstate_size : sizeof(FxsaveArea));
  TRY(memory.CopyIn(address, g_scratch, sizeof(FxsaveArea)));
  FxsaveArea& legacy = Legacy(g_scratch);
  FpxSwBytes sw = legacy.sw_reserved;
  if (f.xsave && TRY(HasXstateImage(address, sw, f))) {
    // XRSTOR straight from user memory would need 64-byte alignment; Linux
    // fails such a frame, and so do we.
    if (address % 64 != 0) return Errno::kEINVAL;
    TRY(memory.CopyIn(address, g_scratch, sw.xstate_size));
    XsaveHeader& header = Header(g_scratch);
      if (!HeaderValid(header, f.features)) return Errno::kEINVAL;
    if (legacy.mxcsr & ~f.mxcsr_mask) return Errno::kEINVAL;  // XRSTOR: #GP
    // Components the image does not claim start from their init state.
    header.xstate_bv &= sw.xfeatures;
    LoadScratch(f);
    return ktl::Ok();
  }
  // A legacy-only image (no or broken magic): x87 and SSE from it, every
  // other component init, MXCSR sanitized as Linux does.
  legacy.mxcsr &= f.mxcsr_mask;
  ktl::MemSet(&legacy.sw_reserved, 0, sizeof(legacy.sw_reserved));
  if (f.xsave) {
    ktl::MemSet(&Header(g_scratch), 0, sizeof(XsaveHeader));
    Header(g_scratch).xstate_bv = kXfeatureFpSse & f.features;
  }
  LoadScratch(f);
  return ktl::Ok();
}

int32_t FpuExceptionCode(uint64_t vector) {
  uint32_t pending;
  if (vector == 16) {  // #MF: unmasked x87 exceptions flagged in FSW
    pending = platform::ReadX87StatusWord() & ~platform::ReadX87ControlWord();
  } else {  // #XM: MXCSR flags (bits 0-5) whose masks (bits 7-12) are clear
    uint32_t mxcsr = platform::ReadMxcsr();
    pending = ~(mxcsr >> 7) & mxcsr;
  }
  if (pending & 0x001) return kFpeFltInv;
  if (pending & 0x004) return kFpeFltDiv;
  if (pending & 0x008) return kFpeFltOvf;
  if (pending & 0x012) return kFpeFltUnd;
  if (pending & 0x020) return kFpeFltRes;
  return 0;
}

}  // namespace sentry::signal

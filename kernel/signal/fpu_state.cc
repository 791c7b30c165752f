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

// What does not change while the Sentry runs: CPU capabilities.
struct FpuFormat {
  bool initialized = false;
  bool os_xsave = false;          // CPUID.XSAVE and CR4.OSXSAVE
  uint64_t cpu_features = 0;      // CPUID.(0xd,0) EDX:EAX: components XCR0 may ever hold
  uint32_t mxcsr_mask = kMxcsrDefaultMask;
  uint64_t sized_xcr0 = 0;        // the XCR0 that xstate_size belongs to
  uint64_t xstate_size = 0;
};
FpuFormat g_format;

// XSAVE/XRSTOR need 64-byte alignment, which user memory need not offer:
// the state passes through the current task's own FPU save area (a page,
// see Task) on its way to or from a signal frame. While the task runs its
// live state is in the CPU, so that area is free to use as scratch.
uint8_t* Scratch() { return CurrentTask().fpu_area(); }
// The state a handler starts with: FCW 0x37f, MXCSR 0x1f80, and an XSAVE
// header with XSTATE_BV 0, which XRSTOR turns into "every component init".
alignas(64) uint8_t g_init_image[kXsaveMinSize];

FxsaveArea& Legacy(uint8_t* image) { return *reinterpret_cast<FxsaveArea*>(image); }  // offset 0
XsaveHeader& Header(uint8_t* image) {
  return *reinterpret_cast<XsaveHeader*>(image + kXsaveHeaderOffset);  // fixed by the SDM
}

FpuFormat& Format() {
  FpuFormat& f = g_format;
  if (f.initialized) return f;
  bool cpu_xsave = (platform::Cpuid(1).ecx & kCpuidXsave) != 0;
  f.os_xsave = cpu_xsave && (platform::ReadCr4() & kCr4Osxsave) != 0;
  if (f.os_xsave) {
    platform::CpuidResult leaf = platform::Cpuid(0xd, 0);
    f.cpu_features = (static_cast<uint64_t>(leaf.edx) << 32) | leaf.eax;
  }
  // FXSAVE only reads the live state; its MXCSR_MASK says which MXCSR bits
  // FXRSTOR/XRSTOR accept.
  alignas(16) uint8_t probe[sizeof(FxsaveArea)] = {};
  platform::Fxsave(probe);
  uint32_t mask = Legacy(probe).mxcsr_mask;
  f.mxcsr_mask = mask != 0 ? mask : kMxcsrDefaultMask;
  Legacy(g_init_image).cwd = kX87InitControlWord;
  Legacy(g_init_image).mxcsr = kMxcsrInit;
  f.initialized = true;
  return f;
}

// Loads `image` (a checked one) into the CPU.
void LoadImage(const FpuLayout& layout, const uint8_t* image) {
  if (layout.xsave) {
    platform::Xrstor(image, layout.features);
  } else {
    platform::Fxrstor(image);
  }
}

// What XRSTOR would reject (#GP in ring 0) or no CPU state can mean.
bool HeaderValid(const XsaveHeader& header, uint64_t cpu_features) {
  if (header.xstate_bv & ~cpu_features) return false;
  if (header.xcomp_bv != 0) return false;  // compacted form is not a signal-frame format
  for (uint64_t word : header.reserved) {
    if (word != 0) return false;
  }
  return true;
}

// Whether the frame's legacy area announces a complete XSAVE image: magic1
// in the software bytes, a plausible size, and MAGIC2 right after it.
ktl::Result<bool> HasXstateImage(uint64_t address, const FpxSwBytes& sw) {
  if (sw.magic1 != kFpXstateMagic1 || sw.xstate_size < kXsaveMinSize ||
      sw.xstate_size > kScratchSize - kFpXstateMagic2Size || sw.xstate_size > sw.extended_size) {
    return false;
  }
  uint32_t magic2 = 0;
  TRY(CurrentTask().address_space().CopyIn(address + sw.xstate_size, &magic2, sizeof(magic2)));
  return magic2 == kFpXstateMagic2;
}

}  // namespace

FpuLayout CurrentFpuLayout() {
  FpuFormat& f = Format();
  uint64_t xcr0 = f.os_xsave ? platform::ReadXcr0() : 0;
  // XSAVE covers only what XCR0 enables: without both x87 and SSE in it the
  // XMM registers would go unsaved, so such a setup (as Linux does) keeps to
  // the FXSAVE format, which always holds x87 and SSE.
  if ((xcr0 & kXfeatureFpSse) != kXfeatureFpSse) return {false, 0, sizeof(FxsaveArea)};
  if (xcr0 != f.sized_xcr0) {
    uint64_t size = platform::Cpuid(0xd, 0).ebx;  // for the components XCR0 enables now
    if (size < kXsaveMinSize || size + kFpXstateMagic2Size > kScratchSize) {
      ktl::Panic("XSAVE area size outside the signal code's scratch buffer");
    }
    f.sized_xcr0 = xcr0;
    f.xstate_size = size;
  }
  return {true, xcr0, f.xstate_size + kFpXstateMagic2Size};
}

ktl::Result<void> SaveFpuToUser(const FpuLayout& layout, uint64_t address) {
  uint8_t* scratch = Scratch();
  if (!layout.xsave) {
    ktl::MemSet(scratch, 0, sizeof(FxsaveArea));  // FXSAVE leaves bytes 464..511 alone
    platform::Fxsave(scratch);
    return CurrentTask().address_space().CopyOut(address, scratch, sizeof(FxsaveArea));
  }
  uint64_t xstate_size = layout.frame_size - kFpXstateMagic2Size;
  // XSAVE writes only XSTATE_BV of the header: the rest must start zeroed.
  ktl::MemSet(scratch, 0, layout.frame_size);
  platform::Xsave(scratch, layout.features);
  // As Linux does: FP and SSE are always marked present, so a handler that
  // edits the legacy area (ignorant of the header) has its edits restored.
  Header(scratch).xstate_bv |= kXfeatureFpSse;
  FpxSwBytes& sw = Legacy(scratch).sw_reserved;
  sw.magic1 = kFpXstateMagic1;
  sw.extended_size = static_cast<uint32_t>(layout.frame_size);
  sw.xfeatures = layout.features;
  sw.xstate_size = static_cast<uint32_t>(xstate_size);
  uint32_t magic2 = kFpXstateMagic2;
  ktl::MemCopy(scratch + xstate_size, &magic2, sizeof(magic2));
  return CurrentTask().address_space().CopyOut(address, scratch, layout.frame_size);
}

void ResetFpuForHandler() { LoadImage(CurrentFpuLayout(), g_init_image); }

void SaveLiveFpu(uint8_t* area) {
  FpuLayout layout = CurrentFpuLayout();
  if (layout.xsave) {
    // XSAVE writes only XSTATE_BV of the header; the rest must stay zero
    // for the XRSTOR that loads it back.
    ktl::MemSet(&Header(area), 0, sizeof(XsaveHeader));
    platform::Xsave(area, layout.features);
  } else {
    platform::Fxsave(area);
  }
}

void LoadLiveFpu(const uint8_t* area) { LoadImage(CurrentFpuLayout(), area); }

ktl::Result<void> RestoreFpuFromUser(uint64_t address) {
  if (address == 0) {
    ResetFpuForHandler();
    return ktl::Ok();
  }
  const FpuFormat& f = Format();
  FpuLayout layout = CurrentFpuLayout();
  uint8_t* scratch = Scratch();
  mm::AddressSpace& memory = CurrentTask().address_space();
  ktl::MemSet(scratch, 0, layout.xsave ? layout.frame_size : sizeof(FxsaveArea));
  TRY(memory.CopyIn(address, scratch, sizeof(FxsaveArea)));
  FxsaveArea& legacy = Legacy(scratch);
  FpxSwBytes sw = legacy.sw_reserved;
  if (layout.xsave && TRY(HasXstateImage(address, sw))) {
    // XRSTOR straight from user memory would need 64-byte alignment; Linux
    // fails such a frame, and so do we.
    if (address % 64 != 0) return Errno::kEINVAL;
    uint64_t xstate_size = layout.frame_size - kFpXstateMagic2Size;
    uint64_t copy = sw.xstate_size < xstate_size ? sw.xstate_size : xstate_size;
    TRY(memory.CopyIn(address, scratch, copy));
    XsaveHeader& header = Header(scratch);
    if (!HeaderValid(header, f.cpu_features)) return Errno::kEINVAL;
    if (legacy.mxcsr & ~f.mxcsr_mask) return Errno::kEINVAL;  // XRSTOR: #GP
    // Components the image does not claim, or that XCR0 no longer enables
    // (it should not change, but XRSTOR would fault), start from init.
    header.xstate_bv &= sw.xfeatures & layout.features;
    LoadImage(layout, scratch);
    return ktl::Ok();
  }
  // A legacy-only image (no or broken magic): x87 and SSE from it, every
  // other component init, MXCSR sanitized as Linux does.
  legacy.mxcsr &= f.mxcsr_mask;
  ktl::MemSet(&legacy.sw_reserved, 0, sizeof(legacy.sw_reserved));
  if (layout.xsave) {
    ktl::MemSet(&Header(scratch), 0, sizeof(XsaveHeader));
    Header(scratch).xstate_bv = kXfeatureFpSse;
  }
  LoadImage(layout, scratch);
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

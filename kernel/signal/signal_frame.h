// The x86-64 Linux signal frame: what a handler finds on its stack and what
// rt_sigreturn reads back. Layouts follow the kernel's UAPI headers
// (asm/sigcontext.h, asm/ucontext.h, asm-generic/siginfo.h) and
// arch/x86/include/asm/sigframe.h; our own definitions, checked by size and
// offset below.
//
// A frame as built at delivery (addresses grow upward):
//
//   rsp on handler entry -> RtSigframe   return address (sa_restorer)
//                                        Ucontext       (304 bytes)
//                                        SigInfo        (128 bytes)
//                           ...padding to 64 bytes...
//   uc_mcontext.fpstate  -> FP image     XSAVE area (legacy 512 bytes with
//                                        FpxSwBytes in bytes 464..511, then
//                                        the XSAVE header and components),
//                                        then FP_XSTATE_MAGIC2 (4 bytes);
//                                        or a bare 512-byte FXSAVE area on
//                                        CPUs without XSAVE
//                           ...
//   interrupted rsp - 128 (the red zone), or the top of the alternate stack
//
// (rsp + 8) is 16-byte aligned on handler entry, as after a `call`.
#ifndef RINGFENCE_KERNEL_SIGNAL_SIGNAL_FRAME_H_
#define RINGFENCE_KERNEL_SIGNAL_SIGNAL_FRAME_H_

#include <cstddef>
#include <cstdint>

#include "kernel/abi/linux.h"

namespace sentry::signal {

// struct sigcontext (64-bit): glibc's mcontext_t gregs[] index the first 23
// words (REG_R8 = 0 ... REG_RIP = 16, REG_EFL = 17, REG_CSGSFS = 18,
// REG_ERR = 19, REG_TRAPNO = 20, REG_OLDMASK = 21, REG_CR2 = 22).
struct Sigcontext {
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
  uint16_t cs, gs, fs, ss;
  uint64_t err;
  uint64_t trapno;
  uint64_t oldmask;
  uint64_t cr2;
  uint64_t fpstate;  // user address of the FP image, or 0 for "init state"
  uint64_t reserved1[8];
};
static_assert(sizeof(Sigcontext) == 256);
static_assert(offsetof(Sigcontext, rip) == 16 * 8);
static_assert(offsetof(Sigcontext, cs) == 18 * 8);
static_assert(offsetof(Sigcontext, cr2) == 22 * 8);
static_assert(offsetof(Sigcontext, fpstate) == 23 * 8);

// The kernel's struct ucontext (glibc's ucontext_t is a superset: its
// sigset is 128 bytes and FP storage follows, but only the first 8 bytes
// of the mask are the kernel's).
struct Ucontext {
  uint64_t flags;
  uint64_t link;
  linux_abi::SignalStack stack;
  Sigcontext mcontext;
  uint64_t sigmask;
};
static_assert(sizeof(Ucontext) == 304);
static_assert(offsetof(Ucontext, mcontext) == 40);
static_assert(offsetof(Ucontext, sigmask) == 296);

inline constexpr uint64_t kUcFpXstate = 0x1;          // fpstate holds an XSAVE image
inline constexpr uint64_t kUcSigcontextSs = 0x2;      // the ss field is meaningful
inline constexpr uint64_t kUcStrictRestoreSs = 0x4;   // sigreturn restores ss as saved

// si_code values for synchronous faults.
inline constexpr int32_t kSegvMapErr = 1;
inline constexpr int32_t kSegvAccErr = 2;
inline constexpr int32_t kIllIllOpn = 2;
inline constexpr int32_t kFpeIntDiv = 1;
inline constexpr int32_t kFpeFltDiv = 3;
inline constexpr int32_t kFpeFltOvf = 4;
inline constexpr int32_t kFpeFltUnd = 5;
inline constexpr int32_t kFpeFltRes = 6;
inline constexpr int32_t kFpeFltInv = 7;
inline constexpr int32_t kTrapBrkpt = 1;
inline constexpr int32_t kTrapTrace = 2;
inline constexpr int32_t kBusAdrAln = 1;
inline constexpr int32_t kBusAdrErr = 2;  // nonexistent physical address (past EOF)

// struct rt_sigframe minus the FP image, which is placed separately.
struct RtSigframe {
  uint64_t return_address;
  Ucontext uc;
  linux_abi::SigInfo info;
};
static_assert(sizeof(RtSigframe) == 440);
static_assert(offsetof(RtSigframe, uc) == 8);
static_assert(offsetof(RtSigframe, info) == 312);

// struct _fpx_sw_bytes: the software-reserved bytes 464..511 of the legacy
// FXSAVE area, telling sigreturn (and unwinders) that an XSAVE image follows.
struct FpxSwBytes {
  uint32_t magic1;         // kFpXstateMagic1
  uint32_t extended_size;  // xstate_size + 4 (MAGIC2)
  uint64_t xfeatures;      // the components present in the image
  uint32_t xstate_size;    // bytes of the XSAVE image, MAGIC2 not included
  uint32_t padding[7];
};
static_assert(sizeof(FpxSwBytes) == 48);

inline constexpr uint32_t kFpXstateMagic1 = 0x46505853;  // "FPXS"
inline constexpr uint32_t kFpXstateMagic2 = 0x46505845;  // "FPXE"
inline constexpr uint32_t kFpXstateMagic2Size = 4;

// The 512-byte FXSAVE (legacy XSAVE) area, struct _fpstate_64.
struct FxsaveArea {
  uint16_t cwd, swd, twd, fop;
  uint64_t rip, rdp;
  uint32_t mxcsr, mxcsr_mask;
  uint32_t st_space[32];
  uint32_t xmm_space[64];
  uint32_t reserved2[12];
  FpxSwBytes sw_reserved;
};
static_assert(sizeof(FxsaveArea) == 512);
static_assert(offsetof(FxsaveArea, mxcsr) == 24);
static_assert(offsetof(FxsaveArea, sw_reserved) == 464);

// The XSAVE header that follows the legacy area.
struct XsaveHeader {
  uint64_t xstate_bv;
  uint64_t xcomp_bv;
  uint64_t reserved[6];
};
static_assert(sizeof(XsaveHeader) == 64);

inline constexpr uint64_t kXsaveHeaderOffset = 512;
inline constexpr uint64_t kXsaveMinSize = 512 + 64;
inline constexpr uint64_t kXfeatureFpSse = 0x3;

}  // namespace sentry::signal

#endif  // RINGFENCE_KERNEL_SIGNAL_SIGNAL_FRAME_H_

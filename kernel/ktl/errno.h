// Linux errno values, as the x86-64 syscall ABI defines them.
//
// An enum class rather than macros so Sentry code compiled hosted (unit
// tests) never collides with the host libc's <errno.h> macros.
#ifndef RINGFENCE_KERNEL_KTL_ERRNO_H_
#define RINGFENCE_KERNEL_KTL_ERRNO_H_

namespace ktl {

enum class Errno : int {
  kEPERM = 1,
  kENOENT = 2,
  kESRCH = 3,
  kEINTR = 4,
  kEIO = 5,
  kENXIO = 6,
  kE2BIG = 7,
  kENOEXEC = 8,
  kEBADF = 9,
  kECHILD = 10,
  kEAGAIN = 11,
  kENOMEM = 12,
  kEACCES = 13,
  kEFAULT = 14,
  kEBUSY = 16,
  kEEXIST = 17,
  kEXDEV = 18,
  kENODEV = 19,
  kENOTDIR = 20,
  kEISDIR = 21,
  kEINVAL = 22,
  kENFILE = 23,
  kEMFILE = 24,
  kENOTTY = 25,
  kEFBIG = 27,
  kENOSPC = 28,
  kESPIPE = 29,
  kEROFS = 30,
  kEMLINK = 31,
  kEPIPE = 32,
  kEDOM = 33,
  kERANGE = 34,
  kEDEADLK = 35,
  kENAMETOOLONG = 36,
  kENOLCK = 37,
  kENOSYS = 38,
  kENOTEMPTY = 39,
  kELOOP = 40,
  kENODATA = 61,
  kEOVERFLOW = 75,
  kELIBBAD = 80,
  kEILSEQ = 84,
  kENOTSOCK = 88,
  kEOPNOTSUPP = 95,
  kETIMEDOUT = 110,
  // Kernel-internal restart codes (never seen by the app): what happens to
  // a syscall a signal interrupted (kernel/signal/dispatch.cc).
  kERESTARTSYS = 512,            // restart unless a handler without SA_RESTART runs
  kERESTARTNOINTR = 513,         // always restart
  kERESTARTNOHAND = 514,         // restart unless a handler runs (then EINTR)
  kERESTART_RESTARTBLOCK = 516,  // as NOHAND, restarting through restart_syscall
};

// Linux's name for an errno value ("ENOENT"), for --strace and logs.
const char* ErrnoName(Errno error);

}  // namespace ktl

#endif  // RINGFENCE_KERNEL_KTL_ERRNO_H_

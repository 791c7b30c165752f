#include "kernel/ktl/errno.h"

namespace ktl {

const char* ErrnoName(Errno error) {
  // A switch rather than a table: errno values are sparse (ERESTARTSYS is 512)
  // and the compiler builds the jump table.
  switch (error) {
    case Errno::kEPERM:
      return "EPERM";
    case Errno::kENOENT:
      return "ENOENT";
    case Errno::kESRCH:
      return "ESRCH";
    case Errno::kEINTR:
      return "EINTR";
    case Errno::kEIO:
      return "EIO";
    case Errno::kENXIO:
      return "ENXIO";
    case Errno::kE2BIG:
      return "E2BIG";
    case Errno::kENOEXEC:
      return "ENOEXEC";
    case Errno::kEBADF:
      return "EBADF";
    case Errno::kECHILD:
      return "ECHILD";
    case Errno::kEAGAIN:
      return "EAGAIN";
    case Errno::kENOMEM:
      return "ENOMEM";
    case Errno::kEACCES:
      return "EACCES";
    case Errno::kEFAULT:
      return "EFAULT";
    case Errno::kEBUSY:
      return "EBUSY";
    case Errno::kEEXIST:
      return "EEXIST";
    case Errno::kEXDEV:
      return "EXDEV";
    case Errno::kENODEV:
      return "ENODEV";
    case Errno::kENOTDIR:
      return "ENOTDIR";
    case Errno::kEISDIR:
      return "EISDIR";
    case Errno::kEINVAL:
      return "EINVAL";
    case Errno::kENFILE:
      return "ENFILE";
    case Errno::kEMFILE:
      return "EMFILE";
    case Errno::kENOTTY:
      return "ENOTTY";
    case Errno::kEFBIG:
      return "EFBIG";
    case Errno::kENOSPC:
      return "ENOSPC";
    case Errno::kESPIPE:
      return "ESPIPE";
    case Errno::kEROFS:
      return "EROFS";
    case Errno::kEMLINK:
      return "EMLINK";
    case Errno::kEPIPE:
      return "EPIPE";
    case Errno::kEDOM:
      return "EDOM";
    case Errno::kERANGE:
      return "ERANGE";
    case Errno::kEDEADLK:
      return "EDEADLK";
    case Errno::kENAMETOOLONG:
      return "ENAMETOOLONG";
    case Errno::kENOLCK:
      return "ENOLCK";
    case Errno::kENOSYS:
      return "ENOSYS";
    case Errno::kENOTEMPTY:
      return "ENOTEMPTY";
    case Errno::kELOOP:
      return "ELOOP";
    case Errno::kENODATA:
      return "ENODATA";
    case Errno::kEOVERFLOW:
      return "EOVERFLOW";
    case Errno::kELIBBAD:
      return "ELIBBAD";
    case Errno::kEILSEQ:
      return "EILSEQ";
    case Errno::kENOTSOCK:
      return "ENOTSOCK";
    case Errno::kEOPNOTSUPP:
      return "EOPNOTSUPP";
    case Errno::kETIMEDOUT:
      return "ETIMEDOUT";
    case Errno::kERESTARTSYS:
      return "ERESTARTSYS";
    case Errno::kERESTARTNOINTR:
      return "ERESTARTNOINTR";
    case Errno::kERESTARTNOHAND:
      return "ERESTARTNOHAND";
    case Errno::kERESTART_RESTARTBLOCK:
      return "ERESTART_RESTARTBLOCK";
  }
  return "E?";
}

}  // namespace ktl

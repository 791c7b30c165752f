// C++ ABI entry points GCC emits calls to even with -fno-exceptions and
// -fno-rtti, normally provided by libsupc++ (which the Sentry does not link).
// Freestanding build only.
#include "kernel/ktl/panic.h"

#ifndef RINGFENCE_SENTRY
#error "freestanding/cxa.cc is part of the Sentry image only"
#endif

extern "C" {

// Called if a pure virtual function is invoked through a vtable, which only
// happens from a constructor or destructor of an abstract class: a bug.
[[noreturn]] void __cxa_pure_virtual() { ktl::Panic("pure virtual function called"); }

// Destructors of function-local statics are registered here when the
// compiler uses __cxa_atexit (we build with -fno-use-cxa-atexit, and the
// Sentry never exits normally); accept and ignore registrations.
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }

// With -fno-use-cxa-atexit, the destructors of function-local statics are
// registered here instead: ignored for the same reason.
int atexit(void (*)()) { return 0; }

// Referenced by __cxa_atexit registrations; its value is irrelevant here.
void* __dso_handle = nullptr;

}  // extern "C"

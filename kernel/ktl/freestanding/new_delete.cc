// Global operator new/delete for the Sentry image, all routed to the kernel
// heap (sentry::mm::KernelHeap). Freestanding build only: hosted tests use
// the host's.
//
// Sentry code allocates only with the nothrow forms and checks for nullptr
// (ktl::Vector does). The throwing forms cannot report failure without
// exceptions, so any use of them is a Sentry bug: they panic unconditionally,
// which makes a stray `new T` fail loudly the first time it runs.
#include <cstddef>
#include <new>

#include "kernel/ktl/panic.h"
#include "kernel/mm/heap.h"

#ifndef RINGFENCE_SENTRY
#error "freestanding/new_delete.cc is part of the Sentry image only"
#endif

// The std::nothrow tag object is normally defined in libsupc++, which the
// Sentry does not link; <new> declares it, so it is defined here.
const std::nothrow_t std::nothrow{};

namespace {

void* HeapAllocate(size_t size, size_t align) {
  if (align < __STDCPP_DEFAULT_NEW_ALIGNMENT__) align = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  return sentry::mm::KernelHeap().Allocate(size, align);
}

void HeapFree(void* p) { sentry::mm::KernelHeap().Free(p); }

}  // namespace

void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return HeapAllocate(size, __STDCPP_DEFAULT_NEW_ALIGNMENT__);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return HeapAllocate(size, __STDCPP_DEFAULT_NEW_ALIGNMENT__);
}
void* operator new(size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return HeapAllocate(size, static_cast<size_t>(align));
}
void* operator new[](size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return HeapAllocate(size, static_cast<size_t>(align));
}

// The throwing forms: forbidden in the Sentry (see above).
void* operator new(size_t) { ktl::Panic("throwing operator new used in the Sentry"); }
void* operator new[](size_t) { ktl::Panic("throwing operator new[] used in the Sentry"); }
void* operator new(size_t, std::align_val_t) {
  ktl::Panic("throwing aligned operator new used in the Sentry");
}
void* operator new[](size_t, std::align_val_t) {
  ktl::Panic("throwing aligned operator new[] used in the Sentry");
}

// Every delete form: the heap finds the size itself.
void operator delete(void* p) noexcept { HeapFree(p); }
void operator delete[](void* p) noexcept { HeapFree(p); }
void operator delete(void* p, size_t) noexcept { HeapFree(p); }
void operator delete[](void* p, size_t) noexcept { HeapFree(p); }
void operator delete(void* p, std::align_val_t) noexcept { HeapFree(p); }
void operator delete[](void* p, std::align_val_t) noexcept { HeapFree(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { HeapFree(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { HeapFree(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { HeapFree(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { HeapFree(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { HeapFree(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  HeapFree(p);
}

// Panic and assertions: for Sentry bugs only, never for anything an
// application can trigger (that is an errno).
#ifndef RINGFENCE_KERNEL_KTL_PANIC_H_
#define RINGFENCE_KERNEL_KTL_PANIC_H_

namespace ktl {

// Stops the Sentry with `message`. Defined by the platform in the Sentry image
// (report to the VMM, halt all vCPUs); in the hosted build by
// kernel/ktl/hosted/panic_hosted.cc (print to stderr, abort), so GoogleTest
// death tests can observe it.
[[noreturn]] void Panic(const char* message);

// Used by KTL_ASSERT: formats "file:line: assertion failed: expr" and panics.
[[noreturn]] void AssertFail(const char* file, int line, const char* expression);

}  // namespace ktl

#define KTL_STRINGIFY_INNER_(x) #x
#define KTL_STRINGIFY_(x) KTL_STRINGIFY_INNER_(x)

// Always on, in every build: the Sentry is the security boundary, and a
// broken invariant must stop it rather than continue in an unknown state.
#define KTL_ASSERT(cond)                                                      \
  do {                                                                        \
    if (__builtin_expect(!(cond), 0)) ::ktl::AssertFail(__FILE__, __LINE__, #cond); \
  } while (0)

#endif  // RINGFENCE_KERNEL_KTL_PANIC_H_

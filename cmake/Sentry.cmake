# Compiler flags for the Sentry: freestanding C++20 in the kernel code model,
# no red zone (interrupts push onto the current stack), general-purpose
# registers only (the app's FPU/SSE state is never touched by the Sentry).
set(RINGFENCE_SENTRY_FLAGS
  -ffreestanding -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables
  -fno-stack-protector -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone
  -mgeneral-regs-only -fno-threadsafe-statics -fno-use-cxa-atexit
  -fno-omit-frame-pointer -fno-builtin -nostdlib)

# Makes TARGET a Sentry compilation unit set: flags plus RINGFENCE_SENTRY=1.
function(ringfence_sentry_target target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${RINGFENCE_SENTRY_FLAGS}>
    $<$<COMPILE_LANGUAGE:C>:-ffreestanding -fno-pic -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector>
    $<$<COMPILE_LANGUAGE:ASM>:-fno-pic>)
  target_compile_definitions(${target} PRIVATE RINGFENCE_SENTRY=1)
endfunction()

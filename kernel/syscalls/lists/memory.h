// Syscalls of the memory family: address-space management.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_MEMORY_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_MEMORY_H_

#define SENTRY_SYSCALLS_MEMORY(X)                                                       \
  X(9, mmap, "xxxxdx",                                                                  \
    (uint64_t address, uint64_t length, int prot, int flags, int fd, uint64_t offset))  \
  X(10, mprotect, "xxx", (uint64_t address, uint64_t length, int prot))                 \
  X(11, munmap, "xx", (uint64_t address, uint64_t length))                              \
  X(12, brk, "x", (uint64_t address))                                                   \
  X(25, mremap, "xxxxx",                                                                \
    (uint64_t old_address, uint64_t old_length, uint64_t new_length, int flags,         \
     uint64_t new_address))                                                             \
  X(26, msync, "xxx", (uint64_t address, uint64_t length, int flags))                   \
  X(27, mincore, "xxp", (uint64_t address, uint64_t length, uint64_t vector))           \
  X(28, madvise, "xxd", (uint64_t address, uint64_t length, int advice))                \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_MEMORY_H_

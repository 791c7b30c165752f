# Sentry sources that only build freestanding: they touch the guest platform
# (page tables, hypercalls, per-CPU data). Paths relative to kernel/.
set(SENTRY_ONLY_SOURCES
  fs/fd_table.cc
  fs/gofer/hypercall_transport.cc
  fs/host_file.cc
  fs/mount_namespace.cc
  init/init_process.cc
  loader/loader.cc
  mm/address_space.cc
  mm/physical_memory.cc
  random/entropy.cc
  signal/delivery.cc
  signal/exceptions.cc
  signal/fpu_state.cc
  syscalls/strace.cc
  syscalls/syscall_table.cc
  syscalls/sys_io.cc
  syscalls/sys_memory.cc
  syscalls/sys_process.cc
  syscalls/sys_random.cc
  syscalls/sys_signal.cc
  syscalls/sys_time.cc
  task/exit.cc
  task/system_info.cc
  task/task.cc
  time/clock.cc
)

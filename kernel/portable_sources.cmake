# Sentry sources that compile both freestanding and hosted (paths relative to
# kernel/). Hosted unit tests link them through the sentry_hosted library.
set(SENTRY_PORTABLE_SOURCES
  ktl/errno.cc
  ktl/format.cc
  ktl/panic.cc
  ktl/random.cc
  ktl/string.cc
  elf/elf_parser.cc
  loader/exec_arguments.cc
  loader/exec_file.cc
  loader/exec_prepare.cc
  loader/image_loader.cc
  loader/initial_stack.cc
  loader/program_search.cc
  loader/shebang.cc
  mm/heap.cc
  mm/maps_line.cc
  mm/memory_object.cc
  mm/page_allocator.cc
  mm/page_cache.cc
  mm/shared_anonymous.cc
  mm/vma_set.cc
  sched/futex_table.cc
  sched/placement.cc
  sched/queues.cc
  signal/pending.cc
  time/timer_queue.cc
  vfs/dentry.cc
  vfs/file_description.cc
  vfs/file_lock.cc
  vfs/idle_page_caches.cc
  vfs/inode.cc
  vfs/inode_page_cache.cc
  vfs/io_buffer.cc
  vfs/mount.cc
  vfs/path_walk.cc
  vfs/permission.cc
  vfs/poll.cc
  vfs/vfs.cc
  vfs/xattr.cc
  ipc/anon_file.cc
  ipc/event_poll.cc
  ipc/pipe_buffer.cc
  fs/gofer/gofer_fs.cc
  fs/overlay/overlay.cc
  fs/devfs/devfs.cc
  fs/procfs/cpuinfo.cc
  fs/procfs/proc_format.cc
  fs/synthetic/synthetic.cc
  fs/sysfs/sysfs.cc
  fs/tmpfs/page_source.cc
  fs/tmpfs/tmpfs.cc
  fs/tmpfs/xattr_set.cc
  task/credentials.cc
  task/process_registry.cc
)

# Hosted build only (sentry_hosted): ktl::Panic for unit tests.
set(SENTRY_HOSTED_ONLY_SOURCES
  ktl/hosted/panic_hosted.cc
)

# Sentry image only (sentry_kernel): memcpy & co., operator new/delete
# routed to the kernel heap, and the C++ ABI hooks GCC emits calls to.
set(SENTRY_FREESTANDING_ONLY_SOURCES
  ktl/freestanding/cxa.cc
  ktl/freestanding/mem.cc
  ktl/freestanding/new_delete.cc
)

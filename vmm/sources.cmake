# Sources of the vmm_support library (relative to vmm/). vmm/CMakeLists.txt
# includes this file and builds them into the static library `vmm_support`.
set(VMM_SUPPORT_SOURCES
  crash_report.cc
  exit_stats.cc
  guest_page_walk.cc
  guest_xsave.cc
  seccomp_policy.cc
)

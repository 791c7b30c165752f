// uname: the utsname fields, printed; self-checks the Linux facts. Also
// sysinfo, whose uptime must agree with CLOCK_BOOTTIME.
#include "check.h"

#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>

int main(void) {
  struct utsname u;
  memset(&u, 0x7f, sizeof u);
  CHECK_EQ(syscall(SYS_uname, &u), 0, "uname");
  printf("sysname %s\nnodename %s\nrelease %s\nversion %s\nmachine %s\ndomainname %s\n",
         u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname);
  CHECK(strcmp(u.sysname, "Linux") == 0, "sysname_linux");
  CHECK(strcmp(u.machine, "x86_64") == 0, "machine_x86_64");
  // Every field is NUL-terminated inside its 65 bytes.
  CHECK(memchr(u.sysname, 0, sizeof u.sysname) && memchr(u.nodename, 0, sizeof u.nodename) &&
            memchr(u.release, 0, sizeof u.release) && memchr(u.version, 0, sizeof u.version) &&
            memchr(u.machine, 0, sizeof u.machine) &&
            memchr(u.domainname, 0, sizeof u.domainname),
        "fields_nul_terminated");
  // glibc needs a release like "major.minor..." to check the kernel version.
  int major = 0, minor = 0;
  CHECK(sscanf(u.release, "%d.%d", &major, &minor) == 2 && major >= 3,
        "release_is_version_3_or_later");
  CHECK(u.version[0] != 0, "version_non_empty");
  CHECK_ERR(syscall(SYS_uname, (void *)1), EFAULT, "uname_bad_pointer_efault");
  CHECK_ERR(syscall(SYS_uname, NULL), EFAULT, "uname_null_efault");

  struct timespec before, after;
  struct sysinfo info;
  memset(&info, 0x7f, sizeof info);
  clock_gettime(CLOCK_BOOTTIME, &before);
  CHECK_EQ(syscall(SYS_sysinfo, &info), 0, "sysinfo");
  clock_gettime(CLOCK_BOOTTIME, &after);
  // Linux rounds a partial second of uptime up.
  CHECK(info.uptime >= before.tv_sec && info.uptime <= after.tv_sec + 1,
        "sysinfo_uptime_is_boottime");
  CHECK(info.mem_unit >= 1 && info.totalram > 0 && info.freeram > 0 &&
            info.freeram <= info.totalram,
        "sysinfo_memory_plausible");
  CHECK(info.procs >= 1, "sysinfo_counts_this_process");
  CHECK_ERR(syscall(SYS_sysinfo, (void *)1), EFAULT, "sysinfo_bad_pointer_efault");
  printf("uname done\n");
  return 0;
}

// uname: the utsname fields, printed; self-checks the Linux facts.
#include "check.h"

#include <sys/utsname.h>

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
  printf("uname done\n");
  return 0;
}

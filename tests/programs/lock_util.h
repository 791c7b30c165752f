// A struct flock for fcntl's record locks, shared by the lock test programs.
#ifndef RINGFENCE_TESTS_PROGRAMS_LOCK_UTIL_H_
#define RINGFENCE_TESTS_PROGRAMS_LOCK_UTIL_H_

#include <fcntl.h>
#include <string.h>

// `type` (F_RDLCK, F_WRLCK, F_UNLCK) on [start, start + len) from the file's
// start (len 0: to the end, however far the file grows).
static inline struct flock lock_range(short type, off_t start, off_t len) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  return fl;
}

#endif  // RINGFENCE_TESTS_PROGRAMS_LOCK_UTIL_H_

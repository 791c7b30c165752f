// Syscalls of the time family: clocks and time of day.
// Entry format: see kernel/syscalls/syscall_list.h. Every row ends in a
// backslash; the blank line after the last one ends the list.
#ifndef RINGFENCE_KERNEL_SYSCALLS_LISTS_TIME_H_
#define RINGFENCE_KERNEL_SYSCALLS_LISTS_TIME_H_

#define SENTRY_SYSCALLS_TIME(X)                                                         \
  X(35, nanosleep, "pp", (UserAddress request, UserAddress remaining))                  \
  X(36, getitimer, "dp", (int which, UserAddress value))                                \
  X(37, alarm, "u", (uint32_t seconds))                                                 \
  X(38, setitimer, "dpp", (int which, UserAddress value, UserAddress old_value))         \
  X(222, timer_create, "dpp", (int clock, UserAddress event, UserAddress timer_id))     \
  X(223, timer_settime, "ddpp",                                                         \
    (int timer_id, int flags, UserAddress value, UserAddress old_value))                \
  X(224, timer_gettime, "dp", (int timer_id, UserAddress value))                        \
  X(225, timer_getoverrun, "d", (int timer_id))                                         \
  X(226, timer_delete, "d", (int timer_id))                                             \
  X(96, gettimeofday, "pp", (UserAddress time_value, UserAddress time_zone))            \
  X(201, time, "p", (UserAddress result))                                               \
  X(228, clock_gettime, "dp", (int clock, UserAddress time))                            \
  X(229, clock_getres, "dp", (int clock, UserAddress resolution))                       \
  X(230, clock_nanosleep, "ddpp",                                                       \
    (int clock, int flags, UserAddress request, UserAddress remaining))                 \

#endif  // RINGFENCE_KERNEL_SYSCALLS_LISTS_TIME_H_

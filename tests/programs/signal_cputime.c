// signal_cputime: timers and clocks that count CPU time.
// Modes (argv[1]), each printing "signal_cputime MODE done" when every check
// passed:
//   clocks   CLOCK_PROCESS_CPUTIME_ID / CLOCK_THREAD_CPUTIME_ID advance while
//            spinning, not while sleeping; a second thread's time counts for
//            the process, not for this thread.
//   itimers  ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF (SIGPROF): they fire
//            after the CPU time, not after wall time spent asleep; intervals
//            repeat; getitimer reports what is left.
//   posix    timer_create on both CPU-time clocks: relative and absolute
//            expiry, no expiry while asleep.
//   others   clock_gettime/clock_getres on the CPU clocks of another thread
//            and another process (clock_getcpuclockid, pthread_getcpuclockid
//            and the raw encodings): EINVAL once they are gone (ESRCH from
//            glibc), and for malformed ids.
//   sleep    clock_nanosleep on CPU clocks: the process clock and a sibling
//            thread's or another process's clock advance while others spin;
//            the caller's own thread clock cannot be slept on; a signal
//            reports the CPU time left.
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static const long kMs = 1000000;

static long long clock_ns(clockid_t clock) {
  struct timespec ts;
  if (syscall(SYS_clock_gettime, clock, &ts) != 0) return -1;
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * kMs};
  while (syscall(SYS_nanosleep, &ts, &ts) != 0 && errno == EINTR) {
  }
}

// Burns this thread's CPU for `ms` milliseconds of its CPU time.
static void spin_cpu_ms(long ms) {
  long long end = clock_ns(CLOCK_THREAD_CPUTIME_ID) + ms * kMs;
  while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < end) {
  }
}

static volatile sig_atomic_t g_count[65];

static void on_signal(int signal) { ++g_count[signal]; }

static void install(int signal) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;
  CHECK_EQ(sigaction(signal, &action, NULL), 0, "sigaction");
}

// Spins until `signal` has been handled `count` times or `limit_ms` of CPU
// time passed; returns the CPU time spent, in ms. Mostly in user mode
// (ITIMER_VIRTUAL counts only user time on Linux).
// The checks count whole milliseconds of CPU time from just after the
// timer's time left was read, and that time is rounded down too.
enum { kEarlyToleranceMs = 2 };

static long spin_until(int signal, int count, long limit_ms) {
  long long start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  long long end = start + limit_ms * kMs;
  long long now = start;
  while (g_count[signal] < count && now < end) {
    for (volatile int i = 0; i < 50000; ++i) {
    }
    now = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  }
  return (long)((now - start) / kMs);
}

static void *spin_thread(void *ms) {
  spin_cpu_ms((long)ms);
  return NULL;
}

static void clocks(void) {
  long long thread0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  long long process0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  CHECK(process0 >= 0 && thread0 >= 0, "cpu_clocks_readable");
  CHECK(thread0 <= process0, "thread_time_within_process_time");
  // The checks that a clock did NOT count something allow half of what
  // counting it would add: the sandbox's own work around a sleep or a join
  // is CPU time too, and under nested emulation on a busy host it takes
  // tens of ms, once in a while 100 (the host's preemption of the vCPU
  // counts as the running thread's time).
  enum { kSleepMs = 400 };
  sleep_ms(kSleepMs);
  long long slept = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - process0;
  printf("cpu_ns_while_sleeping %lld\n", slept);
  CHECK(slept < kSleepMs / 2 * kMs, "sleep_uses_no_cpu_time");
  long long before = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  spin_cpu_ms(100);
  long long spun = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - process0;
  CHECK(spun >= 100 * kMs, "spinning_counts_for_process");
  CHECK(clock_ns(CLOCK_THREAD_CPUTIME_ID) - before >= 100 * kMs, "spinning_counts_for_thread");

  // Another thread's CPU time: the process's clock has it, this thread's
  // does not.
  long long mine = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  long long process1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  pthread_t thread;
  enum { kOtherThreadMs = 300 };
  CHECK_EQ(pthread_create(&thread, NULL, spin_thread, (void *)(long)kOtherThreadMs), 0,
           "pthread_create");
  CHECK_EQ(pthread_join(thread, NULL), 0, "pthread_join");  // asleep meanwhile
  long long mine_after = clock_ns(CLOCK_THREAD_CPUTIME_ID) - mine;
  long long process_after = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - process1;
  printf("thread_ns_during_join %lld process_ns_during_join %lld\n", mine_after, process_after);
  CHECK(process_after >= kOtherThreadMs * kMs, "other_thread_counts_for_process");
  CHECK(mine_after < kOtherThreadMs / 2 * kMs, "other_thread_not_in_own_clock");
  struct timespec resolution;
  CHECK_EQ(syscall(SYS_clock_getres, CLOCK_PROCESS_CPUTIME_ID, &resolution), 0, "getres");
}

static void itimer_case(int which, int signal, const char *name) {
  printf("case %s\n", name);
  install(signal);
  g_count[signal] = 0;
  // Armed for 50 ms of CPU time: 300 ms asleep do not fire it.
  struct itimerval once = {{0, 0}, {0, 50 * 1000}};
  CHECK_EQ(setitimer(which, &once, NULL), 0, "setitimer");
  sleep_ms(300);
  CHECK_EQ(g_count[signal], 0, "no_expiry_while_asleep");
  struct itimerval left;
  int got = getitimer(which, &left);
  long long read_at = clock_ns(CLOCK_PROCESS_CPUTIME_ID);  // before the checks print
  CHECK_EQ(got, 0, "getitimer");
  // Linux adds one scheduler tick (4 ms at HZ=250, 10 at HZ=100) to a CPU
  // itimer's first expiry.
  CHECK(left.it_value.tv_sec == 0 && left.it_value.tv_usec > 0 &&
            left.it_value.tv_usec <= 60 * 1000,
        "time_left_is_cpu_time");
  spin_until(signal, 1, 2000);
  long spent = (long)((clock_ns(CLOCK_PROCESS_CPUTIME_ID) - read_at) / kMs);
  printf("%s_fired_after_ms %ld\n", name, spent);
  CHECK_EQ(g_count[signal], 1, "fired_after_cpu_time");
  // Not before the CPU time it had left when read (not a fixed 30 ms: on a
  // loaded host the sleep itself may have used some of the 50).
  CHECK(spent + kEarlyToleranceMs >= left.it_value.tv_usec / 1000, "not_before_its_cpu_time");
  CHECK_EQ(getitimer(which, &left), 0, "getitimer_after");
  CHECK(left.it_value.tv_sec == 0 && left.it_value.tv_usec == 0, "one_shot_disarmed");

  // Every 20 ms of CPU time, three times.
  g_count[signal] = 0;
  struct itimerval every = {{0, 20 * 1000}, {0, 20 * 1000}};
  CHECK_EQ(setitimer(which, &every, NULL), 0, "setitimer_interval");
  spent = spin_until(signal, 3, 3000);
  struct itimerval off = {{0, 0}, {0, 0}}, old;
  CHECK_EQ(setitimer(which, &off, &old), 0, "setitimer_off");
  CHECK(g_count[signal] >= 3, "interval_repeats");
  CHECK(spent >= 40, "interval_counts_cpu_time");
  CHECK(old.it_interval.tv_usec == 20 * 1000, "old_interval_reported");
}

static void posix_case(clockid_t clock, const char *name) {
  printf("case %s\n", name);
  install(SIGUSR1);
  g_count[SIGUSR1] = 0;
  struct sigevent event;
  memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGUSR1;
  int timer = -1;  // the kernel's timer id (glibc's timer_t wraps it)
  CHECK_EQ(syscall(SYS_timer_create, clock, &event, &timer), 0, "timer_create");
  struct itimerspec in_50ms = {{0, 0}, {0, 50 * kMs}};
  CHECK_EQ(syscall(SYS_timer_settime, timer, 0, &in_50ms, NULL), 0, "timer_settime");
  sleep_ms(300);
  CHECK_EQ(g_count[SIGUSR1], 0, "posix_no_expiry_while_asleep");
  struct itimerspec left;
  long got = syscall(SYS_timer_gettime, timer, &left);
  long long read_at = clock_ns(clock);  // before the checks print
  CHECK_EQ(got, 0, "timer_gettime");
  CHECK(left.it_value.tv_sec == 0 && left.it_value.tv_nsec > 0 &&
            left.it_value.tv_nsec <= 50 * kMs,
        "posix_time_left_is_cpu_time");
  spin_until(SIGUSR1, 1, 2000);
  long spent = (long)((clock_ns(clock) - read_at) / kMs);
  CHECK_EQ(g_count[SIGUSR1], 1, "posix_fired");
  CHECK(spent + kEarlyToleranceMs >= left.it_value.tv_nsec / kMs, "posix_not_before_its_cpu_time");

  // Absolute: 30 ms of CPU time from now on the clock itself.
  g_count[SIGUSR1] = 0;
  long long at = clock_ns(clock) + 30 * kMs;
  struct itimerspec absolute = {{0, 0}, {at / 1000000000, at % 1000000000}};
  CHECK_EQ(syscall(SYS_timer_settime, timer, TIMER_ABSTIME, &absolute, NULL), 0,
           "timer_settime_abs");
  spent = spin_until(SIGUSR1, 1, 2000);
  CHECK_EQ(g_count[SIGUSR1], 1, "posix_abs_fired");
  CHECK(clock_ns(clock) >= at, "posix_abs_not_early");
  CHECK_EQ(syscall(SYS_timer_delete, timer), 0, "timer_delete");
}

// Linux's CPU clock ids (include/linux/posix-timers.h): the pid or tid
// complemented above three bits of clock kind (0 PROF, 1 VIRT, 2 SCHED;
// 4 marks a thread's clock; 3 in the low bits is an fd clock).
static clockid_t process_clock(pid_t pid, int which) { return (clockid_t)((~pid) * 8 | which); }
static clockid_t thread_clock(pid_t tid, int which) { return process_clock(tid, which | 4); }
enum { kProf = 0, kSched = 2, kFdClock = 3 };

static volatile int g_spin_stop;
static volatile pid_t g_spinner_tid;

// Spins until g_spin_stop; records its tid first.
static void *spinner(void *unused) {
  (void)unused;
  g_spinner_tid = (pid_t)syscall(SYS_gettid);
  while (!g_spin_stop) {
  }
  return NULL;
}

static pthread_t start_spinner(void) {
  g_spin_stop = 0;
  g_spinner_tid = 0;
  pthread_t thread;
  CHECK_EQ(pthread_create(&thread, NULL, spinner, NULL), 0, "spinner_create");
  while (g_spinner_tid == 0) sched_yield();
  return thread;
}

static void stop_spinner(pthread_t thread) {
  g_spin_stop = 1;
  CHECK_EQ(pthread_join(thread, NULL), 0, "spinner_join");
}

// A child that spins for `ms` of CPU time, says so on `ready`, then waits
// to be killed.
static pid_t spinning_child(long ms, int *ready_fd) {
  int fds[2];
  CHECK_EQ(pipe(fds), 0, "pipe");
  pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    spin_cpu_ms(ms);
    if (write(fds[1], "x", 1) != 1) _exit(1);
    for (;;) pause();
  }
  CHECK(child > 0, "fork");
  close(fds[1]);
  *ready_fd = fds[0];
  return child;
}

static void reap(pid_t child) {
  kill(child, SIGKILL);
  int status;
  CHECK_EQ(waitpid(child, &status, 0), child, "waitpid");
}

static void *own_process_clock_by_tid(void *unused) {
  (void)unused;
  // clock_gettime takes a thread's tid as its process's pid; clock_getres
  // wants a real process id.
  struct timespec ts;
  clockid_t by_tid = process_clock((pid_t)syscall(SYS_gettid), kSched);
  CHECK_EQ(syscall(SYS_clock_gettime, by_tid, &ts), 0, "gettime_process_clock_by_own_tid");
  CHECK_ERR(syscall(SYS_clock_getres, by_tid, &ts), EINVAL, "getres_process_clock_by_tid_einval");
  return NULL;
}

static void other_clocks(void) {
  struct timespec ts;
  clockid_t self_clock;
  CHECK_EQ(clock_getcpuclockid(getpid(), &self_clock), 0, "clock_getcpuclockid_self");
  CHECK_EQ(self_clock, process_clock(getpid(), kSched), "glibc_encoding_matches");
  CHECK(clock_ns(self_clock) >= 0, "own_clock_by_pid_readable");
  CHECK(clock_ns(process_clock(0, kSched)) >= 0, "own_clock_by_pid_0_readable");
  CHECK(clock_ns(thread_clock(0, kSched)) >= 0, "own_thread_clock_by_tid_0_readable");
  CHECK_EQ(syscall(SYS_clock_getres, self_clock, &ts), 0, "getres_sched_clock");
  CHECK(ts.tv_sec == 0 && ts.tv_nsec == 1, "sched_clock_resolution_1ns");
  CHECK_EQ(syscall(SYS_clock_getres, process_clock(0, kProf), &ts), 0, "getres_prof_clock");
  CHECK(ts.tv_sec == 0 && ts.tv_nsec > 1 && ts.tv_nsec <= 10 * kMs, "prof_clock_resolution_a_tick");
  CHECK(clock_ns(process_clock(0, kProf)) >= 0, "prof_clock_readable");
  CHECK_ERR(syscall(SYS_clock_gettime, process_clock(0, kFdClock), &ts), EINVAL,
            "fd_clock_without_fd_einval");
  CHECK_ERR(syscall(SYS_clock_gettime, thread_clock(0, kFdClock), &ts), EINVAL,
            "clock_kind_3_einval");
  CHECK_ERR(syscall(SYS_clock_getres, thread_clock(0, kFdClock), &ts), EINVAL,
            "getres_clock_kind_3_einval");

  // A sibling thread's clock counts its time, not ours.
  long long mine = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  pthread_t thread = start_spinner();
  clockid_t sibling;
  CHECK_EQ(pthread_getcpuclockid(thread, &sibling), 0, "pthread_getcpuclockid");
  CHECK_EQ(sibling, thread_clock(g_spinner_tid, kSched), "glibc_thread_encoding_matches");
  long long sibling0 = clock_ns(sibling);
  sleep_ms(300);
  long long sibling_spun = clock_ns(sibling) - sibling0;
  printf("sibling_ns %lld\n", sibling_spun);
  CHECK(sibling_spun >= 20 * kMs, "sibling_clock_advances");
  CHECK(clock_ns(CLOCK_THREAD_CPUTIME_ID) - mine < sibling_spun, "own_clock_apart");
  pid_t gone_tid = g_spinner_tid;
  stop_spinner(thread);
  CHECK_ERR(syscall(SYS_clock_gettime, thread_clock(gone_tid, kSched), &ts), EINVAL,
            "exited_thread_clock_einval");
  CHECK_ERR(syscall(SYS_clock_getres, thread_clock(gone_tid, kSched), &ts), EINVAL,
            "exited_thread_getres_einval");
  CHECK_EQ(pthread_create(&thread, NULL, own_process_clock_by_tid, NULL), 0, "by_tid_thread");
  CHECK_EQ(pthread_join(thread, NULL), 0, "by_tid_join");

  // Another process's clock: its CPU time, readable until it is reaped.
  int ready;
  pid_t child = spinning_child(60, &ready);
  char byte;
  CHECK_EQ(read(ready, &byte, 1), 1, "child_spun");
  clockid_t child_clock;
  CHECK_EQ(clock_getcpuclockid(child, &child_clock), 0, "clock_getcpuclockid_child");
  long long child_ns = clock_ns(child_clock);
  printf("child_ns %lld\n", child_ns);
  CHECK(child_ns >= 60 * kMs, "child_clock_has_its_cpu_time");
  CHECK_EQ(syscall(SYS_clock_getres, child_clock, &ts), 0, "getres_child_clock");
  CHECK_ERR(syscall(SYS_clock_gettime, thread_clock(child, kSched), &ts), EINVAL,
            "thread_clock_of_other_process_einval");
  reap(child);
  close(ready);
  CHECK_EQ(clock_getcpuclockid(child, &child_clock), ESRCH, "reaped_child_esrch");
  CHECK_ERR(syscall(SYS_clock_gettime, process_clock(child, kSched), &ts), EINVAL,
            "reaped_child_clock_einval");
  CHECK_ERR(syscall(SYS_clock_getres, process_clock(child, kSched), &ts), EINVAL,
            "reaped_child_getres_einval");
}

// POSIX timers on CPU clocks other than the caller's own: another
// process's (the signal comes to the timer's creator), a sibling thread's,
// and the ids Linux refuses.
static void timers_on_others(void) {
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  CHECK_EQ(sigprocmask(SIG_BLOCK, &usr1, NULL), 0, "block_sigusr1");
  struct sigevent event;
  memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGUSR1;
  struct timespec five_s = {5, 0};
  siginfo_t info;

  int ready;
  pid_t child = spinning_child(400, &ready);
  clockid_t child_clock = process_clock(child, kSched);
  int timer = -1;
  CHECK_EQ(syscall(SYS_timer_create, child_clock, &event, &timer), 0, "timer_on_child_clock");
  long long child0 = clock_ns(child_clock);
  struct itimerspec in_100ms = {{0, 0}, {0, 100 * kMs}};
  CHECK_EQ(syscall(SYS_timer_settime, timer, 0, &in_100ms, NULL), 0, "settime_child_clock");
  CHECK_EQ(sigtimedwait(&usr1, &info, &five_s), SIGUSR1, "child_clock_timer_fired");
  CHECK_EQ(info.si_code, SI_TIMER, "child_clock_timer_si_timer");
  long long child_spent = clock_ns(child_clock) - child0;
  printf("child_ns_at_expiry %lld\n", child_spent);
  CHECK(child_spent >= 100 * kMs, "child_clock_timer_not_early");
  struct itimerspec left;
  CHECK_EQ(syscall(SYS_timer_gettime, timer, &left), 0, "gettime_fired");
  CHECK(left.it_value.tv_sec == 0 && left.it_value.tv_nsec == 0, "fired_timer_disarmed");
  // Armed far ahead, then the child is reaped: nothing is left to count.
  struct itimerspec in_100s = {{1, 0}, {100, 0}};
  CHECK_EQ(syscall(SYS_timer_settime, timer, 0, &in_100s, NULL), 0, "settime_far");
  CHECK_EQ(syscall(SYS_timer_gettime, timer, &left), 0, "gettime_armed");
  CHECK(left.it_value.tv_sec >= 99 && left.it_interval.tv_sec == 1, "armed_on_child_clock");
  reap(child);
  close(ready);
  CHECK_EQ(syscall(SYS_timer_gettime, timer, &left), 0, "gettime_after_reap");
  CHECK(left.it_value.tv_sec == 0 && left.it_value.tv_nsec == 0 && left.it_interval.tv_sec == 0,
        "reaped_child_timer_reads_disarmed");
  CHECK_EQ(syscall(SYS_timer_delete, timer), 0, "timer_delete_child_clock");
  CHECK_ERR(syscall(SYS_timer_create, child_clock, &event, &timer), EINVAL,
            "timer_on_reaped_child_einval");

  // Another process's thread clock, and an fd clock, have no timers.
  child = spinning_child(0, &ready);
  CHECK_ERR(syscall(SYS_timer_create, thread_clock(child, kSched), &event, &timer), EINVAL,
            "timer_on_other_process_thread_einval");
  reap(child);
  close(ready);
  CHECK_ERR(syscall(SYS_timer_create, process_clock(0, kFdClock), &event, &timer), EOPNOTSUPP,
            "timer_on_fd_clock_eopnotsupp");
  // A bad sigevent is refused before the clock's process is looked up.
  struct sigevent bad = event;
  bad.sigev_notify = 99;
  CHECK_ERR(syscall(SYS_timer_create, child_clock, &bad, &timer), EINVAL, "bad_sigevent_einval");

  // A sibling thread's clock: fires once the sibling has spun 50 ms.
  pthread_t thread = start_spinner();
  clockid_t sibling = thread_clock(g_spinner_tid, kSched);
  CHECK_EQ(syscall(SYS_timer_create, sibling, &event, &timer), 0, "timer_on_sibling_clock");
  long long sibling0 = clock_ns(sibling);
  struct itimerspec in_50ms = {{0, 0}, {0, 50 * kMs}};
  CHECK_EQ(syscall(SYS_timer_settime, timer, 0, &in_50ms, NULL), 0, "settime_sibling_clock");
  CHECK_EQ(sigtimedwait(&usr1, &info, &five_s), SIGUSR1, "sibling_clock_timer_fired");
  CHECK(clock_ns(sibling) - sibling0 >= 50 * kMs, "sibling_clock_timer_not_early");
  stop_spinner(thread);
  CHECK_EQ(syscall(SYS_timer_gettime, timer, &left), 0, "gettime_sibling_gone");
  CHECK(left.it_value.tv_sec == 0 && left.it_value.tv_nsec == 0, "sibling_timer_after_exit");
  CHECK_EQ(syscall(SYS_timer_delete, timer), 0, "timer_delete_sibling_clock");
}

// Spins until its own CPU clock advanced 300 ms and prints that and the
// wall time it took: with the CPU shared with another busy process, the
// wall time is about twice the CPU time (the test runs one beside it).
static void shared_cpu(void) {
  long long wall0 = clock_ns(CLOCK_MONOTONIC);
  long long cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  spin_cpu_ms(300);
  long long cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  long long wall = clock_ns(CLOCK_MONOTONIC) - wall0;
  printf("spin_cpu_ns %lld\nwall_ns %lld\n", cpu, wall);
}

static volatile sig_atomic_t g_alarms;
static void on_alarm(int signal) {
  (void)signal;
  ++g_alarms;
}

static void cpu_sleep(void) {
  struct timespec ms30 = {0, 30 * kMs}, rem;
  // The caller's own thread clock never advances while it sleeps.
  CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &ms30, NULL), EOPNOTSUPP,
            "thread_cputime_id_eopnotsupp");
  CHECK_ERR(syscall(SYS_clock_nanosleep, thread_clock(0, kSched), 0, &ms30, NULL), EINVAL,
            "own_thread_clock_tid_0_einval");
  CHECK_ERR(syscall(SYS_clock_nanosleep, thread_clock((pid_t)syscall(SYS_gettid), kSched), 0,
                    &ms30, NULL),
            EINVAL, "own_thread_clock_einval");
  CHECK_ERR(syscall(SYS_clock_nanosleep, process_clock(0, kFdClock), 0, &ms30, NULL), EOPNOTSUPP,
            "fd_clock_sleep_eopnotsupp");
  struct timespec bad = {0, -1};
  CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0, &bad, NULL), EINVAL,
            "bad_timespec_einval");
  // An absolute time already passed returns at once.
  struct timespec past = {0, 1};
  CHECK_EQ(syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &past, NULL), 0,
           "absolute_past_returns");

  // The process clock, and a sibling's, advance while a sibling spins.
  pthread_t thread = start_spinner();
  long long process0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  long long mine0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  // Counting the sleep in the sleeper's own clock would add all of it.
  enum { kProcessSleepMs = 300 };
  struct timespec process_sleep = {0, kProcessSleepMs * kMs};
  CHECK_EQ(syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0, &process_sleep, NULL), 0,
           "process_clock_sleep");
  long long process_spent = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - process0;
  long long sleeper_spent = clock_ns(CLOCK_THREAD_CPUTIME_ID) - mine0;
  printf("process_ns_during_sleep %lld sleeper_ns %lld\n", process_spent, sleeper_spent);
  CHECK(process_spent >= kProcessSleepMs * kMs, "process_sleep_not_early");
  CHECK(sleeper_spent < kProcessSleepMs / 2 * kMs, "sleeper_used_little_cpu");
  clockid_t sibling = thread_clock(g_spinner_tid, kSched);
  long long sibling0 = clock_ns(sibling);
  long long at = sibling0 + 30 * kMs;
  struct timespec absolute = {at / 1000000000, at % 1000000000};
  CHECK_EQ(syscall(SYS_clock_nanosleep, sibling, TIMER_ABSTIME, &absolute, NULL), 0,
           "sibling_clock_absolute_sleep");
  CHECK(clock_ns(sibling) >= at, "sibling_sleep_not_early");
  stop_spinner(thread);

  // Another process's clock.
  int ready;
  pid_t child = spinning_child(100000, &ready);
  clockid_t child_clock = process_clock(child, kSched);
  long long child0 = clock_ns(child_clock);
  CHECK_EQ(syscall(SYS_clock_nanosleep, child_clock, 0, &ms30, NULL), 0, "child_clock_sleep");
  CHECK(clock_ns(child_clock) - child0 >= 30 * kMs, "child_sleep_not_early");
  reap(child);
  close(ready);

  // Alone, the process's clock stands still: only a signal ends the sleep,
  // and the time left is nearly all of it.
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_alarm;  // no SA_RESTART: EINTR
  CHECK_EQ(sigaction(SIGALRM, &action, NULL), 0, "sigaction_alarm");
  struct itimerval in_100ms = {{0, 0}, {0, 100 * 1000}};
  CHECK_EQ(setitimer(ITIMER_REAL, &in_100ms, NULL), 0, "setitimer_real");
  struct timespec ten_s = {10, 0};
  CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0, &ten_s, &rem), EINTR,
            "lone_process_sleep_interrupted");
  CHECK_EQ(g_alarms, 1, "alarm_handled");
  printf("remaining %lld.%09ld\n", (long long)rem.tv_sec, rem.tv_nsec);
  CHECK(rem.tv_sec == 9 && rem.tv_nsec > 900 * kMs, "remaining_is_cpu_time_left");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "clocks") == 0) {
    clocks();
  } else if (strcmp(mode, "itimers") == 0) {
    itimer_case(ITIMER_VIRTUAL, SIGVTALRM, "virtual");
    itimer_case(ITIMER_PROF, SIGPROF, "prof");
  } else if (strcmp(mode, "posix") == 0) {
    posix_case(CLOCK_PROCESS_CPUTIME_ID, "process");
    posix_case(CLOCK_THREAD_CPUTIME_ID, "thread");
  } else if (strcmp(mode, "others") == 0) {
    other_clocks();
  } else if (strcmp(mode, "sleep") == 0) {
    cpu_sleep();
  } else if (strcmp(mode, "timers") == 0) {
    timers_on_others();
  } else if (strcmp(mode, "shared") == 0) {
    shared_cpu();
  } else {
    check_fail("mode", "unknown mode '%s'", mode);
  }
  printf("signal_cputime %s done\n", mode);
  return 0;
}

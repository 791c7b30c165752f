#include "tests/integration/sandbox_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#ifndef RINGFENCE_BINARY
#define RINGFENCE_BINARY "ringfence"
#endif

extern char** environ;

namespace ringfence::testing {
namespace {

// How long a timed-out sandbox may take to print its state dump (SIGQUIT).
constexpr double kStateDumpGraceSeconds = 3;

double Now() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

std::string Truncate(const std::string& s, size_t n = 4000) {
  if (s.size() <= n) return s;
  return s.substr(0, n) + "\n...[" + std::to_string(s.size() - n) + " more bytes]";
}

const char* ErrnoName(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case ENOEXEC: return "ENOEXEC";
    case EACCES: return "EACCES";
    case EIO: return "EIO";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    case ELIBBAD: return "ELIBBAD";
    case ENOTDIR: return "ENOTDIR";
    default: return "E?";
  }
}

// Child side: only async-signal-safe calls between fork and exec.
[[noreturn]] void ChildExec(int in_fd, int out_fd, int err_fd, char* const* argv,
                            char* const* envp, bool native) {
  setpgid(0, 0);  // own process group: the timeout kills the whole group
  dup2(in_fd, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  // Clean signal state: default dispositions, nothing blocked.
  for (int s = 1; s < 65; s++) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    signal(s, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // No core files from the crash tests.
  struct rlimit core = {0, 0};
  setrlimit(RLIMIT_CORE, &core);
  execve(argv[0], argv, envp);
  int e = errno;
  // Only reached in native mode (or if ringfence itself is missing).
  char msg[512];
  int n = snprintf(msg, sizeof msg, "%s: execve %s: %s (%s)\n",
                   native ? "ringfence(native)" : "runner: cannot run ringfence", argv[0],
                   strerror(e), ErrnoName(e));
  if (n > 0) (void)!write(2, msg, (size_t)n);
  // Native: what a shell reports. Sandbox: a status no expectation uses, so a
  // missing ringfence binary never passes for a "missing program" 127.
  if (!native) _exit(255);
  _exit(e == ENOENT ? 127 : 126);
}

}  // namespace

std::string RunResult::Describe() const {
  std::ostringstream s;
  s << command << ": status " << status << (timed_out ? " (TIMED OUT)" : "")
    << (signaled ? " (signal " + std::to_string(term_signal) + ")" : "") << "\n--- stdout ---\n"
    << Truncate(out) << "\n--- stderr ---\n"
    << Truncate(err) << "\n";
  return s.str();
}

std::string RunResult::Field(const std::string& name) const {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size() + 1, name + " ") == 0) return line.substr(name.size() + 1);
  }
  return "";
}

long long RunResult::Stat(const std::string& name) const {
  const std::string prefix = "ringfence-stats: " + name + " ";
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, prefix.size(), prefix) == 0) {
      return strtoll(line.c_str() + prefix.size(), nullptr, 10);
    }
  }
  return -1;
}

SandboxRun::SandboxRun(std::string program, std::vector<std::string> args)
    : program_(std::move(program)), args_(std::move(args)) {}

bool SandboxRun::Native() {
  const char* v = getenv("RINGFENCE_TEST_NATIVE");
  return v != nullptr && strcmp(v, "1") == 0;
}

std::string SandboxRun::DefaultCpus() {
  const char* v = getenv("RINGFENCE_TEST_CPUS");
  return v != nullptr ? v : "";
}

std::string SandboxRun::RingfenceBinary() {
  const char* v = getenv("RINGFENCE_BINARY");
  if (v != nullptr && *v) return v;
  return RINGFENCE_BINARY;
}

SandboxRun& SandboxRun::Stdin(std::string data) {
  stdin_ = std::move(data);
  return *this;
}
SandboxRun& SandboxRun::Flag(std::string flag) {
  flags_.push_back(std::move(flag));
  return *this;
}
SandboxRun& SandboxRun::Env(const std::string& name, const std::string& value) {
  env_[name] = value;
  return *this;
}
SandboxRun& SandboxRun::TimeoutSeconds(int seconds) {
  timeout_seconds_ = seconds;
  return *this;
}
SandboxRun& SandboxRun::OnHost() {
  on_host_ = true;
  return *this;
}

namespace {

// "/tmp/NAME" for a directory /tmp/NAME of the host or a path under it,
// else "".
std::string TmpTopDirectory(const std::string& path) {
  if (path.rfind("/tmp/", 0) != 0) return "";
  std::string top = path.substr(0, path.find('/', 5));
  struct stat st;
  if (stat(top.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return "";
  return top;
}

}  // namespace

std::vector<std::string> SandboxRun::VolumeFlags() const {
  // The sandbox's /tmp is its own tmpfs: host files under /tmp that the
  // sandbox must run or read (the program, the test programs of a build
  // tree under /tmp, shared directories) come in as read-only volumes at
  // the same paths.
  for (const auto& flag : flags_) {
    if (flag.rfind("--root", 0) == 0) return {};  // paths then name the root's files
  }
  std::vector<std::string> wanted = shares_;
  wanted.push_back(program_);
#ifdef RINGFENCE_TEST_PROGRAMS_DIR
  wanted.push_back(RINGFENCE_TEST_PROGRAMS_DIR);
#endif
  std::vector<std::string> tops;
  for (const auto& path : wanted) {
    std::string top = TmpTopDirectory(path);
    if (!top.empty() && std::find(tops.begin(), tops.end(), top) == tops.end()) {
      tops.push_back(top);
    }
  }
  std::vector<std::string> volumes;
  for (const auto& top : tops) volumes.push_back("--volume=" + top + ":" + top + ":ro");
  return volumes;
}

SandboxRun& SandboxRun::Share(std::string host_path) {
  shares_.push_back(std::move(host_path));
  return *this;
}

std::vector<std::string> SandboxRun::Argv() const {
  std::vector<std::string> argv;
  if (!on_host_ && !Native()) {
    argv.push_back(RingfenceBinary());
    argv.push_back("do");
    for (const auto& v : VolumeFlags()) argv.push_back(v);
    bool has_cpus = false;
    for (const auto& f : flags_) {
      argv.push_back(f);
      has_cpus = has_cpus || f.rfind("--cpus", 0) == 0;
    }
    if (!has_cpus && !DefaultCpus().empty()) argv.push_back("--cpus=" + DefaultCpus());
    argv.push_back("--");
  }
  argv.push_back(program_);
  for (const auto& a : args_) argv.push_back(a);
  return argv;
}

RunResult SandboxRun::Run() const {
  RunResult r;
  std::vector<std::string> argv_s = Argv();
  for (size_t i = 0; i < argv_s.size(); i++) r.command += (i ? " " : "") + argv_s[i];
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  // Environment: ours, with overrides; RINGFENCE_TEST_NATIVE is not passed on.
  std::vector<std::string> env_s;
  for (char** e = environ; *e; e++) {
    std::string kv = *e;
    std::string k = kv.substr(0, kv.find('='));
    if (k == "RINGFENCE_TEST_NATIVE" || env_.count(k)) continue;
    env_s.push_back(kv);
  }
  for (const auto& [k, v] : env_) env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    r.err = std::string("runner: pipe: ") + strerror(errno);
    return r;
  }
  double start = Now();
  pid_t pid = fork();
  if (pid == 0) {
    ChildExec(in[0], out[1], err[1], argv.data(), envp.data(), on_host_ || Native());
  }
  r.pid = pid;
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    r.err = std::string("runner: fork: ") + strerror(errno);
    return r;
  }
  setpgid(pid, pid);  // (also done in the child; whichever runs first)
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  // Writing to a child that exited must not kill us.
  signal(SIGPIPE, SIG_IGN);

  size_t in_off = 0;
  int in_fd = in[1], out_fd = out[0], err_fd = err[0];
  if (stdin_.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  double deadline = start + timeout_seconds_;
  // A sandbox that times out first gets SIGQUIT, and a few seconds to print
  // its vCPUs' state into the failure message, before SIGKILL.
  bool dump_first = !on_host_ && !Native();
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    struct pollfd p[3];
    int n = 0;
    int idx_in = -1, idx_out = -1, idx_err = -1;
    if (in_fd >= 0) { idx_in = n; p[n++] = {in_fd, POLLOUT, 0}; }
    if (out_fd >= 0) { idx_out = n; p[n++] = {out_fd, POLLIN, 0}; }
    if (err_fd >= 0) { idx_err = n; p[n++] = {err_fd, POLLIN, 0}; }
    double left = deadline - Now();
    if (left <= 0 && dump_first) {
      dump_first = false;
      kill(pid, SIGQUIT);
      deadline = Now() + kStateDumpGraceSeconds;
      continue;
    }
    if (left <= 0) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      break;
    }
    int pr = poll(p, n, (int)(left * 1000) + 1);
    if (pr < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (idx_in >= 0 && (p[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in_fd, stdin_.data() + in_off, stdin_.size() - in_off);
      if (w > 0) in_off += (size_t)w;
      if (w < 0 && errno != EAGAIN) in_off = stdin_.size();  // EPIPE: child gone
      if (in_off == stdin_.size()) { close(in_fd); in_fd = -1; }
    }
    for (auto [idx, fdp, dst] : {std::tuple{idx_out, &out_fd, &r.out},
                                 std::tuple{idx_err, &err_fd, &r.err}}) {
      if (idx < 0 || !(p[idx].revents & (POLLIN | POLLERR | POLLHUP))) continue;
      ssize_t got = read(*fdp, buf, sizeof buf);
      if (got > 0) {
        dst->append(buf, (size_t)got);
      } else if (got == 0 || errno != EINTR) {
        close(*fdp);
        *fdp = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  if (out_fd >= 0) close(out_fd);
  if (err_fd >= 0) close(err_fd);

  // Reap, still honouring the deadline (stdio closed does not mean exited).
  int wstatus = 0;
  for (;;) {
    pid_t w = waitpid(pid, &wstatus, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (Now() > deadline && !r.timed_out) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
    }
    usleep(1000);
  }
  r.wall_seconds = Now() - start;
  if (WIFEXITED(wstatus)) {
    r.status = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    r.signaled = true;
    r.term_signal = WTERMSIG(wstatus);
    r.status = 128 + r.term_signal;
  }
  return r;
}

TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ringfence-test-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back(0);
  if (mkdtemp(buf.data()) == nullptr) {
    // Fall back to /tmp if TMPDIR is unusable (e.g. read-only).
    std::string t2 = "/tmp/ringfence-test-XXXXXX";
    buf.assign(t2.begin(), t2.end());
    buf.push_back(0);
    if (mkdtemp(buf.data()) == nullptr) {
      perror("mkdtemp");
      abort();
    }
  }
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::string cmd = "rm -rf '" + path_ + "'";
  (void)!system(cmd.c_str());
}

std::string TempDir::WriteFile(const std::string& name, const std::string& contents) const {
  std::string p = path_ + "/" + name;
  int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (fd < 0) return p;
  size_t off = 0;
  while (off < contents.size()) {
    ssize_t w = write(fd, contents.data() + off, contents.size() - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
  fchmod(fd, 0755);
  close(fd);
  return p;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace ringfence::testing

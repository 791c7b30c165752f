#include "vmm/vcpu_runner.h"

#include <pthread.h>
#include <signal.h>

#include <unistd.h>

#include <cerrno>

#include "vmm/sandbox.h"

namespace ringfence::vmm {
namespace {

// The signal that kicks a vCPU thread out of KVM_RUN. Its handler does
// nothing: the interruption (EINTR) is the point.
constexpr int kKickSignal = SIGUSR2;

void IgnoreKick(int) {}

// The runner SIGQUIT dumps, and this process's pid (the handler tells the
// kicks it sends itself from a SIGQUIT sent to the process).
std::atomic<VcpuRunner*> g_dump_runner{nullptr};
pid_t g_pid = 0;

}  // namespace

absl::Status VcpuRunner::InstallKickHandler() {
  struct sigaction action = {};
  action.sa_handler = IgnoreKick;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked host read returns EINTR
  if (sigaction(kKickSignal, &action, nullptr) != 0) {
    return absl::ErrnoToStatus(errno, "sigaction(kick signal)");
  }
  return absl::OkStatus();
}

VcpuRunner::~VcpuRunner() {
  if (!threads_.empty()) {
    Stop(0);
    for (std::thread& thread : threads_) thread.join();
  }
}

void VcpuRunner::SpawnThreads() {
  for (size_t i = 1; i < vcpus_.size(); ++i) {
    threads_.emplace_back([this, i] { ApplicationProcessor(i); });
  }
}

int VcpuRunner::Run() {
  boot_thread_ = pthread_self();
  int status = exit_loop_(*vcpus_[0]);
  Stop(status);
  for (std::thread& thread : threads_) thread.join();
  VcpuRunner* self = this;
  g_dump_runner.compare_exchange_strong(self, nullptr);
  threads_.clear();
  std::lock_guard lock(mutex_);
  return status_;
}

int64_t VcpuRunner::StartCpu(uint64_t index, uint64_t rip, uint64_t rsp) {
  if (index == 0 || index >= vcpus_.size()) return -EINVAL;
  std::lock_guard lock(mutex_);
  if (started_[index]) return -EBUSY;
  started_[index] = true;
  requests_[index] = StartRequest{rip, rsp};
  start_or_stop_.notify_all();
  return 0;
}

void VcpuRunner::Stop(int status) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_.load(std::memory_order_relaxed)) return;
    status_ = status;
    stopping_.store(true, std::memory_order_release);
    start_or_stop_.notify_all();
  }
  // immediate_exit first, then the signal: a thread about to enter KVM_RUN
  // sees the flag, one inside it gets EINTR.
  for (auto& vcpu : vcpus_) vcpu->Kick();
  for (std::thread& thread : threads_) {
    if (thread.get_id() != std::this_thread::get_id()) {
      pthread_kill(thread.native_handle(), kKickSignal);
    }
  }
  if (boot_thread_.has_value() && !pthread_equal(*boot_thread_, pthread_self())) {
    pthread_kill(*boot_thread_, kKickSignal);
  }
}

absl::Status VcpuRunner::InstallStateDumpHandler(VcpuRunner* runner) {
  g_pid = getpid();
  g_dump_runner.store(runner);
  struct sigaction action = {};
  action.sa_sigaction = OnQuitSignal;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: a vCPU thread blocked in a host call (a Gofer reply) just
  // goes on waiting; only KVM_RUN ends early, with EINTR.
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  if (sigaction(SIGQUIT, &action, nullptr) != 0) {
    return absl::ErrnoToStatus(errno, "sigaction(SIGQUIT)");
  }
  return absl::OkStatus();
}

void VcpuRunner::OnQuitSignal(int, siginfo_t* info, void*) {
  // The per-thread kicks RequestStateDump() sends are SIGQUITs too.
  if (info->si_code == SI_TKILL && info->si_pid == g_pid) return;
  if (VcpuRunner* runner = g_dump_runner.load()) runner->RequestStateDump();
}

void VcpuRunner::RequestStateDump() {
  for (size_t i = 0; i < vcpus_.size(); ++i) {
    dump_requested_[i].store(true);
    vcpus_[i]->Kick();
  }
  for (std::thread& thread : threads_) pthread_kill(thread.native_handle(), SIGQUIT);
  if (boot_thread_.has_value()) pthread_kill(*boot_thread_, SIGQUIT);
}

bool VcpuRunner::TakeStateDumpRequest(int index) {
  if (index < 0 || static_cast<size_t>(index) >= vcpus_.size()) return false;
  return dump_requested_[index].exchange(false);
}

void VcpuRunner::ApplicationProcessor(size_t index) {
  StartRequest request;
  {
    std::unique_lock lock(mutex_);
    start_or_stop_.wait(lock, [&] { return stopping() || requests_[index].has_value(); });
    if (stopping()) return;
    request = *requests_[index];
  }
  Vcpu& vcpu = *vcpus_[index];
  int status = kCrashExitStatus;
  if (vcpu.SetEntryRegisters(request.rip, request.rsp, index).ok()) status = exit_loop_(vcpu);
  Stop(status);
}

}  // namespace ringfence::vmm

// Runs the sandbox's vCPUs, one host thread each: vCPU 0 (the boot CPU) on
// the calling thread, every application processor on a thread of its own
// that waits until the Sentry starts it (kStartCpu). The first vCPU whose
// exit loop ends the sandbox (exit, panic, crash) decides the status and
// kicks every other vCPU out of KVM_RUN (immediate_exit plus a signal).
#ifndef RINGFENCE_VMM_VCPU_RUNNER_H_
#define RINGFENCE_VMM_VCPU_RUNNER_H_

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "vmm/hypercall_service.h"
#include "vmm/vcpu.h"

namespace ringfence::vmm {

class VcpuRunner : public CpuStarter {
 public:
  // Runs one vCPU's exit loop until the sandbox ends or `runner.stopping()`;
  // returns the status that vCPU decided.
  using ExitLoop = std::function<int(Vcpu& vcpu)>;

  // `vcpus[0]` must already be set up to enter the Sentry; the others only
  // need CPUID and segment state (EnterLongMode) and MakeRunnable().
  VcpuRunner(std::vector<std::unique_ptr<Vcpu>>& vcpus, ExitLoop exit_loop)
      : vcpus_(vcpus), exit_loop_(std::move(exit_loop)),
        started_(vcpus.size(), false),
        requests_(vcpus.size()),
        dump_requested_(new std::atomic<bool>[vcpus.size()]()) {}
  VcpuRunner(const VcpuRunner&) = delete;
  ~VcpuRunner();

  // Installs the no-op handler of the kick signal, so that it interrupts
  // KVM_RUN (and a blocking host call) instead of killing the process.
  // Once per process, before the seccomp filter.
  static absl::Status InstallKickHandler();

  // Creates the application processors' threads (parked until started).
  // Before the seccomp filter: thread creation needs clone and mmap.
  void SpawnThreads();

  // Runs vCPU 0 here; when the sandbox ends, stops and joins every thread.
  // Returns the status of the vCPU that ended the sandbox.
  int Run();

  // kStartCpu, from any vCPU thread (guest input: checked).
  int64_t StartCpu(uint64_t index, uint64_t rip, uint64_t rsp) override;

  // Ends the run with `status` unless another vCPU already did; kicks all.
  void Stop(int status);
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // SIGQUIT to the process makes every vCPU print its state (a debugging
  // aid for a sandbox that hangs; see FormatStateDump). Installs the handler
  // for `runner`; once, after SpawnThreads() and before the seccomp filter.
  static absl::Status InstallStateDumpHandler(VcpuRunner* runner);
  // Called by vCPU `index`'s exit loop after KVM_RUN was cancelled: whether
  // the cancellation was a state dump request (then cleared).
  bool TakeStateDumpRequest(int index);

 private:
  struct StartRequest {
    uint64_t rip, rsp;
  };
  void ApplicationProcessor(size_t index);
  // From the SIGQUIT handler (async-signal-safe): flags every vCPU and kicks
  // it out of KVM_RUN.
  void RequestStateDump();
  static void OnQuitSignal(int signal, siginfo_t* info, void* context);

  std::vector<std::unique_ptr<Vcpu>>& vcpus_;
  ExitLoop exit_loop_;
  std::vector<std::thread> threads_;  // [i - 1] runs vCPU i
  std::optional<pthread_t> boot_thread_;  // runs vCPU 0, set by Run()

  std::mutex mutex_;  // guards the members below
  std::condition_variable start_or_stop_;
  std::vector<bool> started_;
  std::vector<std::optional<StartRequest>> requests_;
  std::atomic<bool> stopping_{false};
  int status_ = 0;
  // One per vCPU; set by RequestStateDump(), taken by the exit loop.
  std::unique_ptr<std::atomic<bool>[]> dump_requested_;
};

}  // namespace ringfence::vmm

#endif  // RINGFENCE_VMM_VCPU_RUNNER_H_

/* kvm_hold: keeps one idle KVM VM alive for the life of the harness VM.
 *
 * Why: the guest kernel flips static keys when the first KVM VM is created
 * and the last one destroyed (preempt notifiers, in the scheduler's context
 * switch path) and when the first vCPU with a software-disabled local APIC
 * appears (apic_sw_disabled). Each flip live-patches kernel code with int3
 * breakpoints across all CPUs. Under QEMU TCG with two emulated CPUs that
 * patching intermittently livelocked the guest kernel (soft lockups: one CPU
 * looping in exc_int3, the other waiting for it), which stopped every test.
 * With this VM (and its never-run vCPU, whose APIC stays software-disabled)
 * holding both counts above zero, sandboxes coming and going flip nothing.
 *
 * Started in the background by with-kvm's guest init; never exits on its
 * own. Prints one line to stderr and exits 1 if KVM refuses; the harness
 * then runs on without it. Built by tests/harness/with-kvm. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(const char *what) {
  perror(what);
  return 1;
}

int main(void) {
  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) return fail("kvm_hold: open /dev/kvm");
  int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  if (vm < 0) return fail("kvm_hold: KVM_CREATE_VM");
  /* The in-kernel APIC, as ringfence's VMs have: its vCPU counts in
   * apic_sw_disabled until the guest enables it, which never happens. */
  if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) != 0) return fail("kvm_hold: KVM_CREATE_IRQCHIP");
  if (ioctl(vm, KVM_CREATE_VCPU, 0) < 0) return fail("kvm_hold: KVM_CREATE_VCPU");
  for (;;) pause();
}

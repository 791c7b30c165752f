/* kvm_probe: smallest possible end-to-end check that /dev/kvm really works.
 *
 * Creates a VM with one vCPU in 16-bit real mode running
 *     mov $42, %al ; out %al, $0x10 ; hlt
 * and checks that KVM_RUN reports KVM_EXIT_IO (port 0x10, value 42) and then
 * KVM_EXIT_HLT. Prints "kvm-probe: ok" and exits 0 on success, otherwise
 * prints what failed and exits 1. Built by tests/harness/with-kvm. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "kvm-probe: FAILED: %s: %s\n", what, strerror(errno));
  return 1;
}

static int fail_msg(const char *msg) {
  fprintf(stderr, "kvm-probe: FAILED: %s\n", msg);
  return 1;
}

int main(void) {
  static const uint8_t code[] = {
      0xb0, 0x2a, /* mov $42, %al */
      0xe6, 0x10, /* out %al, $0x10 */
      0xf4,       /* hlt */
  };
  const uint64_t guest_addr = 0x1000;
  const size_t mem_size = 0x1000;

  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) return fail("open /dev/kvm");

  int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
  if (api != KVM_API_VERSION) {
    fprintf(stderr, "kvm-probe: FAILED: KVM_GET_API_VERSION = %d, want %d\n",
            api, KVM_API_VERSION);
    return 1;
  }

  int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  if (vm < 0) return fail("KVM_CREATE_VM");

  uint8_t *mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return fail("mmap guest memory");
  memcpy(mem, code, sizeof(code));

  struct kvm_userspace_memory_region region = {
      .slot = 0,
      .guest_phys_addr = guest_addr,
      .memory_size = mem_size,
      .userspace_addr = (uint64_t)(uintptr_t)mem,
  };
  if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
    return fail("KVM_SET_USER_MEMORY_REGION");

  int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  if (vcpu < 0) return fail("KVM_CREATE_VCPU");

  int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (run_size < (int)sizeof(struct kvm_run))
    return fail("KVM_GET_VCPU_MMAP_SIZE");
  struct kvm_run *run =
      mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  if (run == MAP_FAILED) return fail("mmap kvm_run");

  /* Real mode, CS base 0, execution starts at guest_addr. */
  struct kvm_sregs sregs;
  if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) return fail("KVM_GET_SREGS");
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) return fail("KVM_SET_SREGS");

  struct kvm_regs regs;
  memset(&regs, 0, sizeof(regs));
  regs.rip = guest_addr;
  regs.rflags = 0x2; /* bit 1 is reserved and must be set */
  if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) return fail("KVM_SET_REGS");

  /* First exit: the OUT instruction. */
  if (ioctl(vcpu, KVM_RUN, 0) < 0) return fail("KVM_RUN (1)");
  if (run->exit_reason != KVM_EXIT_IO) {
    fprintf(stderr, "kvm-probe: FAILED: first exit reason %u, want KVM_EXIT_IO\n",
            run->exit_reason);
    return 1;
  }
  if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != 0x10 ||
      run->io.size != 1 || run->io.count != 1)
    return fail_msg("unexpected KVM_EXIT_IO parameters");
  uint8_t value = *((uint8_t *)run + run->io.data_offset);
  if (value != 42) {
    fprintf(stderr, "kvm-probe: FAILED: guest wrote %u, want 42\n", value);
    return 1;
  }

  /* Second exit: HLT. */
  if (ioctl(vcpu, KVM_RUN, 0) < 0) return fail("KVM_RUN (2)");
  if (run->exit_reason != KVM_EXIT_HLT) {
    fprintf(stderr, "kvm-probe: FAILED: second exit reason %u, want KVM_EXIT_HLT\n",
            run->exit_reason);
    return 1;
  }

  printf("kvm-probe: ok\n");
  return 0;
}

// The Sentry's Gofer transport: Hypercall::kGofer, kPreadv/kPwritev and
// kCloseHandle (platform_kvm/abi/hypercall.h).
#ifndef RINGFENCE_KERNEL_FS_GOFER_HYPERCALL_TRANSPORT_H_
#define RINGFENCE_KERNEL_FS_GOFER_HYPERCALL_TRANSPORT_H_

#include "kernel/fs/gofer/transport.h"

namespace sentry::fs::gofer {

// The one instance (the transport has no state).
Transport& HypercallTransport();

}  // namespace sentry::fs::gofer

#endif  // RINGFENCE_KERNEL_FS_GOFER_HYPERCALL_TRANSPORT_H_

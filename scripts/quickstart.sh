#!/bin/bash
# One command for a newcomer on a fresh Debian 12 machine: installs the
# dependencies, builds Ringfence, and runs a program in the sandbox. Without
# /dev/kvm the program runs inside the QEMU-provided KVM of tests/harness.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -eq 0 ]]; then scripts/install-deps.sh; else sudo scripts/install-deps.sh; fi
scripts/build.sh
build_dir=${RINGFENCE_BUILD_DIR:-build}
echo "--- ringfence do --stats -- /bin/busybox uname -a" >&2
tests/harness/with-kvm "$build_dir/cmd/ringfence" do --stats -- /bin/busybox uname -a

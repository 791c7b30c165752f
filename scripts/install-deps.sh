#!/bin/bash
# Install everything needed to build and test Ringfence on Debian 12.
# Idempotent; run as root. Quiet on success, apt's errors are shown.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps.sh: must run as root" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
    # build
    build-essential cmake g++ libc6-dev linux-libc-dev binutils pkg-config
    # libraries
    libseccomp-dev libabsl-dev libcapstone-dev
    # tests and benchmarks
    libgtest-dev libgmock-dev googletest libbenchmark-dev
    # tests/harness/with-kvm: QEMU TCG guest that provides /dev/kvm
    qemu-system-x86 busybox-static cpio kmod xz-utils util-linux ca-certificates
)

# Skip the install entirely when everything is already present.
missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
        missing+=("$p")
    fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

# Refresh package lists if they are missing (fresh machine) or older than a day.
lists=/var/lib/apt/lists
if ! compgen -G "$lists/*_Packages*" >/dev/null ||
   [[ -n $(find "$lists" -maxdepth 1 -name '*_Packages*' -mtime +0 -print -quit) ]]; then
    apt-get update -qq >/dev/null
fi

echo "install-deps.sh: installing ${missing[*]}" >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

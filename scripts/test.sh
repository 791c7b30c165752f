#!/bin/bash
# Runs every test: installs what is missing, builds, then CTest (unit tests
# hosted; integration tests on /dev/kvm, or through tests/harness/with-kvm
# where the machine has none). Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -eq 0 ]]; then scripts/install-deps.sh; else sudo scripts/install-deps.sh; fi
scripts/build.sh
ctest --test-dir "${RINGFENCE_BUILD_DIR:-build}" --output-on-failure "$@"

#!/bin/bash
# benchmarks/run.sh BUILD_DIR [ITERATIONS] [RUNS]
#
# Runs the benchmark programs natively and under `ringfence do` and prints a
# table. Builds nothing: build first with
#   cmake --build BUILD_DIR --target benchmark_programs ringfence
# Works directly where /dev/kvm exists, and through the harness:
#   tests/harness/with-kvm benchmarks/run.sh BUILD_DIR
#
#   ITERATIONS  getpid calls per loop run (default 1000000)
#   RUNS        runs per startup measurement; the median is reported (default 11)
# Env: PINGPONG_ROUNDS (default 20000) for thread_pingpong.
# Env: RINGFENCE_BINARY=path overrides BUILD_DIR/cmd/ringfence.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [ITERATIONS] [RUNS]" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
ITER=${2:-1000000}
RUNS=${3:-11}
BENCH=$BUILD/benchmarks
RF=${RINGFENCE_BINARY:-$BUILD/cmd/ringfence}
BUSYBOX=/bin/busybox

for p in getpid_loop true measure thread_pingpong; do
  [[ -x $BENCH/$p ]] || { echo "run.sh: missing $BENCH/$p (build target benchmark_programs)" >&2; exit 2; }
done
have_rf=1
if [[ ! -x $RF ]]; then
  echo "run.sh: $RF not found: sandbox columns are n/a" >&2
  have_rf=0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rf-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

field() {  # field NAME FILE: value after "NAME " on the first matching line
  awk -v n="$1" '{for (i = 1; i < NF; i++) if ($i == n) {print $(i + 1); exit}}' "$2"
}
stat_of() {  # stat_of NAME FILE: count of "ringfence-stats: NAME COUNT"
  awk -v n="$1" '$1 == "ringfence-stats:" && $2 == n {print $3; exit}' "$2"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a + 0 == 0) print "n/a"; else printf "%.2f", b / a }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.4f", a / b }'; }
or_na() { [[ -n ${1:-} ]] && echo "$1" || echo "n/a"; }

# --- getpid loop ---------------------------------------------------------
"$BENCH/getpid_loop" "$ITER" > "$tmp/native.out"
native_ns=$(field ns_per_call "$tmp/native.out")
sandbox_ns="" exits="" exits_per_call="" sandbox_status=""
if [[ $have_rf == 1 ]]; then
  set +e
  "$RF" do --stats -- "$BENCH/getpid_loop" "$ITER" > "$tmp/sandbox.out" 2> "$tmp/sandbox.err"
  sandbox_status=$?
  set -e
  sandbox_ns=$(field ns_per_call "$tmp/sandbox.out")
  exits=$(stat_of exits.total "$tmp/sandbox.err")
  exits_per_call=$(div "$exits" "$ITER")
  if [[ $sandbox_status != 0 ]]; then
    echo "run.sh: ringfence do getpid_loop exited $sandbox_status; stderr tail:" >&2
    tail -5 "$tmp/sandbox.err" >&2
  fi
fi

# --- thread hand-over: futex ping-pong and sched_yield switches --------
ROUNDS=${PINGPONG_ROUNDS:-20000}
"$BENCH/thread_pingpong" "$ROUNDS" > "$tmp/pp.native.out"
pp_native_futex=$(field futex_ns_per_round_trip "$tmp/pp.native.out")
pp_native_yield=$(field yield_ns_per_switch "$tmp/pp.native.out")
pp_sandbox_futex="" pp_sandbox_yield="" pp_exits="" pp_kvm_exits=""
if [[ $have_rf == 1 ]]; then
  "$RF" do --stats -- "$BENCH/thread_pingpong" "$ROUNDS" > "$tmp/pp.sandbox.out" 2> "$tmp/pp.sandbox.err" || true
  pp_sandbox_futex=$(field futex_ns_per_round_trip "$tmp/pp.sandbox.out")
  pp_sandbox_yield=$(field yield_ns_per_switch "$tmp/pp.sandbox.out")
  pp_exits=$(stat_of exits.total "$tmp/pp.sandbox.err")
  pp_kvm_exits=$(stat_of kvm.exits "$tmp/pp.sandbox.err")
fi

# --- startup: wall time (median of RUNS) and peak RSS --------------------
measure() {  # measure OUT CMD...: runs of CMD, prints "median_ms maxrss_kb status"
  local out=$1; shift
  "$BENCH/measure" -n "$RUNS" -q -- "$@" > "$out" || true
  echo "$(field wall_ms_median "$out") $(field maxrss_kb "$out") $(field status "$out")"
}
declare -A wall rss st
for what in true busybox; do
  if [[ $what == true ]]; then cmd=("$BENCH/true"); else cmd=("$BUSYBOX" true); fi
  if [[ $what == busybox && ! -x $BUSYBOX ]]; then continue; fi
  # (No process substitution: the harness guest has no /dev/fd.)
  line=$(measure "$tmp/m.native.$what" "${cmd[@]}")
  read -r wall[native_$what] rss[native_$what] st[native_$what] <<< "$line"
  if [[ $have_rf == 1 ]]; then
    line=$(measure "$tmp/m.sandbox.$what" "$RF" do -- "${cmd[@]}")
    read -r wall[sandbox_$what] rss[sandbox_$what] st[sandbox_$what] <<< "$line"
  fi
done

# --- table ---------------------------------------------------------------
echo "# Ringfence benchmarks ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r), in_vm=${RINGFENCE_HARNESS_IN_VM:-0})"
echo "# getpid iterations: $ITER; startup runs: $RUNS (median)"
printf '%-34s %14s %14s %10s\n' metric native sandbox ratio
printf '%-34s %14s %14s %10s\n' "getpid ns/call" "$(or_na "$native_ns")" "$(or_na "$sandbox_ns")" "$(ratio "$native_ns" "$sandbox_ns")"
printf '%-34s %14s %14s %10s\n' "getpid VM exits/call" "-" "$(or_na "$exits_per_call")" "-"
printf '%-34s %14s %14s %10s\n' "getpid VM exits total" "-" "$(or_na "$exits")" "-"
printf '%-34s %14s %14s %10s\n' "futex ns/round trip (2 switches)" "$(or_na "$pp_native_futex")" "$(or_na "$pp_sandbox_futex")" "$(ratio "$pp_native_futex" "$pp_sandbox_futex")"
printf '%-34s %14s %14s %10s\n' "sched_yield ns/switch" "$(or_na "$pp_native_yield")" "$(or_na "$pp_sandbox_yield")" "$(ratio "$pp_native_yield" "$pp_sandbox_yield")"
printf '%-34s %14s %14s %10s\n' "pingpong exits to VMM (run)" "-" "$(or_na "$pp_exits")" "-"
printf '%-34s %14s %14s %10s\n' "pingpong KVM exits (run, all)" "-" "$(or_na "$pp_kvm_exits")" "-"
printf '%-34s %14s %14s %10s\n' "pingpong KVM exits/round trip" "-" "$(div "$pp_kvm_exits" "$ROUNDS")" "-"
for what in true busybox; do
  label="static true"; [[ $what == busybox ]] && label="busybox true"
  n=${wall[native_$what]:-} s=${wall[sandbox_$what]:-}
  printf '%-34s %14s %14s %10s\n' "$label wall ms (median)" "$(or_na "$n")" "$(or_na "$s")" "$(ratio "$n" "$s")"
  n=${rss[native_$what]:-} s=${rss[sandbox_$what]:-}
  printf '%-34s %14s %14s %10s\n' "$label peak RSS KiB" "$(or_na "$n")" "$(or_na "$s")" "$(ratio "$n" "$s")"
  n=${st[native_$what]:-} s=${st[sandbox_$what]:-}
  printf '%-34s %14s %14s %10s\n' "$label exit status" "$(or_na "$n")" "$(or_na "$s")" "-"
done
if [[ $have_rf == 1 && ${sandbox_status:-0} != 0 ]]; then exit 1; fi
exit 0

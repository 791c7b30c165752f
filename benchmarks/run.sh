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
# Env: PINGPONG_ROUNDS (default 20000) for thread_pingpong and pipe_pingpong.
# Env: FORK_ITERATIONS (default 2000) for fork_exit_wait.
# The sandbox runs use --cpus=1, plus an SMP section with --cpus=2 (the big
# kernel lock's cost on getpid, and the futex ping-pong across two vCPUs).
# Env: SIGNAL_ROUNDS (default 100000) for signal_roundtrip.
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

for p in getpid_loop true measure fs_ops thread_pingpong fork_exit_wait signal_roundtrip pipe_pingpong fork_exec; do
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
# exits_per_op STAT OPS FORMAT OUT ROUNDS [FLAG...] -- PROGRAM [ARG...]:
# runs PROGRAM ARG... 0 (start-up and setup only) and PROGRAM ARG... ROUNDS
# under `ringfence do --stats --cpus=1 FLAG...`, the measured run's stdout in
# OUT (stderr in OUT.err), and prints the growth of ringfence-stats STAT per
# op, (measured - base) / OPS, with printf FORMAT; n/a if a count is missing.
exits_per_op() {
  local stat=$1 ops=$2 format=$3 out=$4 rounds=$5 flags=()
  shift 5
  while [[ $1 != -- ]]; do flags+=("$1"); shift; done
  shift
  "$RF" do --stats --cpus=1 "${flags[@]}" -- "$@" 0 > /dev/null 2> "$out.base.err" || true
  "$RF" do --stats --cpus=1 "${flags[@]}" -- "$@" "$rounds" > "$out" 2> "$out.err" ||
    { echo "run.sh: $(basename "$1") ${*:2} in the sandbox failed:" >&2; tail -3 "$out.err" >&2; }
  # A measured run can take a few exits fewer than its 0-round base (output
  # timing): that is none per op, not a negative count.
  awk -v t="$(stat_of "$stat" "$out.err")" -v b="$(stat_of "$stat" "$out.base.err")" -v n="$ops" \
    -v f="$format" 'BEGIN { if (t == "" || b == "" || n + 0 == 0) { print "n/a"; exit }
                            v = (t - b) / n; printf f, v < 0 ? 0 : v }'
}

# --- getpid loop ---------------------------------------------------------
"$BENCH/getpid_loop" "$ITER" > "$tmp/native.out"
native_ns=$(field ns_per_call "$tmp/native.out")
sandbox_ns="" exits="" exits_per_call="" sandbox_status=""
if [[ $have_rf == 1 ]]; then
  set +e
  "$RF" do --stats --cpus=1 -- "$BENCH/getpid_loop" "$ITER" > "$tmp/sandbox.out" 2> "$tmp/sandbox.err"
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
  "$RF" do --stats --cpus=1 -- "$BENCH/thread_pingpong" "$ROUNDS" > "$tmp/pp.sandbox.out" 2> "$tmp/pp.sandbox.err" || true
  pp_sandbox_futex=$(field futex_ns_per_round_trip "$tmp/pp.sandbox.out")
  pp_sandbox_yield=$(field yield_ns_per_switch "$tmp/pp.sandbox.out")
  pp_exits=$(stat_of exits.total "$tmp/pp.sandbox.err")
  pp_kvm_exits=$(stat_of kvm.exits "$tmp/pp.sandbox.err")
fi

# --- SMP: two vCPUs --------------------------------------------------------
# getpid with the big kernel lock taken and released on every syscall by a
# 2-vCPU Sentry; the ping-pong pinned to one vCPU and across two.
pp_native_cross=$(field futex_cross_cpu_ns_per_round_trip "$tmp/pp.native.out")
smp_getpid="" smp_futex="" smp_yield="" smp_cross="" smp_kvm_exits=""
if [[ $have_rf == 1 ]]; then
  "$RF" do --cpus=2 -- "$BENCH/getpid_loop" "$ITER" > "$tmp/smp.getpid.out" 2>&1 || true
  smp_getpid=$(field ns_per_call "$tmp/smp.getpid.out")
  "$RF" do --stats --cpus=2 -- "$BENCH/thread_pingpong" "$ROUNDS" > "$tmp/smp.pp.out" 2> "$tmp/smp.pp.err" || true
  smp_futex=$(field futex_ns_per_round_trip "$tmp/smp.pp.out")
  smp_yield=$(field yield_ns_per_switch "$tmp/smp.pp.out")
  smp_cross=$(field futex_cross_cpu_ns_per_round_trip "$tmp/smp.pp.out")
  smp_kvm_exits=$(stat_of kvm.exits "$tmp/smp.pp.err")
fi

# --- fork+exit+wait: ns/op, and VM exits/op over a setup-only run --------
FORKS=${FORK_ITERATIONS:-2000}
"$BENCH/fork_exit_wait" "$FORKS" > "$tmp/fork.native.out"
fork_native=$(field ns_per_fork "$tmp/fork.native.out")
fork_sandbox="" fork_exits=""
if [[ $have_rf == 1 ]]; then
  # The measured run also does FORKS/10 warm-up forks.
  fork_exits=$(exits_per_op exits.total $((FORKS + FORKS / 10)) %.2f "$tmp/fork.sandbox.out" "$FORKS" \
    -- "$BENCH/fork_exit_wait")
  fork_sandbox=$(field ns_per_fork "$tmp/fork.sandbox.out")
fi

# --- signal round trip: kill self, handler, rt_sigreturn -----------------
# VM exits per signal subtract a 0-round run (start-up only).
SIGNAL_ROUNDS=${SIGNAL_ROUNDS:-100000}
"$BENCH/signal_roundtrip" "$SIGNAL_ROUNDS" > "$tmp/sig.native.out"
sig_native=$(field ns_per_signal "$tmp/sig.native.out")
sig_sandbox="" sig_exits_per=""
if [[ $have_rf == 1 ]]; then
  # The measured run also does SIGNAL_ROUNDS/10 warm-up rounds.
  sig_exits_per=$(exits_per_op kvm.exits $((SIGNAL_ROUNDS + SIGNAL_ROUNDS / 10)) %.4f \
    "$tmp/sig.sandbox.out" "$SIGNAL_ROUNDS" -- "$BENCH/signal_roundtrip")
  sig_sandbox=$(field ns_per_signal "$tmp/sig.sandbox.out")
fi

# --- pipe ping-pong between two threads ------------------------------------
"$BENCH/pipe_pingpong" "$ROUNDS" > "$tmp/pipe.native.out"
pipe_native=$(field pipe_ns_per_round_trip "$tmp/pipe.native.out")
pipe_sandbox="" pipe_exits="" pipe_kvm_exits=""
if [[ $have_rf == 1 ]]; then
  "$RF" do --stats --cpus=1 -- "$BENCH/pipe_pingpong" "$ROUNDS" > "$tmp/pipe.sandbox.out" 2> "$tmp/pipe.sandbox.err" || true
  pipe_sandbox=$(field pipe_ns_per_round_trip "$tmp/pipe.sandbox.out")
  pipe_exits=$(stat_of exits.total "$tmp/pipe.sandbox.err")
  pipe_kvm_exits=$(stat_of kvm.exits "$tmp/pipe.sandbox.err")
fi

# --- fork + execve(/bin/true) + waitpid ------------------------------------
# VM exits per op subtract a 0-round run (start-up only) from the measured one.
FORK_EXEC_ROUNDS=${FORK_EXEC_ROUNDS:-200}
"$BENCH/fork_exec" "$FORK_EXEC_ROUNDS" > "$tmp/fe.native.out" || true
fe_native=$(field ns_per_op "$tmp/fe.native.out")
fe_sandbox="" fe_exits_per_op=""
if [[ $have_rf == 1 ]]; then
  fe_exits_per_op=$(exits_per_op exits.total "$FORK_EXEC_ROUNDS" %.2f "$tmp/fe.sandbox.out" \
    "$FORK_EXEC_ROUNDS" -- "$BENCH/fork_exec")
  fe_sandbox=$(field ns_per_op "$tmp/fe.sandbox.out")
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
    line=$(measure "$tmp/m.sandbox.$what" "$RF" do --cpus=1 -- "${cmd[@]}")
    read -r wall[sandbox_$what] rss[sandbox_$what] st[sandbox_$what] <<< "$line"
  fi
done

# --- file-system operations ------------------------------------------------
# Each op natively (in a directory of the host's /tmp), in the sandbox on its
# own tmpfs /tmp, and in the sandbox on a Gofer-served volume. VM exits per
# op subtract a COUNT=0 run (start-up and setup only) from the measured run.
declare -A fs_count=([stat]=20000 [open_read]=5000 [write]=64 [read]=64)
fs_ops_order=(stat open_read write read)
declare -A fs_native fs_tmpfs fs_gofer fs_tmpfs_exits fs_gofer_exits
fs_value() {  # fs_value OP OUT: ns_per_op, or MiB/s for the streaming ops
  case $1 in
    write | read) field mib_per_s "$2" ;;
    *) field ns_per_op "$2" ;;
  esac
}
mkdir -p "$tmp/native" "$tmp/volume"
for op in "${fs_ops_order[@]}"; do
  n=${fs_count[$op]}
  "$BENCH/fs_ops" "$op" "$tmp/native" "$n" > "$tmp/fs.native"
  fs_native[$op]=$(fs_value "$op" "$tmp/fs.native")
  [[ $have_rf == 1 ]] || continue
  for where in tmpfs gofer; do
    if [[ $where == tmpfs ]]; then dir=/tmp flags=(); else dir=/tmp/rf-bench flags=(--volume "$tmp/volume:/tmp/rf-bench"); fi
    per_op=$(exits_per_op exits.total "$n" %.2f "$tmp/fs.$where" "$n" "${flags[@]}" -- "$BENCH/fs_ops" "$op" "$dir")
    value=$(fs_value "$op" "$tmp/fs.$where")
    if [[ $where == tmpfs ]]; then fs_tmpfs[$op]=$value fs_tmpfs_exits[$op]=$per_op; else fs_gofer[$op]=$value fs_gofer_exits[$op]=$per_op; fi
  done
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
printf '%-34s %14s %14s %10s\n' "getpid ns/call, 2 vCPUs" "$(or_na "$native_ns")" "$(or_na "$smp_getpid")" "$(ratio "$native_ns" "$smp_getpid")"
printf '%-34s %14s %14s %10s\n' "futex ns/round trip, 2 vCPUs" "$(or_na "$pp_native_futex")" "$(or_na "$smp_futex")" "$(ratio "$pp_native_futex" "$smp_futex")"
printf '%-34s %14s %14s %10s\n' "sched_yield ns/switch, 2 vCPUs" "$(or_na "$pp_native_yield")" "$(or_na "$smp_yield")" "$(ratio "$pp_native_yield" "$smp_yield")"
printf '%-34s %14s %14s %10s\n' "futex across CPUs ns/round trip" "$(or_na "$pp_native_cross")" "$(or_na "$smp_cross")" "$(ratio "$pp_native_cross" "$smp_cross")"
printf '%-34s %14s %14s %10s\n' "2-vCPU pingpong KVM exits/op" "-" "$(div "$smp_kvm_exits" "$((3 * ROUNDS))")" "-"
printf '%-34s %14s %14s %10s\n' "fork+exit+wait ns/op" "$(or_na "$fork_native")" "$(or_na "$fork_sandbox")" "$(ratio "$fork_native" "$fork_sandbox")"
printf '%-34s %14s %14s %10s\n' "fork+exit+wait VM exits/op" "-" "$(or_na "$fork_exits")" "-"
printf '%-34s %14s %14s %10s\n' "signal ns/round trip (kill+handler)" "$(or_na "$sig_native")" "$(or_na "$sig_sandbox")" "$(ratio "$sig_native" "$sig_sandbox")"
printf '%-34s %14s %14s %10s\n' "signal KVM exits/round trip" "-" "$(or_na "$sig_exits_per")" "-"
printf '%-34s %14s %14s %10s\n' "pipe ns/round trip (threads)" "$(or_na "$pipe_native")" "$(or_na "$pipe_sandbox")" "$(ratio "$pipe_native" "$pipe_sandbox")"
printf '%-34s %14s %14s %10s\n' "pipe exits to VMM (run)" "-" "$(or_na "$pipe_exits")" "-"
printf '%-34s %14s %14s %10s\n' "pipe KVM exits/round trip" "-" "$(div "$pipe_kvm_exits" "$ROUNDS")" "-"
printf '%-34s %14s %14s %10s\n' "fork+exec+wait /bin/true ns/op" "$(or_na "$fe_native")" "$(or_na "$fe_sandbox")" "$(ratio "$fe_native" "$fe_sandbox")"
printf '%-34s %14s %14s %10s\n' "fork+exec+wait VM exits/op" "-" "$(or_na "$fe_exits_per_op")" "-"
for what in true busybox; do
  label="static true"; [[ $what == busybox ]] && label="busybox true"
  n=${wall[native_$what]:-} s=${wall[sandbox_$what]:-}
  printf '%-34s %14s %14s %10s\n' "$label wall ms (median)" "$(or_na "$n")" "$(or_na "$s")" "$(ratio "$n" "$s")"
  n=${rss[native_$what]:-} s=${rss[sandbox_$what]:-}
  printf '%-34s %14s %14s %10s\n' "$label peak RSS KiB" "$(or_na "$n")" "$(or_na "$s")" "$(ratio "$n" "$s")"
  n=${st[native_$what]:-} s=${st[sandbox_$what]:-}
  printf '%-34s %14s %14s %10s\n' "$label exit status" "$(or_na "$n")" "$(or_na "$s")" "-"
done
echo
echo "# file-system ops: ns/op (stat, open_read) or MiB/s (write, read of 64 MiB); exits/op in the sandbox"
printf '%-14s %12s %14s %12s %14s %12s\n' op native sandbox-tmpfs exits/op sandbox-gofer exits/op
for op in "${fs_ops_order[@]}"; do
  printf '%-14s %12s %14s %12s %14s %12s\n' "$op" "$(or_na "${fs_native[$op]:-}")" \
    "$(or_na "${fs_tmpfs[$op]:-}")" "$(or_na "${fs_tmpfs_exits[$op]:-}")" \
    "$(or_na "${fs_gofer[$op]:-}")" "$(or_na "${fs_gofer_exits[$op]:-}")"
done
if [[ $have_rf == 1 && ${sandbox_status:-0} != 0 ]]; then exit 1; fi
exit 0

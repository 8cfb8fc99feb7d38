#!/usr/bin/env bash
# A/B of the transport's saturation throughput with h2load (Debian nghttp2-client): the
# interop server of a baseline build (A) against this tree's (B), interleaved A B A B ...,
# the server pinned to CPU 1 and h2load to CPU 0. Unary grpc.testing.TestService/EmptyCall,
# 4 connections x 32 streams, each round --duration seconds after a --warmup. Reports
# requests/s and server CPU per request (utime+stime from /proc/<pid>/stat) per round, and the
# medians with their B/A ratio. Used for the hostile-clients work (flood budgets and stray-frame bookkeeping,
# target: cost <= 1% of saturation throughput).
#
#   perf/guard-ab.sh --a-root DIR [--rounds 5] [--duration 10] [--warmup 3]
#     DIR: a built copy of the baseline tree (target/classes, target/test-classes and
#          target/classpath-test.txt present), e.g. `git archive <commit> | tar -x -C DIR`
#          and `scripts/lib/common.sh`'s ensure_built there.
#   --a-jvm-opts / --b-jvm-opts "...": extra server flags for one side (A/B of JVM flags: give
#     --a-root this tree).
#   --a-args / --b-args "...": extra interop-server arguments for one side, e.g. "--set
#     transport.max_rst_frames_per_window=0" (A/B of settings: give --a-root this tree).
# GUARD_JVM_OPTS: extra server flags for both sides, e.g. "-Xms2g -Xmx2g -XX:+AlwaysPreTouch" so that
# ZGC's heap growth (page faults zeroing fresh memory: up to 15 % of the server's CPU in a profile
# of this load) is the same for A and B and the code is what differs.
# Bounded: rounds x 2 x (warmup + duration) seconds plus start-ups. Wrap in flock "${TMPDIR:-/tmp}/remotemedia-bench.lock".
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
ensure_built
command -v h2load >/dev/null || die "h2load not found: apt-get install nghttp2-client (scripts/lib/install-test-tools.sh)"

a_root="" rounds=5 duration=10 warmup=3 a_opts="" b_opts="" a_args="" b_args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --a-root) a_root="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --a-jvm-opts) a_opts="$2"; shift 2 ;;
    --b-jvm-opts) b_opts="$2"; shift 2 ;;
    --a-args) a_args="$2"; shift 2 ;;
    --b-args) b_args="$2"; shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[ -n "$a_root" ] && [ -f "$a_root/target/classpath-test.txt" ] || die "--a-root: a built baseline tree"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf '\0\0\0\0\0' > "$tmp/empty.bin" # one gRPC message: not compressed, 0 bytes

cp_of() { printf '%s:%s:%s' "$1/target/test-classes" "$1/target/classes" "$(cat "$1/target/classpath-test.txt")"; }
clk=$(getconf CLK_TCK)

run_one() { # $1 side, $2 root, $3 extra JVM flags, $4 extra server arguments
  local log="$tmp/server-$1.log" pid port ticks0 ticks1 out reqs
  # a fresh file: the background start may open it only after the wait below has begun, and the
  # previous round's "listening on" must not be read as this server's
  rm -f "$log"
  # shellcheck disable=SC2086  # JVM_FLAGS is a list of flags
  taskset -c 1 "$JAVA" $JVM_FLAGS ${GUARD_JVM_OPTS:-} $3 -cp "$(cp_of "$2")" org.remotemedia.daemon.InteropServer --port 0 \
    --log-level warn --set transport.event_loop_threads=1 $4 >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do grep -qs "listening on" "$log" && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on [^:]*:\([0-9]*\).*/\1/p' "$log" 2>/dev/null | head -1)
  if [ -z "$port" ]; then
    local state; state=$(ps -o pid=,stat=,etime=,time= -p "$pid" 2>&1 || echo "exited")
    kill "$pid" 2>/dev/null || true
    die "server $1 did not start within 60 s (process: $state): $(cat "$log" 2>&1)"
  fi
  local url="http://127.0.0.1:$port/grpc.testing.TestService/EmptyCall"
  local hdr=(-H 'content-type: application/grpc' -H 'te: trailers')
  taskset -c 0 h2load -D "$warmup" -c 4 -m 32 -d "$tmp/empty.bin" "${hdr[@]}" "$url" >/dev/null 2>&1 || true
  ticks0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  out=$(taskset -c 0 h2load -D "$duration" -c 4 -m 32 -d "$tmp/empty.bin" "${hdr[@]}" "$url" 2>&1)
  ticks1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  reqs=$(printf '%s\n' "$out" | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p')
  local rps cpu
  rps=$(awk -v r="$reqs" -v d="$duration" 'BEGIN{printf "%.0f", r/d}')
  cpu=$(awk -v t=$((ticks1 - ticks0)) -v r="$reqs" -v c="$clk" 'BEGIN{printf "%.2f", t/c*1e6/r}')
  echo "$1 $rps $cpu"
}

echo "command: GUARD_JVM_OPTS='${GUARD_JVM_OPTS:-}' perf/guard-ab.sh --a-root $a_root --rounds $rounds --duration $duration --warmup $warmup --a-jvm-opts '$a_opts' --b-jvm-opts '$b_opts' --a-args '$a_args' --b-args '$b_args'"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit B $(git -C "$RM_ROOT" rev-parse --short HEAD), $(nproc) CPUs"
echo "round side req/s cpu_us/req"
: > "$tmp/results"
for r in $(seq 1 "$rounds"); do
  for side in A B; do
    root="$RM_ROOT" opts="$b_opts" args="$b_args"; [ "$side" = A ] && root="$a_root" opts="$a_opts" args="$a_args"
    line=$(run_one "$side" "$root" "$opts" "$args")
    echo "$r $line"
    echo "$line" >> "$tmp/results"
  done
done
awk '
  { rps[$1]=rps[$1] " " $2; cpu[$1]=cpu[$1] " " $3 }
  function median(s,   n, a, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  function minmax(s,   n, a, i, lo, hi) { n = split(s, a, " "); lo = a[1]; hi = a[1]; for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] } return lo "-" hi }
  END {
    ra = median(rps["A"]); rb = median(rps["B"]); ca = median(cpu["A"]); cb = median(cpu["B"])
    printf "median req/s: A %d (%s), B %d (%s), B/A %.3f\n", ra, minmax(rps["A"]), rb, minmax(rps["B"]), rb / ra
    printf "median server CPU us/req: A %.2f (%s), B %.2f (%s), B/A %.3f\n", ca, minmax(cpu["A"]), cb, minmax(cpu["B"]), cb / ca
  }' "$tmp/results"

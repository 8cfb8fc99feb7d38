#!/usr/bin/env bash
# A/B of the engine between two builds, in CPU time: PipelineCpuReport compiled against an
# older commit (A) and against this checkout (B), one JVM per measurement, in the order
# A B B A A B B A so drift in the machine's load hits both alike.
#   perf/pipeline-ab.sh <commit-A> <PipelineCpuReport arguments...>
# e.g. perf/pipeline-ab.sh 8a0e759 15 200 15000 gain-i16/push gain-i16/oneShot
# Builds A in a temporary directory (git archive + mvn test-compile), removed at the end.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$RM_ROOT"
[ $# -ge 5 ] || die "usage: perf/pipeline-ab.sh <commit-A> rounds msPerRound warmupMs name/push|name/oneShot ..."
old="$1"; shift
ensure_built
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git archive "$old" | tar -x -C "$work"
(cd "$work" && mvn -q -B test-compile) >&2 || die "build of $old failed"
cp_old_deps="$work/target/test-classes:$work/target/classes:$(cat "$work/target/classpath-test.txt")"
mkdir -p "$work/driver"
"$JAVA_HOME/bin/javac" -nowarn -d "$work/driver" -cp "$cp_old_deps" \
  perf/src/main/java/org/remotemedia/pipeline/PipelineCpuReport.java
cp_a="$work/driver:$cp_old_deps"
cp_b="$(test_classpath)"
for v in A B B A A B B A; do
  cp=$([ "$v" = A ] && echo "$cp_a" || echo "$cp_b")
  echo "== $v ($([ "$v" = A ] && echo "$old" || git rev-parse --short HEAD)) $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  # shellcheck disable=SC2086
  "$JAVA" $JVM_FLAGS -cp "$cp" org.remotemedia.pipeline.PipelineCpuReport "$@" 2>&1 | grep -v '^WARNING'
done

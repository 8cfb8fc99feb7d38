# Shared by every script: locate the repository, a JDK 25, maven, and the build.
# Sourced, not executed.

RM_ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"  # -P: the real tree, also through a symlinked scripts/

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# A JDK whose major version is >= 25: $JAVA_HOME first, then /usr/lib/jvm/*, then /opt/*.
find_jdk25() {
  local cand ver
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* /opt/*jdk*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    ver=$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ -n "$ver" ] && [ "${ver%%.*}" -ge 25 ] 2>/dev/null; then
      printf '%s\n' "$cand"; return 0
    fi
  done
  return 1
}

RM_JAVA_HOME="$(find_jdk25)" || die "no JDK 25 found: set JAVA_HOME to a JDK 25 (looked in \$JAVA_HOME, /usr/lib/jvm/*, /opt). On Debian/Ubuntu, install e.g. Temurin 25 from https://adoptium.net"
export JAVA_HOME="$RM_JAVA_HOME"
export PATH="$JAVA_HOME/bin:$PATH"
JAVA="$JAVA_HOME/bin/java"

export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
command -v mvn >/dev/null 2>&1 || die "maven (mvn) not found on PATH: install it (apt-get install maven)"

# config/jvm.options (one option per line, # comments): the JVM flags of the daemon, the tools and
# the tests; as one space-separated list for the scripts that pass them on
JVM_FLAGS="$(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$RM_ROOT/config/jvm.options" | tr '\n' ' ')"
# the installation root: relative model paths (models.silero_vad_path) are taken from it, as in a
# distribution, wherever the script runs
JVM_FLAGS="$JVM_FLAGS -Dremotemedia.home=$RM_ROOT"

# mvn in DIR with ARGS; its output (even -q prints colour resets) reaches stderr only on failure
quiet_build() {
  local dir=$1 log
  shift
  log=$(mktemp)
  if (cd "$dir" && mvn -q -B "$@") >"$log" 2>&1; then
    rm -f "$log"
    return 0
  fi
  cat "$log" >&2
  rm -f "$log"
  return 1
}

# Builds main and test classes unless they are newer than every source.
# RM_SKIP_BUILD=1 skips the check (tests that start scripts from inside a maven run).
ensure_built() {
  local stamp="$RM_ROOT/target/.build-stamp"
  if [ -n "${RM_SKIP_BUILD:-}" ] && [ -f "$RM_ROOT/target/classpath-test.txt" ]; then
    return 0
  fi
  if [ -f "$stamp" ] && [ -f "$RM_ROOT/target/classpath-test.txt" ] && \
     [ -z "$(find "$RM_ROOT/pom.xml" "$RM_ROOT/src" "$RM_ROOT/proto" "$RM_ROOT/jmh" "$RM_ROOT/perf/src" "$RM_ROOT/config" \
              -newer "$stamp" -type f 2>/dev/null | head -1)" ]; then
    return 0
  fi
  printf 'building (mvn test-compile) ...\n' >&2
  quiet_build "$RM_ROOT" test-compile || die "build failed"
  touch "$stamp"
}

runtime_classpath() { printf '%s:%s' "$RM_ROOT/target/classes" "$(cat "$RM_ROOT/target/classpath-runtime.txt")"; }
test_classpath() { printf '%s:%s:%s' "$RM_ROOT/target/test-classes" "$RM_ROOT/target/classes" "$(cat "$RM_ROOT/target/classpath-test.txt")"; }

# The Java client (clients/java, its own Maven project: grpc-java never joins the daemon's
# classpath). Builds target/remotemedia-client.jar and target/lib/ unless newer than its sources.
RM_CLIENT_DIR="$RM_ROOT/clients/java"
ensure_client_built() {
  local jar="$RM_CLIENT_DIR/target/remotemedia-client.jar"
  if [ -f "$jar" ] && [ -z "$(find "$RM_CLIENT_DIR/pom.xml" "$RM_CLIENT_DIR/src/main" "$RM_ROOT/proto" \
        -newer "$jar" -type f 2>/dev/null | head -1)" ]; then
    return 0
  fi
  printf 'building the Java client (mvn -f clients/java/pom.xml package) ...\n' >&2
  quiet_build "$RM_CLIENT_DIR" package -DskipTests || die "client build failed"
}
client_classpath() { printf '%s:%s/*' "$RM_CLIENT_DIR/target/remotemedia-client.jar" "$RM_CLIENT_DIR/target/lib"; }
# JDK 24+ warns on stderr when the client's shaded netty uses Unsafe or loads its native transport
CLIENT_JVM_FLAGS="--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"

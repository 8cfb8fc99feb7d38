#!/usr/bin/env bash
# Entrypoint of the remotemedia-server container image (Containerfile at the top of the
# repository). It execs the distribution's launcher, so the JVM is the container's main process
# and gets the runtime's SIGTERM (drain) and SIGHUP (reload) itself.
#
#   (no arguments) or `serve [FLAGS]`   bin/remotemedia serve --config $RM_CONFIG [FLAGS]
#   FLAGS alone (e.g. --print-config)   the same: flags of `serve`
#   any other subcommand                bin/remotemedia SUBCOMMAND ... (token new NAME, process, call, --help)
#
# Configuration, in the daemon's own precedence (docs/configuration.md): the YAML file
# $RM_CONFIG (default /etc/remotemedia/server.yaml: the image's copy of every default, or the
# file mounted over /etc/remotemedia), then environment variables (RM_<SECTION>_<KEY> such as
# RM_SERVER_DRAIN_GRACE_MS, and GRPC_PORT, AUTH_TOKENS_FILE, LOG_LEVEL, ...), then flags.
#
#   RM_CONFIG           the YAML file (a missing file is an error when set; when unset and the
#                       default file is missing, the daemon runs on defaults and environment)
#   RM_DIST             the unpacked distribution (default /opt/remotemedia-server)
#   RM_JAVA_OPTS        extra JVM flags, e.g. -Xmx2g (the launcher's own variable)
set -euo pipefail

DIST="${RM_DIST:-/opt/remotemedia-server}"
LAUNCHER="$DIST/bin/remotemedia"
DEFAULT_CONFIG=/etc/remotemedia/server.yaml

if [ ! -x "$LAUNCHER" ]; then
  echo "entrypoint: no launcher at $LAUNCHER (RM_DIST names the unpacked distribution)" >&2
  exit 1
fi

# the subcommand: serve unless the first word is another one
if [ $# -eq 0 ]; then
  set -- serve
else
  case "$1" in
    -h|--help|-V|--version) ;;      # the launcher's own
    -*) set -- serve "$@" ;;        # flags of serve
  esac
fi

if [ "$1" != "serve" ]; then
  exec "$LAUNCHER" "$@"
fi
shift

# --config given on the command line wins over RM_CONFIG
for arg in "$@"; do
  case "$arg" in
    --config|--config=*) exec "$LAUNCHER" serve "$@" ;;
  esac
done

if [ -n "${RM_CONFIG:-}" ]; then
  if [ ! -r "$RM_CONFIG" ]; then
    echo "entrypoint: RM_CONFIG=$RM_CONFIG is not a readable file" >&2
    exit 2 # the daemon's exit code for an invalid configuration: a restart would not help
  fi
  exec "$LAUNCHER" serve --config "$RM_CONFIG" "$@"
fi
if [ -r "$DEFAULT_CONFIG" ]; then
  exec "$LAUNCHER" serve --config "$DEFAULT_CONFIG" "$@"
fi
echo "entrypoint: no $DEFAULT_CONFIG: built-in defaults and the environment apply" >&2
exec "$LAUNCHER" serve "$@"

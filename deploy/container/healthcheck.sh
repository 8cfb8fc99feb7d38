#!/usr/bin/env bash
# HEALTHCHECK of the remotemedia-server container image: GET /ready on the metrics port, through
# bash alone (no curl in the image). Exit 0 on HTTP 200 "ready"; exit 1 otherwise, printing the
# daemon's one-line reason ("warming up", "draining", "admission full: ...") or why it could not ask.
#
#   RM_HEALTHCHECK_PORT     the port to ask (default: RM_SERVER_METRICS_PORT, else 9090, the
#                           daemon's default server.metrics_port); set it when server.yaml moves the port
set -uo pipefail
port="${RM_HEALTHCHECK_PORT:-${RM_SERVER_METRICS_PORT:-9090}}"
if ! exec 3<>"/dev/tcp/127.0.0.1/$port"; then
  echo "healthcheck: nothing listens on 127.0.0.1:$port (the metrics port)"
  exit 1
fi
printf 'GET /ready HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$port" >&3
if ! IFS=$'\r' read -r -t 5 status <&3; then
  echo "healthcheck: no answer from 127.0.0.1:$port/ready within 5 s"
  exit 1
fi
body=""
while IFS=$'\r' read -r -t 5 line <&3; do # the headers, then the body's first line
  [ -z "$line" ] && { IFS=$'\r' read -r -t 5 body <&3; break; }
done
exec 3<&-
case "$status" in
  "HTTP/1."?" 200"*) echo "ready"; exit 0 ;;
esac
echo "not ready: ${status#HTTP/1.? } ${body}"
exit 1

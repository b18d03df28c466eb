#!/usr/bin/env bash
# Opens YiTu under a virtual X display and saves a screenshot: packaging/screenshot.sh OUT.png [ARGS…]
# (used to look at the app on machines without a display; needs xvfb and imagemagick).
set -euo pipefail
out=${1:-/tmp/yitu.png}; shift || true
bin=${YITU_BIN:-target/release/yitu}
wait_s=${YITU_WAIT:-8}
export LIBGL_ALWAYS_SOFTWARE=1
Xvfb :77 -screen 0 1400x900x24 >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid 2>/dev/null || true' EXIT
sleep 1
DISPLAY=:77 "$bin" "$@" &
apid=$!
sleep "$wait_s"
DISPLAY=:77 import -window root "$out"
kill $apid 2>/dev/null || true
echo "screenshot: $out"

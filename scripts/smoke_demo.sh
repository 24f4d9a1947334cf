#!/usr/bin/env bash
# Runs the README's first command (`make demo`) in a scratch data dir, waits for the login page and
# /readyz, and stops the server. Used by .ci/run; handy after any change to start-up.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
port=${SMOKE_PORT:-8765}
log="$data/demo.log"
start=$(date +%s)
POSTLOAN_DATA_DIR="$data" setsid make demo DEMO_ARGS="--port $port" >"$log" 2>&1 &
pid=$!
# TERM the server's process group, then KILL what is left after 15 s: granian can deadlock when a
# second signal arrives during its shutdown (make forwards one), and a hung smoke test hangs CI.
cleanup() {
  kill -TERM -- -"$pid" 2>/dev/null || true
  for _ in $(seq 1 15); do kill -0 -- -"$pid" 2>/dev/null || break; sleep 1; done
  kill -KILL -- -"$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$port/login/" 2>/dev/null | grep -q 'name="username"'; then
    curl -fsS "http://127.0.0.1:$port/readyz"; echo
    grep -E "^  (admin|collector) " "$log"
    echo "login page served $(( $(date +%s) - start ))s after start"
    exit 0
  fi
  sleep 1
done
cat "$log"
echo "demo did not serve a login page within 240 s" >&2
exit 1

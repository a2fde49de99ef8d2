#!/usr/bin/env bash
# Run the hubbub benchmark: a fresh `hubbub serve` (embedded SQLite, temp data dir) pinned to
# core 0 for each mode, the load generator pinned to core 1. Results land in $OUT.
#
#   bench/run.sh                      # idle 10,000 connections + rate sweep (+ bisection)
#   bench/run.sh --smoke              # 500 idle connections, rates 100,300 for 5 s
#   bench/run.sh --mode rate --profile --profile-rate 1000
#   bench/run.sh --mode rate -- --rates 500,1000 --repeat 3   # extra loadgen arguments
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
PORT=18080
MODE=all
SMOKE=0
PROFILE=0
PROFILE_RATE=1000
SERVER=hubbub
OUT="$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)"
DATA_ROOT="${TMPDIR:-/tmp}"
EXTRA=()

usage() { sed -n '2,9p' "$0"; exit "${1:-0}"; }

while (($#)); do
  case "$1" in
    --mode) MODE="$2"; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --profile) PROFILE=1; shift ;;
    --profile-rate) PROFILE_RATE="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --server) SERVER="$2"; shift 2 ;;  # hubbub | mock (calibration stand-in)
    --data-root) DATA_ROOT="$2"; shift 2 ;;  # where the temp data dir goes (/dev/shm: no disk)
    -h|--help) usage ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "unknown option $1" >&2; usage 2 ;;
  esac
done

if (( SMOKE )); then
  IDLE_ARGS=(--connections 500 --settle 2 --hold 3)
  RATE_ARGS=(--rooms 20 --rates 100,300 --duration 5 --warmup 1)
else
  IDLE_ARGS=(--connections 10000)
  RATE_ARGS=(--rooms 100 --rates 250,500,1000,1500,2000,3000 --duration 10 --warmup 2 --search)
fi

ulimit -n "$(ulimit -Hn)"
mkdir -p "$OUT"
URL="http://127.0.0.1:$PORT"
if (( $(nproc) >= 2 )); then
  SERVER_PIN=(taskset -c 0); GEN_PIN=(taskset -c 1)
else
  echo "warning: fewer than 2 cores, nothing pinned" >&2; SERVER_PIN=(); GEN_PIN=()
fi

SERVER_PID=""
DATA_DIR=""

start_server() {  # $1 = label
  if curl -fsS "$URL/healthz" >/dev/null 2>&1; then
    echo "something already answers on $URL: stop it or pass --port" >&2; exit 1
  fi
  DATA_DIR="$(mktemp -d "$DATA_ROOT/hubbub-bench.XXXXXX")"
  local log="$OUT/server-$1.log"
  if [[ "$SERVER" == mock ]]; then
    "${SERVER_PIN[@]}" "$PY" "$HERE/mockserver.py" --port "$PORT" >"$log" 2>&1 &
  else
    HUBBUB_DATA_DIR="$DATA_DIR" \
    HUBBUB_RATE_LIMIT_PER_MINUTE=10000000 \
    HUBBUB_WS_RATE_LIMIT_PER_MINUTE=10000000 \
    HUBBUB_LOG_LEVEL=warning \
      "${SERVER_PIN[@]}" "$PY" -m hubbub serve --host 127.0.0.1 --port "$PORT" >"$log" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if curl -fsS "$URL/healthz" >/dev/null 2>&1; then
      echo "server ($SERVER) pid $SERVER_PID up on $URL, data dir $DATA_DIR, log $log"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "server exited during start-up; log:" >&2; tail -50 "$log" >&2; exit 1
    fi
    sleep 0.2
  done
  echo "server did not answer /healthz within 60 s" >&2; exit 1
}

stop_server() {  # $1 = label; records how the server ended
  [[ -n "$SERVER_PID" ]] || return 0
  local alive=yes code=0
  kill -0 "$SERVER_PID" 2>/dev/null || alive=no
  if [[ $alive == yes ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 75); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || code=$?
  local log="$OUT/server-$1.log"
  local tracebacks
  tracebacks=$(grep -c Traceback "$log" 2>/dev/null || true)
  echo "server $1: alive at end=$alive exit=$code tracebacks in log=$tracebacks" \
    | tee -a "$OUT/server-status.txt"
  SERVER_PID=""
  rm -rf "$DATA_DIR"
}
trap 'stop_server aborted' EXIT

loadgen() {  # $1 = mode, rest = arguments
  local mode="$1"; shift
  "${GEN_PIN[@]}" "$PY" "$HERE/loadgen.py" "$mode" --url "$URL" --server-pid "$SERVER_PID" "$@"
}

run_mode() {  # $1 = idle|rate
  start_server "$1"
  local status=0
  if [[ "$1" == idle ]]; then
    loadgen idle "${IDLE_ARGS[@]}" "${EXTRA[@]}" --json "$OUT/idle.json" \
      | tee "$OUT/idle.txt" || status=$?
  else
    loadgen rate "${RATE_ARGS[@]}" "${EXTRA[@]}" --json "$OUT/rate.json" \
      | tee "$OUT/rate.txt" || status=$?
  fi
  stop_server "$1"
  return "$status"
}

run_profile() {
  start_server profile
  local status=0
  loadgen rate --rooms 100 --rates "$PROFILE_RATE" --duration 20 --warmup 2 \
    --profile-out "$HERE/profile.svg" --profile-rate "$PROFILE_RATE" --profile-seconds 15 \
    "${EXTRA[@]}" --json "$OUT/profile-rate.json" | tee "$OUT/profile-rate.txt" || status=$?
  stop_server profile
  if [[ -s "$HERE/profile.txt" ]]; then
    "$PY" "$HERE/hotspots.py" "$HERE/profile.txt" | tee "$OUT/hotspots.txt"
  fi
  return "$status"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)," \
  "$(free -g | awk '/Mem:/ {print $2}') GiB; results in $OUT" | tee "$OUT/machine.txt"
echo "server code: commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)," \
  "$(git -C "$ROOT" status --porcelain -- src 2>/dev/null | wc -l) uncommitted files in src/" \
  | tee -a "$OUT/machine.txt"
rc=0
case "$MODE" in
  all) run_mode idle || rc=$?; run_mode rate || rc=$? ;;
  idle|rate) run_mode "$MODE" || rc=$? ;;
  none) ;;
  *) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
if (( PROFILE )); then run_profile || rc=$?; fi
echo "results: $OUT"
exit "$rc"

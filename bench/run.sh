#!/usr/bin/env bash
# Run the hubbub benchmark: a fresh `hubbub serve` (embedded SQLite, temp data dir) pinned to
# core 0 for each mode, the load generator pinned to core 1. Results land in $OUT.
#
#   bench/run.sh                      # idle 10,000 connections + rate sweep (+ bisection)
#   bench/run.sh --smoke              # 500 idle connections, rates 100,300 for 5 s
#   bench/run.sh --mode rate --profile --profile-rate 1000   # py-spy during the 1000 msg/s step
#   bench/run.sh --mode rate -- --rates 500,1000 --repeat 3   # extra `loadgen.py rate` arguments
#   bench/run.sh --mode idle --connections 20000
#   bench/run.sh --engine postgres --gateways 2   # N gateways + relay on PostgreSQL + Redis
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
QUIET_WAIT=600   # seconds to wait for the machine to go quiet before each mode (0: don't)
EXTRA=()
CONNECTIONS=10000
ENGINE=sqlite     # sqlite: one `hubbub serve`; postgres: GATEWAYS gateways + a relay (cluster.sh)
GATEWAYS=1
USERS=1000        # postgres engine: registered once into a template database, then reused
FRESH_USERS=0
GEN_CPU=default   # cores for the generator (taskset list); "none": unpinned
FANOUT=redis      # postgres engine: redis | memory (one gateway: Redis off the delivery path)
MODE_SET=0
SRC_DIR=""        # --src: the server runs this source tree (PYTHONPATH) instead of $ROOT/src
RUN_TS=$(date -u +%Y%m%dt%H%M%S)

usage() { sed -n '2,11p' "$0"; exit "${1:-0}"; }

while (($#)); do
  case "$1" in
    --mode) MODE="$2"; MODE_SET=1; shift 2 ;;
    --engine) ENGINE="$2"; shift 2 ;;  # sqlite | postgres
    --gateways) GATEWAYS="$2"; shift 2 ;;  # postgres engine: number of gateways
    --users) USERS="$2"; shift 2 ;;  # postgres engine: users to register once (rooms x size)
    --fresh-users) FRESH_USERS=1; shift ;;  # rebuild the users template
    --gen-cpu) GEN_CPU="$2"; shift 2 ;;
    --fanout) FANOUT="$2"; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --profile) PROFILE=1; shift ;;
    --profile-rate) PROFILE_RATE="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --server) SERVER="$2"; shift 2 ;;  # hubbub | mock (calibration stand-in)
    --data-root) DATA_ROOT="$2"; shift 2 ;;  # where the temp data dir goes (/dev/shm: no disk)
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;  # idle mode
    --src) SRC_DIR="$2"; shift 2 ;;  # server code from this tree (a `git archive` of a commit)
    -h|--help) usage ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "unknown option $1" >&2; usage 2 ;;
  esac
done

case "$ENGINE" in
  sqlite) (( GATEWAYS == 1 )) || { echo "--gateways needs --engine postgres" >&2; exit 2; } ;;
  postgres)
    [[ "$FANOUT" == redis || ( "$FANOUT" == memory && GATEWAYS -eq 1 ) ]] \
      || { echo "--fanout memory needs --gateways 1" >&2; exit 2; }
    (( MODE_SET )) || MODE=rate  # idle would register 1,000 new users; ask for it explicitly
    [[ "$SERVER" == hubbub ]] || { echo "--server mock needs --engine sqlite" >&2; exit 2; } ;;
  *) echo "unknown engine $ENGINE" >&2; exit 2 ;;
esac

if (( SMOKE )); then
  IDLE_ARGS=(--connections "${CONNECTIONS/#10000/500}" --settle 2 --hold 3)
  RATE_ARGS=(--rooms 20 --rates 100,300 --duration 5 --warmup 1)
  [[ "$ENGINE" == sqlite ]] || USERS=200
else
  IDLE_ARGS=(--connections "$CONNECTIONS")
  RATE_ARGS=(--rooms 100 --rates 250,500,1000,1500,2000,3000 --duration 10 --warmup 2 --search)
fi

ulimit -n "$(ulimit -Hn)"
mkdir -p "$OUT"
URL="http://127.0.0.1:$PORT"
NCPU=$(nproc)
# sqlite: server on core 0, generator on core 1. postgres: gateway i on core i mod NCPU, and
# everything else (generator, relay, PostgreSQL, Redis) floats over all cores.
if (( NCPU >= 2 )); then
  SERVER_PIN=(taskset -c 0)
  [[ "$GEN_CPU" != default ]] || { [[ "$ENGINE" == sqlite ]] && GEN_CPU=1 || GEN_CPU=none; }
else
  echo "warning: fewer than 2 cores, nothing pinned" >&2; SERVER_PIN=(); GEN_CPU=none
fi
GEN_PIN=()
[[ "$GEN_CPU" == none ]] || GEN_PIN=(taskset -c "$GEN_CPU")

SERVER_PID=""
DATA_DIR=""
SERVER_ENV=()
[[ -z "$SRC_DIR" ]] || SERVER_ENV=(env "PYTHONPATH=$SRC_DIR")

busy_pct() {  # machine-wide busy CPU % (of one core) over 3 s, from /proc/stat
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat); sleep 3
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  echo "$a $b" | awk -v hz="$(getconf CLK_TCK)" '{printf "%d", 100 * ($3 - $1) / hz / 3}'
}

wait_quiet() {  # wait until other work on the machine uses < 10% CPU, at most QUIET_WAIT s
  (( QUIET_WAIT > 0 )) || return 0
  local waited=0 busy
  while busy=$(busy_pct); (( busy >= 10 )); do
    if (( waited >= QUIET_WAIT )); then
      echo "warning: machine still busy (${busy}% CPU) after ${waited} s; measuring anyway" >&2
      return 0
    fi
    echo "machine busy (${busy}% CPU used by other processes), waiting ..." >&2
    sleep 7; waited=$((waited + 10))
  done
}

start_server() {  # $1 = label
  wait_quiet
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
      "${SERVER_PIN[@]}" "${SERVER_ENV[@]}" "$PY" -m hubbub serve --host 127.0.0.1 --port "$PORT" >"$log" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if curl -fsS "$URL/healthz" >/dev/null 2>&1; then
      echo "server ($SERVER) pid $SERVER_PID up on $URL, data dir $DATA_DIR, log $log," \
        "code at commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)" \
        "${SRC_DIR:+(server code from --src $SRC_DIR)}" \
        | tee -a "$OUT/server-status.txt"
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

# shellcheck source=bench/cluster.sh
source "$HERE/cluster.sh"
if [[ "$ENGINE" == postgres ]]; then
  start_server() { wait_quiet; start_cluster "$1"; }
  stop_server() { stop_cluster; }
fi
trap 'stop_server aborted' EXIT

loadgen() {  # $1 = mode, rest = arguments
  local mode="$1"; shift
  local -a targets
  if [[ "$ENGINE" == postgres ]]; then
    mapfile -t targets < <(cluster_loadgen_args)
    [[ "$mode" != rate ]] || targets+=(--accounts "$USERS_DIR/users-$USERS.json")
  else
    targets=(--url "$URL" --server-pid "$SERVER_PID")
  fi
  "${GEN_PIN[@]}" "$PY" "$HERE/loadgen.py" "$mode" "${targets[@]}" "$@"
}

run_mode() {  # $1 = idle|rate
  start_server "$1"
  local status=0
  if [[ "$1" == idle ]]; then
    loadgen idle "${IDLE_ARGS[@]}" --json "$OUT/idle.json" \
      | tee "$OUT/idle.txt" || status=$?
  else
    local profile=()
    if (( PROFILE )); then  # profile the first step at or above PROFILE_RATE of this sweep
      profile=(--profile-out "$HERE/profile.svg" --profile-rate "$PROFILE_RATE" --profile-seconds 10)
    fi
    loadgen rate "${RATE_ARGS[@]}" "${EXTRA[@]}" "${profile[@]}" --json "$OUT/rate.json" \
      | tee "$OUT/rate.txt" || status=$?
  fi
  stop_server "$1"
  return "$status"
}

run_profile() {
  start_server profile
  local status=0
  loadgen rate --rooms 100 "${EXTRA[@]}" --rates "$PROFILE_RATE" --repeat 1 --duration 20 \
    --warmup 2 --search-max-steps 0 --profile-out "$HERE/profile.svg" \
    --profile-rate "$PROFILE_RATE" --profile-seconds 15 \
    --json "$OUT/profile-rate.json" | tee "$OUT/profile-rate.txt" || status=$?
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
echo "engine: $ENGINE, gateways: $GATEWAYS, fan-out: $FANOUT, generator cores: $GEN_CPU" \
  | tee -a "$OUT/machine.txt"
if [[ "$ENGINE" == postgres ]]; then
  echo "postgres: $(psql "$PG_SERVER/postgres" -Atqc "SELECT version()" | cut -d' ' -f1-2)," \
    "synchronous_commit=$(psql "$PG_SERVER/postgres" -Atqc "SHOW synchronous_commit")," \
    "redis: $(redis-cli -u "$REDIS_URL" INFO server | awk -F: '/^redis_version/ {print $2}' \
    | tr -d '\r')" | tee -a "$OUT/machine.txt"
fi
if (( PROFILE )); then rm -f "$HERE"/profile.svg "$HERE"/profile.txt "$HERE"/profile.log; fi
rc=0
case "$MODE" in
  all) run_mode idle || rc=$?; run_mode rate || rc=$? ;;
  idle|rate) run_mode "$MODE" || rc=$? ;;
  none) ;;
  *) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
if (( PROFILE )); then
  if [[ "$MODE" == none || "$MODE" == idle ]]; then
    run_profile || rc=$?
  elif [[ -s "$HERE/profile.txt" ]]; then
    "$PY" "$HERE/hotspots.py" "$HERE/profile.txt" | tee "$OUT/hotspots.txt"
  fi
  # bench/profile.* are replaced by the next profiling run; the results directory keeps a copy.
  cp -f "$HERE"/profile.svg "$HERE"/profile.txt "$OUT"/ 2>/dev/null || true
fi
echo "results: $OUT"
exit "$rc"

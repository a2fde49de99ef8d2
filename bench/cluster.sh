# shellcheck shell=bash
# Scaled-out hubbub for bench/run.sh (sourced by it, not run): N `hubbub serve gateway`
# processes and one `hubbub serve relay` on a fresh PostgreSQL database, sharing Redis.
#
# Expects from run.sh: HERE, ROOT, PY, OUT, PORT, GATEWAYS, USERS, NCPU, FRESH_USERS, RUN_TS,
# FANOUT.
# Sets: URLS (one per gateway), GATEWAY_PIDS, RELAY_PID, PG_DB, PG_POSTMASTER, REDIS_PID.
#
# Registering users is the slow part of a run (argon2id: two hashes per user, ~0.3 s of CPU
# each user), so it is done once: the users are registered into a template database
# `hubbub_bench_users_<N>` and written, with their tokens, to bench/results/users/; every run
# then clones that template (CREATE DATABASE ... TEMPLATE, a file copy) and starts its
# gateways with the same JWT secret, so the tokens stay valid. The template is rebuilt when it
# is missing, older than 20 h (tokens live 24 h) or with --fresh-users.
#
# Redis is shared with other work: every key of a run sits under its own
# HUBBUB_REDIS_NAMESPACE and only those keys are deleted afterwards (SCAN + DEL on the prefix,
# never FLUSHDB/FLUSHALL).

PG_SERVER="${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}"
REDIS_URL="${BENCH_REDIS:-redis://127.0.0.1:6379/0}"
# Gateways fan out over Redis pub/sub; `run.sh --fanout memory` (one gateway only) takes Redis
# off the delivery path, to see what the fan-out costs.
[[ "${FANOUT:-redis}" == memory ]] && FANOUT_URL="memory://" || FANOUT_URL="$REDIS_URL"
USERS_DIR="$HERE/results/users"
URLS=()
GATEWAY_PIDS=()
RELAY_PID=""
PG_DB=""
PG_POSTMASTER=""
REDIS_PID=""
NAMESPACE=""
CLUSTER_LABEL=""

psql_admin() {  # one statement on the maintenance database
  psql "$PG_SERVER/postgres" -v ON_ERROR_STOP=1 -Atqc "$1"
}

pg_url() { echo "${PG_SERVER/postgresql:\/\//postgresql+asyncpg://}/$1"; }

db_exists() { [[ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$1'")" == 1 ]]; }

postmaster_pid() {  # first line of postmaster.pid in the data directory (empty if unreadable)
  local dir
  dir=$(psql "$PG_SERVER/postgres" -Atqc "SHOW data_directory" 2>/dev/null) || return 0
  head -1 "$dir/postmaster.pid" 2>/dev/null || true
}

redis_pid() {
  redis-cli -u "$REDIS_URL" INFO server 2>/dev/null | awk -F: '/^process_id:/ {print $2}' \
    | tr -d '\r'
}

redis_clean() {  # $1 = namespace: delete its keys only
  local ns="$1" n
  [[ -n "$ns" ]] || return 0
  n=$(redis-cli -u "$REDIS_URL" --scan --pattern "$ns:*" | wc -l)
  redis-cli -u "$REDIS_URL" --scan --pattern "$ns:*" | xargs -r -n 500 \
    redis-cli -u "$REDIS_URL" DEL >/dev/null
  echo "redis: deleted $n keys under $ns:" | tee -a "$OUT/server-status.txt"
}

hubbub_env() {  # $1 = database, $2 = namespace, $3 = jwt secret; prints env assignments
  echo "HUBBUB_DATABASE_URL=$(pg_url "$1")" "HUBBUB_JWT_SECRET=$3" \
    "HUBBUB_REDIS_URL=$REDIS_URL" "HUBBUB_FANOUT_URL=$FANOUT_URL" "HUBBUB_BUS_URL=$REDIS_URL" \
    "HUBBUB_REDIS_NAMESPACE=$2" \
    "HUBBUB_RATE_LIMIT_PER_MINUTE=10000000" "HUBBUB_WS_RATE_LIMIT_PER_MINUTE=10000000" \
    "HUBBUB_LOG_LEVEL=warning"
}

wait_healthy() {  # $1 = url, $2 = pid, $3 = log
  for _ in $(seq 1 300); do
    curl -fsS "$1/healthz" >/dev/null 2>&1 && return 0
    if ! kill -0 "$2" 2>/dev/null; then
      echo "process $2 exited during start-up; log:" >&2; tail -50 "$3" >&2; return 1
    fi
    sleep 0.2
  done
  echo "$1 did not answer /healthz within 60 s" >&2; return 1
}

# start_processes DB NAMESPACE SECRET LABEL PIN_GATEWAYS(0|1)
start_processes() {
  local db="$1" ns="$2" secret="$3" label="$4" pin="$5" i port log
  local -a env pin_cmd
  read -r -a env <<<"$(hubbub_env "$db" "$ns" "$secret")"
  NAMESPACE="$ns"
  for ((i = 0; i < GATEWAYS; i++)); do
    port=$((PORT + i)); log="$OUT/server-$label-gateway$i.log"
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
      echo "something already answers on port $port: stop it or pass --port" >&2; return 1
    fi
    pin_cmd=()
    if ((pin && NCPU >= 2)); then pin_cmd=(taskset -c $((i % NCPU))); fi
    env "${env[@]}" "${pin_cmd[@]}" "$PY" -m hubbub serve gateway --host 127.0.0.1 \
      --port "$port" >"$log" 2>&1 &
    GATEWAY_PIDS+=($!)
    URLS+=("http://127.0.0.1:$port")
  done
  log="$OUT/server-$label-relay.log"
  env "${env[@]}" "$PY" -m hubbub serve relay --host 127.0.0.1 --port "$((PORT + GATEWAYS))" \
    >"$log" 2>&1 &
  RELAY_PID=$!
  for ((i = 0; i < GATEWAYS; i++)); do
    wait_healthy "${URLS[$i]}" "${GATEWAY_PIDS[$i]}" "$OUT/server-$label-gateway$i.log" || return 1
  done
  wait_healthy "http://127.0.0.1:$((PORT + GATEWAYS))" "$RELAY_PID" "$log" || return 1
}

stop_pid() {  # $1 = pid, $2 = name, $3 = log; SIGTERM, SIGKILL after 15 s; records the end
  local pid="$1" alive=yes code=0 tracebacks
  kill -0 "$pid" 2>/dev/null || alive=no
  if [[ $alive == yes ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || code=$?
  tracebacks=$(grep -c Traceback "$3" 2>/dev/null || true)
  echo "$2: alive at end=$alive exit=$code tracebacks in log=$tracebacks" \
    | tee -a "$OUT/server-status.txt"
}

stop_processes() {  # $1 = label
  local i
  for i in "${!GATEWAY_PIDS[@]}"; do
    stop_pid "${GATEWAY_PIDS[$i]}" "$1 gateway$i" "$OUT/server-$1-gateway$i.log"
  done
  [[ -z "$RELAY_PID" ]] || stop_pid "$RELAY_PID" "$1 relay" "$OUT/server-$1-relay.log"
  GATEWAY_PIDS=(); URLS=(); RELAY_PID=""
  redis_clean "$NAMESPACE"; NAMESPACE=""
}

ensure_users() {  # the template database with USERS registered users, and their tokens
  local tmpl="hubbub_bench_users_$USERS" accounts="$USERS_DIR/users-$USERS.json"
  local secret_file="$USERS_DIR/users-$USERS.secret"
  if ((!FRESH_USERS)) && db_exists "$tmpl" && [[ -s "$secret_file" ]] \
    && [[ -n "$(find "$accounts" -mmin -1200 2>/dev/null)" ]]; then
    echo "reusing $USERS registered users: template database $tmpl, $accounts"
    return 0
  fi
  echo "building the users template $tmpl ($USERS users; argon2: a few minutes) ..."
  mkdir -p "$USERS_DIR"
  psql_admin "DROP DATABASE IF EXISTS \"$tmpl\" WITH (FORCE)"
  psql_admin "CREATE DATABASE \"$tmpl\""
  (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(48))' >"$secret_file")
  local -a env
  read -r -a env <<<"$(hubbub_env "$tmpl" "hubbub_bench_users_$RUN_TS" "$(cat "$secret_file")")"
  env "${env[@]}" "$PY" -m hubbub db upgrade >>"$OUT/server-status.txt"
  # Gateways unpinned: argon2 then uses every core.
  start_processes "$tmpl" "hubbub_bench_users_$RUN_TS" "$(cat "$secret_file")" users 0
  local -a url_args=()
  for u in "${URLS[@]}"; do url_args+=(--url "$u"); done
  local status=0
  "$PY" "$HERE/loadgen.py" register "${url_args[@]}" --count "$USERS" \
    --accounts-out "$accounts" | tee -a "$OUT/server-status.txt" || status=$?
  stop_processes users
  if ((status)); then rm -f "$accounts"; return "$status"; fi
}

start_cluster() {  # $1 = label
  CLUSTER_LABEL="$1"
  ensure_users
  local tmpl="hubbub_bench_users_$USERS" secret
  secret=$(cat "$USERS_DIR/users-$USERS.secret")
  PG_DB="hubbub_bench_${RUN_TS}_$1"
  psql_admin "CREATE DATABASE \"$PG_DB\" TEMPLATE \"$tmpl\""
  local -a env
  read -r -a env <<<"$(hubbub_env "$PG_DB" "$PG_DB" "$secret")"
  env "${env[@]}" "$PY" -m hubbub db upgrade >>"$OUT/server-status.txt"
  PG_POSTMASTER=$(postmaster_pid)
  REDIS_PID=$(redis_pid)
  start_processes "$PG_DB" "$PG_DB" "$secret" "$1" 1
  echo "cluster $1: $GATEWAYS gateway(s) ${GATEWAY_PIDS[*]} on ${URLS[*]} (pinned to cores" \
    "0..$((GATEWAYS - 1)) mod $NCPU), relay $RELAY_PID, database $PG_DB (cloned from $tmpl)," \
    "fan-out $FANOUT_URL, redis namespace $PG_DB, code at commit $(git -C "$ROOT" rev-parse --short HEAD)" \
    | tee -a "$OUT/server-status.txt"
}

stop_cluster() {
  [[ -n "$CLUSTER_LABEL" ]] || return 0
  stop_processes "$CLUSTER_LABEL"
  if [[ -n "$PG_DB" ]]; then
    psql_admin "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)"
    echo "postgres: dropped $PG_DB" | tee -a "$OUT/server-status.txt"
  fi
  PG_DB=""; CLUSTER_LABEL=""
}

cluster_loadgen_args() {  # --url/--server-pid per gateway, the watched processes
  local i
  for i in "${!URLS[@]}"; do
    printf -- '--url\n%s\n--server-pid\n%s\n' "${URLS[$i]}" "${GATEWAY_PIDS[$i]}"
  done
  printf -- '--watch\nrelay=%s\n' "$RELAY_PID"
  [[ -z "$REDIS_PID" ]] || printf -- '--watch\nredis=%s\n' "$REDIS_PID"
  [[ -z "$PG_POSTMASTER" ]] || printf -- '--postgres-pid\n%s\n--postgres-db\n%s\n' \
    "$PG_POSTMASTER" "$PG_DB"
}

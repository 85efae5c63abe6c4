# Side-by-side ingest runs for the benchmark scripts that source this file: servers of the
# configurations in CONFIGS started together (each with its own embedded PostgreSQL and ports),
# sent the same spans in turn, round after round, so that the machine's noise falls on all of
# them alike. The sourcing script sets CONFIGS, OUT and RUNS and defines
#   base_port CONFIG   the first of the ports the configuration's server listens on
#   flags CONFIG       its extra all-in-one flags
#   scheme CONFIG      http or https
#   headers CONFIG     sets the array HEADERS: the generator's --headers for it, or none
# then calls start_servers, warm_up, rounds and summarize. JAR and BENCH_JAR may name copies
# of the jars, so that a build meanwhile does not pull them from under the running JVMs.
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
JAR=${JAR:-$ROOT/mesh-collector/target/meshtrace.jar}
BENCH_JAR=${BENCH_JAR:-$ROOT/bench/target/meshtrace-bench.jar}
GEN="java -Xmx3g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar $BENCH_JAR"
REQUESTS=${REQUESTS:-3000}      # 100 spans (10 traces) each
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done' EXIT
declare -A SERVER_PIDS PG_URLS

wait_for() { for _ in $(seq 1 240); do curl -skf "$1" >/dev/null && return 0; sleep 0.5; done; return 1; }

start_servers() {
  for c in $CONFIGS; do
    local b; b=$(base_port $c)
    # shellcheck disable=SC2046
    java -jar "$JAR" all-in-one --bind 127.0.0.1 --data-dir "$OUT/$c-data" \
      --zipkin-port $((b + 11)) --otlp-grpc-port $((b + 17)) --otlp-http-port $((b + 18)) \
      --jaeger-compact-port -1 --jaeger-binary-port -1 --jaeger-http-port $((b + 68)) \
      --query-port $((b + 86)) --sampling-http-port $((b + 78)) --sampling-grpc-port $((b + 50)) \
      --xds-port $((b + 0)) --admin-port $((b + 69)) $(flags $c) > "$OUT/$c.log" 2>&1 &
    PIDS+=($!)
    SERVER_PIDS[$c]=$!
  done
  for c in $CONFIGS; do
    local b data pgport password; b=$(base_port $c); data=$OUT/$c-data
    wait_for "$(scheme $c)://127.0.0.1:$((b + 69))/readyz" || { echo "$c did not start"; tail "$OUT/$c.log"; exit 1; }
    pgport=$(grep -o "ready on 127.0.0.1:[0-9]*" "$OUT/$c.log" | tail -1 | grep -o "[0-9]*$")
    password=$(cat "$data/postgres-password" 2>/dev/null || true)
    PG_URLS[$c]=postgresql://meshtrace${password:+:$password}@127.0.0.1:$pgport/postgres
    SERVER_PIDS[$c]=${SERVER_PIDS[$c]},$(head -1 "$data/postgres/postmaster.pid")
  done
}

run() { # config label target port connections [more generator flags]
  local c=$1 label=$2 target=$3 port=$4 conns=$5; shift 5
  headers "$c"
  local ca=()
  if [ -f "$OUT/ca.crt" ]; then ca=(--ca-file "$OUT/ca.crt"); fi
  $GEN --target "$target" --url "$(scheme $c)://127.0.0.1:$(( $(base_port $c) + port ))" \
    "${ca[@]}" "${HEADERS[@]}" --connections "$conns" --requests "$REQUESTS" \
    --warmup 300 --server-pids "${SERVER_PIDS[$c]}" --pg-url "${PG_URLS[$c]}" "$@" 2>>"$OUT/generator.log" \
    | sed "s/^{/{\"label\":\"$label\",\"server\":\"$c\",/" >> "$OUT/results.jsonl"
  tail -1 "$OUT/results.jsonl" | cut -c1-160
}

warm_up() {
  echo "-- warm-up (not counted)"
  for c in $CONFIGS; do
    for _ in 1 2; do
      run "$c" warmup zipkin 11 8 > /dev/null
      run "$c" warmup otlp-grpc 17 2 > /dev/null
    done
  done
  sed -i '/"label":"warmup"/d' "$OUT/results.jsonl"
}

rounds() {
  for r in $(seq 1 "$RUNS"); do
    echo "-- round $r"
    for c in $CONFIGS; do
      run "$c" zipkin-json-8conn zipkin 11 8
      run "$c" otlp-grpc-2conn otlp-grpc 17 2
      run "$c" zipkin-json-30k-rate zipkin 11 2 --rate 30000 --requests 6000 --unique-requests 1500
    done
  done
}

summarize() {
  for c in $CONFIGS; do
    psql "${PG_URLS[$c]}" -tA \
      -c "select count(*), pg_total_relation_size('spans'), (select sum(pg_total_relation_size(c.oid)) from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'spans'::regclass) from spans" \
      > "$OUT/$c-storage.txt" || true
  done
  python3 "$ROOT/bench/summarize.py" "$OUT/results.jsonl" "$OUT"/*-storage.txt | tee "$OUT/summary.md"
  echo "results in $OUT"
}

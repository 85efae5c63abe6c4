#!/usr/bin/env bash
# Drill: a fresh partition, read at once. Figures in bench/RESULTS.md ("Fresh partitions: plans
# without statistics"). From the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/drills/fresh-partition.sh                     (about 2 minutes a jar)
#   JARS="old.jar new.jar" bench/drills/fresh-partition.sh   (side by side, one after the other)
# For each jar: meshtrace all-in-one on a fresh --data-dir (embedded PostgreSQL, every port free),
# SPANS spans (default 500,000) loaded through Zipkin's API over the last hour (QueryBenchmark
# load: the shop workload of bench/query-benchmark.sh), and then at once, for WINDOW seconds
# (default 30), one request at a time, in turn: trace by ID, a search by service and operation
# over the last hour, a search for failed spans of a service and one by request ID over a day.
# The day's partition has not been analysed then: autovacuum wakes once a minute, and the script
# reports whether it analysed the partition during the window. Then VACUUM ANALYZE, as
# autovacuum would, and the same for WINDOW seconds again: the analysed reference.
# One JSON line per jar, phase and kind of query goes to bench/target/fresh-partition-<time>/
# results.jsonl. Data directories are removed afterwards (KEEP_DATA=1 keeps them).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/bench/target/fresh-partition-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
JARS=${JARS:-$ROOT/mesh-collector/target/meshtrace.jar}
BENCH="java -Xmx2g -cp $ROOT/bench/target/meshtrace-bench.jar io.meshtrace.bench.QueryBenchmark"
SPANS=${SPANS:-500000}
WINDOW=${WINDOW:-30}
# HOLD_AUTOVACUUM=1: autovacuum leaves the partitions and trace_days alone until the first window
# has ended, so that the whole window runs without statistics (else it may analyse them partway).
HOLD_AUTOVACUUM=${HOLD_AUTOVACUUM:-0}
KINDS=trace_by_id,service_operation_1h,service_error_24h,tag_request_id_24h
MESHTRACE=

stop_meshtrace() {
  if [ -n "$MESHTRACE" ]; then
    kill "$MESHTRACE" 2>/dev/null || true  # SIGTERM: meshtrace stops its PostgreSQL too
    wait "$MESHTRACE" 2>/dev/null || true
    MESHTRACE=
  fi
}
trap stop_meshtrace EXIT
port() { python3 -c "import json;print(json.load(open('$1'))['$2'])"; }
# The spans partitions (with rows) and whether something analysed them: name, rows,
# last (auto)analyse.
partition_stats() {
  $PSQL -F ' ' -c "SELECT relname, n_live_tup, coalesce(greatest(last_analyze, last_autoanalyze)::text, 'never')
                   FROM pg_stat_user_tables WHERE relname ~ '^spans_[0-9]{8}$' AND n_live_tup > 0"
}
query() { # label phase
  $BENCH query --api jaeger --url "http://127.0.0.1:$QUERY_PORT" --samples "$RUN/samples.jsonl" \
    --end-micros "$END_MICROS" --seconds "$WINDOW" --kinds "$KINDS" 2>>"$RUN/query.err" \
    | sed -u "s/^{/{\"jar\":\"$1\",\"phase\":\"$2\",\"holdAutovacuum\":$HOLD_AUTOVACUUM,\"spans\":$SPANS,\"windowSeconds\":$WINDOW,/" \
    | tee -a "$OUT/results.jsonl" | cut -c1-220
}

n=0
for JAR in $JARS; do
  n=$((n + 1))
  LABEL=${LABELS:-}
  LABEL=$(echo "$LABEL" | cut -d' ' -f$n)
  LABEL=${LABEL:-$(basename "$(dirname "$(dirname "$(dirname "$JAR")")")")}
  RUN=$OUT/$n-$LABEL
  mkdir -p "$RUN"
  echo "== $LABEL ($JAR): load $SPANS spans into a fresh data directory"
  java -Xmx2g -jar "$JAR" all-in-one --bind 127.0.0.1 --data-dir "$RUN/data" \
    --zipkin-port 0 --otlp-grpc-port 0 --otlp-http-port 0 --jaeger-compact-port 0 \
    --jaeger-binary-port 0 --jaeger-http-port 0 --query-port 0 --sampling-http-port 0 \
    --sampling-grpc-port 0 --xds-port 0 --admin-port 0 --ports-file "$RUN/ports.json" \
    > "$RUN/meshtrace.log" 2>&1 &
  MESHTRACE=$!
  for _ in $(seq 1 240); do [ -s "$RUN/ports.json" ] && break; sleep 0.5; done
  ZIPKIN_PORT=$(port "$RUN/ports.json" zipkin)
  QUERY_PORT=$(port "$RUN/ports.json" query)
  PGPORT=$(grep -o "ready on 127.0.0.1:[0-9]*" "$RUN/meshtrace.log" | tail -1 | grep -o "[0-9]*$")
  export PGPASSWORD=$(cat "$RUN/data/postgres-password" 2>/dev/null)
  PSQL="psql -tA -h 127.0.0.1 -p $PGPORT -U meshtrace postgres"
  if [ "$HOLD_AUTOVACUUM" = 1 ]; then
    for table in $($PSQL -c "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                             WHERE i.inhparent = 'spans'::regclass") trace_days; do
      $PSQL -c "ALTER TABLE $table SET (autovacuum_enabled = false)" >/dev/null
    done
  fi
  END_MICROS=$(( $(date +%s) * 1000000 ))
  $BENCH load --url "http://127.0.0.1:$ZIPKIN_PORT" --spans "$SPANS" --hours 1 \
    --end-micros "$END_MICROS" --samples "$RUN/samples.jsonl" 2>"$RUN/load.err" \
    | tee "$RUN/load.json"
  loaded=$(date +%s)
  ADMIN_PORT=$(port "$RUN/ports.json" admin)
  # The writer's analyses during the load (a jar without them prints nothing).
  curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | grep "^meshtrace_partition_analy" \
    | tee "$RUN/analyses.txt" | sed 's/^/   /' || true
  echo "   loaded at $(date -u +%H:%M:%S)"
  echo "-- at once, for $WINDOW s; partitions before: $(partition_stats | tr '\n' ';')"
  query "$LABEL" fresh
  after=$(partition_stats | tr '\n' ';')
  echo "   partitions after $(( $(date +%s) - loaded )) s: $after"
  echo "{\"jar\":\"$LABEL\",\"phase\":\"fresh\",\"partitionsAfterWindow\":\"$after\"}" >> "$OUT/results.jsonl"
  if [ "$HOLD_AUTOVACUUM" = 1 ]; then
    for table in $(partition_stats | cut -d' ' -f1) trace_days; do
      $PSQL -c "ALTER TABLE $table RESET (autovacuum_enabled)" >/dev/null
    done
  fi
  echo "-- after VACUUM ANALYZE, for $WINDOW s"
  # Each partition and trace_days, as autovacuum does it (never the partitioned parent itself).
  for table in $(partition_stats | cut -d' ' -f1) trace_days; do
    $PSQL -c "VACUUM (ANALYZE) $table" >/dev/null
  done
  query "$LABEL" analysed
  stop_meshtrace
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$RUN/data"
done
echo "results in $OUT"

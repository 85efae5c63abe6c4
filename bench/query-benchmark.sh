#!/usr/bin/env bash
# The query benchmark behind bench/RESULTS.md ("Reading traces"). From the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/query-benchmark.sh
# It starts meshtrace all-in-one with its embedded PostgreSQL on a fresh data directory, loads
# SPANS (default 5 million) spans spread over the last 26 hours (QueryBenchmark load: Zipkin v2
# JSON, in time order, every 50th trace kept as a sample). They are trace-generator's (meshtrace
# gen's generator, seed 1): a shop of 14 services (13 of them on the routes) as Istio's sidecars
# alone report it, about 13.5 spans a trace (8-22), Envoy's 20 tags on every span with a
# guid:x-request-id per trace, 2 % of traces failing (500 or 503 up to the edge, error=true),
# 1 % with one call held up by 1-3 s; the queries search the workload's services and server
# operations. It measures the bytes a span takes on disk, then times the searches people make
# through the Jaeger v1 and the Zipkin v2 API, RUNS times each, one request at a time, checking
# every answer. It repeats the request-ID search with the tag index switched off
# (--indexed-tag-keys=) to show what it buys.
# Then it starts Zipkin's own server (in-memory storage, the only storage that needs no other
# server), loads the same spans and asks it the same Zipkin queries. Zipkin 3.6.1 could not
# hold 5 million of these spans in 16 GB (bench/RESULTS.md): run this part with SPANS=2000000,
# or skip it with WITH_ZIPKIN=0.
# Raw results (one JSON line per kind of query) and the storage figures go to
# bench/target/query-<time>/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/target/query-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
BENCH="java -Xmx3g -cp $ROOT/bench/target/meshtrace-bench.jar io.meshtrace.bench.QueryBenchmark"
SPANS=${SPANS:-5000000}
RUNS=${RUNS:-200}
ZIPKIN_VERSION=3.6.1
ZIPKIN_HEAP=${ZIPKIN_HEAP:-16g}
WITH_ZIPKIN=${WITH_ZIPKIN:-1}
END_MICROS=$(( $(date +%s) * 1000000 ))
echo "$END_MICROS" > "$OUT/end-micros"

source "$ROOT/bench/lib/all-in-one.sh"
trap '[ -n "${MESHTRACE:-}" ] && kill $MESHTRACE 2>/dev/null; [ -n "${ZIPKIN:-}" ] && kill $ZIPKIN 2>/dev/null; true' EXIT

query() { # server api url [more flags]
  local server=$1 api=$2 url=$3; shift 3
  $BENCH query --api "$api" --url "$url" --samples "$OUT/samples.jsonl" \
    --end-micros "$END_MICROS" --runs "$RUNS" "$@" 2>>"$OUT/query.err" \
    | sed -u "s/^{/{\"server\":\"$server\",/" | tee -a "$OUT/results.jsonl" | cut -c1-200
}

echo "== meshtrace all-in-one: load $SPANS spans"
start_meshtrace
$BENCH load --url http://127.0.0.1:9411 --spans "$SPANS" --hours 26 --end-micros "$END_MICROS" \
  --samples "$OUT/samples.jsonl" 2>"$OUT/load.err" | tee "$OUT/load-meshtrace.json"
echo "meshtrace RSS KiB: $(ps -o rss= -p $MESHTRACE)" | tee "$OUT/meshtrace-memory.txt"
PGPORT=$(grep -o "ready on 127.0.0.1:[0-9]*" "$OUT/meshtrace.log" | tail -1 | grep -o "[0-9]*$")
# The embedded server asks for the password meshtrace generated (an owner-only file).
export PGPASSWORD=$(cat "$OUT/meshtrace-data/postgres-password")
PSQL="psql -tA -h 127.0.0.1 -p $PGPORT -U meshtrace postgres"
# Dependency links are counted at ingest and flushed on a timer; give the last flush a moment.
sleep 12
$PSQL -c "VACUUM ANALYZE" >/dev/null
$PSQL -F ' ' -c "
  SELECT (SELECT count(*) FROM spans) AS spans,
         (SELECT sum(pg_relation_size(i.inhrelid)) FROM pg_inherits i
            WHERE i.inhparent = 'spans'::regclass) AS spans_heap,
         (SELECT sum(pg_indexes_size(i.inhrelid)) FROM pg_inherits i
            WHERE i.inhparent = 'spans'::regclass) AS spans_indexes,
         (SELECT sum(pg_total_relation_size(i.inhrelid) - pg_relation_size(i.inhrelid)
                     - pg_indexes_size(i.inhrelid)) FROM pg_inherits i
            WHERE i.inhparent = 'spans'::regclass) AS spans_toast_fsm_vm,
         pg_total_relation_size('trace_days') AS trace_days,
         (SELECT count(*) FROM trace_days WHERE tag_hash <> 0) AS indexed_tag_rows,
         pg_total_relation_size('services') + pg_total_relation_size('operations')
           + pg_total_relation_size('span_sources') + pg_total_relation_size('attribute_sets')
           + pg_total_relation_size('attribute_keys')
           + pg_total_relation_size('volatile_attribute_keys')
           + pg_total_relation_size('remote_services') AS dictionaries,
         pg_total_relation_size('dependency_links') AS dependency_links,
         pg_database_size('postgres') AS database" \
  | tee "$OUT/meshtrace-storage.txt"

echo "== meshtrace: queries, Jaeger v1 API then Zipkin v2 API (after a warm-up of each)"
for api in jaeger zipkin; do
  $BENCH query --api $api --url "http://127.0.0.1:$([ $api = jaeger ] && echo 16686 || echo 9411)" \
    --samples "$OUT/samples.jsonl" --end-micros "$END_MICROS" --runs 20 --seed 99 >/dev/null 2>&1
done
query meshtrace jaeger http://127.0.0.1:16686
query meshtrace zipkin http://127.0.0.1:9411
stop_meshtrace
echo "== meshtrace with --indexed-tag-keys= (no tag index): the request-ID search"
start_meshtrace --indexed-tag-keys=
query meshtrace-no-tag-index jaeger http://127.0.0.1:16686 --kinds tag_request_id_24h \
  --runs $(( RUNS / 10 > 5 ? RUNS / 10 : 5 )) --warmup 1
stop_meshtrace

if [ "$WITH_ZIPKIN" = 0 ]; then echo "results in $OUT"; exit 0; fi
echo "== Zipkin $ZIPKIN_VERSION, in-memory storage, -Xmx$ZIPKIN_HEAP"
PEER=$ROOT/bench/target/peer
if [ ! -f "$PEER/zipkin-server-$ZIPKIN_VERSION-exec.jar" ]; then
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact=io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec -DoutputDirectory="$PEER"
fi
STORAGE_TYPE=mem MEM_MAX_SPANS=$(( SPANS + SPANS / 10 )) java -Xmx"$ZIPKIN_HEAP" \
  -jar "$PEER/zipkin-server-$ZIPKIN_VERSION-exec.jar" \
  --armeria.ports[0].ip=127.0.0.1 --armeria.ports[0].port=19411 --armeria.ports[0].protocols[0]=http \
  > "$OUT/zipkin.log" 2>&1 &
ZIPKIN=$!
wait_for http://127.0.0.1:19411/health
$BENCH load --url http://127.0.0.1:19411 --spans "$SPANS" --hours 26 --end-micros "$END_MICROS" \
  --samples "$OUT/samples-zipkin.jsonl" 2>>"$OUT/load.err" | tee "$OUT/load-zipkin.json"
cmp -s "$OUT/samples.jsonl" "$OUT/samples-zipkin.jsonl" || echo "warning: the two loads differ"
echo "zipkin RSS KiB: $(ps -o rss= -p $ZIPKIN)" | tee "$OUT/zipkin-memory.txt"
# Its request-ID search takes seconds: fewer runs, and a short warm-up.
query zipkin-mem zipkin http://127.0.0.1:19411 --warmup 10 --runs $(( RUNS / 2 ))
kill $ZIPKIN; wait $ZIPKIN 2>/dev/null || true
ZIPKIN=
echo "results in $OUT"

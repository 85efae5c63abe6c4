#!/usr/bin/env bash
# What RED metrics cost and how fast they read (issue "[6 of 7] Service performance from
# spans"). From the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/span-metrics-benchmark.sh [RUNS]          (default 3; PARTS=ingest: step 1 only)
# 1. Ingest with RED metrics on (as shipped) and off (--span-metrics false): two all-in-one
#    servers side by side, each with its own embedded PostgreSQL, sent the same spans in turn
#    (bench/side-by-side.sh: Zipkin JSON over 8 connections and OTLP/gRPC over 2, closed loop,
#    then Zipkin JSON at 30,000 spans/s).
# 2. DAYS (7) of minute rows for SERVICES (100) x OPERATIONS (50) server series written into
#    the metrics-on server's database through the storage's writer and rolled up to hours
#    (SpanMetricsBenchmark load: bytes per series-minute), then the Jaeger SPM API requests of
#    the Monitor tab and over a week timed against that server (SpanMetricsBenchmark query).
# Raw results and a summary go to bench/target/span-metrics-<time>/.
set -euo pipefail
RUNS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/target/span-metrics-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
CONFIGS="metrics-off metrics-on"
DAYS=${DAYS:-7}
SERVICES=${SERVICES:-100}
OPERATIONS=${OPERATIONS:-50}
# shellcheck source=bench/side-by-side.sh
. "$ROOT/bench/side-by-side.sh"

base_port() { case $1 in metrics-off) echo "${BASE_OFF:-24000}";; metrics-on) echo "${BASE_ON:-25000}";; esac; }
# The week of rows must outlive the server's retention while it runs.
flags() { case $1 in metrics-off) echo "--span-metrics false";; metrics-on) echo "--retention-days $((DAYS + 1))";; esac; }
scheme() { echo http; }
headers() { HEADERS=(); }

start_servers
warm_up
rounds
summarize
# PARTS=ingest stops here (the week of minutes takes another 20-30 minutes).
if [ "${PARTS:-ingest week}" = ingest ]; then echo "results in $OUT"; exit 0; fi

BENCH="java -Xmx2g -cp $BENCH_JAR io.meshtrace.bench.SpanMetricsBenchmark"
echo "-- $DAYS days of $SERVICES x $OPERATIONS series"
$BENCH load --pg-url "${PG_URLS[metrics-on]}" --days "$DAYS" --services "$SERVICES" \
  --operations "$OPERATIONS" 2>>"$OUT/load.log" | tee "$OUT/load.json"
echo "-- the SPM API over them"
$BENCH query --url "http://127.0.0.1:$(( $(base_port metrics-on) + 86 ))" --services "$SERVICES" \
  --runs 100 --end-ts "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["endTs"])' \
  < "$OUT/load.json")" | tee "$OUT/query.jsonl"
echo "results in $OUT"

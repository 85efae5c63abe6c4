#!/usr/bin/env bash
# The archive benchmark behind bench/RESULTS.md ("Archived traces"). From the repository root,
# after
#   mvn -B -q -DskipTests package
# run
#   bench/archive-benchmark.sh
# It loads SPANS (default 300,000) spans of the query benchmark's shop into all-in-one
# (QueryBenchmark load, the 26 hours before now; every 50th trace kept as a sample), archives
# the sample traces one request at a time (POST /api/archive/{traceID}), then reports the bytes
# archived_traces takes per archived span against the bytes a stored span takes, and the time of
# an archive request and of reading an archived trace by ID (Jaeger's /api/traces/{id}), p50 and
# p99. Raw lines go to bench/target/archive-<time>/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/target/archive-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
BENCH="java -Xmx2g -cp ${BENCH_JAR:-$ROOT/bench/target/meshtrace-bench.jar} io.meshtrace.bench.QueryBenchmark"
SPANS=${SPANS:-300000}
END_MICROS=$(( $(date +%s) * 1000000 ))

MESHTRACE_HEAP=1g
source "$ROOT/bench/lib/all-in-one.sh"
trap '[ -n "${MESHTRACE:-}" ] && kill $MESHTRACE 2>/dev/null; true' EXIT
start_meshtrace --hourly-dependency-links false

$BENCH load --url http://127.0.0.1:9411 --spans "$SPANS" --hours 26 --end-micros "$END_MICROS" \
  --samples "$OUT/samples.jsonl" 2>"$OUT/load.err" | tee "$OUT/load.json"

percentiles() { # label file-of-seconds
  sort -n "$2" | awk -v label="$1" '{a[NR]=$1} END {printf "{\"what\":\"%s\",\"n\":%d,\"p50_ms\":%.2f,\"p99_ms\":%.2f}\n", label, NR, a[int(NR*0.5+0.5)]*1000, a[int(NR*0.99+0.5)]*1000}'
}

python3 -c "import json,sys; [print(json.loads(l)['traceId']) for l in open(sys.argv[1])]" \
  "$OUT/samples.jsonl" > "$OUT/trace-ids.txt"
while read -r id; do
  curl -sf -o /dev/null -w '%{time_total}\n' -X POST "http://127.0.0.1:16686/api/archive/$id"
done < "$OUT/trace-ids.txt" > "$OUT/archive-seconds.txt"
while read -r id; do
  curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:16686/api/traces/$id"
done < "$OUT/trace-ids.txt" > "$OUT/read-seconds.txt"
percentiles "POST /api/archive/{id}" "$OUT/archive-seconds.txt" | tee "$OUT/results.jsonl"
percentiles "GET /api/traces/{id} (stored and archived)" "$OUT/read-seconds.txt" \
  | tee -a "$OUT/results.jsonl"

PGPORT=$(grep -o "ready on 127.0.0.1:[0-9]*" "$OUT/meshtrace.log" | tail -1 | grep -o "[0-9]*$")
export PGPASSWORD=$(cat "$OUT/meshtrace-data/postgres-password")
psql -tA -h 127.0.0.1 -p "$PGPORT" -U meshtrace postgres -c "VACUUM ANALYZE" >/dev/null
psql -tA -h 127.0.0.1 -p "$PGPORT" -U meshtrace postgres -c "
  SELECT json_build_object(
    'archived_traces', (SELECT count(*) FROM archived_traces),
    'archived_spans', (SELECT sum(span_count) FROM archived_traces),
    'archived_bytes', pg_total_relation_size('archived_traces'),
    'archived_bytes_per_span', round(pg_total_relation_size('archived_traces')::numeric
                                     / (SELECT sum(span_count) FROM archived_traces), 1),
    'stored_spans', (SELECT count(*) FROM spans),
    'stored_bytes_per_span', round((SELECT sum(pg_total_relation_size(i.inhrelid))
                                    FROM pg_inherits i
                                    WHERE i.inhparent = 'spans'::regclass)::numeric
                                   / (SELECT count(*) FROM spans), 1))" \
  | tee -a "$OUT/results.jsonl"
echo "results in $OUT"

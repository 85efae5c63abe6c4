#!/usr/bin/env bash
# The Kafka path's benchmark behind bench/RESULTS.md. From the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/kafka-benchmark.sh [RUNS]          (default 3)
# On one machine, every part a process (bench/lib/kafka-split.sh): PostgreSQL (meshtrace's
# embedded one), one Kafka broker (KRaft, the release the tests use), 2 collectors with
# --span-sink kafka, 2 ingesters, and an all-in-one on the same PostgreSQL for the direct path.
# Round by round, side by side, the same generator (bench's LoadGenerator: trace-generator's
# Envoy-shaped traces of 10 spans, 100 spans a request, Zipkin JSON) sends
#   closed loop, 8 and 32 connections: to the all-in-one (direct) / to both collectors in turn
#                                      (kafka)
#   open loop, 15k spans/s, 32 connections: the same, for ack latency (the Kafka sink acks
#                                      after Kafka's commit)
# and reports acknowledged and committed (counted in PostgreSQL) spans a second and ack
# latency; then how fast the ingesters drain a backlog of 600k spans with --kafka-consumers 1
# and 2, alternating. The PostgreSQL outage at a steady rate is a drill:
# bench/drills/kafka-faults.sh.
set -euo pipefail
RUNS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/target/kafka-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
source "$ROOT/bench/lib/kafka-split.sh"
GEN="java -Xmx3g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar $BENCH_JAR"
REQUESTS=${REQUESTS:-3000}     # 100 spans (10 traces) each
CONNECTIONS=${CONNECTIONS:-8 32} # closed loop: requests in flight
RATE=${RATE:-15000}              # open loop: spans a second

pg_start
kafka_start
direct
collector 1
collector 2
ingester 1
ingester 2
DIRECT_URL=http://127.0.0.1:9411
KAFKA_URL=http://127.0.0.1:19411,http://127.0.0.1:29411
PG_PID=$(head -1 "$OUT/pg-data/postgres/postmaster.pid")

run() { # label url pids [more generator flags]
  local label=$1 url=$2 pids=$3; shift 3
  $GEN --target zipkin --url "$url" --requests "$REQUESTS" --warmup 300 --server-pids "$pids" \
    --pg-url "$PG_URL" "$@" 2>/dev/null \
    | sed "s/^{/{\"label\":\"$label\",/" >> "$OUT/results.jsonl"
  tail -1 "$OUT/results.jsonl" | cut -c1-200
}
echo "-- warm-up (not counted)"
for _ in 1 2; do
  $GEN --target zipkin --url "$DIRECT_URL" --connections 8 --requests "$REQUESTS" --warmup 300 >/dev/null 2>&1
  $GEN --target zipkin --url "$KAFKA_URL" --connections 8 --requests "$REQUESTS" --warmup 300 >/dev/null 2>&1
done
SPLIT_PIDS="$COLLECTOR_1,$COLLECTOR_2,$KAFKA_PID,$INGESTER_1,$INGESTER_2,$PG_PID"
for r in $(seq 1 "$RUNS"); do
  echo "-- round $r"
  for conns in $CONNECTIONS; do
    run direct-${conns}conn "$DIRECT_URL" "$DIRECT,$PG_PID" --connections "$conns"
    run kafka-${conns}conn "$KAFKA_URL" "$SPLIT_PIDS" --connections "$conns"
  done
  run direct-${RATE}-rate "$DIRECT_URL" "$DIRECT,$PG_PID" --connections 32 --rate "$RATE" --requests 4000
  run kafka-${RATE}-rate "$KAFKA_URL" "$SPLIT_PIDS" --connections 32 --rate "$RATE" --requests 4000
done
# Backlog drain: with the ingesters stopped, 600k spans go into Kafka through the collectors;
# then both ingesters start with --kafka-consumers 1 or 2, and the time until they have stored
# the backlog gives their rate. Alternating, so that both see the same machine.
for r in $(seq 1 "$RUNS"); do
  for consumers in 1 2; do
    ingester_stop 1; ingester_stop 2
    $GEN --target zipkin --url "$KAFKA_URL" --connections 32 --requests 6000 --warmup 0 >/dev/null 2>&1
    before=$(stored_spans); started=$(date +%s.%N)
    KAFKA_CONSUMERS=$consumers ingester 1
    KAFKA_CONSUMERS=$consumers ingester 2
    until [ "$(stored_spans)" -ge $((before + 600000)) ]; do sleep 0.2; done
    seconds=$(python3 -c "print(round($(date +%s.%N) - $started, 2))")
    echo "{\"label\":\"drain-${consumers}consumers\",\"spans\":600000,\"seconds\":$seconds,\"spansPerSecond\":$(python3 -c "print(round(600000 / $seconds))")}" \
      | tee -a "$OUT/drain.jsonl"
  done
done
python3 - "$OUT/results.jsonl" <<'PY' | tee "$OUT/summary.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
labels = []
for r in rows:
    if r["label"] not in labels:
        labels.append(r["label"])
cpu = lambda r: sum(s["treeCpuMicrosPerSpan"] for s in r.get("servers", {}).values())
drain = [json.loads(l) for l in open(sys.argv[1].replace("results.jsonl", "drain.jsonl"))]
for c in (1, 2):
    ds = [d for d in drain if d["label"] == f"drain-{c}consumers"]
    if ds:
        print(f"backlog drain, 2 ingesters x {c} consumers: median {statistics.median(d['spansPerSecond'] for d in ds):,.0f} spans/s "
              f"({', '.join(str(d['spansPerSecond']) for d in ds)}; seconds include the ingesters' start)")
print()
print("| run | rounds | acked spans/s | committed spans/s | commit lag ms | ack p50 ms | ack p99 ms | CPU µs/span, all processes | failed requests |")
print("|---|---|---|---|---|---|---|---|---|")
for label in labels:
    rs = [r for r in rows if r["label"] == label]
    med = lambda f: statistics.median(f(r) for r in rs)
    print(f"| {label} | {len(rs)} | {med(lambda r: r['ackedSpansPerSecond']):,.0f} | "
          f"{med(lambda r: r.get('committedSpansPerSecond', 0)):,.0f} | {med(lambda r: r.get('commitLagMs', 0)):,.0f} | "
          f"{med(lambda r: r['latencyMs']['p50']):.1f} | {med(lambda r: r['latencyMs']['p99']):.1f} | "
          f"{med(cpu):.1f} | "
          f"{sum(r['failedRequests'] for r in rs)} |")
PY
echo "results in $OUT"

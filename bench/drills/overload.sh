#!/usr/bin/env bash
# The 5x overload drill (issue 17, "bounded memory"), figures in bench/RESULTS.md. From the
# repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/drills/overload.sh            (about 4 minutes)
# meshtrace all-in-one with a small heap (HEAP, -Xmx512m) on a PostgreSQL of its own (bench's
# PostgresController), twice: with the byte budget as shipped (--max-bytes-in-flight 256MiB),
# and with it effectively off (1000GiB: only the span-count bound, as before the budget). Each
# run first measures the server's capacity for large requests (closed loop, 4 connections), then
# sends OVERLOAD (5) times the first run's capacity from CONNECTIONS (40) connections for LOAD_SECONDS (60) in an
# open loop, with requests of SPANS (10,000) Envoy-shaped spans, about 12 MB of Zipkin JSON each
# (16 distinct bodies, cycled, so that the load generator's own memory stays small). Every
# second the JVM's RSS (/proc/PID/status VmRSS) and meshtrace_ingest_bytes_in_flight are
# sampled. Reported per run: RSS once started (idle), as the overload starts (after the capacity
# run), max and end; requests answered 2xx, 429 and otherwise;
# spans acknowledged and spans PostgreSQL holds afterwards (lost: acknowledged, not stored);
# whether the JVM survived, how many OutOfMemoryErrors it logged, and whether it then stopped on
# SIGTERM within 40 s (else it is killed). A request without an answer
# for 30 s fails (counted as "io"). Results go to bench/target/overload-<time>/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/bench/target/overload-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
# pg_start, wait_for, psql_q, stored_spans, $JAR, $BENCH_JAR, $SPARE_PORTS, and the EXIT trap that
# stops every process in PIDS (PostgreSQL last).
source "$ROOT/bench/lib/kafka-split.sh"
trap 'split_stop; rm -rf "$OUT/pg-data"' EXIT
HEAP=${HEAP:--Xmx512m}
SPANS=${SPANS:-10000}
CONNECTIONS=${CONNECTIONS:-40}
LOAD_SECONDS=${LOAD_SECONDS:-60}
OVERLOAD=${OVERLOAD:-5}
RUNS=${RUNS:-"budget:256MiB off:1000GiB"}
GEN="java -Xmx3g -XX:+UseSerialGC -jar $BENCH_JAR --target zipkin --spans-per-request $SPANS --unique-requests 16 --warmup 0"

pg_start

port_of() { python3 -c "import json;print(json.load(open('$OUT/$1.ports'))['$2'])"; }
meshtrace() { # name budget
  java $HEAP -jar "$JAR" all-in-one --bind 127.0.0.1 --pg-url "$PG_URL" --zipkin-port 0 \
    --admin-port 0 $SPARE_PORTS --ports-file "$OUT/$1.ports" --max-bytes-in-flight "$2" \
    > "$OUT/$1.log" 2>&1 &
  MESHTRACE=$!
  PIDS+=("$MESHTRACE")
  for _ in $(seq 1 240); do [ -s "$OUT/$1.ports" ] && break; sleep 0.5; done
  ZIPKIN=$(port_of "$1" zipkin)
  ADMIN=$(port_of "$1" admin)
  wait_for "http://127.0.0.1:$ADMIN/readyz"
  RSS_IDLE=$(rss_mib)
}
rss_mib() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$MESHTRACE/status" 2>/dev/null; }
sample() { # name: seconds, RSS MiB, bytes in flight MiB, every second while the JVM lives
  local start; start=$(date +%s)
  while [ -r "/proc/$MESHTRACE/status" ]; do
    local rss bytes
    rss=$(rss_mib) || break
    bytes=$(curl -s --max-time 1 "http://127.0.0.1:$ADMIN/metrics" \
      | awk '/^meshtrace_ingest_bytes_in_flight / {printf "%d", $2 / 1048576}') || true
    echo -e "$(( $(date +%s) - start ))\t${rss}\t${bytes:-}" >> "$OUT/$1-rss.tsv"
    sleep 1
  done
}
field() { python3 -c "import json;d=json.load(open('$1'));print(d$2)"; }

for run in $RUNS; do
  name=${run%%:*}
  budget=${run#*:}
  echo "-- $name (--max-bytes-in-flight $budget, $HEAP)"
  meshtrace "$name" "$budget"
  url=http://127.0.0.1:$ZIPKIN
  : > "$OUT/$name-rss.tsv"
  sample "$name" &
  SAMPLER=$!
  # Capacity for these requests: closed loop, 4 connections, every span committed. Measured in
  # every run, so that the heap has grown as far as it will before the overload starts; the
  # first run's figure sets the rate of all of them, so that they get the same load.
  $GEN --url "$url" --connections 4 --requests 20 --pg-url "$PG_URL" --verify-timeout 120 \
    > "$OUT/$name-capacity.json" 2> "$OUT/$name-capacity.log"
  capacity=$(field "$OUT/$name-capacity.json" "['committedSpansPerSecond']")
  rate=${rate:-$(( capacity * OVERLOAD ))}
  requests=$(( rate * LOAD_SECONDS / SPANS ))
  echo "  capacity $capacity spans/s; sending $rate spans/s ($requests requests of $SPANS spans)"
  before=$(stored_spans)
  rss_before=$(rss_mib)
  # Bounded: a server that stops answering must not hang the drill.
  timeout $(( LOAD_SECONDS * 4 )) $GEN --url "$url" --connections "$CONNECTIONS" \
    --rate "$rate" --requests "$requests" --request-timeout 30 \
    > "$OUT/$name-load.json" 2> "$OUT/$name-load.log" || true
  sleep 3 # commits still in flight, though every ack was sent after its commit
  stored=$(( $(stored_spans) - before ))
  alive=$([ -r "/proc/$MESHTRACE/status" ] && echo true || echo false)
  rss_end=$(rss_mib || echo 0)
  kill "$SAMPLER" 2>/dev/null || true
  rss_max=$(awk -F'\t' 'max < $2 {max = $2} END {print max + 0}' "$OUT/$name-rss.tsv")
  bytes_max=$(awk -F'\t' 'max < $3 {max = $3} END {print max + 0}' "$OUT/$name-rss.tsv")
  ok=0; failed=$requests; outcomes={}
  if [ -s "$OUT/$name-load.json" ]; then
    ok=$(field "$OUT/$name-load.json" "['okRequests']")
    failed=$(field "$OUT/$name-load.json" "['failedRequests']")
    outcomes=$(python3 -c "import json;print(json.dumps(json.load(open('$OUT/$name-load.json'))['outcomes'],separators=(',',':')))")
  fi
  acked=$(( ok * SPANS ))
  lost=$(( acked > stored ? acked - stored : 0 ))
  oom=$(grep -c OutOfMemoryError "$OUT/$name.log" || true)
  # SIGTERM, as an orchestrator stops it; a JVM that has not exited 40 s later (drain and
  # --shutdown-timeout are 30 s at most) is killed, and that is reported.
  kill "$MESHTRACE" 2>/dev/null || true
  stopped=false
  for _ in $(seq 1 80); do
    [ -r "/proc/$MESHTRACE/status" ] || { stopped=true; break; }
    sleep 0.5
  done
  [ "$stopped" = true ] || kill -9 "$MESHTRACE" 2>/dev/null || true
  wait "$MESHTRACE" 2>/dev/null || true
  echo "{\"run\":\"$name\",\"maxBytesInFlight\":\"$budget\",\"heap\":\"$HEAP\",\"spansPerRequest\":$SPANS,\"connections\":$CONNECTIONS,\"capacitySpansPerSecond\":$capacity,\"rateSpansPerSecond\":$rate,\"requests\":$requests,\"okRequests\":$ok,\"failedRequests\":$failed,\"outcomes\":$outcomes,\"ackedSpans\":$acked,\"storedSpans\":$stored,\"lostSpans\":$lost,\"rssIdleMiB\":$RSS_IDLE,\"rssStartMiB\":$rss_before,\"rssMaxMiB\":$rss_max,\"rssEndMiB\":$rss_end,\"bytesInFlightMaxMiB\":$bytes_max,\"jvmAlive\":$alive,\"outOfMemoryErrors\":$oom,\"stoppedBySigterm\":$stopped}" \
    | tee -a "$OUT/overload.jsonl"
done
echo "results in $OUT"

#!/usr/bin/env bash
# Fault drills of the Kafka path, figures in bench/RESULTS.md. From the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/drills/kafka-faults.sh            (about 6 minutes)
# A split deployment on this machine (bench/lib/kafka-split.sh: PostgreSQL, one KRaft broker,
# 2 collectors with --span-sink kafka, 2 ingesters), and under a steady load from bench's
# LoadGenerator (Zipkin JSON, 100 spans a request, every span distinct, RATE spans/s to both
# collectors in turn), one fault at a time:
#   ingester-kill     kill -9 of ingester 1 at 20 s, started again at 30 s (60 s of load)
#   collector-kill    kill -9 of collector 1 at 20 s (its open transaction left to the broker to
#                     abort), started again at 30 s (60 s of load); requests to it meanwhile fail
#   broker-outage     the broker stopped (SIGTERM) at 20 s, started again at 35 s (60 s of load)
#   postgres-outage   PostgreSQL stopped at 20 s for OUTAGE seconds (120 s of load); the lag,
#                     summed over the ingesters, sampled every second, and the time from
#                     PostgreSQL's return until it is under one second of input again
# Each reports what the collectors acknowledged, what PostgreSQL holds (lost: acknowledged and
# not stored; duplicates: rows stored twice), failed requests, and for the outages the time to
# recover. Results go to bench/target/kafka-drills-<time>/. DRILLS="ingester-kill ..." runs some.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/bench/target/kafka-drills-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
source "$ROOT/bench/lib/kafka-split.sh"
RATE=${RATE:-5000}
OUTAGE=${OUTAGE:-60}
DRILLS=${DRILLS:-ingester-kill collector-kill broker-outage postgres-outage}
has_drill() { case " $DRILLS " in *" $1 "*) return 0;; *) return 1;; esac; }
GEN="java -Xmx2g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar $BENCH_JAR"
URLS=http://127.0.0.1:19411,http://127.0.0.1:29411

pg_start
kafka_start
collector 1
collector 2
ingester 1
ingester 2

now() { date +%s.%N; }
since() { python3 -c "print(round($(now) - $1, 1))"; }
total_lag() { echo $(( $(lag 1 || echo 0) + $(lag 2 || echo 0) )); }
await_drained() { # both ingesters hold partitions and are at the end of them
  for _ in $(seq 1 600); do
    local a b; a=$(lag 1); b=$(lag 2)
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" = 0 ] && [ "$b" = 0 ] && return 0
    sleep 1
  done
  return 1
}
# Caught up under load: the lag summed over the ingesters is below one second of input (a record
# is a trace of 10 spans).
await_caught_up() {
  for _ in $(seq 1 6000); do
    [ "$(total_lag)" -le $(( RATE / 10 )) ] && return 0
    sleep 0.1
  done
  return 1
}
load() { # name seconds: in the background; its JSON line goes to $OUT/name.json
  $GEN --target zipkin --url "$URLS" --connections 32 --rate "$RATE" \
    --requests $(( RATE * $2 / 100 )) --warmup 0 > "$OUT/$1.json" 2> "$OUT/$1.gen.log" &
  LOAD=$!
}
gen_field() { # name python-subscript: a field of the load's JSON line
  python3 -c "import json;print(json.load(open('$OUT/$1.json'))$2)"
}
report() { # name before [more JSON]
  local name=$1 before=$2 extra=${3:-}
  await_drained || echo "  (the ingesters did not drain in 10 minutes)"
  sleep 2
  local stored ok failed dup
  stored=$(( $(stored_spans) - before ))
  ok=$(gen_field "$name" "['okRequests']")
  failed=$(gen_field "$name" "['failedRequests']")
  dup=$(duplicate_spans)
  local acked=$(( ok * 100 ))
  local lost=$(( acked > stored ? acked - stored : 0 ))
  local unacked=$(( stored > acked ? stored - acked : 0 ))
  local p99; p99=$(gen_field "$name" "['latencyMs']['p99']")
  echo "{\"drill\":\"$name\",\"rate\":$RATE,\"ackedSpans\":$acked,\"storedSpans\":$stored,\"lostSpans\":$lost,\"storedNotAcknowledged\":$unacked,\"duplicateRows\":$dup,\"okRequests\":$ok,\"failedRequests\":$failed,\"ackP99Ms\":$p99$extra}" \
    | tee -a "$OUT/drills.jsonl"
}

echo "-- warm-up (not counted)"
$GEN --target zipkin --url "$URLS" --connections 16 --requests 1000 --warmup 0 >/dev/null 2>&1
await_drained

if has_drill ingester-kill; then
  echo "-- ingester-kill"
  before=$(stored_spans)
  load ingester-kill 60
  sleep 20
  kill -9 "$INGESTER_1"; wait "$INGESTER_1" 2>/dev/null || true
  echo "  ingester 1 killed (kill -9), lag $(lag 2) on ingester 2"
  sleep 10
  ingester 1
  echo "  ingester 1 started again"
  wait "$LOAD"
  report ingester-kill "$before"
fi

if has_drill collector-kill; then
  echo "-- collector-kill"
  before=$(stored_spans)
  load collector-kill 60
  sleep 20
  kill -9 "$COLLECTOR_1"; wait "$COLLECTOR_1" 2>/dev/null || true
  killed=$(now)
  echo "  collector 1 killed (kill -9)"
  sleep 10
  collector 1
  echo "  collector 1 started again"
  wait "$LOAD"
  # The acknowledged spans are all in Kafka; the killed collector's open transaction holds back
  # the partitions it touched until the broker aborts it (transaction.timeout.ms, 60 s).
  acked=$(( $(gen_field collector-kill "['okRequests']") * 100 ))
  for _ in $(seq 1 360); do
    [ $(( $(stored_spans) - before )) -ge "$acked" ] && break
    sleep 0.5
  done
  report collector-kill "$before" ",\"allStoredSecondsAfterKill\":$(since "$killed")"
fi

if has_drill broker-outage; then
  echo "-- broker-outage"
  before=$(stored_spans)
  load broker-outage 60
  sleep 20
  kafka_stop
  stopped=$(now)
  echo "  broker stopped"
  sleep 15
  kafka_start
  started=$(now)
  for n in 1 2; do wait_for "http://127.0.0.1:${n}9269/readyz"; done
  ready=$(since "$started")
  echo "  broker back after $(since "$stopped") s; both collectors ready ${ready} s later"
  wait "$LOAD"
  report broker-outage "$before" ",\"collectorsReadySecondsAfterBroker\":$ready"
fi

if has_drill postgres-outage; then
  echo "-- postgres-outage (${OUTAGE} s)"
  before=$(stored_spans)
  load postgres-outage $(( OUTAGE + 60 ))
  : > "$OUT/postgres-outage-lag.tsv"
  ( start=$(now); while kill -0 "$LOAD" 2>/dev/null; do
      echo -e "$(since "$start")\t$(total_lag)" >> "$OUT/postgres-outage-lag.tsv"; sleep 1; done ) &
  SAMPLER=$!
  sleep 20
  pg_stop
  echo "  PostgreSQL stopped"
  sleep "$OUTAGE"
  peak=$(total_lag)
  pg_resume
  resumed=$(now)
  echo "  PostgreSQL started again; lag $peak records"
  await_caught_up
  drain=$(since "$resumed")
  echo "  caught up (lag under a second of input) ${drain} s after PostgreSQL came back"
  wait "$LOAD"
  kill "$SAMPLER" 2>/dev/null || true
  report postgres-outage "$before" ",\"outageSeconds\":$OUTAGE,\"peakLagRecords\":$peak,\"drainSeconds\":$drain"
fi
echo "results in $OUT"

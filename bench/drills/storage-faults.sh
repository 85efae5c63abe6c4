#!/usr/bin/env bash
# Fault drills of meshtrace all-in-one with its embedded PostgreSQL, figures in bench/RESULTS.md.
# From the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/drills/storage-faults.sh            (about 8 minutes)
# Under a steady load from bench's LoadGenerator (Zipkin JSON, 100 spans a request in traces of
# 10, every span distinct, RATE spans/s over 8 keep-alive connections), one fault at a time, 60 s
# of load with the fault at 20 s:
#   meshtrace-kill   kill -9 of the meshtrace JVM, started again at once on the same data
#   postgres-kill    kill -9 of the embedded postmaster; meshtrace restarts it by itself
#   sigterm          SIGTERM to meshtrace (drain 5 s, then close), started again 10 s later
#   postgres-hang    SIGSTOP to the postmaster and every backend for HANG seconds, then SIGCONT
#   poison           a request that the database refuses (a trigger raising for one operation
#                    name) every 0.2 s among the load; only it must fail
# Each reports how requests ended (ok, http_503, refused: never connected, no_answer: sent and
# the connection closed without an answer), the acknowledged traces that PostgreSQL does not hold
# in full (lost spans), and the time to recover. Results go to bench/target/storage-drills-<time>/.
# DRILLS="postgres-kill sigterm" runs some.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/bench/target/storage-drills-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
JAR=$ROOT/mesh-collector/target/meshtrace.jar
BENCH_JAR=$ROOT/bench/target/meshtrace-bench.jar
RATE=${RATE:-5000}
HANG=${HANG:-20}
DRILLS=${DRILLS:-meshtrace-kill postgres-kill sigterm postgres-hang poison}
has_drill() { case " $DRILLS " in *" $1 "*) return 0;; *) return 1;; esac; }
GEN="java -Xmx1g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar $BENCH_JAR"
# Ports of their own, so that the drill runs beside other meshtrace processes.
ZIPKIN=39411
ADMIN=34269
PORTS="--zipkin-port $ZIPKIN --admin-port $ADMIN --otlp-grpc-port 0 --otlp-http-port 0 --jaeger-compact-port -1 --jaeger-binary-port -1 --jaeger-http-port -1 --sampling-grpc-port 0 --sampling-http-port 0 --query-port 0"
DATA=$OUT/data
MESHTRACE=

now() { date +%s.%N; }
since() { python3 -c "print(round($(now) - $1, 2))"; }
wait_for() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
meshtrace_start() {
  java -Xmx1g -jar "$JAR" all-in-one --bind 127.0.0.1 --data-dir "$DATA" $PORTS \
    >> "$OUT/meshtrace.log" 2>&1 &
  MESHTRACE=$!
  wait_for "http://127.0.0.1:$ADMIN/readyz"
  PGPORT=$(grep -o 'PostgreSQL is ready on 127.0.0.1:[0-9]*' "$OUT/meshtrace.log" | tail -1 | cut -d: -f2)
  export PGPASSWORD=$(cat "$DATA/postgres-password")
}
cleanup() {
  [ -n "$MESHTRACE" ] && kill "$MESHTRACE" 2>/dev/null && wait "$MESHTRACE" 2>/dev/null || true
  kill -CONT $(pg_pids) 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
postmaster() { pgrep -f -- "postgres -D $DATA/postgres" | head -1; }
pg_pids() { local pm; pm=$(postmaster) || return 0; [ -n "$pm" ] && echo "$pm $(pgrep -P "$pm" | tr '\n' ' ')"; }
psql_q() { psql -tA -h 127.0.0.1 -p "$PGPORT" -U meshtrace postgres -c "$1"; }
load() { # name seconds: in the background; its JSON line goes to $OUT/name.json
  $GEN --target zipkin --url "http://127.0.0.1:$ZIPKIN" --connections 8 --rate "$RATE" \
    --requests $(( RATE * $2 / 100 )) --warmup 0 --seed "$RANDOM" \
    --acked-file "$OUT/$1.acked" > "$OUT/$1.json" 2> "$OUT/$1.gen.log" &
  LOAD=$!
}
gen_field() { python3 -c "import json;print(json.dumps(json.load(open('$OUT/$1.json'))$2))"; }
# Spans of acknowledged traces that PostgreSQL does not hold (a trace is 10 spans).
lost_spans() {
  psql -tA -h 127.0.0.1 -p "$PGPORT" -U meshtrace postgres -c "CREATE TEMP TABLE acked (trace_id uuid)" \
    -c "COPY acked FROM STDIN" \
    -c "SELECT coalesce(sum(greatest(0, 10 - (SELECT count(*) FROM spans s WHERE s.trace_id = a.trace_id))), 0) FROM acked a" \
    < "$OUT/$1.acked" | tail -1
}
# Polls ingest with one span a second time: the seconds from $2 until a span is acknowledged.
time_to_ingest() {
  local from=$1
  for _ in $(seq 1 1200); do
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 -X POST -H 'Content-Type: application/json' \
      "http://127.0.0.1:$ZIPKIN/api/v2/spans" -d "[{\"traceId\":\"$(openssl rand -hex 16)\",\"id\":\"1\",\"name\":\"probe\",\"timestamp\":$(( $(date +%s%N) / 1000 )),\"duration\":1,\"localEndpoint\":{\"serviceName\":\"probe\"}}]" || true)
    [ "$code" = 202 ] && { since "$from"; return 0; }
    sleep 0.1
  done
  echo -1
}
report() { # name [more JSON]
  local name=$1 extra=${2:-}
  wait "$LOAD" || true
  local ok lost
  ok=$(gen_field "$name" "['okRequests']")
  lost=$(lost_spans "$name")
  echo "{\"drill\":\"$name\",\"rate\":$RATE,\"ackedSpans\":$(( ok * 100 )),\"lostSpans\":$lost,\"outcomes\":$(gen_field "$name" "['outcomes']"),\"ackP99Ms\":$(gen_field "$name" "['latencyMs']['p99']")$extra}" \
    | tee -a "$OUT/drills.jsonl"
}

meshtrace_start
echo "meshtrace on $ZIPKIN, PostgreSQL on $PGPORT"
$GEN --target zipkin --url "http://127.0.0.1:$ZIPKIN" --connections 8 --requests 500 --warmup 0 >/dev/null 2>&1

if has_drill meshtrace-kill; then
  echo "-- meshtrace-kill"
  load meshtrace-kill 60
  sleep 20
  kill -9 "$MESHTRACE"; wait "$MESHTRACE" 2>/dev/null || true
  killed=$(now)
  meshtrace_start
  ready=$(since "$killed")
  echo "  killed and started again: ready after ${ready} s"
  report meshtrace-kill ",\"readySecondsAfterKill\":$ready"
fi

if has_drill postgres-kill; then
  echo "-- postgres-kill"
  load postgres-kill 60
  sleep 20
  pm=$(postmaster)
  kill -9 "$pm"
  killed=$(now)
  back=$(time_to_ingest "$killed")
  echo "  postmaster $pm killed: ingest back after ${back} s"
  restarts=$(curl -s "http://127.0.0.1:$ADMIN/metrics" | awk '/^meshtrace_embedded_postgres_restarts_total/ {print $2}')
  report postgres-kill ",\"ingestBackSecondsAfterKill\":$back,\"restarts\":$restarts"
fi

if has_drill sigterm; then
  echo "-- sigterm"
  load sigterm 60
  sleep 20
  kill -TERM "$MESHTRACE"
  termed=$(now)
  unready=
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ADMIN/readyz" || true)" != 200 ] && { unready=$(since "$termed"); break; }
    sleep 0.05
  done
  wait "$MESHTRACE" 2>/dev/null || true
  exited=$(since "$termed")
  echo "  SIGTERM: unready after ${unready} s, exited after ${exited} s"
  sleep 10
  meshtrace_start
  report sigterm ",\"unreadySecondsAfterTerm\":$unready,\"exitedSecondsAfterTerm\":$exited"
fi

if has_drill postgres-hang; then
  echo "-- postgres-hang (${HANG} s)"
  load postgres-hang $(( HANG + 50 ))
  sleep 20
  pids=$(pg_pids)
  kill -STOP $pids
  stopped=$(now)
  unready=
  for _ in $(seq 1 400); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ADMIN/readyz" || true)" != 200 ] && { unready=$(since "$stopped"); break; }
    sleep 0.1
  done
  probe=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 60 -X POST -H 'Content-Type: application/json' \
    "http://127.0.0.1:$ZIPKIN/api/v2/spans" -d "[{\"traceId\":\"$(openssl rand -hex 16)\",\"id\":\"1\",\"name\":\"probe\",\"timestamp\":$(( $(date +%s%N) / 1000 )),\"duration\":1,\"localEndpoint\":{\"serviceName\":\"probe\"}}]" || true)
  echo "  PostgreSQL stopped: unready after ${unready} s; a request meanwhile: $probe"
  sleep $(( HANG > 0 ? HANG : 1 ))
  kill -CONT $pids
  resumed=$(now)
  back=$(time_to_ingest "$resumed")
  echo "  PostgreSQL continued: ingest back after ${back} s"
  report postgres-hang ",\"hangSeconds\":$HANG,\"unreadySecondsAfterStop\":$unready,\"probeDuringHang\":\"$probe\",\"ingestBackSecondsAfterCont\":$back"
fi

if has_drill poison; then
  echo "-- poison"
  psql_q "CREATE OR REPLACE FUNCTION drill_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN IF EXISTS (SELECT 1 FROM operations WHERE id = NEW.operation_id AND name = 'poison') THEN RAISE EXCEPTION 'poison span' USING ERRCODE = 'P0001'; END IF; RETURN NEW; END \$\$" >/dev/null
  psql_q "CREATE TRIGGER drill_refuse_poison BEFORE INSERT ON spans FOR EACH ROW EXECUTE FUNCTION drill_refuse_poison()" >/dev/null
  load poison 60
  : > "$OUT/poison-answers.txt"
  while kill -0 "$LOAD" 2>/dev/null; do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 -X POST -H 'Content-Type: application/json' \
      "http://127.0.0.1:$ZIPKIN/api/v2/spans" -d "[{\"traceId\":\"$(openssl rand -hex 16)\",\"id\":\"1\",\"name\":\"poison\",\"timestamp\":$(( $(date +%s%N) / 1000 )),\"duration\":1,\"localEndpoint\":{\"serviceName\":\"frontend\"}}]" >> "$OUT/poison-answers.txt" || true
    sleep 0.2
  done
  psql_q "DROP TRIGGER drill_refuse_poison ON spans" >/dev/null
  answers=$(sort "$OUT/poison-answers.txt" | uniq -c | awk '{printf "%s\"%s\":%s", (n++ ? "," : ""), $2, $1}')
  report poison ",\"poisonAnswers\":{$answers}"
fi
echo "results in $OUT"

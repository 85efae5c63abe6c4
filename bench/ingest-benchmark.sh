#!/usr/bin/env bash
# The ingest benchmark behind bench/RESULTS.md. From the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/ingest-benchmark.sh [RUNS]                       (default 5)
#   BEFORE_JAR=/path/to/older/meshtrace.jar bench/ingest-benchmark.sh [RUNS]
#   PHASES="python" bench/ingest-benchmark.sh [RUNS]      (only some parts: python closed rate)
#   TENANT=bench bench/ingest-benchmark.sh [RUNS]          (meshtrace with --tenancy true, the
#                                 generator sending X-Scope-OrgID: bench; the python phase, which
#                                 sends no tenant header, is then left out)
# It starts meshtrace all-in-one with its embedded PostgreSQL on a fresh data directory (with
# BEFORE_JAR, first that jar the same way, so that a change is measured before and after in one
# run), then Zipkin's own server (in-memory storage, exec jar from Maven Central) on the same
# machine, and sends them all the same spans, made by trace-generator (meshtrace gen's
# generator, seed 1) as Istio's sidecars alone report them: traces of exactly 10 spans over 4
# services in a chain (edge-gateway -> frontend -> cart -> checkout, 7 spans, and 3 calls to
# PostgreSQL or Kafka), Envoy's 20 tags on every span (22 on the root), 2 % of traces failing;
# 100 spans a request (about 107 kB as Zipkin JSON, 89 kB as OTLP protobuf; Jaeger's HTTP bodies
# are 100 spans of one service as a Thrift binary Batch, as Jaeger's clients send them). The shared neutral
# Zipkin load generator (../shared/tools/zipkin_loadgen.py) runs against each server too, with 2
# and 8 workers. Raw results (one JSON line per run) and a summary of medians go to
# bench/target/ingest-<time>/.
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/target/ingest-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
JAR=$ROOT/mesh-collector/target/meshtrace.jar
BEFORE_JAR=${BEFORE_JAR:-}
# The generator runs with C1 only and the serial GC: a fresh JVM per run would otherwise spend a
# sizable part of a core compiling, which the servers would lose on this 2-core machine.
GEN="java -Xmx3g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar $ROOT/bench/target/meshtrace-bench.jar"
PY_LOADGEN=$ROOT/../shared/tools/zipkin_loadgen.py
REQUESTS=${REQUESTS:-3000}      # 100 spans (10 traces) each
# Which parts run: python (the shared generator), closed (closed loop), rate (30k spans/s).
TENANT=${TENANT:-}
if [ -n "$TENANT" ]; then
  PHASES=${PHASES:-closed rate}
  TENANCY_FLAGS="--tenancy true --jaeger-udp-tenant $TENANT"
  TENANT_FLAGS="--tenant $TENANT"
else
  PHASES=${PHASES:-python closed rate}
  TENANCY_FLAGS=
  TENANT_FLAGS=
fi
has_phase() { case " $PHASES " in *" $1 "*) return 0;; *) return 1;; esac; }
ZIPKIN_VERSION=3.6.1
MESHTRACE=
ZIPKIN=
trap 'for p in $MESHTRACE $ZIPKIN; do kill $p 2>/dev/null || true; done' EXIT

wait_for() { for _ in $(seq 1 240); do curl -sf "$1" >/dev/null && return 0; sleep 0.5; done; return 1; }

python_loadgen() { # server-label url pids [verify command]
  local server=$1 url=$2 pids=$3 verify=${4:-}
  for workers in 2 8; do
    for r in 1 2 3; do
      if [ -n "$verify" ]; then
        python3 "$PY_LOADGEN" --url "$url" --requests 2000 --spans-per-request 100 \
          --workers $workers --warmup 200 --server-pids "$pids" --verify-cmd "$verify" --json
      else
        python3 "$PY_LOADGEN" --url "$url" --requests 2000 --spans-per-request 100 \
          --workers $workers --warmup 200 --server-pids "$pids" --json
      fi | tail -1 | sed "s/^{/{\"label\":\"python-loadgen-${workers}w\",\"server\":\"$server\",/" \
        >> "$OUT/results.jsonl"
      tail -1 "$OUT/results.jsonl" | cut -c1-160
    done
  done
}

meshtrace_runs() { # server-label jar
  local server=$1 jar=$2
  echo "== $server: $jar"
  local data=$OUT/$server-data
  # shellcheck disable=SC2086 # TENANCY_FLAGS is several words or none
  java -jar "$jar" all-in-one --bind 127.0.0.1 --data-dir "$data" $TENANCY_FLAGS \
    > "$OUT/$server.log" 2>&1 &
  MESHTRACE=$!
  wait_for http://127.0.0.1:14269/readyz
  local pgport pgpid pgurl
  pgport=$(grep -o "ready on 127.0.0.1:[0-9]*" "$OUT/$server.log" | tail -1 | grep -o "[0-9]*$")
  pgpid=$(head -1 "$data/postgres/postmaster.pid")
  # Since issue 18 the embedded server asks for the password in the data directory (an older
  # jar's trusts any local connection: no file, no password).
  pgurl=postgresql://meshtrace@127.0.0.1:$pgport/postgres
  if [ -f "$data/postgres-password" ]; then
    export PGPASSWORD=$(cat "$data/postgres-password")
    pgurl=postgresql://meshtrace:$PGPASSWORD@127.0.0.1:$pgport/postgres
  fi
  run() { # label target url connections [more generator flags]
    local label=$1 target=$2 url=$3 conns=$4; shift 4
    $GEN --target "$target" --url "$url" --connections "$conns" --requests "$REQUESTS" \
      --warmup 300 --server-pids "$MESHTRACE,$pgpid" --pg-url "$pgurl" $TENANT_FLAGS "$@" 2>/dev/null \
      | sed "s/^{/{\"label\":\"$label\",\"server\":\"$server\",/" >> "$OUT/results.jsonl"
    tail -1 "$OUT/results.jsonl" | cut -c1-160
  }
  echo "-- warm-up (not counted): each transport, then Zipkin JSON until the JIT has settled"
  for target in zipkin otlp-http otlp-grpc; do
    $GEN --target $target --url http://127.0.0.1:$([ $target = zipkin ] && echo 9411 || ([ $target = otlp-http ] && echo 4318 || echo 4317)) \
      --connections 2 --requests "$REQUESTS" --warmup 300 >/dev/null 2>&1
  done
  for _ in 1 2 3; do
    $GEN --target zipkin --url http://127.0.0.1:9411 --connections 8 --requests "$REQUESTS" \
      --warmup 300 >/dev/null 2>&1
  done
  # Jaeger's collector HTTP port, where the jar has it (older jars have not).
  local jaeger=
  if [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/x-thrift' \
      http://127.0.0.1:14268/api/traces)" = 400 ]; then
    jaeger=1
    $GEN --target jaeger-http --url http://127.0.0.1:14268 --connections 2 --requests "$REQUESTS" \
      --warmup 300 >/dev/null 2>&1
  fi
  if has_phase python; then
    echo "-- the shared neutral Zipkin load generator (Python), 2 and 8 workers, 3 rounds each"
    python_loadgen "$server" http://127.0.0.1:9411/api/v2/spans "$MESHTRACE,$pgpid" \
      "psql -tA -h 127.0.0.1 -p $pgport -U meshtrace postgres -c 'select count(*) from spans'"
  fi
  if has_phase closed; then
    echo "-- closed loop, $RUNS rounds"
    for r in $(seq 1 "$RUNS"); do
      run zipkin-json-2conn zipkin http://127.0.0.1:9411 2
      run zipkin-json-8conn zipkin http://127.0.0.1:9411 8
      run otlp-http-2conn otlp-http http://127.0.0.1:4318 2
      run otlp-grpc-2conn otlp-grpc http://127.0.0.1:4317 2
      if [ -n "$jaeger" ]; then
        run jaeger-http-2conn jaeger-http http://127.0.0.1:14268 2
      fi
    done
  fi
  if has_phase rate; then
    echo "-- ack latency at 30k spans/s, $RUNS rounds"
    for r in $(seq 1 "$RUNS"); do
      run zipkin-json-30k-rate zipkin http://127.0.0.1:9411 2 --rate 30000 --requests 6000 --unique-requests 1500
      run otlp-http-30k-rate otlp-http http://127.0.0.1:4318 2 --rate 30000 --requests 6000 --unique-requests 1500
    done
  fi
  psql -tA -h 127.0.0.1 -p "$pgport" -U meshtrace postgres \
    -c "select count(*), pg_total_relation_size('spans'), (select sum(pg_total_relation_size(c.oid)) from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'spans'::regclass) from spans" \
    > "$OUT/$server-storage.txt"
  kill $MESHTRACE; wait $MESHTRACE 2>/dev/null || true
  MESHTRACE=
}

if [ -n "$BEFORE_JAR" ]; then
  meshtrace_runs meshtrace-before "$BEFORE_JAR"
fi
meshtrace_runs meshtrace "$JAR"

echo "== Zipkin $ZIPKIN_VERSION, in-memory storage"
PEER=$ROOT/bench/target/peer
if [ ! -f "$PEER/zipkin-server-$ZIPKIN_VERSION-exec.jar" ]; then
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact=io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec -DoutputDirectory="$PEER"
fi
STORAGE_TYPE=mem java -jar "$PEER/zipkin-server-$ZIPKIN_VERSION-exec.jar" \
  --armeria.ports[0].ip=127.0.0.1 --armeria.ports[0].port=19411 --armeria.ports[0].protocols[0]=http \
  > "$OUT/zipkin.log" 2>&1 &
ZIPKIN=$!
wait_for http://127.0.0.1:19411/health
for _ in 1 2 3; do
  $GEN --target zipkin --url http://127.0.0.1:19411 --connections 8 --requests "$REQUESTS" --warmup 300 >/dev/null 2>&1
done
if has_phase python; then
  python_loadgen zipkin-mem http://127.0.0.1:19411/api/v2/spans "$ZIPKIN"
fi
for r in $(seq 1 "$RUNS"); do
  has_phase closed || has_phase rate || break
  for conns in 2 8; do
    $GEN --target zipkin --url http://127.0.0.1:19411 --connections $conns --requests "$REQUESTS" \
      --warmup 300 --server-pids "$ZIPKIN" 2>/dev/null \
      | sed "s/^{/{\"label\":\"zipkin-json-${conns}conn\",\"server\":\"zipkin-mem\",/" >> "$OUT/results.jsonl"
    tail -1 "$OUT/results.jsonl" | cut -c1-160
  done
  $GEN --target zipkin --url http://127.0.0.1:19411 --connections 2 --requests 6000 --unique-requests 1500 \
    --rate 30000 --warmup 300 --server-pids "$ZIPKIN" 2>/dev/null \
    | sed 's/^{/{"label":"zipkin-json-30k-rate","server":"zipkin-mem",/' >> "$OUT/results.jsonl"
done
kill $ZIPKIN; wait $ZIPKIN 2>/dev/null || true
ZIPKIN=

python3 "$ROOT/bench/summarize.py" "$OUT/results.jsonl" "$OUT"/meshtrace*-storage.txt | tee "$OUT/summary.md"
echo "results in $OUT"

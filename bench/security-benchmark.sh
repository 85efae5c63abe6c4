#!/usr/bin/env bash
# What TLS, tenancy and authentication cost at ingest (issue "[5 of 7] Safe to expose"). From
# the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/security-benchmark.sh [RUNS]          (default 5)
# It starts four meshtrace all-in-one servers side by side, each with its own embedded
# PostgreSQL on a fresh data directory and its own ports:
#   plain    as shipped: no TLS, no tenancy, no credentials
#   tls      --tls-cert/--tls-key on every listener (a CA made here with openssl, EC P-256)
#   tenancy  --tenancy true, every request with x-scope-orgid: team-a
#   all      TLS, tenancy, --auth-file with --auth-ingest true (a bearer token on every request)
# and sends each the same spans in turn, round after round (so that the machine's noise falls
# on all four alike): Zipkin JSON over 8 connections and OTLP/gRPC over 2 (closed loop), then
# Zipkin JSON at 30,000 spans/s (open loop) for the ack latency. Workload and columns as in
# bench/ingest-benchmark.sh. Raw results (one JSON line per run) and a summary of medians go to
# bench/target/security-<time>/.
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/target/security-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
JAR=$ROOT/mesh-collector/target/meshtrace.jar
GEN="java -Xmx3g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar $ROOT/bench/target/meshtrace-bench.jar"
REQUESTS=${REQUESTS:-3000}      # 100 spans (10 traces) each
CONFIGS="plain tls tenancy all"
TOKEN=bench-$(openssl rand -hex 16)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done' EXIT

wait_for() { for _ in $(seq 1 240); do curl -skf "$1" >/dev/null && return 0; sleep 0.5; done; return 1; }

echo "-- certificates: a CA and a server certificate for 127.0.0.1 and localhost"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=bench-ca -keyout "$OUT/ca.key" -out "$OUT/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=meshtrace \
  -keyout "$OUT/server.key" -out "$OUT/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$OUT/san.ext"
openssl x509 -req -in "$OUT/server.csr" -CA "$OUT/ca.crt" -CAkey "$OUT/ca.key" \
  -CAcreateserial -days 2 -extfile "$OUT/san.ext" -out "$OUT/server.crt" 2>/dev/null
cat > "$OUT/auth.yaml" <<EOF
tokens:
  - token: $TOKEN
    roles: [read, write, admin]
EOF

base_port() { case $1 in plain) echo 20000;; tls) echo 21000;; tenancy) echo 22000;; all) echo 23000;; esac; }
flags() {
  case $1 in
    plain) ;;
    tls) echo "--tls-cert $OUT/server.crt --tls-key $OUT/server.key";;
    tenancy) echo "--tenancy true";;
    all) echo "--tls-cert $OUT/server.crt --tls-key $OUT/server.key --tenancy true" \
      "--auth-file $OUT/auth.yaml --auth-ingest true";;
  esac
}
scheme() { case $1 in tls|all) echo https;; *) echo http;; esac; }
# The generator's --headers for a configuration, in the array HEADERS (a value has a space).
headers() {
  case $1 in
    tenancy) HEADERS=(--headers "x-scope-orgid:team-a");;
    all) HEADERS=(--headers "x-scope-orgid:team-a,authorization:Bearer $TOKEN");;
    *) HEADERS=();;
  esac
}

declare -A SERVER_PIDS PG_URLS
for c in $CONFIGS; do
  b=$(base_port $c)
  data=$OUT/$c-data
  # shellcheck disable=SC2046
  java -jar "$JAR" all-in-one --bind 127.0.0.1 --data-dir "$data" \
    --zipkin-port $((b + 11)) --otlp-grpc-port $((b + 17)) --otlp-http-port $((b + 18)) \
    --jaeger-compact-port -1 --jaeger-binary-port -1 --jaeger-http-port $((b + 68)) \
    --query-port $((b + 86)) --sampling-http-port $((b + 78)) --sampling-grpc-port $((b + 50)) \
    --xds-port $((b + 0)) --admin-port $((b + 69)) $(flags $c) > "$OUT/$c.log" 2>&1 &
  PIDS+=($!)
  SERVER_PIDS[$c]=$!
done
for c in $CONFIGS; do
  b=$(base_port $c)
  wait_for "$(scheme $c)://127.0.0.1:$((b + 69))/readyz" || { echo "$c did not start"; tail "$OUT/$c.log"; exit 1; }
  data=$OUT/$c-data
  pgport=$(grep -o "ready on 127.0.0.1:[0-9]*" "$OUT/$c.log" | tail -1 | grep -o "[0-9]*$")
  password=$(cat "$data/postgres-password" 2>/dev/null || true)
  PG_URLS[$c]=postgresql://meshtrace${password:+:$password}@127.0.0.1:$pgport/postgres
  SERVER_PIDS[$c]=${SERVER_PIDS[$c]},$(head -1 "$data/postgres/postmaster.pid")
done

run() { # config label target port connections [more generator flags]
  local c=$1 label=$2 target=$3 port=$4 conns=$5; shift 5
  headers "$c"
  $GEN --target "$target" --url "$(scheme $c)://127.0.0.1:$(( $(base_port $c) + port ))" \
    --ca-file "$OUT/ca.crt" "${HEADERS[@]}" --connections "$conns" --requests "$REQUESTS" \
    --warmup 300 --server-pids "${SERVER_PIDS[$c]}" --pg-url "${PG_URLS[$c]}" "$@" 2>>"$OUT/generator.log" \
    | sed "s/^{/{\"label\":\"$label\",\"server\":\"$c\",/" >> "$OUT/results.jsonl"
  tail -1 "$OUT/results.jsonl" | cut -c1-160
}

echo "-- warm-up (not counted)"
for c in $CONFIGS; do
  for _ in 1 2; do
    run "$c" warmup zipkin 11 8 > /dev/null
    run "$c" warmup otlp-grpc 17 2 > /dev/null
  done
done
sed -i '/"label":"warmup"/d' "$OUT/results.jsonl"
for r in $(seq 1 "$RUNS"); do
  echo "-- round $r"
  for c in $CONFIGS; do
    run "$c" zipkin-json-8conn zipkin 11 8
    run "$c" otlp-grpc-2conn otlp-grpc 17 2
    run "$c" zipkin-json-30k-rate zipkin 11 2 --rate 30000 --requests 6000 --unique-requests 1500
  done
done
for c in $CONFIGS; do
  psql "${PG_URLS[$c]}" -tA \
    -c "select count(*), pg_total_relation_size('spans'), (select sum(pg_total_relation_size(c.oid)) from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'spans'::regclass) from spans" \
    > "$OUT/$c-storage.txt" || true
done
python3 "$ROOT/bench/summarize.py" "$OUT/results.jsonl" "$OUT"/*-storage.txt | tee "$OUT/summary.md"
echo "results in $OUT"

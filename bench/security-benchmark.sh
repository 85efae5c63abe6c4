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
CONFIGS="plain tls tenancy all"
TOKEN=bench-$(openssl rand -hex 16)
# shellcheck source=bench/side-by-side.sh
. "$ROOT/bench/side-by-side.sh"

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
headers() {
  case $1 in
    tenancy) HEADERS=(--headers "x-scope-orgid:team-a");;
    all) HEADERS=(--headers "x-scope-orgid:team-a,authorization:Bearer $TOKEN");;
    *) HEADERS=();;
  esac
}

start_servers
warm_up
rounds
summarize

#!/usr/bin/env bash
# How fast a sampling strategy change reaches the SDKs (remote sampling, :5778) and the edge
# gateway (xDS, :18000): bench/RESULTS.md "Sampling changes". From the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/sampling-benchmark.sh
# It starts meshtrace all-in-one (embedded PostgreSQL, fresh data directory) with a strategies
# file, an admin token and the example gateway routes, then SamplingPropagationBenchmark changes
# the edge gateway's probability ROUNDS times by editing the file and ROUNDS times through the
# admin API, and times each change until the HTTP endpoint serves it and until the ADS client
# receives routes with the new random_sampling. Raw lines in bench/target/sampling-<time>/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/target/sampling-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
JAR=$ROOT/mesh-collector/target/meshtrace.jar
ROUNDS=${ROUNDS:-30}
TOKEN=bench-$RANDOM$RANDOM
echo '{"service_strategies": [{"service": "edge-gateway", "type": "probabilistic", "param": 0.05}]}' \
  > "$OUT/strategies.json"
java -Xmx1g -jar "$JAR" all-in-one --bind 127.0.0.1 --data-dir "$OUT/meshtrace-data" \
  --zipkin-port 0 --otlp-grpc-port 0 --otlp-http-port 0 --query-port 0 --sampling-http-port 0 \
  --jaeger-compact-port 0 --jaeger-binary-port 0 --jaeger-http-port 0 \
  --sampling-grpc-port 0 --xds-port 0 --admin-port 0 --ports-file "$OUT/ports.json" \
  --sampling-strategies "$OUT/strategies.json" --admin-token "$TOKEN" \
  --gateway-routes "$ROOT/examples/edge-gateway/gateway-routes.yaml" >> "$OUT/meshtrace.log" 2>&1 &
MESHTRACE=$!
trap 'kill $MESHTRACE 2>/dev/null; wait $MESHTRACE 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do [[ -s "$OUT/ports.json" ]] && break; sleep 0.5; done
java -cp "$ROOT/bench/target/meshtrace-bench.jar" io.meshtrace.bench.SamplingPropagationBenchmark \
  "$OUT/ports.json" "$OUT/strategies.json" "$TOKEN" "$ROUNDS" | tee "$OUT/results.jsonl"

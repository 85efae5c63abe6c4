#!/usr/bin/env bash
# The Jaeger UDP benchmark behind bench/RESULTS.md. From the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/jaeger-udp-benchmark.sh
# It starts meshtrace all-in-one with its embedded PostgreSQL on a fresh data directory and
# sends it Jaeger agent packets (Agent.emitBatch, Thrift compact, up to 65,000 bytes of one
# service's spans each, trace-generator's Envoy-shaped spans) on UDP 6831 at fixed rates
# (JaegerUdpBenchmark): the rate grows until a 15 s probe loses a packet, the highest lossless
# rate is held for 60 s, then twice that for 60 s. Lost packets are read from
# meshtrace_udp_packets_total (stored, dropped by meshtrace) and from what was sent (never read:
# the kernel's receive buffer overflowed). Results (one JSON line per step) go to
# bench/target/jaeger-udp-<time>/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/target/jaeger-udp-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
JAR=$ROOT/mesh-collector/target/meshtrace.jar
MESHTRACE=
trap 'if [ -n "$MESHTRACE" ]; then kill $MESHTRACE 2>/dev/null || true; fi' EXIT

java -jar "$JAR" all-in-one --bind 127.0.0.1 --data-dir "$OUT/meshtrace-data" "$@" \
  > "$OUT/meshtrace.log" 2>&1 &
MESHTRACE=$!
for _ in $(seq 1 240); do curl -sf http://127.0.0.1:14269/readyz >/dev/null && break; sleep 0.5; done
echo "net.core.rmem_max: $(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo unknown)" | tee "$OUT/system.txt"
java -Xmx3g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -cp "$ROOT/bench/target/meshtrace-bench.jar" io.meshtrace.bench.JaegerUdpBenchmark \
  --port 6831 --metrics-url http://127.0.0.1:14269/metrics \
  --probe-seconds "${PROBE_SECONDS:-15}" --hold-seconds "${HOLD_SECONDS:-60}" \
  --start-rate "${START_RATE:-100}" | tee "$OUT/results.jsonl"
grep -h "UDP\|udp" "$OUT/meshtrace.log" | head -5 || true
echo "results in $OUT"

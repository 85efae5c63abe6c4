#!/usr/bin/env bash
# Late spans against spans of now through the storage's writer (bench/RESULTS.md, "Dependency
# links"): LateWriteBenchmark on the embedded PostgreSQL of an all-in-one started for it. From
# the repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/late-writes-benchmark.sh [ROUNDS]     (default 7, the first not counted)
# Raw lines go to bench/target/late-writes-<time>/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/target/late-writes-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
source "$ROOT/bench/lib/all-in-one.sh"
trap '[ -n "${MESHTRACE:-}" ] && kill $MESHTRACE 2>/dev/null; true' EXIT
# The server only provides PostgreSQL: its linker is off, nothing else writes.
start_meshtrace --hourly-dependency-links false --span-metrics false
pgport=$(grep -o "ready on 127.0.0.1:[0-9]*" "$OUT/meshtrace.log" | tail -1 | grep -o "[0-9]*$")
password=$(cat "$OUT/meshtrace-data/postgres-password")
java -Xmx2g -cp "${BENCH_JAR:-$ROOT/bench/target/meshtrace-bench.jar}" \
  io.meshtrace.bench.LateWriteBenchmark \
  --pg-url "postgresql://meshtrace:$password@127.0.0.1:$pgport/postgres" --rounds "${1:-7}" \
  | tee "$OUT/results.jsonl"
echo "results in $OUT"

#!/usr/bin/env bash
# The dependency-links benchmark behind bench/RESULTS.md ("Dependency links"). From the
# repository root, after
#   mvn -B -q -DskipTests package
# run
#   bench/dependencies-benchmark.sh
# It loads SPANS (default 1,000,000) spans of the query benchmark's shop (QueryBenchmark load:
# trace-generator's 14 services, about 13.5 spans a trace, spread over the 26 hours before now)
# into all-in-one with --hourly-dependency-links false, and times the dependency requests of
# Jaeger's API (/api/dependencies, lookback 1 h and 24 h, as Jaeger UI's page asks) and Zipkin's
# (/api/v2/dependencies, the same windows): every trace of the window linked on read. Then it
# starts again on the same data with the hours linked (the default), times how long the linker
# takes to link the closed hours, and times the same requests: the linked hours read as stored,
# the rest linked on read. The answers of the two must be equal (checked). RUNS requests of each
# (default 9 linked on read, 4 times as many from linked hours), one at a time; raw times in
# bench/target/dependencies-<time>/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/target/dependencies-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
BENCH="java -Xmx3g -cp ${BENCH_JAR:-$ROOT/bench/target/meshtrace-bench.jar} io.meshtrace.bench.QueryBenchmark"
SPANS=${SPANS:-1000000}
RUNS=${RUNS:-9}
END_MICROS=$(( $(date +%s) * 1000000 ))
END_MS=$(( END_MICROS / 1000 ))

source "$ROOT/bench/lib/all-in-one.sh"
trap '[ -n "${MESHTRACE:-}" ] && kill $MESHTRACE 2>/dev/null; true' EXIT

links() { # answer file: how many links it holds (Jaeger's are under "data")
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['data'] if isinstance(d, dict) else d))" "$1"
}

metric() { # name with labels
  curl -s http://127.0.0.1:14269/metrics | awk -v m="$1" '$1 == m { print $2 }'
}

# time_requests label runs: times each request, keeps the last answer of each
time_requests() {
  local label=$1 runs=$2
  for lookback_h in 1 24; do
    local lookback=$(( lookback_h * 3600000 ))
    for api in jaeger zipkin; do
      local url
      if [ $api = jaeger ]; then
        url="http://127.0.0.1:16686/api/dependencies?endTs=$END_MS&lookback=$lookback"
      else
        url="http://127.0.0.1:9411/api/v2/dependencies?endTs=$END_MS&lookback=$lookback"
      fi
      curl -sf -o /dev/null "$url" # warm-up, not counted
      local times=()
      for _ in $(seq 1 "$runs"); do
        times+=("$(curl -sf -o "$OUT/answer-$label-$api-${lookback_h}h.json" \
          -w '%{time_total}' "$url")")
      done
      printf '%s\n' "${times[@]}" > "$OUT/times-$label-$api-${lookback_h}h.txt"
      local median
      median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
      echo "{\"mode\":\"$label\",\"api\":\"$api\",\"lookback_hours\":$lookback_h,\"runs\":$runs,\"median_s\":$median,\"links\":$(links "$OUT/answer-$label-$api-${lookback_h}h.json")}" \
        | tee -a "$OUT/results.jsonl"
    done
  done
}

echo "== load $SPANS spans, hourly links off"
start_meshtrace --hourly-dependency-links false
$BENCH load --url http://127.0.0.1:9411 --spans "$SPANS" --hours 26 --end-micros "$END_MICROS" \
  --samples "$OUT/samples.jsonl" 2>"$OUT/load.err" | tee "$OUT/load.json"
sleep 6 # the links counted at ingest are flushed every 5 s (not read by these windows)
echo "== every window linked on read"
time_requests on-read "$RUNS"
stop_meshtrace

echo "== hourly links on: the linker's first look comes 30 s after start"
started=$(date +%s.%N)
start_meshtrace
linked=0
first_change=
for _ in $(seq 1 1200); do
  sleep 1
  now_linked=$(metric 'meshtrace_dependency_hours_linked_total{outcome="ok"}')
  now_linked=${now_linked%.*}
  # Done when hours have been linked and the count has stood still for 10 s.
  if [ "${now_linked:-0}" -gt 0 ] && [ "$now_linked" = "$linked" ]; then
    still=$(( ${still:-0} + 1 ))
    [ "$still" -ge 10 ] && break
  else
    still=0
    [ -z "$first_change" ] && [ "${now_linked:-0}" -gt 0 ] && first_change=$(date +%s.%N)
    linked=${now_linked:-0}
    last_change=$(date +%s.%N)
  fi
done
traces=$(metric meshtrace_dependency_traces_linked_total)
echo "{\"hours_linked\":$linked,\"traces_linked\":${traces%.*},\"seconds_from_start_to_first_hour_seen\":$(echo "$first_change - $started" | bc),\"seconds_first_to_last_hour_seen\":$(echo "$last_change - $first_change" | bc)}" \
  | tee "$OUT/linking.json"
time_requests linked $(( RUNS * 4 ))
stop_meshtrace

for f in "$OUT"/answer-on-read-*.json; do
  other=${f/answer-on-read-/answer-linked-}
  if python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if a == b else 1)" "$f" "$other"; then
    echo "equal: $(basename "$f") and $(basename "$other")"
  else
    echo "DIFFERENT: $(basename "$f") and $(basename "$other")"
  fi
done | tee "$OUT/answers.txt"
echo "results in $OUT"

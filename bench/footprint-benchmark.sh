#!/usr/bin/env bash
# The smallest footprint of meshtrace all-in-one (the JVM and its embedded PostgreSQL together)
# at a steady span rate: what a small board (1 GB, arm64) must hold. From the repository root,
# after
#   mvn -B -q -DskipTests package
# run
#   bench/footprint-benchmark.sh                      (each configuration of CONFIGS once)
#   CONFIGS="small" DURATION=600 bench/footprint-benchmark.sh
# Each configuration starts meshtrace all-in-one on a fresh data directory with its JVM options
# and flags, waits for /readyz, then bench's LoadGenerator sends Envoy-shaped Zipkin JSON spans
# (10-span traces over 4 services, Envoy's 20 tags a span; RESULTS.md, "Ingest") at RATE spans/s
# in an open loop for DURATION seconds, SPANS_PER_REQUEST a request (a sidecar's flush), after a
# WARMUP-request warm-up. Every second, memory is sampled from /proc:
#   - the JVM: VmRSS, and Pss from smaps_rollup;
#   - PostgreSQL: the postmaster and all its children (backends, checkpointer, WAL writer, ...),
#     the sum of their VmRSS (which counts each shared-buffer page once per process that touched
#     it: an overcount), the sum of their Pss (each shared page divided among the processes that
#     map it: the memory they really hold together), and the largest RssShmem (the part of
#     shared memory any one process has touched);
#   - both: the JVM's Pss + PostgreSQL's Pss.
# The kernel's page cache of PostgreSQL's data and WAL files is in none of these (it is not
# mapped; the kernel gives it back under pressure).
# Per configuration: bench/target/footprint-<time>/<config>-memory.tsv (one line a second, in
# KiB) and one JSON line in results.jsonl: the generator's own result (acked spans/s, ack latency
# percentiles, committed spans) and medians and peaks over the load (warm-up excluded) in MiB.
# Linux only (/proc). Sends to 127.0.0.1 only and stops by itself.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/bench/target/footprint-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
JAR=${JAR:-$ROOT/mesh-collector/target/meshtrace.jar}
BENCH_JAR=${BENCH_JAR:-$ROOT/bench/target/meshtrace-bench.jar}
RATE=${RATE:-1000}
DURATION=${DURATION:-300}
SPANS_PER_REQUEST=${SPANS_PER_REQUEST:-10}
WARMUP=${WARMUP:-3000}
CONFIGS=${CONFIGS:-"heap128 small"}
for f in "$JAR" "$BENCH_JAR"; do
  [ -f "$f" ] || { echo "missing $f: run mvn -B -q -DskipTests package first" >&2; exit 1; }
done
# The generator is not measured; C1 only and the serial GC keep it from taking a core.
GEN="java -Xmx1g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar $BENCH_JAR"

# JVM options and meshtrace flags of each configuration.
#   default:  the JVM's own choice of heap (a quarter of the machine's memory), for comparison.
#   heap128:  only a 128 MiB heap; meshtrace as shipped.
#   small:    README's small-board settings: a 128 MiB heap with the serial GC and C1 only, the
#             in-flight budget scaled to the heap, fewer connections, and a smaller PostgreSQL
#             (--embedded-pg-shared-buffers, --embedded-pg-max-connections).
config_java() {
  case $1 in
    default) echo "" ;;
    heap128) echo "-Xmx128m" ;;
    small) echo "-Xmx128m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=48m -XX:MaxMetaspaceSize=96m -XX:MaxDirectMemorySize=64m" ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
  esac
}
config_flags() {
  case $1 in
    default | heap128) echo "" ;;
    small) echo "--max-bytes-in-flight 32MiB --max-request-bytes 4MiB --max-decompressed-bytes 8MiB --max-spans-in-flight 20000 --http-event-loops 1 --pg-pool-size 2 --pg-write-pool-size 2 --writer-concurrency 1 --jaeger-udp-sockets 1 --jaeger-udp-socket-buffer-bytes 0 --embedded-pg-shared-buffers 32MiB --embedded-pg-max-connections 20" ;;
  esac
}

MESHTRACE=
SAMPLER=
cleanup() {
  for p in $SAMPLER $MESHTRACE; do kill "$p" 2>/dev/null || true; done
  [ -z "$MESHTRACE" ] || wait "$MESHTRACE" 2>/dev/null || true
}
trap cleanup EXIT

ALL_PORTS_FREE="--zipkin-port 0 --otlp-grpc-port 0 --otlp-http-port 0 --jaeger-compact-port 0
  --jaeger-binary-port 0 --jaeger-http-port 0 --query-port 0 --sampling-http-port 0
  --sampling-grpc-port 0 --xds-port 0 --admin-port 0"
port_of() { grep -o "\"$2\":[0-9]*" "$1" | grep -o '[0-9]*$'; }

wait_for() { for _ in $(seq 1 240); do curl -sf "$1" >/dev/null && return 0; sleep 0.5; done; return 1; }

# KiB of a /proc/PID/status or smaps_rollup field, 0 once the process is gone.
field_kb() { awk -v k="$2:" '$1 == k {print $2; found = 1} END {if (!found) print 0}' "$1" 2>/dev/null || echo 0; }

pg_pids() { # the postmaster and its children
  echo "$1"
  ps -o pid= --ppid "$1" 2>/dev/null || true
}

# One line a second: seconds, JVM RSS, JVM PSS, PostgreSQL processes, their RSS sum, PSS sum,
# largest RssShmem (KiB), until the JVM exits or the sampler is killed.
sample() { # jvm-pid postmaster-pid file
  local jvm=$1 pm=$2 file=$3 start
  start=$(date +%s)
  echo -e "seconds\tjvm_rss_kib\tjvm_pss_kib\tpg_processes\tpg_rss_sum_kib\tpg_pss_sum_kib\tpg_shmem_max_kib" > "$file"
  while kill -0 "$jvm" 2>/dev/null; do
    local n=0 rss=0 pss=0 shm=0 pid r s m
    for pid in $(pg_pids "$pm"); do
      r=$(field_kb "/proc/$pid/status" VmRSS)
      s=$(field_kb "/proc/$pid/smaps_rollup" Pss)
      m=$(field_kb "/proc/$pid/status" RssShmem)
      n=$((n + 1)); rss=$((rss + r)); pss=$((pss + s))
      [ "$m" -gt "$shm" ] && shm=$m
    done
    echo -e "$(( $(date +%s) - start ))\t$(field_kb "/proc/$jvm/status" VmRSS)\t$(field_kb "/proc/$jvm/smaps_rollup" Pss)\t$n\t$rss\t$pss\t$shm" >> "$file"
    sleep 1
  done
}

# Median and peak, in MiB, of a column over the lines from second FROM on.
stats() { # file column from
  awk -F'\t' -v c="$2" -v from="$3" 'NR > 1 && $1 >= from && $c > 0 {print $c}' "$1" | sort -n \
    | awk '{v[NR] = $1} END {if (NR == 0) {print "null null"; exit}
        printf "%.0f %.0f\n", v[int((NR + 1) / 2)] / 1024, v[NR] / 1024}'
}
stats_sum() { # file columnA columnB from: median and peak of A + B per line
  awk -F'\t' -v a="$2" -v b="$3" -v from="$4" 'NR > 1 && $1 >= from && $a > 0 {print $a + $b}' "$1" \
    | sort -n | awk '{v[NR] = $1} END {if (NR == 0) {print "null null"; exit}
        printf "%.0f %.0f\n", v[int((NR + 1) / 2)] / 1024, v[NR] / 1024}'
}

run_config() {
  local name=$1 java_opts flags data log pm pgport pgurl
  java_opts=$(config_java "$name")
  flags=$(config_flags "$name")
  data=$OUT/$name-data
  log=$OUT/$name.log
  echo "== $name: java $java_opts -jar meshtrace.jar all-in-one $flags"
  # shellcheck disable=SC2086 # options and flags are several words
  # Every port picked free (other servers may run on this machine), read from --ports-file.
  java $java_opts -jar "$JAR" all-in-one --bind 127.0.0.1 --data-dir "$data" \
    --ports-file "$OUT/$name-ports.json" $ALL_PORTS_FREE $flags > "$log" 2>&1 &
  MESHTRACE=$!
  for _ in $(seq 1 240); do [ -s "$OUT/$name-ports.json" ] && break; sleep 0.5; done
  [ -s "$OUT/$name-ports.json" ] || { echo "meshtrace did not start:"; tail -20 "$log"; exit 1; }
  local zipkin admin
  zipkin=$(port_of "$OUT/$name-ports.json" zipkin)
  admin=$(port_of "$OUT/$name-ports.json" admin)
  wait_for "http://127.0.0.1:$admin/readyz" || { echo "meshtrace is not ready:"; tail -20 "$log"; exit 1; }
  pm=$(head -1 "$data/postgres/postmaster.pid")
  pgport=$(sed -n 4p "$data/postgres/postmaster.pid")
  pgurl=postgresql://meshtrace:$(cat "$data/postgres-password")@127.0.0.1:$pgport/postgres
  sample "$MESHTRACE" "$pm" "$OUT/$name-memory.tsv" &
  SAMPLER=$!
  local idle_at load_from requests result
  sleep 5
  idle_at=$(tail -1 "$OUT/$name-memory.tsv" | cut -f1)
  requests=$(( RATE * DURATION / SPANS_PER_REQUEST ))
  # The warm-up at the same rate: its seconds are left out of the statistics.
  load_from=$(( idle_at + WARMUP * SPANS_PER_REQUEST / RATE ))
  result=$($GEN --target zipkin --url "http://127.0.0.1:$zipkin" --connections 4 \
    --rate "$RATE" --requests "$requests" --warmup "$WARMUP" \
    --spans-per-request "$SPANS_PER_REQUEST" --request-timeout 30 \
    --pg-url "$pgurl" --server-pids "$MESHTRACE,$pm" 2>>"$OUT/$name-generator.err")
  kill "$SAMPLER" 2>/dev/null || true
  wait "$SAMPLER" 2>/dev/null || true
  SAMPLER=
  local f=$OUT/$name-memory.tsv idle
  idle=$(awk -F'\t' -v t="$idle_at" '$1 == t {printf "{\"jvmRssMiB\":%.0f,\"pgPssMiB\":%.0f,\"bothPssMiB\":%.0f}", $2/1024, $6/1024, ($3+$6)/1024}' "$f")
  read -r jr_med jr_max <<< "$(stats "$f" 2 "$load_from")"
  read -r jp_med jp_max <<< "$(stats "$f" 3 "$load_from")"
  read -r pr_med pr_max <<< "$(stats "$f" 5 "$load_from")"
  read -r pp_med pp_max <<< "$(stats "$f" 6 "$load_from")"
  read -r ps_med ps_max <<< "$(stats "$f" 7 "$load_from")"
  read -r b_med b_max <<< "$(stats_sum "$f" 3 6 "$load_from")"
  read -r br_med br_max <<< "$(stats_sum "$f" 2 5 "$load_from")"
  local procs
  procs=$(awk -F'\t' -v from="$load_from" 'NR > 1 && $1 >= from {print $4}' "$f" | sort -n | tail -1)
  echo "{\"config\":\"$name\",\"java\":\"$java_opts\",\"flags\":\"$flags\",\"rate\":$RATE,\"durationSeconds\":$DURATION,\"arch\":\"$(uname -m)\",\"cores\":$(nproc),\"idle\":$idle,\"jvmRssMiB\":{\"median\":$jr_med,\"peak\":$jr_max},\"jvmPssMiB\":{\"median\":$jp_med,\"peak\":$jp_max},\"pgRssSumMiB\":{\"median\":$pr_med,\"peak\":$pr_max},\"pgPssSumMiB\":{\"median\":$pp_med,\"peak\":$pp_max},\"pgShmemMaxMiB\":{\"median\":$ps_med,\"peak\":$ps_max},\"pgProcessesMax\":${procs:-0},\"bothPssMiB\":{\"median\":$b_med,\"peak\":$b_max},\"bothRssSumMiB\":{\"median\":$br_med,\"peak\":$br_max},\"generator\":$result}" \
    >> "$OUT/results.jsonl"
  tail -1 "$OUT/results.jsonl"
  kill "$MESHTRACE"
  wait "$MESHTRACE" 2>/dev/null || true
  MESHTRACE=
}

for config in $CONFIGS; do
  run_config "$config"
done
echo "results: $OUT/results.jsonl"

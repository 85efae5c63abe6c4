# Shared by the benchmarks that run one meshtrace all-in-one with its embedded PostgreSQL (source
# it; set OUT first, and JAR to use another jar than the build's):
#
#   start_meshtrace [flags]   all-in-one on 127.0.0.1 with the data directory $OUT/meshtrace-data,
#                             Zipkin 9411, query 16686, admin 14269 (the OTLP and Jaeger intake
#                             ports left to the system); waits until /readyz; MESHTRACE its pid
#   stop_meshtrace            SIGTERM, and waits for it to end
#   wait_for URL              until URL answers 2xx (2 minutes at most)
JAR=${JAR:-$ROOT/mesh-collector/target/meshtrace.jar}
MESHTRACE_HEAP=${MESHTRACE_HEAP:-2g}

wait_for() { for _ in $(seq 1 240); do curl -sf "$1" >/dev/null && return 0; sleep 0.5; done; echo "no answer from $1" >&2; return 1; }

start_meshtrace() {
  java -Xmx"$MESHTRACE_HEAP" -jar "$JAR" all-in-one --bind 127.0.0.1 --data-dir "$OUT/meshtrace-data" \
    --otlp-grpc-port 0 --otlp-http-port 0 --jaeger-compact-port 0 --jaeger-binary-port 0 \
    --jaeger-http-port 0 "$@" >> "$OUT/meshtrace.log" 2>&1 &
  MESHTRACE=$!
  wait_for http://127.0.0.1:14269/readyz
}

stop_meshtrace() { kill "$MESHTRACE"; wait "$MESHTRACE" 2>/dev/null || true; MESHTRACE=; }

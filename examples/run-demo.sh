#!/usr/bin/env bash
# The meshtrace demo in one command: meshtrace all-in-one (embedded PostgreSQL in a temporary
# directory), the three instrumented services shop -> cart -> payments, the trace generator in
# the background, a few checkouts through shop; then it prints where to look. Ctrl-C stops
# everything it started.
#
#   examples/run-demo.sh                  # until Ctrl-C
#   DEMO_SECONDS=30 examples/run-demo.sh  # stops by itself after 30 s (smoke test)
#
# Settings (environment): DEMO_SECONDS (run time, default: until Ctrl-C), DEMO_GEN_RATE
# (generator traces/s, default 2), DEMO_KEEP_DATA=1 (keep the temporary directory: data, logs).
# Needs: JDK 17+, curl; Maven only if the jars are not built yet.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MESHTRACE_JAR="$ROOT/mesh-collector/target/meshtrace.jar"
SERVICES_JAR="$ROOT/examples/services/target/example-services.jar"
STRATEGIES="$ROOT/examples/demo-strategies.json"
GATEWAY_ROUTES="$ROOT/examples/edge-gateway/gateway-routes.yaml"
GEN_RATE="${DEMO_GEN_RATE:-2}"

say() { printf '[demo] %s\n' "$*"; }
die() { printf '[demo] ERROR: %s\n' "$*" >&2; exit 1; }

command -v java >/dev/null || die "java is not on the PATH (JDK 17 or newer is needed)"
command -v curl >/dev/null || die "curl is not on the PATH"

if [[ ! -f "$MESHTRACE_JAR" || ! -f "$SERVICES_JAR" ]]; then
  command -v mvn >/dev/null || die "the jars are not built and mvn is not on the PATH"
  say "building meshtrace.jar and example-services.jar (mvn -B -q -DskipTests package) ..."
  (cd "$ROOT" && mvn -B -q -DskipTests -pl mesh-collector,examples/services -am package)
fi

DEMO_DIR="$(mktemp -d -t meshtrace-demo-XXXXXX)"
PIDS=()
NAMES=()

# Stops what this script started, newest first, by PID; waits so that nothing is left behind.
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if ((${#PIDS[@]})); then
    say "stopping ..."
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
      if kill -0 "${PIDS[i]}" 2>/dev/null; then
        kill "${PIDS[i]}" 2>/dev/null || true
      fi
    done
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
      # A JVM stops on SIGTERM after its shutdown hooks; give it 20 s, then SIGKILL.
      for _ in $(seq 1 200); do
        kill -0 "${PIDS[i]}" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "${PIDS[i]}" 2>/dev/null; then
        say "${NAMES[i]} did not stop, killing it"
        kill -9 "${PIDS[i]}" 2>/dev/null || true
      fi
      wait "${PIDS[i]}" 2>/dev/null || true
      # Whatever it left behind in its process group (setsid made its PID the group's ID).
      if ((${#SETSID[@]})); then kill -9 -- "-${PIDS[i]}" 2>/dev/null || true; fi
    done
  fi
  if [[ "${DEMO_KEEP_DATA:-0}" == 1 ]]; then
    say "data and logs kept in $DEMO_DIR"
  else
    rm -rf "$DEMO_DIR"
  fi
  say "stopped"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME COMMAND...: runs COMMAND in the background, its output in $DEMO_DIR/NAME.log.
# In a session of its own (setsid): Ctrl-C reaches this script only, not meshtrace's embedded
# PostgreSQL (which would shut down at once on SIGINT), and cleanup can reach what a process
# started itself through its process group.
if command -v setsid >/dev/null; then SETSID=(setsid); else SETSID=(); fi
start() {
  local name=$1
  shift
  "${SETSID[@]}" "$@" >"$DEMO_DIR/$name.log" 2>&1 &
  PIDS+=("$!")
  NAMES+=("$name")
}

# await WHAT SECONDS COMMAND...: polls COMMAND every 0.2 s; fails with the logs after SECONDS
await() {
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    for ((i = 0; i < ${#PIDS[@]}; i++)); do
      if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
        tail -n 20 "$DEMO_DIR/${NAMES[i]}.log" >&2 || true
        die "${NAMES[i]} exited while waiting for $what (log above)"
      fi
    done
    ((SECONDS < deadline)) || die "$what: not within $seconds s (logs in $DEMO_DIR)"
    sleep 0.2
  done
}

# --- meshtrace all-in-one -------------------------------------------------------------------
MESHTRACE_ARGS=(all-in-one --data-dir "$DEMO_DIR/data" --ports-file "$DEMO_DIR/ports.json"
  --sampling-strategies "$STRATEGIES" --sampling-strategies-reload-interval 2s
  --gateway-routes "$GATEWAY_ROUTES")
say "starting meshtrace all-in-one (embedded PostgreSQL in $DEMO_DIR/data) ..."
start meshtrace java -jar "$MESHTRACE_JAR" "${MESHTRACE_ARGS[@]}"
await "meshtrace's listeners" 120 test -s "$DEMO_DIR/ports.json"
say "meshtrace is up: $(cat "$DEMO_DIR/ports.json")"

# --- the three services ---------------------------------------------------------------------
start payments java -jar "$SERVICES_JAR" payments --decline-fraction 0.05
start cart java -jar "$SERVICES_JAR" cart --downstream-url http://localhost:8083
start shop java -jar "$SERVICES_JAR" shop --downstream-url http://localhost:8082
for port in 8083 8082 8081; do
  await "the service on :$port" 60 curl -fsS "http://localhost:$port/health"
done
# shop samples with the strategy meshtrace serves for it (1.0 in demo-strategies.json); until
# its first poll it samples 0.1% as Jaeger's clients do: wait for the strategy to arrive.
await "shop's sampling strategy" 30 \
  bash -c 'curl -fsS http://localhost:8081/health | grep -q "\"param\":1.0"'
say "services up: shop :8081 -> cart :8082 -> payments :8083"

# --- the generator --------------------------------------------------------------------------
start gen java -jar "$MESHTRACE_JAR" gen --rate "$GEN_RATE" --duration 24h --seed 1
say "meshtrace gen: $GEN_RATE synthetic traces/s to the Zipkin port (log: gen.log)"

# --- a few real checkouts -------------------------------------------------------------------
say "checking out through shop:"
TRACES=()
for request in "alice visa" "bob visa" "carol visa" "dave declined"; do
  read -r user card <<<"$request"
  answer="$(curl -sS -o "$DEMO_DIR/answer.json" -w '%{http_code}' \
    "http://localhost:8081/shop/checkout?user=$user&card=$card")"
  trace="$(grep -o '"traceId":"[0-9a-f]*"' "$DEMO_DIR/answer.json" | cut -d'"' -f4 || true)"
  TRACES+=("$trace")
  printf '[demo]   GET /shop/checkout?user=%-6s card=%-9s -> %s  trace %s\n' \
    "$user" "$card" "$answer" "$trace"
done

# The services export every 0.5 s; the links below work once the first trace is stored.
# A checkout is 7 spans: shop's server, client; cart's server, "price cart", client; payments'
# server and "charge card".
spans() {
  curl -fsS "http://localhost:16686/api/traces/$1" 2>/dev/null | grep -o '"operationName"' | wc -l
}
has_spans() { (($(spans "$1") >= $2)); }
await "the 7 spans of trace ${TRACES[0]} in meshtrace" 30 has_spans "${TRACES[0]}" 7
say "trace ${TRACES[0]} is stored: $(spans "${TRACES[0]}") spans across shop, cart and payments"

cat <<EOF

  meshtrace UI      http://localhost:16686/
    search          http://localhost:16686/search?service=shop
    a checkout      http://localhost:16686/trace/${TRACES[0]}
    a declined card http://localhost:16686/trace/${TRACES[3]}   (error in payments: 'charge card')
    service graph   http://localhost:16686/dependencies
    sampling        http://localhost:16686/sampling
  APIs              curl localhost:16686/api/traces/${TRACES[0]}
                    curl 'localhost:5778/sampling?service=shop'
  more checkouts    curl 'localhost:8081/shop/checkout?user=erin&card=visa'
EOF
cat <<EOF
  edge gateway      meshtrace serves it on :18000 (--gateway-routes); start Envoy as in
                    examples/edge-gateway/README.md, then curl localhost:10000/shop/checkout
EOF
cat <<EOF
  logs              $DEMO_DIR/*.log

EOF

if [[ -n "${DEMO_SECONDS:-}" ]]; then
  say "running for $DEMO_SECONDS s"
  end=$((SECONDS + DEMO_SECONDS))
  while ((SECONDS < end)); do
    for ((i = 0; i < ${#PIDS[@]}; i++)); do
      kill -0 "${PIDS[i]}" 2>/dev/null || { [[ "${NAMES[i]}" == gen ]] || die "${NAMES[i]} exited"; }
    done
    sleep 1
  done
else
  say "running; Ctrl-C stops everything"
  # Returns when a process ends (or on Ctrl-C): then everything is stopped.
  while true; do
    for ((i = 0; i < ${#PIDS[@]}; i++)); do
      if ! kill -0 "${PIDS[i]}" 2>/dev/null && [[ "${NAMES[i]}" != gen ]]; then
        die "${NAMES[i]} exited (log: $DEMO_DIR/${NAMES[i]}.log)"
      fi
    done
    sleep 1
  done
fi

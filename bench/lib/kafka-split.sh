# Shared by bench/kafka-benchmark.sh and bench/drills/kafka-faults.sh (source it; set ROOT and
# OUT first): a split meshtrace deployment on one machine, every part a process of its own, so
# that a drill can stop or kill any of them.
#
#   pg_start          PostgreSQL (meshtrace's embedded one, bench's PostgresController), PGPORT
#   pg_stop, pg_resume  a fast shutdown / a start on the same data and port
#   kafka_start       one Apache Kafka broker, KRaft, topics created on first use (6 partitions)
#   kafka_stop        SIGTERM, as an operator's; kafka_start again brings it back on its data
#   collector N       meshtrace collector --span-sink kafka: Zipkin on N9411, admin on N9269
#   ingester N        meshtrace ingester: admin on N9369
#   direct            meshtrace all-in-one on the same PostgreSQL: Zipkin 9411, admin 14269
#   stored_spans, duplicate_spans, lag N
JAR=$ROOT/mesh-collector/target/meshtrace.jar
BENCH_JAR=$ROOT/bench/target/meshtrace-bench.jar
KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
PIDS=()
trap 'split_stop' EXIT

wait_for() { for _ in $(seq 1 240); do curl -sf "$1" >/dev/null && return 0; sleep 0.5; done; echo "no answer from $1" >&2; return 1; }

split_stop() {
  # PostgreSQL last, and by its controller's quit: a SIGTERM to the controller's JVM would leave
  # the postmaster running.
  for pid in "${PIDS[@]}"; do [ "$pid" = "${PG_PID:-}" ] || kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do [ "$pid" = "${PG_PID:-}" ] || wait "$pid" 2>/dev/null || true; done
  if [ -n "${PG_PID:-}" ]; then
    echo quit >&7 2>/dev/null || true
    exec 7>&- 2>/dev/null || true
    wait "$PG_PID" 2>/dev/null || true
  fi
}

pg_start() {
  PG_FIFO=$OUT/pg.fifo
  mkfifo "$PG_FIFO"
  java -Xmx256m -cp "$BENCH_JAR" io.meshtrace.bench.PostgresController "$OUT/pg-data" \
    < "$PG_FIFO" > "$OUT/pg.out" 2> "$OUT/pg.log" &
  PG_PID=$!
  PIDS+=("$PG_PID")
  exec 7> "$PG_FIFO"
  for _ in $(seq 1 240); do grep -q '^port ' "$OUT/pg.out" 2>/dev/null && break; sleep 0.5; done
  PGPORT=$(grep '^port ' "$OUT/pg.out" | cut -d' ' -f2)
  export PGPASSWORD=$(grep '^password ' "$OUT/pg.out" | cut -d' ' -f2)
  PG_URL=postgresql://meshtrace:$PGPASSWORD@127.0.0.1:$PGPORT/postgres
  echo "PostgreSQL on $PGPORT"
}
pg_command() { # stop|start: returns when it is done
  local before; before=$(grep -c "^done $1" "$OUT/pg.out" || true)
  echo "$1" >&7
  until [ "$(grep -c "^done $1" "$OUT/pg.out" || true)" -gt "$before" ]; do sleep 0.1; done
}
pg_stop() { pg_command stop; }
pg_resume() { pg_command start; }
psql_q() { psql -tA -h 127.0.0.1 -p "$PGPORT" -U meshtrace postgres -c "$1"; }
stored_spans() { psql_q "select count(*) from spans"; }
# Rows stored more than once: the same trace, start and payload (every span the generator
# sends without --unique-requests is distinct).
duplicate_spans() {
  psql_q "select coalesce(sum(n - 1), 0) from (select count(*) n from spans group by trace_id, start_time, payload having count(*) > 1) d"
}

kafka_classpath() {
  local file=$ROOT/bench/target/kafka-classpath.txt
  if [ ! -s "$file" ]; then
    local version
    version=$(grep -o '<kafka.version>[^<]*' "$ROOT/pom.xml" | cut -d'>' -f2)
    mvn -B -q -f "$ROOT/bench/kafka-broker/pom.xml" -Dkafka.version="$version" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
      -Dmdep.outputFile="$file" >&2
  fi
  cat "$file"
}
kafka_start() {
  local dir=$OUT/kafka cp; cp=$(kafka_classpath)
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=6
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
    java -cp "$cp" kafka.tools.StorageTool format --cluster-id="$(python3 -c 'import uuid,base64;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')" \
      --config="$dir/server.properties" > "$dir/format.log" 2>&1
  fi
  java -Xmx1g -cp "$cp" kafka.Kafka "$dir/server.properties" >> "$dir/broker.log" 2>&1 &
  KAFKA_PID=$!
  PIDS+=("$KAFKA_PID")
  for _ in $(seq 1 240); do (exec 3<>/dev/tcp/127.0.0.1/$KAFKA_PORT) 2>/dev/null && break; sleep 0.5; done
  sleep 2
  echo "Kafka on $KAFKA_PORT (pid $KAFKA_PID)"
}
kafka_stop() { kill "$KAFKA_PID"; wait "$KAFKA_PID" 2>/dev/null || true; }
ingester_stop() { # N
  local pid; pid=$(eval echo "\$INGESTER_$1")
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

# Every listener but Zipkin's and the admin port on a port of the system's choosing.
SPARE_PORTS="--otlp-grpc-port 0 --otlp-http-port 0 --jaeger-compact-port -1 --jaeger-binary-port -1 --jaeger-http-port -1 --sampling-grpc-port 0 --sampling-http-port 0 --query-port 0"
MESHTRACE_JVM=${MESHTRACE_JVM:--Xmx1g}
collector() { # N
  java $MESHTRACE_JVM -jar "$JAR" collector --bind 127.0.0.1 --zipkin-port "${1}9411" \
    --admin-port "${1}9269" $SPARE_PORTS --span-sink kafka \
    --kafka-brokers 127.0.0.1:$KAFKA_PORT --kafka-producers "${KAFKA_PRODUCERS:-2}" \
    > "$OUT/collector-$1.log" 2>&1 &
  eval "COLLECTOR_$1=$!"
  PIDS+=("$!")
  wait_for "http://127.0.0.1:${1}9269/readyz"
}
ingester() { # N
  java $MESHTRACE_JVM -jar "$JAR" ingester --bind 127.0.0.1 --admin-port "${1}9369" \
    --pg-url "$PG_URL" --kafka-brokers 127.0.0.1:$KAFKA_PORT \
    --kafka-session-timeout 6s --kafka-consumers "${KAFKA_CONSUMERS:-2}" \
    >> "$OUT/ingester-$1.log" 2>&1 &
  eval "INGESTER_$1=$!"
  PIDS+=("$!")
  wait_for "http://127.0.0.1:${1}9369/healthz"
}
direct() {
  java $MESHTRACE_JVM -jar "$JAR" all-in-one --bind 127.0.0.1 --pg-url "$PG_URL" \
    $SPARE_PORTS > "$OUT/direct.log" 2>&1 &
  DIRECT=$!
  PIDS+=("$DIRECT")
  wait_for http://127.0.0.1:14269/readyz
}
# Records not yet stored over the partitions ingester N holds (empty while it holds none).
lag() {
  curl -s "http://127.0.0.1:${1}9369/metrics" | awk '/^meshtrace_kafka_consumer_lag\{/ {s += $2; n++} END {if (n) printf "%d\n", s}'
}

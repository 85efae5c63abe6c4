#!/usr/bin/env bash
# The long fuzz run behind bench/RESULTS.md, "Fuzzing". From the repository root:
#   bench/fuzz-long.sh
# runs the same jqwik properties as mvn -B verify, with more inputs: every in-process decoder
# and file parser FUZZ_TRIES inputs (default 1,000,000; core, zipkin-receiver, otlp-receiver,
# jaeger-receiver, control-plane: *FuzzTest) and every HTTP API (mesh-collector's
# HttpApisFuzzTest: Jaeger v1, v3 and Zipkin v2 queries, the Zipkin, OTLP and Jaeger intakes,
# against a real all-in-one on the embedded PostgreSQL) FUZZ_HTTP_TRIES requests each
# (default 20,000). Each target prints one line,
#   FUZZ target=.. inputs=.. accepted=.. rejected=.. crashes=.. hangs=.. 5xx=.. dbtext=..
# collected into bench/results/fuzz-<time>.txt (the Maven log beside it in bench/target/).
# A crash or a hang stops that target's property (jqwik reports it; the input is saved whole
# under <module>/target/fuzz-failures/); test failures do not stop the build
# (-Dmaven.test.failure.ignore), so every other target still runs, and the script exits 1 when
# a line shows a crash, a hang, a 5xx or database text, or fewer inputs than asked. On this
# 2-core machine the whole run takes about 40 minutes. FUZZ_MODULES narrows the decoder part
# (FUZZ_MODULES=jaeger-receiver; the fuzz targets of the modules it is built on, core's, run
# too), FUZZ_HTTP_TRIES=0 skips the HTTP part.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TRIES=${FUZZ_TRIES:-1000000}
HTTP_TRIES=${FUZZ_HTTP_TRIES:-20000}
MODULES=${FUZZ_MODULES:-core,zipkin-receiver,otlp-receiver,jaeger-receiver,control-plane}
MVN=${MVN:-mvn -B -o -q}
STAMP=$(date -u +%Y%m%d-%H%M%S)
RESULTS=$ROOT/bench/results/fuzz-$STAMP.txt
LOG=$ROOT/bench/target/fuzz-$STAMP.log
mkdir -p "$ROOT/bench/results" "$ROOT/bench/target"
echo "# bench/fuzz-long.sh $STAMP: decoders $TRIES inputs each ($MODULES), HTTP $HTTP_TRIES" \
  "requests each; $(nproc) cores" > "$RESULTS"
status=0

# core's test jar (the fuzz support) comes from the reactor: -am builds it with the modules.
echo "decoders: $TRIES inputs each ($MODULES)"
$MVN -pl "$MODULES" -am test -Dtest='*FuzzTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dmaven.test.failure.ignore=true -Dfuzz.tries="$TRIES" -Dfuzz.results="$RESULTS" \
  >> "$LOG" 2>&1 || status=1

if [ "$HTTP_TRIES" -gt 0 ]; then
  echo "HTTP APIs: $HTTP_TRIES requests each"
  $MVN -pl mesh-collector -am test -Dtest=HttpApisFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dmaven.test.failure.ignore=true -Dfuzz.tries="$HTTP_TRIES" -Dfuzz.results="$RESULTS" \
    >> "$LOG" 2>&1 || status=1
fi

cat "$RESULTS"
# Every target must have run all its inputs with nothing found.
awk -v tries="$TRIES" -v http="$HTTP_TRIES" '/^FUZZ / {
    want = ($2 ~ /^target=http-/) ? http : tries
    for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    if (v["inputs"] < want || v["crashes"] > 0 || v["hangs"] > 0 || v["5xx"] > 0 \
        || v["dbtext"] > 0) { print "FAILED " $2; bad = 1 }
  } END { exit bad }' "$RESULTS" || status=1
if [ "$status" -ne 0 ]; then
  echo "a target failed: see $LOG and */target/fuzz-failures/" >&2
fi
exit "$status"

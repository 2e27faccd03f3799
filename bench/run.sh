#!/usr/bin/env bash
# FlorDB benchmarks. Builds what it needs, then prints three figures:
#   1. the cost of one Flor.log call inside a loop, echo off (JMH, ns/op; target < 1 us)
#   2. the time to make 1,000,000 records durable: log them, then commit() (fsync + snapshot; < 2 s)
#   3. dataframe("lr","loss") over a store of 1,000,000 records from 10 runs, warm JVM (< 1 s)
# Usage: bench/run.sh   (a minute or two on 2 cores; the temporary git repositories it makes are
# deleted; FLOR_BENCH_TMP=DIR puts them in DIR instead of the system's temporary directory).
# The full output of each part is kept in bench/target/bench-*.log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
command -v java >/dev/null || { echo "bench/run.sh: java (17 or newer) is not on the PATH" >&2; exit 2; }
command -v mvn >/dev/null || { echo "bench/run.sh: Maven (mvn) is not on the PATH" >&2; exit 2; }

echo "building flordb and the benchmarks ..."
(cd "$root" && mvn -q -B -pl bench -am package -DskipTests -Dmaven.source.skip=true -Dmaven.javadoc.skip=true)
jar="$here/target/benchmarks.jar"
out="$here/target"
export FLOR_QUIET=1

echo
echo "== 1/3  log call, echo off (JMH: 1 fork, short warm-up and measurement)"
java -cp "$jar" dev.flordb.bench.LogCallMain >"$out/bench-log.log" 2>&1 \
  || { tail -40 "$out/bench-log.log"; exit 1; }
grep -E '^(# Benchmark:|# Warmup Iteration|Iteration|Benchmark |LogCall\.)' "$out/bench-log.log" || true

echo
echo "== 2/3  1,000,000 records made durable (log, then commit)"
java -cp "$jar" dev.flordb.bench.Durable 2>&1 | tee "$out/bench-durable.log"

echo
echo "== 3/3  dataframe(\"lr\",\"loss\") over 1,000,000 records from 10 runs"
java -cp "$jar" dev.flordb.bench.DataframeBench 2>&1 | tee "$out/bench-dataframe.log"

result() { awk -v k="$1" '$1 == "RESULT" && $2 == k { v = $3 } END { print v }' "$out"/bench-*.log; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "") printf "%s", "n/a"; else printf f, v }'; }

echo
echo "== summary ($(nproc) cores, $(java -version 2>&1 | sed -n 1p))"
echo "    log call (echo off):          $(fmt "$(result logInLoop)" '%4.0f') ns/op  (target < 1000)   bare call, no loop step: $(fmt "$(result logCall)" '%.0f') ns"
echo "    1,000,000 records durable:    $(fmt "$(result durable_s)" '%4.2f') s     (target < 2)      logging $(result durable_log_s) s + commit $(result durable_commit_s) s"
echo "    dataframe lr,loss over 1M:    $(fmt "$(result dataframe_s)" '%4.2f') s     (target < 1)      first sync of the store: $(result sync_s) s"

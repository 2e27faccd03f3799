#!/usr/bin/env bash
# FlorDB benchmarks. Builds what it needs, then prints these figures:
#   1. the cost of one Flor.log call, echo off: warm (JMH, varied doubles in nested epoch/step
#      loops, ns/op; target <= 100), and all told, JIT warm-up included (NestedLoopLogs: a new JVM
#      per run, 10 x 10,000 logs from its start; the median of 5 runs; target <= 250 ns per log),
#      beside the floor: the same loops through a logging API that does nothing (NestedLoopFloor),
#      what the JVM itself costs for them from its start
#      and where the warm call's time goes: the CPU time per log of the program's thread and of the
#      record writer's (WarmWriterCpu), and during the all-told loops that of every kind of thread
#      (the program, the record writer, the JIT compilers, the garbage collector)
#   2. the time to make 1,000,000 records durable: log them, then commit() (fsync + snapshot; < 2 s)
#   3. dataframe("lr","loss") over a store of 1,000,000 records from 10 runs, warm JVM (< 1 s)
#   4. the first read: from the end of 10 runs x 100,000 records to the first
#      dataframe("hparam","loss") answer, in a new JVM (< 2 s), and the second read in that JVM
#      (< 0.5 s); each run stored its records in the query database at its end, which the time
#      of the runs (logged and closed) includes
#   5. with FLOR_BENCH_10M=1 only (several minutes): the same over 10 runs x 1,000,000 records,
#      and the dataframe once the store is current (< 2 s)
# Usage: bench/run.sh   (a few minutes on 2 cores; the temporary git repositories it makes are
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
echo "== 1/5  log call, warm, echo off (JMH: 1 fork, 5 x 1 s warm-up and measurement)"
java -cp "$jar" dev.flordb.bench.LogCallMain >"$out/bench-log.log" 2>&1 \
  || { tail -40 "$out/bench-log.log"; exit 1; }
grep -E '^(# Benchmark:|# Warmup Iteration|Iteration|Benchmark |LogCall\.)' "$out/bench-log.log" || true

echo
echo "== 1/5  log call, warm: CPU time per log of each thread (the program's is 'java', the record writer's 'flordb_record_f')"
java -cp "$jar" dev.flordb.bench.WarmWriterCpu >"$out/bench-warm-cpu.log" 2>&1 \
  || { tail -40 "$out/bench-warm-cpu.log"; exit 1; }
grep -E '^(round|RESULT)' "$out/bench-warm-cpu.log" || true

echo
echo "== 1/5  log call, all told: 10 x 10,000 logs in nested loops from JVM start (5 JVMs, each in a new repository)"
: >"$out/bench-nested.log"
for i in 1 2 3 4 5; do
  repo="$(mktemp -d "${FLOR_BENCH_TMP:-${TMPDIR:-/tmp}}/flordb-bench-nested.XXXXXX")"
  (cd "$repo" && git init -q && echo 'class Bench {}' >Bench.java \
    && java -cp "$jar" dev.flordb.bench.NestedLoopLogs) >>"$out/bench-nested.log" 2>&1 \
    || { rm -rf "$repo"; tail -40 "$out/bench-nested.log"; exit 1; }
  rm -rf "$repo"
  java -cp "$jar" dev.flordb.bench.NestedLoopFloor >>"$out/bench-nested.log" 2>&1
done
grep -E '^RESULT (nested|floor)_ns_per_log|^RESULT nested_cpu_' "$out/bench-nested.log"
median() { awk -v k="$1" '$1 == "RESULT" && $2 == k { print $3 }' "$out/bench-nested.log" | sort -n | sed -n 3p; }
echo "RESULT nested_ns_per_log_median $(median nested_ns_per_log)" | tee -a "$out/bench-nested.log"
echo "RESULT floor_ns_per_log_median $(median floor_ns_per_log)" | tee -a "$out/bench-nested.log"

echo
echo "== 2/5  1,000,000 records made durable (log, then commit)"
java -cp "$jar" dev.flordb.bench.Durable 2>&1 | tee "$out/bench-durable.log"

echo
echo "== 3/5  dataframe(\"lr\",\"loss\") over 1,000,000 records from 10 runs"
java -cp "$jar" dev.flordb.bench.DataframeBench 2>&1 | tee "$out/bench-dataframe.log"

echo
echo "== 4/5  first read: end of 10 runs x 100,000 records to the first dataframe(\"hparam\",\"loss\"), new JVM"
java -cp "$jar" dev.flordb.bench.FirstReadBench 2>&1 | tee "$out/bench-firstread.log"

rm -f "$out/bench-firstread-10m.log"
if [ "${FLOR_BENCH_10M:-0}" = 1 ]; then
  echo
  echo "== 5/5  the same over 10 runs x 1,000,000 records"
  java -Drecords=10000000 -cp "$jar" dev.flordb.bench.FirstReadBench 2>&1 | tee "$out/bench-firstread-10m.log"
else
  echo
  echo "== 5/5  10,000,000 records: not run (FLOR_BENCH_10M=1 runs it, several minutes)"
fi

result() { awk -v k="$1" '$1 == "RESULT" && $2 == k { v = $3 } END { print v }' "$out"/bench-*.log; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "") printf "%s", "n/a"; else printf f, v }'; }

echo
echo "== summary ($(nproc) cores, $(java -version 2>&1 | sed -n 1p))"
echo "    log call, warm (echo off):    $(fmt "$(result nestedLoops)" '%4.0f') ns/op  (target <= 100)   nested loops, varied doubles (JMH); bare call, no loop step: $(fmt "$(result logCall)" '%.0f') ns"
echo "                                  warm, CPU per log: the program's thread $(fmt "$(result warm_cpu_java_ns)" '%.0f') ns, the record writer's $(fmt "$(result warm_cpu_flordb_record_f_ns)" '%.0f') ns (on 2 cores the call is no faster than the slower of the two)"
echo "    log call, all told:           $(fmt "$(result nested_ns_per_log_median)" '%4.0f') ns/log (target <= 250)   10 x 10,000 logs from JVM start, JIT warm-up included (median of 5 JVMs); a logging API that does nothing: $(fmt "$(result floor_ns_per_log_median)" '%.0f') ns"
echo "                                  all told, CPU per log during the loops (the last JVM): the program $(fmt "$(result nested_cpu_java_ns)" '%.0f') ns, the record writer $(fmt "$(result nested_cpu_flordb_record_f_ns)" '%.0f') ns, the JIT compilers $(fmt "$(result nested_cpu_c1_compilerthre_ns)" '%.0f') + $(fmt "$(result nested_cpu_c2_compilerthre_ns)" '%.0f') ns, the garbage collector $(fmt "$(result nested_cpu_gc_thread_ns)" '%.0f') ns"
echo "    1,000,000 records durable:    $(fmt "$(result durable_s)" '%4.2f') s     (target < 2)      logging $(result durable_log_s) s + commit $(result durable_commit_s) s"
echo "    dataframe lr,loss over 1M:    $(fmt "$(result dataframe_s)" '%4.2f') s     (target < 1)      first sync of the store: $(result sync_s) s"
echo "    first read, 1M records:       $(fmt "$(result first_read_s)" '%4.2f') s     (target < 2)      end of 10 runs x 100,000 records to the first dataframe answer: sync $(result first_sync_s) s + dataframe; process with start-up $(result first_read_process_s) s; the 10 runs, logged and closed (each storing its records at its end): $(result runs_closed_s) s"
echo "    second read, 1M records:      $(fmt "$(result second_read_s)" '%4.2f') s     (target < 0.5)    later ones $(result warm_read_s) s; a new JVM on the current store $(result current_new_process_s) s"
if [ -s "$out/bench-firstread-10m.log" ]; then
echo "    dataframe over 10M, current:  $(fmt "$(result warm_read_s_10m)" '%4.2f') s     (target < 2)      first read of 10 runs x 1,000,000 records $(result first_read_s_10m) s (sync $(result first_sync_s_10m) s), second $(result second_read_s_10m) s"
else
echo "    dataframe over 10M, current:   n/a        (target < 2)      FLOR_BENCH_10M=1 bench/run.sh measures it"
fi

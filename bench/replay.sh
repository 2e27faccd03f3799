#!/usr/bin/env bash
# FlorDB replay benchmarks (issue 3), on examples/mnist/TrainMnist.java recorded for 5 epochs
# (default settings; FLOR_BENCH_EPOCHS=N records N) in a scratch git repository. Prints three figures:
#   1. record overhead of checkpointing: forward wall time with checkpointing vs FLOR_CHECKPOINTS=0
#      (median of FLOR_BENCH_REPEATS runs each, default 3, interleaved; target < 2%)
#   2. replay of an outer-loop statement (Flor.log("w_norm", ...) after the step loop) as a
#      fraction of the forward time (target < 5%), launched from source and from classes
#   3. replay of an inner-loop statement (Flor.log("batch_loss", loss) in the step loop) with
#      --jobs 2 vs --jobs 1 (target: at least 1.7 times faster), from source and from classes
# and checks that the replayed values equal, bit for bit, those of a forward run with the statements.
# Usage: bench/replay.sh   (about 5 minutes on 2 cores; the scratch repository is deleted;
# FLOR_BENCH_TMP=DIR puts it in DIR instead of the system's temporary directory).
# The output of every program run is kept in bench/target/replay-*.log.
set -euo pipefail

repeats="${FLOR_BENCH_REPEATS:-3}"
epochs="${FLOR_BENCH_EPOCHS:-5}"
steps=$((epochs * 250))   # 8,000 training digits in batches of 32

. "$(dirname "${BASH_SOURCE[0]}")/scratch.sh"
scratch_bench bench/replay.sh replay java mvn git awk
grep -q 'double weightNorm()' "$root/examples/mnist/TrainMnist.java" \
  || { echo "bench/replay.sh: examples/mnist/TrainMnist.java has no Mlp.weightNorm()" >&2; exit 1; }
cp -a "$root/examples/mnist" "$work/"
(cd "$work" && git init -q && git add -A && git -c user.name=bench -c user.email=bench@localhost commit -qm "mnist example")

train() { java -cp "$cp" mnist/TrainMnist.java "$@"; }
forward() { train --kwargs "epochs=$epochs"; }
# query SQL: the rows of the answer, without the header line, fields separated by blanks.
query() { (cd "$root" && ./flordb -C "$work" query "$1") | tail -n +2; }
latest_run() { query "SELECT run_id FROM runs ORDER BY start_ms DESC, rid DESC LIMIT 1" | awk '{ print $1 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
drop_replays() { rm -f "$work/.flor/records/$run".replay-*.jsonl "$work"/.flor/flor.db*; }

echo
echo "== 1/3  record overhead of checkpointing: forward, $epochs epochs, with and without (FLOR_CHECKPOINTS=0), $repeats each"
with=() without=() run=""
for i in $(seq 1 "$repeats"); do
  t="$(timed "forward-ckpt-$i" forward)"
  with+=("$t")
  [ -n "$run" ] || run="$(latest_run)"
  u="$(timed "forward-nockpt-$i" env FLOR_CHECKPOINTS=0 java -cp "$cp" mnist/TrainMnist.java --kwargs "epochs=$epochs")"
  without+=("$u")
  echo "    run $i: with checkpoints $t s, without $u s"
done
fwd="$(median "${with[@]}")"
nockpt="$(median "${without[@]}")"
overhead="$(calc '%.1f' "($fwd - $nockpt) * 100 / $nockpt")"
ckpts="$(find "$work/.flor/checkpoints/$run" -type f 2>/dev/null | wc -l)"
echo "    median: with $fwd s, without $nockpt s: overhead $overhead %  ($ckpts checkpoint files for run $run)"

# Today's program: the recorded one plus two statements, inserted in the scratch copy only.
prog="$work/mnist/TrainMnist.java"
awk '
  index($0, "Flor.logLazily(\"acc\", () -> model.accuracy(") { print "        Flor.log(\"w_norm\", model.weightNorm());" }
  { print }
  index($0, "if (step % 25 == 0) Flor.log(\"loss\", loss);") { print "          Flor.log(\"batch_loss\", loss);" }
' "$prog" >"$prog.new" && mv "$prog.new" "$prog"
[ "$(grep -c 'Flor.log("w_norm"\|Flor.log("batch_loss"' "$prog")" = 2 ] \
  || { echo "bench/replay.sh: could not insert the two statements into TrainMnist.java" >&2; exit 1; }

# The ground truth: a forward run of today's program, which logs both statements.
truth_s="$(timed forward-truth forward)"
truth="$(latest_run)"
# check NAME: compares run $run's replayed NAME with run $truth's forward NAME, position by
# position; prints "positions equal" (both counts).
check() {
  local pos join
  if [ "$1" = batch_loss ]; then
    pos="e.idx AS epoch, s.idx AS step, l.value AS v FROM logs l JOIN runs r ON l.rid = r.rid JOIN ctx s ON l.ctx = s.id JOIN ctx e ON s.parent = e.id"
    join="a.epoch = b.epoch AND a.step = b.step"
  else
    pos="e.idx AS epoch, l.value AS v FROM logs l JOIN runs r ON l.rid = r.rid JOIN ctx e ON l.ctx = e.id"
    join="a.epoch = b.epoch"
  fi
  query "SELECT count(*), coalesce(sum(a.v = b.v), 0)
         FROM (SELECT $pos WHERE r.run_id = '$run' AND l.name = '$1' AND l.source = 'replay') a
         JOIN (SELECT $pos WHERE r.run_id = '$truth' AND l.name = '$1' AND l.source = 'forward') b ON $join"
}
verdict() { # verdict "POSITIONS EQUAL" EXPECTED
  set -- $1 "$2"
  if [ "$1" = "$3" ] && [ "$2" = "$3" ]; then echo OK; else echo "MISMATCH ($2 of $1 equal, $3 expected)"; fi
}
spot() { # a few replayed batch_loss values beside the forward ones
  query "SELECT e.idx, s.idx, l.source, l.value FROM logs l JOIN runs r ON l.rid = r.rid JOIN ctx s ON l.ctx = s.id JOIN ctx e ON s.parent = e.id
         WHERE r.run_id IN ('$run', '$truth') AND l.name = 'batch_loss' AND ((e.idx = 0 AND s.idx = 1) OR (e.idx = 2 AND s.idx = 137) OR (e.idx = $((epochs - 1)) AND s.idx = 249))
         ORDER BY e.idx, s.idx, l.source" | awk '{ printf "      epoch %s step %3s  %-8s %s\n", $1, $2, $3, $4 }'
}

# Two ways to launch today's program: from source, as typed (the JDK's source launcher compiles
# it first, every time), and from classes compiled once, as `flordb replay` launches every run of
# a version (and as a Maven or Gradle program runs anyway).
classes="$work/classes"
javac_s="$(timed javac javac -cp "$cp" -d "$classes" mnist/TrainMnist.java)"
compiled() { java -cp "$cp:$classes" -Djdk.launcher.sourcefile=mnist/TrainMnist.java TrainMnist "$@"; }

echo
echo "== 2/3  outer-loop statement: --replay $run --apply w_norm, $repeats times each way"
startup="$(timed startup train --kwargs epochs=0)"
src=() cls=()
for i in $(seq 1 "$repeats"); do
  drop_replays
  src+=("$(timed "outer-source-$i" train --replay "$run" --apply w_norm)")
  drop_replays
  cls+=("$(timed "outer-classes-$i" compiled --replay "$run" --apply w_norm)")
  echo "    run $i: from source ${src[-1]} s, from classes ${cls[-1]} s"
done
ok_outer="$(verdict "$(check w_norm)" "$epochs")"
outer="$(median "${src[@]}")"
outer_c="$(median "${cls[@]}")"
outer_pct="$(calc '%.1f' "$outer * 100 / $fwd")"
outer_c_pct="$(calc '%.1f' "$outer_c * 100 / $fwd")"
echo "    median: from source $outer s = $outer_pct %, from classes $outer_c s = $outer_c_pct % of forward ($fwd s)"
echo "    (javac of today's program, once: $javac_s s; a 0-epoch forward run from source: $startup s)"
echo "    w_norm replayed = forward run $truth ($epochs epochs): $ok_outer"

echo
echo "== 3/3  inner-loop statement: --replay $run --apply batch_loss, --jobs 1 vs --jobs 2"
# inner LAUNCHER JOBS: the wall time of one inner replay, from no replayed values.
inner() {
  drop_replays
  timed "inner-$1-jobs$2" "$1" --replay "$run" --apply batch_loss --jobs "$2"
}
inner1="$(inner train 1)"; ok_inner1="$(verdict "$(check batch_loss)" "$steps")"
inner2="$(inner train 2)"; ok_inner2="$(verdict "$(check batch_loss)" "$steps")"
inner1c="$(inner compiled 1)"; ok_inner1c="$(verdict "$(check batch_loss)" "$steps")"
inner2c="$(inner compiled 2)"; ok_inner2c="$(verdict "$(check batch_loss)" "$steps")"
speedup="$(calc '%.2f' "$inner1 / $inner2")"
speedup_c="$(calc '%.2f' "$inner1c / $inner2c")"
echo "    from source:  --jobs 1: $inner1 s, --jobs 2: $inner2 s: speedup $speedup"
echo "    from classes: --jobs 1: $inner1c s, --jobs 2: $inner2c s: speedup $speedup_c"
half=$(((epochs + 1) / 2))
bound="$(calc '%.2f' "$epochs / $half")"
echo "    ($epochs epochs in whole-epoch segments: 2 jobs run $half + $((epochs - half)), so the speed-up cannot pass $epochs/$half = $bound;"
echo "     forward with the statements: $truth_s s)"
echo "    batch_loss replayed = forward run $truth ($steps steps): $ok_inner1, $ok_inner2, $ok_inner1c, $ok_inner2c; spot check:"
spot

echo
echo "== summary ($(nproc) cores, $(java -version 2>&1 | sed -n 1p))"
echo "    checkpointing record overhead:  $(printf '%5s' "$overhead") %    (target < 2)      forward $fwd s vs $nockpt s with FLOR_CHECKPOINTS=0 (median of $repeats)"
echo "    outer-loop replay / forward:    $(printf '%5s' "$outer_pct") %    (target < 5)      from source $outer s vs $fwd s; values $ok_outer"
echo "      from compiled classes:        $(printf '%5s' "$outer_c_pct") %                      $outer_c s (javac once: $javac_s s)"
echo "    inner-loop replay, 2 jobs vs 1: $(printf '%5s' "$speedup") x    (target >= 1.7)   from source $inner2 s vs $inner1 s (bound $epochs/$half = $bound)"
echo "      from compiled classes:        $(printf '%5s' "$speedup_c") x                      $inner2c s vs $inner1c s; values $ok_inner1, $ok_inner2, $ok_inner1c, $ok_inner2c"

#!/usr/bin/env bash
# FlorDB multiversion replay benchmark (issue 4), on examples/mnist/TrainMnist.java: six runs of
# five epochs each, recorded at three code versions (the example; then a changed default; then a
# renamed variable), in a scratch git repository. Then an outer-loop statement is added to
# today's code and `flordb replay` fills it in for all six runs, once with --jobs 1 and once
# (a second statement of the same cost) with --jobs 2. Prints:
#   - total replay time as a fraction of the total forward time, --jobs 1 and --jobs 2
#     (target: under 10% with 2 jobs)
#   - the schedule's estimate (from --dry-run) against the real replay time (target: within 2x)
# Usage: bench/multiversion.sh   (about 3 minutes on 2 cores; FLOR_BENCH_EPOCHS=N changes the
# epochs; FLOR_BENCH_TMP=DIR puts the scratch repository in DIR). Output: bench/target/mv-*.log.
set -euo pipefail

epochs="${FLOR_BENCH_EPOCHS:-5}"

. "$(dirname "${BASH_SOURCE[0]}")/scratch.sh"
scratch_bench bench/multiversion.sh mv java mvn git awk sed
cp "$root/examples/mnist/TrainMnist.java" "$root/examples/mnist/digits.bin.gz" "$work/"
prog="$work/TrainMnist.java"
git_user=(-c user.name=bench -c user.email=bench@localhost)
(cd "$work" && git init -q && git add -A && git "${git_user[@]}" commit -qm "v1: the example")

flordb() { (cd "$root" && ./flordb -C "$work" "$@"); }
edit() { # edit SED-EXPRESSION: changes the program in place; fails when nothing changed
  cp "$prog" "$prog.before"
  sed -i "$1" "$prog"
  ! cmp -s "$prog" "$prog.before" || { echo "bench/multiversion.sh: the edit '$1' changed nothing" >&2; exit 1; }
  rm "$prog.before"
}

forward=0
record() { # record VERSION LR
  local t
  t="$(timed "forward-$1-$2" java -cp "$cp" TrainMnist.java --kwargs epochs="$epochs" lr="$2")"
  forward="$(calc '%.2f' "$forward + $t")"
  echo "    $1 lr=$2: $t s"
}

echo
echo "== forward: 6 runs of $epochs epochs at 3 code versions"
record v1 0.05
record v1 0.02
edit 's/Flor.arg("momentum", 0.9)/Flor.arg("momentum", 0.8)/'
(cd "$work" && git "${git_user[@]}" commit -qam "v2: less momentum by default")
record v2 0.05
record v2 0.02
edit 's/\boptimizer\b/sgd/g'
(cd "$work" && git "${git_user[@]}" commit -qam "v3: the optimiser is called sgd")
record v3 0.05
record v3 0.02
echo "    total: $forward s"

# replay NAME JOBS: adds Flor.log(NAME, model.weightNorm()) at the start of each epoch (outer loop
# body, before the step loop), shows the estimate, replays; sets est, took (the whole command) and
# phase (the replay after the schedule, as the command reports it).
replay() {
  edit "s|^\(        int\[\] order = shuffledOrder(train.count, rng);\)$|\1\n        Flor.log(\"$1\", model.weightNorm());|"
  flordb replay "$1" --jobs "$2" --dry-run >"$out/mv-dry-$1.log" 2>&1
  if [ "$2" = 1 ]; then
    est="$(sed -n 's/^Estimated \([0-9.]*\) s of work.*/\1/p' "$out/mv-dry-$1.log")"
  else
    est="$(sed -n 's/.*about \([0-9.]*\) s with --jobs.*/\1/p' "$out/mv-dry-$1.log")"
  fi
  took="$(timed "replay-$1" "$root/flordb" replay "$1" --jobs "$2" --yes)"
  grep -q "Replayed 6 of 6 runs" "$out/mv-replay-$1.log" \
    || { echo "bench/multiversion.sh: the replay of $1 did not fill in all six runs" >&2; tail -30 "$out/mv-replay-$1.log" >&2; exit 1; }
  phase="$(sed -n 's/^Replayed 6 of 6 runs in \([0-9.]*\) s.*/\1/p' "$out/mv-replay-$1.log")"
}

echo
echo "== replay of an outer-loop statement (weight norm at the start of each epoch) into all 6 runs"
replay weight_norm 1
est1="$est" took1="$took" phase1="$phase"
echo "    --jobs 1: $took1 s, of which the replay after the schedule $phase1 s (estimated $est1 s)"
replay weight_norm_2 2
est2="$est" took2="$took" phase2="$phase"
echo "    --jobs 2: $took2 s, of which the replay after the schedule $phase2 s (estimated $est2 s)"
filled="$(flordb query "SELECT count(*) FROM logs WHERE name IN ('weight_norm', 'weight_norm_2') AND source = 'replay'" | tail -1 | tr -d ' ')"

pct1="$(calc '%.1f' "$took1 * 100 / $forward")"
pct2="$(calc '%.1f' "$took2 * 100 / $forward")"
ratio1="$(calc '%.2f' "$took1 / $est1")"
ratio2="$(calc '%.2f' "$took2 / $est2")"
pratio1="$(calc '%.2f' "$phase1 / $est1")"
pratio2="$(calc '%.2f' "$phase2 / $est2")"
echo
echo "== summary ($(nproc) cores, $(java -version 2>&1 | sed -n 1p)), $filled values filled in (expected $((2 * 6 * epochs)))"
echo "    forward, 6 runs x $epochs epochs:     $forward s"
echo "    replay --jobs 1:  $(printf '%6s' "$took1") s = $(printf '%5s' "$pct1") % of forward   estimate $est1 s (actual/estimate $ratio1; replay phase $pratio1)"
echo "    replay --jobs 2:  $(printf '%6s' "$took2") s = $(printf '%5s' "$pct2") % of forward   estimate $est2 s (actual/estimate $ratio2; replay phase $pratio2)   (target < 10 %)"

#!/bin/sh
# What make does, for machines without make (see README.md):
#   ./run.sh               one turn of the pipeline, as `make`
#   ./run.sh feedback      the feedback app, as `make feedback` (PORT=8000 by default)
#   ./run.sh corrections   corrections.csv entered without a browser, as `make corrections`
set -e
case "${1:-}" in
  ""|feedback|corrections) ;;
  *) echo "run.sh: unknown step '$1'; give none (a turn), feedback or corrections" >&2; exit 2 ;;
esac
cd "$(dirname "$0")"
cp="$(../../flordb classpath)"
cp="$(printf '%s\n' "$cp" | tail -n 1)" # the jar is the last line
export FLOR_CKPT_FRACTION=1
case "${1:-}" in
  feedback) exec java -cp "$cp" Feedback.java --kwargs port="${PORT:-8000}" ;;
  corrections) exec java -cp "$cp" Feedback.java --kwargs corrections=corrections.csv ;;
esac
mkdir -p out
if [ ! -e out/featurised ]; then
  java -cp "$cp" Featurise.java --kwargs items=2000
  touch out/featurised
fi
if [ ! -e out/labelled ]; then
  java -cp "$cp" Label.java --kwargs items=1000
  touch out/labelled
fi
java -cp "$cp" Train.java --kwargs epochs=10
java -cp "$cp" Select.java --kwargs out=out
java -cp "$cp" Infer.java --kwargs out=out

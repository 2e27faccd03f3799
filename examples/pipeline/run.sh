#!/bin/sh
# What `make` does, for machines without make: one turn of the pipeline (see README.md).
set -e
cd "$(dirname "$0")"
cp="$(../../flordb classpath)"
cp="$(printf '%s\n' "$cp" | tail -n 1)" # the jar is the last line
export FLOR_CKPT_FRACTION=1
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
java -cp "$cp" Feedback.java --kwargs corrections=corrections.csv

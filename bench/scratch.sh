# What the whole-program benchmarks (bench/replay.sh, bench/multiversion.sh) share; sourced, not run.
# After `scratch_bench NAME PREFIX TOOL...` the script has: root (the project), cp (the class path
# programs run with), out (bench/target, cleared of PREFIX-*.log) and work (an empty scratch
# directory, deleted at exit, in FLOR_BENCH_TMP or the system's temporary directory).

# scratch_bench NAME PREFIX TOOL...: checks that the tools are on the PATH, builds flordb and
# makes the scratch directory; NAME is the script as error messages call it.
scratch_bench() {
  bench_name="$1" log_prefix="$2"
  shift 2
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$bench_name: '$tool' is not on the PATH" >&2; exit 2; }
  done
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  echo "building flordb ..."
  (cd "$root" && mvn -q -B -pl flordb-cli -am package -DskipTests -Dmaven.source.skip=true -Dmaven.javadoc.skip=true)
  cp="$(cd "$root" && ./flordb classpath | tail -1)"
  out="$root/bench/target"
  mkdir -p "$out"
  rm -f "$out/$log_prefix"-*.log
  export FLOR_QUIET=1
  work="$(mktemp -d "${FLOR_BENCH_TMP:-${TMPDIR:-/tmp}}/flor-$log_prefix.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
}

# timed LOG COMMAND...: runs COMMAND in the scratch directory, output to bench/target/PREFIX-LOG.log;
# prints the wall time in seconds, or stops the benchmark with the end of that output.
timed() {
  local log="$out/$log_prefix-$1.log" s e
  shift
  s="$(date +%s.%N)"
  if ! (cd "$work" && "$@") >"$log" 2>&1; then
    echo "$bench_name: failed: $*" >&2
    tail -30 "$log" >&2
    exit 1
  fi
  e="$(date +%s.%N)"
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }'
}

# calc FORMAT EXPRESSION: the awk expression, printed with the printf format.
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

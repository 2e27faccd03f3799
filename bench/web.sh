#!/usr/bin/env bash
# flordb serve on a large store: 1,000 runs and 10,000,000 records, made by real sessions (a few
# minutes on 2 cores). Prints the server's start (every record file read into the query database),
# the first GET /api/runs (the runs' summaries computed), /api/runs warm (what the runs page loads;
# target <= 1 s) and one run's page data with its charts' data (target <= 0.5 s).
# Usage: bench/web.sh [-Druns=N] [-Dsteps=N] [-Dkeep=true] [-Drepo=DIR]   (JVM properties, passed on)
# FLOR_BENCH_TMP=DIR puts the temporary repository in DIR. The output is kept in bench/target/web.log.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
command -v java >/dev/null || { echo "bench/web.sh: java (17 or newer) is not on the PATH" >&2; exit 2; }
command -v mvn >/dev/null || { echo "bench/web.sh: Maven (mvn) is not on the PATH" >&2; exit 2; }
echo "building flordb and the benchmarks ..."
(cd "$root" && mvn -q -B -pl bench -am package -DskipTests -Dmaven.source.skip=true -Dmaven.javadoc.skip=true)
export FLOR_QUIET=1
mkdir -p "$here/target"
echo
echo "== flordb serve: /api/runs and one run's chart data over 1,000 runs and 10,000,000 records"
java -Xmx4g "$@" -cp "$here/target/benchmarks.jar" dev.flordb.bench.WebBench 2>&1 | tee "$here/target/web.log"

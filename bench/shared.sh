#!/usr/bin/env bash
# The shared store (FLOR_STORE) on PostgreSQL. Builds what it needs, starts a PostgreSQL server
# (embedded-postgres: the server's binaries come as a Maven artifact; loopback only), then prints:
#   1. shipping: the time from the end of a run that logged 1,000,000 records with FLOR_STORE set
#      until the shared store holds every one of them (target <= 5 s; seen by a watcher polling
#      runs.end_ms, which the run's last record sets in the shipping's one transaction), and the
#      time until the run's close() returned (it also stores the records in the local flor.db and
#      writes the last snapshot commit: on fewer than 4 cores, after the shipping)
#   2. dataframe("lr","loss") over those 1,000,000 records read from the shared store by another
#      clone, warm JVM (target <= 2 s)
#   3. flordb serve in that clone from the shared store: GET /api/runs, and the run's page with
#      its chart's data
# Usage: bench/shared.sh   (a minute or two on 2 cores; its temporary directories are deleted;
# FLOR_BENCH_TMP=DIR puts them in DIR). The full output is kept in bench/target/bench-shared.log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
command -v java >/dev/null || { echo "bench/shared.sh: java (17 or newer) is not on the PATH" >&2; exit 2; }
command -v mvn >/dev/null || { echo "bench/shared.sh: Maven (mvn) is not on the PATH" >&2; exit 2; }

echo "building flordb and the benchmarks ..."
(cd "$root" && mvn -q -B -pl bench -am package -DskipTests -Dmaven.source.skip=true -Dmaven.javadoc.skip=true)
jar="$here/target/benchmarks.jar"
out="$here/target"
export FLOR_QUIET=1
unset FLOR_STORE

echo
echo "== 1/2 and 2/2  1,000,000 records shipped to PostgreSQL, then read back as a dataframe"
java -cp "$jar" dev.flordb.bench.SharedBench 2>&1 | tee "$out/bench-shared.log"

result() { awk -v k="$1" '$1 == "RESULT" && $2 == k { v = $3 } END { print v }' "$out/bench-shared.log"; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "") printf "%s", "n/a"; else printf f, v }'; }

echo
echo "== summary ($(nproc) cores, $(java -version 2>&1 | sed -n 1p))"
echo "    1,000,000 records shipped:    $(fmt "$(result ship_after_end_s)" '%4.2f') s     (target <= 5)     after the run ended; $(result shipped_during_run) were shipped while it ran"
echo "    the run's close() returned:   $(fmt "$(result close_after_end_s)" '%4.2f') s                       after the run ended (local store and last snapshot too)"
echo "    dataframe lr,loss from PG:    $(fmt "$(result shared_dataframe_s)" '%4.2f') s     (target <= 2)     warm JVM, another clone"
echo "    serve: GET /api/runs from PG: $(fmt "$(result shared_serve_runs_s)" '%4.2f') s                       warm; the first $(fmt "$(result shared_serve_runs_first_s)" '%4.2f') s"
echo "    serve: a run's page + chart:  $(fmt "$(result shared_serve_run_page_s)" '%4.2f') s                       1,000,000 points, thinned to 20,000; $(fmt "$(result local_serve_run_page_s)" '%4.2f') s from the local store"

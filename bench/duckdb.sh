#!/usr/bin/env bash
# DuckDB against SQLite on the same store: bench/duckdb.sh REPO, where REPO was kept by
#   java -Dkeep=true [-Drecords=10000000] -cp bench/target/benchmarks.jar dev.flordb.bench.FirstReadBench
# Fetches the DuckDB JDBC driver (about 80 MB, every platform's library) into the local Maven
# repository; nothing of flordb depends on it. See bench/duckdb/DuckDbCompare.java.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${DUCKDB_VERSION:-1.4.4.0}"
[ $# -eq 1 ] || { echo "usage: bench/duckdb.sh REPO" >&2; exit 2; }
jar="$HOME/.m2/repository/org/duckdb/duckdb_jdbc/$version/duckdb_jdbc-$version.jar"
[ -f "$jar" ] || mvn -q -B dependency:get -Dartifact="org.duckdb:duckdb_jdbc:$version"
[ -f "$here/target/benchmarks.jar" ] || { echo "build the benchmarks first: bench/run.sh, or mvn -pl bench -am package" >&2; exit 2; }
java -Xmx8g -cp "$jar:$here/target/benchmarks.jar" "$here/duckdb/DuckDbCompare.java" "$1"

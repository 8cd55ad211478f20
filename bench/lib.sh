# Copyright 2026 The semble Authors.
#
# Shell helpers the bench scripts source (bash): where the models are, the STS-B sentences the
# embedding benches read, and `semble serve` started on a free loopback port and stopped again.

# The models directory semble itself uses: $SEMBLE_MODELS_DIR, else <data dir>/models with the data
# directory from $SEMBLE_DATA_DIR, $XDG_DATA_HOME/semble or ~/.local/share/semble.
semble_models_dir() {
  if [ -n "${SEMBLE_MODELS_DIR:-}" ]; then
    echo "$SEMBLE_MODELS_DIR"
    return
  fi
  local data=${SEMBLE_DATA_DIR:-${XDG_DATA_HOME:+$XDG_DATA_HOME/semble}}
  echo "${data:-$HOME/.local/share/semble}/models"
}

# stsb_sentences COUNT FILE: the first COUNT unique STS-B dev sentences (fields 6 and 7 of the
# TAB-separated file), one a line. Run from the repository root.
stsb_sentences() {
  awk -F'\t' '{print $6; print $7}' tests/data/stsb/sts-dev.csv |
    awk -v n="$1" '!seen[$0]++ && c++ < n' >"$2"
}

# The server started last: its PID and base URL.
SERVER_PID=
SERVER_URL=

# start_semble LOG BINARY SERVE_ARGS...: runs `BINARY serve SERVE_ARGS... --port P` on a free
# loopback port P with stderr appended to LOG, and returns once /healthz answers; exits the script
# (showing LOG's end) if it never does.
start_semble() {
  local log=$1 bin=$2 port
  shift 2
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  "$bin" serve "$@" --port "$port" 2>>"$log" &
  SERVER_PID=$!
  SERVER_URL=http://127.0.0.1:$port
  for _ in $(seq 1 600); do
    curl -sf "$SERVER_URL/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "semble serve did not come up" >&2
  tail -20 "$log" >&2
  exit 1
}

# Stops the server start_semble started (SIGTERM: a graceful stop) and waits for it; no-op if none.
stop_semble() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}

# The CPU seconds (user + system) the running server has used so far.
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$SERVER_PID/stat"; }

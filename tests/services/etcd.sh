#!/usr/bin/env bash
# A real etcd cluster for tests: N members (default 3) of Debian's etcd on 127.0.0.1, every file
# inside DIR.
#   tests/services/etcd.sh start DIR [N]   # prints the seconds it took; writes DIR/env
#   tests/services/etcd.sh stop DIR        # stops exactly the processes start recorded
#   tests/services/etcd.sh kill DIR I      # kill -9 member I (1..N), as a crash would
#   tests/services/etcd.sh revive DIR I    # starts member I again on its data and ports (returns
#                                          # once it listens; healthy needs a quorum)
# DIR/env holds SEMBLE_ETCD_ENDPOINTS (every member's client URL, comma-separated).
# DIR/member-I holds member I's PID while it runs.
#
# Ports are chosen at random below the kernel's ephemeral range and checked free first, so
# parallel runs and leftovers of a crashed run never meet.
set -euo pipefail

usage() { echo "usage: $0 start DIR [N] | stop DIR | kill DIR I | revive DIR I" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2

die() { echo "etcd.sh: $*" >&2; exit 1; }

# The PID in DIR/member-I if it is still an etcd of this folder (after a reboot a recorded PID
# may belong to something else).
member_pid() {
  local f="$dir/member-$1" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--data-dir $dir/data-$1" ||
    return 1
  echo "$pid"
}

# SIGTERM to every recorded member, then waits until each has exited (SIGKILL after 10 s), so a
# following start never meets a half-dead member still holding its port.
stop() {
  local f i pid waited
  local -a pids=()
  for f in "$dir"/member-*; do
    [ -f "$f" ] || continue
    i=${f##*-}
    if pid=$(member_pid "$i"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$f"
  done
  for pid in "${pids[@]}"; do
    waited=0
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$waited" -ge 100 ]; then
        echo "etcd.sh: PID $pid ignored SIGTERM for 10 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
      sleep 0.1
      waited=$((waited + 1))
    done
  done
}

# Starts member I from DIR/cluster (written by start) in the background; $! is etcd itself.
launch() {
  local i=$1 state=$2
  # shellcheck disable=SC1091
  source "$dir/cluster"
  local client_port=$((base + 2 * (i - 1))) peer_port=$((base + 2 * (i - 1) + 1))
  etcd --name "m$i" --data-dir "$dir/data-$i" \
    --listen-client-urls "http://127.0.0.1:$client_port" \
    --advertise-client-urls "http://127.0.0.1:$client_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "$initial_cluster" --initial-cluster-token "$token" \
    --initial-cluster-state "$state" \
    --heartbeat-interval 50 --election-timeout 500 \
    --log-outputs "$dir/log-$i.txt" --logger zap \
    </dev/null >>"$dir/out-$i.txt" 2>&1 &
  echo $! > "$dir/member-$i"
}

healthy() {  # endpoint
  curl -s -m 1 "$1/health" 2>/dev/null | grep -q '"health":"true"'
}

[ -d "$dir" ] && dir=$(cd "$dir" && pwd)

case "$cmd" in
  stop) [ -d "$dir" ] && stop; exit 0 ;;
  kill)
    [ $# -eq 3 ] || usage
    pid=$(member_pid "$3") || die "member $3 is not running"
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$dir/member-$3"
    exit 0 ;;
  revive)
    [ $# -eq 3 ] || usage
    member_pid "$3" >/dev/null && die "member $3 is running"
    launch "$3" existing
    source "$dir/cluster"
    # Listening is enough: with the other members down it cannot be healthy (no quorum) until
    # they are revived too.
    port=$((base + 2 * ($3 - 1)))
    for _ in $(seq 100); do
      ss -Htln | awk '{print $4}' | grep -q ":$port\$" && exit 0
      member_pid "$3" >/dev/null || die "member $3 exited (log: $dir/log-$3.txt)"
      sleep 0.1
    done
    die "member $3 does not listen on $port (log: $dir/log-$3.txt)" ;;
  start) ;;
  *) usage ;;
esac

members=${3:-3}
start_time=$(date +%s.%N)
for tool in etcd curl ss; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing: install etcd-server curl iproute2 (scripts/test does)"
done

[ -d "$dir" ] && stop
rm -rf "$dir"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# 2N consecutive free ports: member I listens for clients on base+2(I-1), for peers on the next.
listening=$(ss -Htln | awk '{n = split($4, a, ":"); print a[n]}' | sort -n -u)
base=""
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 12000))
  taken=$(awk -v lo="$candidate" -v hi="$((candidate + 2 * members - 1))" '$1 >= lo && $1 <= hi' \
    <<<"$listening")
  if [ -z "$taken" ]; then base=$candidate; break; fi
done
[ -n "$base" ] || die "found no $((2 * members)) free consecutive ports in 20000-32000"

initial_cluster=""
endpoints=""
for i in $(seq "$members"); do
  initial_cluster+="${initial_cluster:+,}m$i=http://127.0.0.1:$((base + 2 * (i - 1) + 1))"
  endpoints+="${endpoints:+,}http://127.0.0.1:$((base + 2 * (i - 1)))"
done
cat > "$dir/cluster" <<EOF
base=$base
initial_cluster=$initial_cluster
token=semble-test-$base-$$
EOF
for i in $(seq "$members"); do launch "$i" new; done

for i in $(seq "$members"); do
  ok=""
  for _ in $(seq 300); do
    if healthy "http://127.0.0.1:$((base + 2 * (i - 1)))"; then ok=1; break; fi
    member_pid "$i" >/dev/null || die "member $i exited (log: $dir/log-$i.txt)"
    sleep 0.1
  done
  [ -n "$ok" ] || die "member $i is not healthy after 30 s (log: $dir/log-$i.txt)"
done

echo "SEMBLE_ETCD_ENDPOINTS=$endpoints" > "$dir/env"
end_time=$(date +%s.%N)
printf 'etcd.sh: %d members at %s after %.1f s (PIDs %s)\n' "$members" "$endpoints" \
  "$(awk -v a="$start_time" -v b="$end_time" 'BEGIN {print b - a}')" \
  "$(cat "$dir"/member-* | tr '\n' ' ')"

#!/usr/bin/env bash
# A real S3 endpoint for tests: one Ceph monitor, one memstore OSD and radosgw (beast frontend),
# all on 127.0.0.1, every file inside DIR.
#   tests/services/radosgw.sh start DIR   # prints the seconds it took; writes DIR/env
#   tests/services/radosgw.sh stop DIR    # stops exactly the processes start recorded
#   tests/services/radosgw.sh restart-gateway DIR [DOWN_SECONDS]
#       # stops only radosgw (the monitor and the OSD keep the data), leaves it down DOWN_SECONDS
#       # (default 0), starts it again on the same port and waits until it answers
# DIR/env holds AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION for an
# S3 user made with radosgw-admin. DIR/pids lists every daemon start launched, one PID a line;
# DIR/rgw.pid names the one that is radosgw.
#
# Ports are chosen at random below the kernel's ephemeral range and checked free first: a
# leftover monitor from an earlier run on a fixed port makes a new cluster hang silently
# (shared/reference/scaleout.md), and parallel runs must not meet.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR | restart-gateway DIR [DOWN_SECONDS]" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2
down=${3:-0}
if [ "$cmd" = restart-gateway ]; then
  [ $# -le 3 ] && [[ "$down" =~ ^[0-9]+([.][0-9]+)?$ ]] || usage
else
  [ $# -eq 2 ] || usage
fi

die() { echo "radosgw.sh: $*" >&2; exit 1; }

# Whether PID is a daemon running on this folder's ceph.conf: after a reboot a recorded PID may
# belong to something else.
ours() {
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF "$dir/ceph.conf"
}

# Sends SIGTERM to the given PIDs, then waits until each has exited (SIGKILL after 20 s), so a
# following start never meets a half-dead daemon still holding its port.
terminate() {
  local pid
  for pid in "$@"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "$@"; do
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$waited" -eq 200 ]; then
        echo "radosgw.sh: PID $pid ignored SIGTERM for 20 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
      sleep 0.1
      waited=$((waited + 1))
    done
  done
}

# Stops every recorded daemon that is still ours.
stop() {
  [ -f "$dir/pids" ] || return 0
  local pid
  local -a pids=()
  local recorded
  mapfile -t recorded < "$dir/pids"
  for pid in "${recorded[@]}"; do
    [ -n "$pid" ] && ours "$pid" && pids+=("$pid")
  done
  terminate "${pids[@]}"
  rm -f "$dir/pids" "$dir/rgw.pid"
}

# Absolute, as the daemons' command lines have it.
[ -d "$dir" ] && dir=$(cd "$dir" && pwd)

# Launches a daemon in the foreground of a background job, so $! is the daemon itself; its output
# goes to a file so the caller (ctest) does not wait on inherited pipes. Records the PID in
# DIR/pids and leaves it in $launched.
launch() {
  local name=$1; shift
  "$@" </dev/null >>"$dir/log/$name.out" 2>&1 &
  echo $! >> "$dir/pids"
  launched=$!
}

# radosgw as client.rgw.a (its port and key are in ceph.conf and the keyring), then waits until
# its endpoint answers.
launch_gateway() {
  launch rgw radosgw -c "$dir/ceph.conf" -f -n client.rgw.a
  echo "$launched" > "$dir/rgw.pid"
  local endpoint
  endpoint="http://127.0.0.1:$(sed -n 's/^rgw frontends = .*endpoint=127.0.0.1:\([0-9]*\).*/\1/p' "$dir/ceph.conf")"
  for _ in $(seq 240); do
    curl -s -o /dev/null -m 2 "$endpoint/" && return 0
    kill -0 "$launched" 2>/dev/null || break
    sleep 0.5
  done
  curl -s -o /dev/null -m 2 "$endpoint/" ||
    die "radosgw does not answer on $endpoint (log: $dir/log/client.rgw.a.log)"
}

# Stops only the gateway start (or an earlier restart) launched and starts it again: the monitor
# and the memstore OSD keep running, and with them every object.
restart_gateway() {
  [ -f "$dir/rgw.pid" ] || die "no $dir/rgw.pid: was the gateway started with '$0 start $dir'?"
  local pid
  pid=$(cat "$dir/rgw.pid")
  if ours "$pid"; then
    terminate "$pid"
  else
    echo "radosgw.sh: radosgw (PID $pid) was not running" >&2
  fi
  # Its PID leaves the list, so a later stop never signals whatever reuses the number.
  grep -vx "$pid" "$dir/pids" > "$dir/pids.new" || true
  mv "$dir/pids.new" "$dir/pids"
  sleep "$down"
  local restart_time
  restart_time=$(date +%s.%N)
  launch_gateway
  printf 'radosgw.sh: radosgw back after %.1f s down, answering %.1f s after its launch (PID %s)\n' \
    "$down" "$(awk -v a="$restart_time" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')" \
    "$(cat "$dir/rgw.pid")"
}

case "$cmd" in
  stop) stop; exit 0 ;;
  restart-gateway) restart_gateway; exit 0 ;;
  start) ;;
  *) usage ;;
esac

start_time=$(date +%s.%N)
for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool uuidgen curl ss; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing: install ceph-mon ceph-osd radosgw ceph-common curl iproute2 uuid-runtime (scripts/test does)"
done

# A previous run's daemons (a crashed test run) would hold memory and ports: stop them first.
stop
rm -rf "$dir"
mkdir -p "$dir"/{run,log,mon/a,osd/0}
dir=$(cd "$dir" && pwd)

# Seventeen consecutive free ports: the monitor, radosgw, and a range the OSD binds in.
listening=$(ss -Htln | awk '{n = split($4, a, ":"); print a[n]}' | sort -n -u)
base=""
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 12000))
  taken=$(awk -v lo="$candidate" -v hi="$((candidate + 16))" '$1 >= lo && $1 <= hi' <<<"$listening")
  if [ -z "$taken" ]; then base=$candidate; break; fi
done
[ -n "$base" ] || die "found no 17 free consecutive ports in 20000-32000"
mon_port=$base
rgw_port=$((base + 1))

fsid=$(uuidgen)
cat > "$dir/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr1 = false
ms bind port min = $((base + 2))
ms bind port max = $((base + 16))
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon data avail crit = 0
mon data avail warn = 0
osd objectstore = memstore
memstore device bytes = 2147483648
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = $dir/client.keyring
[mon]
mon data = $dir/mon/\$id
keyring = $dir/mon/\$id/keyring
[osd]
osd data = $dir/osd/\$id
keyring = $dir/osd/\$id/keyring
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw data = $dir/rgw
rgw thread pool size = 64
EOF
conf=(-c "$dir/ceph.conf")
ceph_cli() { timeout 60 ceph "${conf[@]}" --connect-timeout 30 "$@"; }

# cephx keys: the monitor's, the administrator's (for the ceph CLI and radosgw-admin).
ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$dir/client.keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$dir/mon.keyring" --import-keyring "$dir/client.keyring" >/dev/null
monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap" >/dev/null
ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.keyring" \
  >"$dir/log/mon-mkfs.out" 2>&1 || die "ceph-mon --mkfs failed: $(cat "$dir/log/mon-mkfs.out")"
launch mon ceph-mon "${conf[@]}" -f -i a

# The OSD: registered with a key of its own, then formatted (memstore keeps its data in memory
# and saves it to osd/0 when stopped).
osd_uuid=$(uuidgen)
osd_key=$(ceph-authtool --gen-print-key)
printf '{"cephx_secret": "%s"}\n' "$osd_key" > "$dir/osd-secret.json"
osd_id=$(ceph_cli osd new "$osd_uuid" -i "$dir/osd-secret.json") ||
  die "the monitor did not answer 'ceph osd new' (log: $dir/log/mon.a.log)"
[ "$osd_id" = 0 ] || die "expected OSD id 0, got '$osd_id'"
ceph-authtool --create-keyring "$dir/osd/0/keyring" --name osd.0 --add-key "$osd_key" >/dev/null
ceph-osd "${conf[@]}" -i 0 --mkfs --key "$osd_key" --osd-uuid "$osd_uuid" \
  >"$dir/log/osd-mkfs.out" 2>&1 || die "ceph-osd --mkfs failed: $(cat "$dir/log/osd-mkfs.out")"
launch osd ceph-osd "${conf[@]}" -f -i 0
for _ in $(seq 120); do
  ceph_cli osd dump 2>/dev/null | grep -q '^osd.0 up' && break
  sleep 0.5
done
ceph_cli osd dump | grep -q '^osd.0 up' || die "osd.0 did not come up (log: $dir/log/osd.0.log)"

# radosgw with a key of its own; it creates its pools on start. tcp_nodelay: beast writes an
# answer's head and body separately, and without it Nagle holds the body until the client's
# delayed ACK (40 ms per GET on a kept-alive connection).
ceph_cli auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' >> "$dir/client.keyring"
launch_gateway
endpoint="http://127.0.0.1:$rgw_port"

# The S3 user the tests sign as.
# (From uuidgen: `tr -dc < /dev/urandom | head` dies of SIGPIPE under pipefail.)
access_key=$(uuidgen -r | tr -d '-' | tr 'a-f' 'A-F' | cut -c1-20)
secret_key=$(uuidgen -r | tr -d '-')$(uuidgen -r | tr -d '-' | cut -c1-8)
timeout 60 radosgw-admin "${conf[@]}" user create --uid=semble-test --display-name="semble tests" \
  --access-key="$access_key" --secret-key="$secret_key" >"$dir/log/user-create.out" 2>&1 ||
  die "radosgw-admin user create failed: $(cat "$dir/log/user-create.out")"

cat > "$dir/env" <<EOF
AWS_ENDPOINT_URL=$endpoint
AWS_ACCESS_KEY_ID=$access_key
AWS_SECRET_ACCESS_KEY=$secret_key
AWS_REGION=us-east-1
EOF
end_time=$(date +%s.%N)
printf 'radosgw.sh: S3 at %s after %.1f s (PIDs %s)\n' "$endpoint" \
  "$(awk -v a="$start_time" -v b="$end_time" 'BEGIN {print b - a}')" "$(tr '\n' ' ' < "$dir/pids")"

#!/usr/bin/env bash
# Networking benchmark (issue 5), side by side on one machine, one run:
#   1. Attach cost: COUNT (30) `docker run -d busybox httpd -f -p 80` in a row
#      through the docker CLI, each on one user network with its own published
#      port (-p 127.0.0.1:PORT:80), vs the same COUNT with --network none; our
#      daemon vs Debian's dockerd 20.10 WITH its bridge networking and iptables
#      (--userland-proxy=false: DNAT against DNAT). Per-container network
#      set-up cost = (time of the COUNT starts with network+port − time of the
#      COUNT with none, the two batches back to back) / COUNT, median over the
#      rounds, per engine (the difference of the two medians is shown too).
#      Target: ours / dockerd <= 0.2.
#      ROUNDS (5) rounds, the engines and modes interleaved; after each timed
#      batch every published port is fetched (untimed) and must answer with
#      its own container's hostname.
#   2. Throughput between two endpoints of one network: busybox
#      `dd if=/dev/zero bs=1M count=MB | nc IP 5000` into `nc -l -p 5000 >
#      /dev/null`, timed inside the sender (busybox `time`), between two of our
#      containers, between two plain namespaces joined by a veth pair, and
#      between two plain namespaces joined through a Linux bridge (the limit of
#      our design). Target: ours within 10 % of the plain pair. The plain pairs
#      run the image's own busybox binary. busybox nc moves data in small
#      reads and writes and is CPU-bound far below what the path carries, so
#      the same three paths are also measured with iperf3 (Debian's, installed
#      when missing; run from the host inside the same namespaces — for ours,
#      the containers' own named netns tsc-<id12>): the datapath's limit;
#      iperf3 also crosses the same kind of bridge placed in a namespace of its
#      own with bridge-nf-call-iptables=0 there, to tell the bridge's cost from
#      br_netfilter's (the host has it on, as Docker wants it).
#      After each of our batch removals our DNAT chain must be empty (a rule
#      left is a stale published port); that and the "iptables-restore failed"
#      lines of our daemon's log are reported.
#   3. Primitives, to see where a container's network set-up goes: the `ip`
#      sequence of dataplane.ts (3 processes) against the same work in 2; the
#      `iptables-restore` of our whole rule set for COUNT ports (a refill)
#      against the delta rules-diff.ts applies for one more published port and
#      back (a start, a stop); a rule check (no commit); `ip netns del`. Each
#      the median of PRIM_RUNS (20), on a bridge, namespaces and chains
#      (TNB<hex>-*, no jumps into them) of this run's own; the rules are made
#      by the build's own rules.js / rules-diff.js.
#
#   bash bench/network-bench.sh     (root; COUNT=N ROUNDS=N (min 3) MB=N
#                                    IPERF_SECONDS=N PRIM_RUNS=N PORT_BASE=N;
#                                    TSC_DIST=DIR for another build)
#
# Everything lives under one temp dir and private sockets/roots. Before
# anything starts, iptables-save/ip6tables-save, the links, the named netns and
# the sysctls the engines touch are snapshotted; on exit (also on failure or
# Ctrl-C) containers and networks are removed, both daemons stopped, what
# dockerd leaves behind on purpose (docker0, its br-* bridges, its DOCKER*
# chains and their jumps, in every table) is deleted, the bench's own
# namespaces/veths/bridge go, and then everything is compared with the
# snapshot: any difference is printed and the script fails. (Lines belonging
# to another tscompose engine running on the host meanwhile — chains
# TSC-<other tag>-* — are reported and not counted.) Traffic: only between
# namespaces this run made, and to 127.0.0.1.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
repo="$(pwd)"

[ "$(id -u)" = "0" ] || { echo "network-bench: needs root" >&2; exit 1; }
count="${COUNT:-30}"
rounds="${ROUNDS:-5}"
[ "$rounds" -ge 3 ] || rounds=3
mb="${MB:-2000}"
iperf_seconds="${IPERF_SECONDS:-5}"
prim_runs="${PRIM_RUNS:-20}"
port_base="${PORT_BASE:-42000}"
dist="${TSC_DIST:-$repo/dist}"
[ -f "$dist/engine/daemon/main.js" ] || { echo "network-bench: $dist is not built (npm run build)" >&2; exit 1; }
rtdir="$repo/engine/runtime/build"
[ -x "$rtdir/tscompose-monitor" ] && [ -x "$rtdir/tscompose-runtime" ] || { echo "network-bench: engine/runtime/build is not built (make -C engine/runtime)" >&2; exit 1; }
for t in docker ip iptables-save iptables iptables-restore curl ss; do
  command -v "$t" >/dev/null || { echo "network-bench: $t is needed" >&2; exit 1; }
done
[ -n "${EPOCHREALTIME:-}" ] || { echo "network-bench: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 1; }
command -v iperf3 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3 >/dev/null 2>&1 \
  || echo "# iperf3: could not be installed (apt-get install iperf3); its measurements are left out" >&2

out="$repo/bench/out/network"
rm -rf "$out" && mkdir -p "$out"
work="$(mktemp -d /tmp/tsc-nb-XXXXXX)"   # short: sockets live in here
export DOCKER_CONFIG="$work/docker-config" DOCKER_CLI_HINTS=false
mkdir -p "$DOCKER_CONFIG"
unset DOCKER_HOST DOCKER_CONTEXT

log() { echo "# $*" >&2; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
stop_pid() { # pid, seconds: SIGTERM, then SIGKILL
  local pid="$1" n=$(( $2 * 10 ))
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid" && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
}
now_us() { echo "${EPOCHREALTIME/./}"; }   # no fork, unlike date

# ---- names of what this run makes
oroot="$work/ours/root"
osock="$work/ours.sock"
otag="$(printf '%s' "$oroot" | sha256sum | cut -c1-6)"   # network/names.ts instanceTag
ours_pid=""
ours_ids=()
ours_net_id=""
d="$work/dockerd"
dsock="$work/dockerd.sock"
dockerd_pid=""
dockerd_net_ids=()
have_dockerd=""
cg_docker="tsc-bench-net-dockerd"
rand="$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
ns_pre="tsc-nb$rand"        # plain namespaces: $ns_pre-*
if_pre="tnb$rand"           # plain links: $if_pre* (<= 15 bytes)
chain_pre="TNB$rand"        # the primitives' chains: $chain_pre-*
server_pid=""               # the plain pairs' server of the moment (a child of this shell, until waited for)
dockerd_bip="10.250.0.1/24"
dockerd_pool="10.251.0.0/16"

# ---- the snapshot of the host, before anything
ipt_norm() { # table dump without timestamps and counters, sorted (a multiset of lines)
  "$1" 2>/dev/null | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]/[0:0]/' | sort
}
links_now() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }
netns_now() { ls /run/netns 2>/dev/null | sort || true; }
sysctls=(net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables net/bridge/bridge-nf-call-ip6tables net/bridge/bridge-nf-call-arptables)
declare -A sysctl_before=()
for k in "${sysctls[@]}"; do [ -r "/proc/sys/$k" ] && sysctl_before[$k]="$(cat "/proc/sys/$k")"; done
ipt_norm iptables-save >"$work/iptables.before"
ipt_norm ip6tables-save >"$work/ip6tables.before"
links_now >"$work/links.before"
netns_now >"$work/netns.before"
docker_chains_before="$(grep -c '^:DOCKER' "$work/iptables.before" || true)"
docker0_before=""
[ -e /sys/class/net/docker0 ] && docker0_before=1

# ---- clean-up: everything this run made, then the comparison with the snapshot
docker_ipt_cleanup() { # dockerd's rules in the built-in chains, then its chains, in every table
  local table line c chains re
  re="DOCKER|docker0|10\\.250\\.|10\\.251\\."
  for c in "${dockerd_net_ids[@]}"; do re+="|br-${c:0:12}"; done
  for table in filter nat mangle raw; do
    iptables-save -t "$table" >"$work/ipt.$table" 2>/dev/null || continue
    grep -E '^-A ' "$work/ipt.$table" | grep -vE '^-A DOCKER' | grep -E -- "$re" | while read -r line; do
      eval "set -- $line"
      shift
      iptables -w -t "$table" -D "$@" || echo "network-bench: could not delete ($table) $line" >&2
    done || true
    chains="$(grep -oE '^:DOCKER[A-Za-z0-9_-]*' "$work/ipt.$table" | tr -d : || true)"
    for c in $chains; do iptables -w -t "$table" -F "$c"; done
    for c in $chains; do iptables -w -t "$table" -X "$c"; done
  done
}
ours_leftovers() { # what our daemon should have removed itself when it stopped
  local id
  [ -n "$ours_net_id" ] && [ -e "/sys/class/net/tsc-${ours_net_id:0:11}" ] && echo "bridge tsc-${ours_net_id:0:11}"
  [ -e "/sys/class/net/tsc0-$otag" ] && echo "bridge tsc0-$otag"
  for id in "${ours_ids[@]}"; do [ -e "/run/netns/tsc-${id:0:12}" ] && echo "netns tsc-${id:0:12}"; done
  iptables-save 2>/dev/null | grep -E -- "TSC-$otag-" | sed 's/^/iptables: /'
  return 0
}
compare_with_snapshot() { # prints the differences; returns 1 when there are any of ours
  local bad=0 f t diffs foreign
  for t in iptables ip6tables; do
    ipt_norm "$t-save" >"$work/$t.after"
    diffs="$(diff "$work/$t.before" "$work/$t.after" | grep -E '^[<>] ' || true)"
    [ -n "$diffs" ] || continue
    # Chains of another tscompose engine (another tag, or the default one) changing meanwhile are not ours.
    foreign="$(printf '%s\n' "$diffs" | grep -E -- "TSC-([0-9a-f]{6}-)?(FORWARD|ISOLATION-[12]|DNAT|POSTROUTING)" | grep -v -- "TSC-$otag-" || true)"
    diffs="$(printf '%s\n' "$diffs" | grep -vxF -f <(printf '%s\n' "$foreign") || true)"
    [ -z "$foreign" ] || { echo "# $t: changed meanwhile by another tscompose engine on this host (not counted):"; printf '%s\n' "$foreign" | sed 's/^/#   /'; } >&2
    if [ -n "$diffs" ]; then
      echo "network-bench: FAIL: $t differs from the snapshot taken before the run ('<' before, '>' after):" >&2
      printf '%s\n' "$diffs" | sed 's/^/  /' >&2
      bad=1
    fi
  done
  links_now >"$work/links.after"
  for f in $(comm -13 "$work/links.before" "$work/links.after"); do
    case "$f" in docker0|br-*|veth*|"$if_pre"*|tsc-"${ours_net_id:0:11}"|tsc0-"$otag") echo "network-bench: FAIL: link $f left behind" >&2; bad=1 ;; esac
  done
  netns_now >"$work/netns.after"
  for f in $(comm -13 "$work/netns.before" "$work/netns.after"); do
    case "$f" in "$ns_pre"*) echo "network-bench: FAIL: netns $f left behind" >&2; bad=1 ;; esac
    for id in "${ours_ids[@]}"; do [ "$f" != "tsc-${id:0:12}" ] || { echo "network-bench: FAIL: netns $f left behind" >&2; bad=1; }; done
  done
  for k in "${!sysctl_before[@]}"; do
    [ "$(cat "/proc/sys/$k")" = "${sysctl_before[$k]}" ] || { echo "network-bench: FAIL: /proc/sys/$k is $(cat "/proc/sys/$k"), was ${sysctl_before[$k]}" >&2; bad=1; }
  done
  return $bad
}

cleanup() {
  local rc=$? id ids h left
  set +e
  trap - EXIT INT TERM
  # the plain pairs: servers, namespaces (taking their veth ends), the bridge
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null
  for f in /run/netns/"$ns_pre"-*; do [ -e "$f" ] && ip netns del "$(basename "$f")"; done
  sleep 0.2   # a deleted namespace takes its veths with it, asynchronously
  for f in /sys/class/net/"$if_pre"*; do [ -e "$f" ] && ip link del "$(basename "$f")"; done
  for t in filter nat; do
    for c in $(iptables-save -t "$t" 2>/dev/null | grep -oE "^:$chain_pre-[A-Z0-9]+" | tr -d :); do iptables -w -t "$t" -F "$c"; done
    for c in $(iptables-save -t "$t" 2>/dev/null | grep -oE "^:$chain_pre-[A-Z0-9]+" | tr -d :); do iptables -w -t "$t" -X "$c"; done
  done
  # ours: containers, network, then the daemon (it removes its bridges and rules when nothing runs)
  local ours_was_alive=""
  if alive "$ours_pid"; then
    ours_was_alive=1
    ids="$(timeout 20 docker --host "unix://$osock" ps -aq --no-trunc 2>/dev/null)"
    for id in $ids; do ours_ids+=("$id"); done
    [ -n "$ids" ] && timeout 120 docker --host "unix://$osock" rm -f $ids >/dev/null 2>&1
    timeout 30 docker --host "unix://$osock" network rm nbnet >/dev/null 2>&1
  fi
  stop_pid "$ours_pid" 15
  # Every container it ever had, also when it had already gone (a Ctrl-C reaches the whole process group).
  if [ -d "$oroot/containers" ]; then
    for c in "$oroot"/containers/*/; do [ -d "$c" ] && ours_ids+=("$(basename "$c")"); done
  fi
  left="$(ours_leftovers)"
  if [ -n "$left" ] && [ -n "$ours_was_alive" ]; then
    echo "network-bench: WARNING: our daemon left this behind when it stopped with nothing running (removed by the bench now):" >&2
    printf '%s\n' "$left" | sed 's/^/  /' >&2
  elif [ -n "$left" ]; then
    log "our daemon had stopped before the clean-up, its containers running (it keeps their networks by design); the bench removes them"
  fi
  if [ -d "$oroot/runtime" ]; then
    for st in "$oroot"/runtime/*/; do [ -d "$st" ] && "$rtdir/tscompose-runtime" --root "$oroot/runtime" delete --force "$(basename "$st")" >/dev/null 2>&1; done
  fi
  for id in $(pgrep -f "tscompose-monitor .*--bundle $oroot/containers/" || true); do kill -KILL "$id" 2>/dev/null; done
  for id in "${ours_ids[@]}"; do [ -e "/run/netns/tsc-${id:0:12}" ] && ip netns del "tsc-${id:0:12}"; done
  [ -n "$ours_net_id" ] && [ -e "/sys/class/net/tsc-${ours_net_id:0:11}" ] && ip link del "tsc-${ours_net_id:0:11}"
  [ -e "/sys/class/net/tsc0-$otag" ] && ip link del "tsc0-$otag"
  for t in filter nat; do
    iptables-save -t "$t" 2>/dev/null | grep -E '^-A ' | grep -v "^-A TSC-$otag-" | grep -- "-j TSC-$otag-" | while read -r line; do
      eval "set -- $line"; shift; iptables -w -t "$t" -D "$@"
    done
    for c in $(iptables-save -t "$t" 2>/dev/null | grep -oE "^:TSC-$otag-[A-Z0-9-]+" | tr -d :); do iptables -w -t "$t" -F "$c"; done
    for c in $(iptables-save -t "$t" 2>/dev/null | grep -oE "^:TSC-$otag-[A-Z0-9-]+" | tr -d :); do iptables -w -t "$t" -X "$c"; done
  done
  # dockerd: containers and networks, the daemon (and its containerd), then what it leaves on purpose
  if alive "$dockerd_pid"; then
    ids="$(timeout 20 docker --host "unix://$dsock" ps -aq 2>/dev/null)"
    [ -n "$ids" ] && timeout 120 docker --host "unix://$dsock" rm -f $ids >/dev/null 2>&1
    timeout 30 docker --host "unix://$dsock" network rm nbnet >/dev/null 2>&1
  fi
  stop_pid "$dockerd_pid" 20
  for id in $(pgrep -f "^containerd --config $d/exec/containerd/containerd.toml" || true) \
            $(pgrep -f "containerd-shim-runc-v2 .*-address $d/exec/containerd/containerd.sock" || true); do
    stop_pid "$id" 5
  done
  if [ -n "$dockerd_pid" ]; then
    [ -z "$docker0_before" ] && [ -e /sys/class/net/docker0 ] && ip link del docker0
    for id in "${dockerd_net_ids[@]}"; do [ -e "/sys/class/net/br-${id:0:12}" ] && ip link del "br-${id:0:12}"; done
    docker_ipt_cleanup
  fi
  # sysctls the engines set (ip_forward; dockerd's bridge-nf-call-*)
  for k in "${!sysctl_before[@]}"; do
    if [ "$(cat "/proc/sys/$k")" != "${sysctl_before[$k]}" ]; then
      log "restoring /proc/sys/$k to ${sysctl_before[$k]}"
      echo "${sysctl_before[$k]}" >"/proc/sys/$k"
    fi
  done
  sleep 0.2
  awk -v w="$work/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h$cg_docker" ] && find "$h$cg_docker" -depth -type d -exec rmdir {} + 2>/dev/null
    for id in "${ours_ids[@]}"; do [ -d "${h}tscompose/$id" ] && rmdir "${h}tscompose/$id" 2>/dev/null; done
  done
  if ! compare_with_snapshot; then
    echo "network-bench: FAIL: the host is not as it was before the run (see above)" >&2
    [ "$rc" -ne 0 ] || rc=1
  else
    log "host compared with the snapshot taken before the run: iptables, ip6tables, links, netns, sysctls as they were"
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "machine load before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; shared with whatever else runs)"
repo_rev="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet HEAD -- engine 2>/dev/null || echo ' + changes in engine/')"

# ---- preconditions for dockerd's networking (it must not meet a Docker already there)
dockerd_refusal=""
command -v dockerd >/dev/null || dockerd_refusal="not installed (apt-get install docker.io)"
[ -z "$docker0_before" ] || dockerd_refusal="docker0 exists already (another Docker runs here?)"
[ "$docker_chains_before" = "0" ] || dockerd_refusal="DOCKER chains exist already in iptables (another Docker runs here?)"
ip route | grep -qE '^10\.25[01]\.' && dockerd_refusal="10.250/10.251 are routed here already"
for i in $(seq 1 $count) $(seq 101 $((100 + count))); do
  if ss -Hltn "sport = :$((port_base + i))" | grep -q .; then
    echo "network-bench: port $((port_base + i)) is in use; set PORT_BASE" >&2; exit 1
  fi
done

# ---- the image
"$repo/engine/images/busybox-rootfs.sh" "$work/rootfs" --tar "$work/busybox.tar" >/dev/null
bb="$work/rootfs/bin/busybox"

# ---- our daemon (--debug: one log line per request, with its duration)
mkdir -p "$work/ours"
node "$dist/engine/daemon/main.js" --host "unix://$osock" --root "$oroot" --debug >"$work/ours/stderr" 2>&1 &
ours_pid=$!
O() { timeout -k 2 120 docker --host "unix://$osock" "$@"; }
for _ in $(seq 150); do O version >/dev/null 2>&1 && break; alive "$ours_pid" || break; sleep 0.1; done
O version >/dev/null 2>&1 || { cat "$work/ours/stderr" "$oroot/engine.log" >&2 2>/dev/null; echo "network-bench: our daemon did not start" >&2; exit 1; }
O import --change 'CMD ["sh"]' "$work/busybox.tar" busybox:latest >/dev/null
ours_net_id="$(O network create nbnet)"
ours_subnet="$(O network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' nbnet)"
case "$ours_subnet" in 10.250.*|10.251.*) echo "network-bench: our network took $ours_subnet, which dockerd is given" >&2; exit 1 ;; esac
log "ours: network nbnet $ours_subnet, bridge tsc-${ours_net_id:0:11}, chains TSC-$otag-*"

# ================= 2. throughput (before dockerd is started: nothing of its on the path)
log "throughput: ${mb} MiB per transfer, $rounds rounds, ours / veth pair / bridge interleaved"
# The server's stdin is a FIFO opened read-write: never EOF (busybox nc ends the
# connection when its stdin ends), never data.
O run -d --network nbnet --name nb-srv busybox sh -c 'mkfifo /tmp/in; while :; do nc -l -p 5000 <>/tmp/in >/dev/null; done' >/dev/null
O run -d --network nbnet --name nb-cli busybox sleep 3600 >/dev/null
srv_ip="$(O inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' nb-srv)"

# the plain veth pair: a <-> b
ip netns add "$ns_pre-a"; ip netns add "$ns_pre-b"
ip link add "${if_pre}a" type veth peer name "${if_pre}b"
ip link set "${if_pre}a" netns "$ns_pre-a"; ip link set "${if_pre}b" netns "$ns_pre-b"
ip -n "$ns_pre-a" addr add 10.254.1.1/24 dev "${if_pre}a"; ip -n "$ns_pre-b" addr add 10.254.1.2/24 dev "${if_pre}b"
# the plain bridge (in the host namespace, as ours are, no address): c <-> br <-> d
ip netns add "$ns_pre-c"; ip netns add "$ns_pre-d"
ip link add "${if_pre}br" type bridge
ip link set "${if_pre}br" up
for x in c d; do
  ip link add "${if_pre}$x" type veth peer name "${if_pre}${x}0" netns "$ns_pre-$x"
  ip link set "${if_pre}$x" master "${if_pre}br"
  ip link set "${if_pre}$x" up
done
ip -n "$ns_pre-c" addr add 10.254.2.1/24 dev "${if_pre}c0"; ip -n "$ns_pre-d" addr add 10.254.2.2/24 dev "${if_pre}d0"
# for iperf3 only: the same bridge in a namespace of its own where bridge-nf-call-iptables is 0
# (a per-namespace sysctl): what the bridge costs without netfilter. f <-> (e: br0) <-> g
ip netns add "$ns_pre-e"; ip netns add "$ns_pre-f"; ip netns add "$ns_pre-g"
ip netns exec "$ns_pre-e" sh -c 'echo 0 >/proc/sys/net/bridge/bridge-nf-call-iptables' 2>/dev/null || true
ip -n "$ns_pre-e" link add br0 type bridge
ip -n "$ns_pre-e" link set br0 up
for x in f g; do
  ip -n "$ns_pre-e" link add name "port$x" type veth peer name eth0 netns "$ns_pre-$x"
  ip -n "$ns_pre-e" link set "port$x" master br0
  ip -n "$ns_pre-e" link set "port$x" up
  ip -n "$ns_pre-$x" link set eth0 up
done
ip -n "$ns_pre-f" addr add 10.254.4.1/24 dev eth0; ip -n "$ns_pre-g" addr add 10.254.4.2/24 dev eth0
for n in a b c d f g; do ip -n "$ns_pre-$n" link set lo up; done
ip -n "$ns_pre-a" link set "${if_pre}a" up; ip -n "$ns_pre-b" link set "${if_pre}b" up
ip -n "$ns_pre-c" link set "${if_pre}c0" up; ip -n "$ns_pre-d" link set "${if_pre}d0" up
mkfifo "$work/fifo-a" "$work/fifo-c"

sender="dd if=/dev/zero bs=1M count=$mb 2>/dev/null | nc"
wait_listen() { # port, then a command that lists listening sockets
  local port="$1"; shift
  for _ in $(seq 100); do "$@" 2>/dev/null | grep -q ":$port " && return 0; sleep 0.05; done
  echo "network-bench: nothing listens on :$port ($*)" >&2; return 1
}
plain_nc() { # path server-ns client-ns server-ip fifo round: appends the seconds
  local srv s
  ip netns exec "$2" "$bb" nc -l -p 5000 <>"$5" >/dev/null &
  srv=$!
  server_pid="$srv"
  wait_listen 5000 ip netns exec "$2" "$bb" netstat -ltn
  s="$(ip netns exec "$3" "$bb" time -f %e "$bb" sh -c "$bb dd if=/dev/zero bs=1M count=$mb 2>/dev/null | $bb nc $4 5000" 2>&1 >/dev/null | tail -n 1)"
  wait "$srv" || true
  server_pid=""
  echo "nc,$1,$6,$s" >>"$out/throughput.csv"
}
iperf() { # path server-ns client-ns server-ip round: appends MiB/s received
  local srv v
  ip netns exec "$2" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  srv=$!
  server_pid="$srv"
  wait_listen 5201 ip netns exec "$2" ss -Hltn
  v="$(ip netns exec "$3" iperf3 -c "$4" -p 5201 -t "$iperf_seconds" -O 1 -J \
    | node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8")); if (j.error) throw new Error(j.error); console.log((j.end.sum_received.bits_per_second / 8 / 1048576).toFixed(1))')"
  wait "$srv" || true
  server_pid=""
  echo "iperf3,$1,$5,$v" >>"$out/throughput.csv"
}
srv_ns="tsc-$(O inspect -f '{{.Id}}' nb-srv | cut -c1-12)"
cli_ns="tsc-$(O inspect -f '{{.Id}}' nb-cli | cut -c1-12)"
[ -e "/run/netns/$srv_ns" ] && [ -e "/run/netns/$cli_ns" ] || { echo "network-bench: our containers' netns $srv_ns/$cli_ns not found" >&2; exit 1; }
echo "tool,path,round,value" >"$out/throughput.csv"
for r in $(seq "$rounds"); do
  wait_listen 5000 O exec nb-srv netstat -ltn
  s="$(O exec nb-cli time -f %e sh -c "$sender $srv_ip 5000" 2>&1 >/dev/null | tail -n 1)"
  echo "nc,ours,$r,$s" >>"$out/throughput.csv"
  plain_nc veth-pair "$ns_pre-a" "$ns_pre-b" 10.254.1.1 "$work/fifo-a" "$r"
  plain_nc bridge "$ns_pre-c" "$ns_pre-d" 10.254.2.1 "$work/fifo-c" "$r"
  if command -v iperf3 >/dev/null; then
    iperf ours "$srv_ns" "$cli_ns" "$srv_ip" "$r"
    iperf veth-pair "$ns_pre-a" "$ns_pre-b" 10.254.1.1 "$r"
    iperf bridge "$ns_pre-c" "$ns_pre-d" 10.254.2.1 "$r"
    iperf bridge-nonf "$ns_pre-f" "$ns_pre-g" 10.254.4.1 "$r"
  fi
  log "throughput round $r: $(grep -E ",$r,[^,]*\$" "$out/throughput.csv" | cut -d, -f1,2,4 | tr '\n' ' ')"
done
grep -vE '^[a-z0-9]+,[a-z-]+,[0-9]+,[0-9]+\.[0-9]+$' "$out/throughput.csv" | grep -v '^tool,' && { echo "network-bench: a transfer did not report a figure (above)" >&2; exit 1; }
O rm -f nb-srv nb-cli >/dev/null

# ---- dockerd, with its bridge networking and iptables
if [ -z "$dockerd_refusal" ]; then
  mkdir -p "$d"
  printf '{"deprecated-key-path": "%s/key.json"}\n' "$d" >"$d/daemon.json"
  dockerd_pid=pending   # from here on, clean-up looks for dockerd's leftovers
  dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
    -H "unix://$dsock" --bip "$dockerd_bip" --default-address-pool "base=$dockerd_pool,size=24" \
    --userland-proxy=false --ip6tables=false --cgroup-parent "/$cg_docker" >"$d/log" 2>&1 &
  dockerd_pid=$!
  D() { timeout -k 2 120 docker --host "unix://$dsock" "$@"; }
  for _ in $(seq 300); do D version >/dev/null 2>&1 && break; alive "$dockerd_pid" || break; sleep 0.1; done
  if D version >/dev/null 2>&1 && D import --change 'CMD ["sh"]' "$work/busybox.tar" busybox:latest >/dev/null \
     && dockerd_net_ids+=("$(D network create nbnet)") \
     && D run --rm --network nbnet busybox true; then
    have_dockerd=1
    log "dockerd: network nbnet $(D network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' nbnet), bridge br-${dockerd_net_ids[0]:0:12}"
  else
    log "dockerd: could not start or run a networked container here, left out: $(tail -n 3 "$d/log" | tr '\n' ' ')"
  fi
else
  log "dockerd: left out: $dockerd_refusal"
fi

# ================= 1. attach cost
# One batch: COUNT `docker run -d` in a row, timed as a whole (ms on stdout).
batch() { # engine mode
  local cli="$1" mode="$2" base="$port_base" i t0 t1 id
  [ "$1" = D ] && base=$((port_base + 100))
  : >"$work/ids"
  t0="$(now_us)"
  for i in $(seq "$count"); do
    if [ "$mode" = none ]; then
      $cli run -d --network none --name "nb-$i" busybox httpd -f -p 80 -h /etc >>"$work/ids"
    else
      $cli run -d --network nbnet -p "127.0.0.1:$((base + i)):80" --name "nb-$i" busybox httpd -f -p 80 -h /etc >>"$work/ids"
    fi
  done
  t1="$(now_us)"
  echo $(( (t1 - t0) / 1000 ))
}
check_batch() { # engine mode: all running; each published port answers with its own container's hostname
  local cli="$1" mode="$2" base="$port_base" i want got
  [ "$1" = D ] && base=$((port_base + 100))
  [ "$($cli ps -q | wc -l)" = "$count" ] || { echo "network-bench: $cli $mode: not all $count containers run" >&2; $cli ps -a >&2; return 1; }
  [ "$mode" = net ] || return 0
  for i in $(seq "$count"); do
    want="$($cli inspect -f '{{.Config.Hostname}}' "nb-$i")"
    got="$(curl -sS --noproxy '*' --max-time 5 "http://127.0.0.1:$((base + i))/hostname" || true)"
    [ "$got" = "$want" ] || { echo "network-bench: $cli: 127.0.0.1:$((base + i)) answered '$got', expected '$want' (nb-$i)" >&2; return 1; }
  done
}
clear_batch() { # engine: every container removed (the CLI removes them in parallel)
  local ids n
  ids="$($1 ps -aq)"
  [ -z "$ids" ] || $1 rm -f $ids >/dev/null
  [ "$1" = O ] || return 0
  # With no container left, no rule of ours may name a container's address (the DNAT, its
  # ACCEPT and its hairpin MASQUERADE): a rule left is a stale published port.
  n="$(iptables-save | grep -E -- "^-A TSC-$otag-" | grep -cE -- "--to-destination |-d [0-9.]+/32 " || true)"
  if [ "$n" != 0 ]; then
    echo "$n" >>"$out/ours-stale-rules.txt"
    log "WARNING: ours: $n rule(s) for a container's address left in TSC-$otag-* with no container running"
  fi
}
mode_ids_file() { echo "$out/ids-$1-$2.txt"; }

engines=(O)
[ -n "$have_dockerd" ] && engines+=(D)
# Warm-up (untimed): the first use of a network makes its bridge in ours; the CLI and daemons warm.
for e in "${engines[@]}"; do
  for m in none net; do
    saved="$count"; count=3
    batch "$e" "$m" >/dev/null; check_batch "$e" "$m"; clear_batch "$e"
    count="$saved"
  done
done
echo "engine,mode,round,ms" >"$out/attach.csv"
for r in $(seq "$rounds"); do
  # Alternate which mode goes first, so neither always runs on a freshly cleared daemon.
  if [ $((r % 2)) = 1 ]; then modes=(none net); else modes=(net none); fi
  for e in "${engines[@]}"; do
    for m in "${modes[@]}"; do
      ms="$(batch "$e" "$m")"
      name=ours; [ "$e" = D ] && name=dockerd
      echo "$name,$m,$r,$ms" >>"$out/attach.csv"
      cat "$work/ids" >>"$(mode_ids_file "$name" "$m")"
      check_batch "$e" "$m"
      clear_batch "$e"
    done
  done
  log "attach round $r: $(tail -n $(( ${#engines[@]} * 2 )) "$out/attach.csv" | cut -d, -f1,2,4 | tr '\n' ' ')"
done

# ================= 3. primitives: what a container's network set-up is made of
# Each the median of PRIM_RUNS; set-up and tear-down of each run untimed. The
# bridge is the plain one of part 2; addresses live only inside the namespaces.
echo "primitive,median_ms" >"$out/primitives.csv"
measure() { # label fn: ${fn}_run I timed; ${fn}_undo I untimed
  local label="$1" fn="$2" i t0 t1
  : >"$work/m"
  for i in $(seq "$prim_runs"); do
    t0="$(now_us)"; "${fn}_run" "$i"; t1="$(now_us)"
    "${fn}_undo" "$i"
    echo $((t1 - t0)) >>"$work/m"
  done
  echo "$label,$(sort -n "$work/m" | awk '{a[NR] = $1} END {printf "%.2f", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) / 1000}')" >>"$out/primitives.csv"
}
# What dataplane.ts does at this commit: ensureSandbox (netns add), then attach (host side; inside, lo included)
ip3_run() {
  local ns="$ns_pre-p$1" hv="${if_pre}x$1" pv="${if_pre}y$1"
  ip netns add "$ns"
  ip -batch - <<B
link add name $hv mtu 1500 type veth peer name $pv mtu 1500 netns $ns
link set $hv master ${if_pre}br
link set $hv type bridge_slave hairpin on
link set $hv up
B
  ip -n "$ns" -batch - <<B
link set lo up
link set $pv name eth0
link set eth0 address 02:42:0a:fe:03:02
addr add 10.254.3.2/24 dev eth0
link set eth0 up
route replace default via 10.254.3.1 dev eth0
B
}
ip3_undo() { ip netns del "$ns_pre-p$1"; }
# the same in 2: `netns add` inside the host batch, the peer made in the netns with its final name and MAC
ip2_run() {
  local ns="$ns_pre-q$1" hv="${if_pre}z$1"
  ip -batch - <<B
netns add $ns
link add name $hv mtu 1500 type veth peer name eth0 mtu 1500 address 02:42:0a:fe:03:02 netns $ns
link set $hv master ${if_pre}br
link set $hv type bridge_slave hairpin on
link set $hv up
B
  ip -n "$ns" -batch - <<B
link set lo up
addr add 10.254.3.2/24 dev eth0
link set eth0 up
route replace default via 10.254.3.1 dev eth0
B
}
ip2_undo() { ip netns del "$ns_pre-q$1"; }
nsdel_run() { ip netns del "$ns_pre-r$1"; }
nsdel_undo() { ip netns add "$ns_pre-r$(($1 + 1))"; }
# rules.ts restoreInput for one network and COUNT published ports, in chains of this run's own; and
# rules-diff.ts's delta to one more published port and back (what a start and a stop apply), when
# this build has it (else a DNAT rule alone)
CHAINS_JSON="{\"forward\":\"$chain_pre-FWD\",\"isolation1\":\"$chain_pre-ISO1\",\"isolation2\":\"$chain_pre-ISO2\",\"dnat\":\"$chain_pre-DNAT\",\"postrouting\":\"$chain_pre-POST\"}"
delta_kind="$(node --input-type=module -e "
  import fs from 'node:fs';
  const { restoreInput } = await import('$dist/engine/daemon/network/rules.js');
  let rulesDiff;
  try { ({ rulesDiff } = await import('$dist/engine/daemon/network/rules-diff.js')); } catch {}
  const ports = (n) => Array.from({ length: n }, (_, i) => ({ bridge: '${if_pre}br', containerIp: '10.254.3.' + (i + 2), proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: $port_base + 200 + i }));
  const net = [{ bridge: '${if_pre}br', subnet: '10.254.3.0/24', internal: false }];
  const all = restoreInput($CHAINS_JSON, net, ports($count));
  const plus = restoreInput($CHAINS_JSON, net, ports($count + 1));
  fs.writeFileSync('$work/restore-all.txt', all);
  let add = rulesDiff?.(all, plus), del = rulesDiff?.(plus, all), kind = 'rules-diff';
  if (!add || !del) {
    add = '*nat\\n-A $chain_pre-DNAT -d 127.0.0.1/32 -p tcp -m tcp --dport $((port_base + 299)) -j DNAT --to-destination 10.254.3.99:80\\nCOMMIT\\n';
    del = add.replace('-A ', '-D ');
    kind = 'dnat';
  }
  fs.writeFileSync('$work/restore-add.txt', add);
  fs.writeFileSync('$work/restore-del.txt', del);
  console.log(kind);
")"
if [ "$delta_kind" = rules-diff ]; then
  add_label="iptables-restore: one more published port, as rules-diff.ts applies it ($(grep -c '^-[IA] ' "$work/restore-add.txt") rules in $(grep -c '^\*' "$work/restore-add.txt") tables; a start)"
  del_label="iptables-restore: those rules deleted (a stop)"
else
  add_label="iptables-restore: one DNAT rule appended (nat only)"
  del_label="iptables-restore: that rule deleted (nat only)"
fi
iptables-restore --noflush -w <"$work/restore-all.txt"
rall_run() { iptables-restore --noflush -w <"$work/restore-all.txt"; }
rall_undo() { :; }
radd_run() { iptables-restore --noflush -w <"$work/restore-add.txt"; }
radd_undo() { iptables-restore --noflush -w <"$work/restore-del.txt"; }
rdel_run() { iptables-restore --noflush -w <"$work/restore-del.txt"; }
rdel_undo() { iptables-restore --noflush -w <"$work/restore-add.txt"; }
check_run() { iptables -w -t nat -C "$chain_pre-DNAT" -d 127.0.0.1/32 -p tcp -m tcp --dport 1 -j ACCEPT 2>/dev/null || true; }
check_undo() { :; }
proc_run() { /bin/true; }
proc_undo() { :; }
log "primitives: $prim_runs runs each"
measure "a process (/bin/true from bash)" proc
measure "ip: netns add; host batch; netns batch (3 processes, as dataplane.ts now)" ip3
measure "ip: the same in 2 processes (netns add + veth in one host batch; netns batch)" ip2
ip netns add "$ns_pre-r1"
measure "ip netns del (a container's network teardown)" nsdel
ip netns del "$ns_pre-r$((prim_runs + 1))"
measure "iptables-restore: our chains refilled for 1 network + $count ports (refresh)" rall
measure "$add_label" radd
iptables-restore --noflush -w <"$work/restore-add.txt"
measure "$del_label" rdel
iptables-restore --noflush -w <"$work/restore-del.txt"
measure "iptables -C: a rule checked (no commit)" check
iptables-restore --noflush -w <<R
*filter
:$chain_pre-FWD - [0:0]
:$chain_pre-ISO1 - [0:0]
:$chain_pre-ISO2 - [0:0]
-X $chain_pre-FWD
-X $chain_pre-ISO1
-X $chain_pre-ISO2
COMMIT
*nat
:$chain_pre-DNAT - [0:0]
:$chain_pre-POST - [0:0]
-X $chain_pre-DNAT
-X $chain_pre-POST
COMMIT
R

# ---- where ours spends a start: the daemon's own request durations (--debug log lines)
node -e '
  const fs = require("fs");
  const [logFile, outDir] = process.argv.slice(1);
  const lines = fs.readFileSync(logFile, "utf8").split("\n");
  const med = (a) => { const t = [...a].sort((x, y) => x - y); const n = t.length; return n ? (n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2) : NaN; };
  const res = {};
  for (const mode of ["none", "net"]) {
    const f = outDir + "/ids-ours-" + mode + ".txt";
    if (!fs.existsSync(f)) continue;
    const ids = new Set(fs.readFileSync(f, "utf8").split("\n").filter(Boolean));
    const start = [];
    for (const l of lines) {
      const m = /msg="POST \/v[0-9.]+\/containers\/([0-9a-f]{64})\/start \d+ (\d+)ms"/.exec(l);
      if (m && ids.has(m[1])) start.push(Number(m[2]));
    }
    res[mode] = { starts: start.length, startMedianMs: med(start) };
  }
  fs.writeFileSync(outDir + "/ours-daemon-start.json", JSON.stringify(res, null, 2));
' "$oroot/engine.log" "$out"
cp "$oroot/engine.log" "$out/ours-engine.log"

log "machine load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- summary
{
  echo
  echo "versions: ours $(O version --format '{{.Server.Version}}' 2>/dev/null)" \
    "· dockerd $([ -n "$have_dockerd" ] && D version --format '{{.Server.Version}}' 2>/dev/null || echo "n/a (${dockerd_refusal:-see above})")" \
    "· docker CLI $(O version --format '{{.Client.Version}}' 2>/dev/null) · busybox $("$bb" | head -n 1 | awk '{print $2}')" \
    "· repo at $repo_rev when the run began (daemon from ${TSC_DIST:-dist/})" \
    "· bridge-nf-call-iptables=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo absent)"
  COUNT="$count" MB="$mb" OUT="$out" node -e '
    const fs = require("fs");
    const out = process.env.OUT, count = Number(process.env.COUNT), mb = Number(process.env.MB);
    const csv = (f) => fs.readFileSync(out + "/" + f, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    const med = (a) => { const t = [...a].sort((x, y) => x - y); const n = t.length; return n ? (n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2) : NaN; };
    const attach = csv("attach.csv");
    const ms = (e, m) => attach.filter((r) => r[0] === e && r[1] === m).map((r) => Number(r[3]));
    console.log("");
    console.log("1. attach cost: " + count + " x docker run -d busybox httpd, per batch (median of " + ms("ours", "net").length + " rounds)");
    // The set-up cost per container: the median over the rounds of (net − none) of the same round
    // (the two batches ran back to back, so a change of the load between rounds cancels out);
    // the difference of the two medians is shown too.
    console.log("engine".padEnd(10) + "--network none".padEnd(22) + "user network + -p".padEnd(22) + "network set-up per container: paired (per round) / of the medians");
    const per = {};
    const byRound = (e, m) => new Map(attach.filter((r) => r[0] === e && r[1] === m).map((r) => [r[2], Number(r[3])]));
    for (const e of ["ours", "dockerd"]) {
      const none = ms(e, "none"), net = ms(e, "net");
      if (!none.length) continue;
      const n0 = byRound(e, "none"), n1 = byRound(e, "net");
      const diffs = [...n1.keys()].filter((k) => n0.has(k)).map((k) => (n1.get(k) - n0.get(k)) / count);
      per[e] = med(diffs);
      const f = (v) => (v / 1000).toFixed(2) + " s (" + (v / count).toFixed(1) + " ms/c)";
      console.log(e.padEnd(10) + f(med(none)).padEnd(22) + f(med(net)).padEnd(22) + per[e].toFixed(1) + " ms / " + ((med(net) - med(none)) / count).toFixed(1) + " ms  (rounds: " + diffs.map((x) => x.toFixed(1)).join(", ") + ")");
    }
    try {
      const d = JSON.parse(fs.readFileSync(out + "/ours-daemon-start.json", "utf8"));
      console.log("ours, inside the daemon: POST /containers/{id}/start median " + d.none.startMedianMs + " ms (none) vs " + d.net.startMedianMs + " ms (network + port)");
    } catch {}
    const failures = (fs.readFileSync(out + "/ours-engine.log", "utf8").match(/iptables-restore failed/g) ?? []).length;
    const stale = fs.existsSync(out + "/ours-stale-rules.txt") ? fs.readFileSync(out + "/ours-stale-rules.txt", "utf8").trim().split("\n") : [];
    if (failures || stale.length) console.log("WARNING: ours: " + failures + " \"iptables-restore failed\" in its log; stale per-container rules after " + stale.length + " of its batch removals (" + stale.join(", ") + ")");
    if (per.ours !== undefined && per.dockerd !== undefined) {
      const q = per.ours / per.dockerd;
      console.log("network set-up ours / dockerd = " + q.toFixed(2) + " (target <= 0.2): " + (q <= 0.2 ? "met" : "NOT met"));
    } else console.log("network set-up ours / dockerd: n/a (dockerd left out)");
    const tp = csv("throughput.csv");
    const fig = (tool, p) => med(tp.filter((r) => r[0] === tool && r[1] === p).map((r) => Number(r[3])));
    const label = { ours: "ours, container to container", "veth-pair": "plain netns, one veth pair", bridge: "plain netns, through a bridge", "bridge-nonf": "  (that bridge, no br_netfilter)" };
    console.log("");
    console.log("2. throughput between two endpoints (median of " + tp.filter((r) => r[0] === "nc" && r[1] === "ours").length + " rounds)");
    console.log("path".padEnd(34) + ("nc " + mb + " MiB").padEnd(22) + "ratio".padEnd(8) + "iperf3".padEnd(14) + "ratio (to the veth pair)");
    const ncs = (p) => mb / fig("nc", p);
    const ip3 = tp.some((r) => r[0] === "iperf3");
    for (const p of ["ours", "veth-pair", "bridge", "bridge-nonf"]) {
      if (p === "bridge-nonf" && !ip3) continue;
      const a = p === "bridge-nonf" ? "".padEnd(30) : (fig("nc", p).toFixed(2) + " s, " + ncs(p).toFixed(0) + " MiB/s").padEnd(22) + (ncs(p) / ncs("veth-pair")).toFixed(2).padEnd(8);
      const b = ip3 ? (fig("iperf3", p).toFixed(0) + " MiB/s").padEnd(14) + (fig("iperf3", p) / fig("iperf3", "veth-pair")).toFixed(2) : "n/a";
      console.log(label[p].padEnd(34) + a + b);
    }
    const q = ncs("ours") / ncs("veth-pair");
    console.log("nc: ours / veth pair = " + q.toFixed(2) + " (target >= 0.90): " + (q >= 0.9 ? "met" : "NOT met") + "; ours / plain bridge = " + (ncs("ours") / ncs("bridge")).toFixed(2));
    if (ip3) {
      const qi = fig("iperf3", "ours") / fig("iperf3", "veth-pair");
      console.log("iperf3: ours / veth pair = " + qi.toFixed(2) + " (target >= 0.90): " + (qi >= 0.9 ? "met" : "NOT met") + "; ours / plain bridge = " + (fig("iperf3", "ours") / fig("iperf3", "bridge")).toFixed(2));
    }
    console.log("");
    console.log("3. primitives (median ms)");
    // Labels may hold commas: the figure is after the last one.
    const prims = fs.readFileSync(out + "/primitives.csv", "utf8").trim().split("\n").slice(1).map((l) => [l.slice(0, l.lastIndexOf(",")), l.slice(l.lastIndexOf(",") + 1)]);
    for (const [name, v] of prims) console.log("  " + Number(v).toFixed(2).padStart(7) + "  " + name);
  '
} | tee "$out/summary.txt"

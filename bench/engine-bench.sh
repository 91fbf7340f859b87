#!/usr/bin/env bash
# Engine benchmark (issue 4), side by side on one machine:
#   1. `docker run --rm --network none busybox true` through the Engine API:
#      our daemon vs Debian's dockerd 20.10 (its own containerd) vs podman,
#      in ONE hyperfine run (>= 20 runs each); each mean as a ratio.
#      Target: ours <= 0.2x dockerd.
#   2. Memory: the sum of VmRSS (/proc/PID/status) of our daemon + every
#      tscompose-monitor, idle and with 10 running `sleep` containers, vs
#      dockerd + containerd + containerd-shims in the same states (podman's
#      conmons for reference: it has no daemon). Targets: ours <= 60 MiB
#      idle, <= 80 MiB with 10.
#   3. Where ours spends the time: the same API calls the CLI makes, one by
#      one, timed per phase (bench/engine-phases.ts), ours and dockerd.
#
#   bash bench/engine-bench.sh     (root; RUNS=N for more timed runs, min 20;
#                                   TSC_DIST=DIR to use another build than dist/)
#
# Everything runs on private sockets and roots under one temp dir: our daemon
# (--host/--root), dockerd (--data-root/--exec-root/--pidfile/-H, its key file
# and config file there too; --bridge none, no iptables, no ip forwarding, so it
# touches no host networking; containers in its own cgroup parent), podman
# (--root/--runroot/--tmpdir/--network-config-dir, cgroupfs, its own cgroup
# parent). One image for all: engine/images/busybox-rootfs.sh, imported into
# each. All containers use --network none (ours treats bridge as none for now).
# On exit, also on failure or Ctrl-C: containers removed, daemons stopped,
# leftover processes of this run killed by pid, mounts under the temp dir
# unmounted, the cgroups this run made removed, the temp dir deleted. An
# engine that cannot run here is left out with the reason. No network traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

[ "$(id -u)" = "0" ] || { echo "engine-bench: needs root" >&2; exit 1; }
runs="${RUNS:-20}"
[ "$runs" -ge 20 ] || runs=20
dist="${TSC_DIST:-$repo/dist}"
if [ ! -f "$dist/engine/daemon/main.js" ] || [ ! -f "$dist/bench/engine-phases.js" ]; then
  [ -z "${TSC_DIST:-}" ] || { echo "engine-bench: $dist is not a complete build" >&2; exit 1; }
  npx tsc -p tsconfig.json
fi
rtdir="$repo/engine/runtime/build"
[ -x "$rtdir/tscompose-monitor" ] && [ -x "$rtdir/tscompose-runtime" ] || { echo "engine-bench: engine/runtime/build is not built (make -C engine/runtime)" >&2; exit 1; }
command -v docker >/dev/null || { echo "engine-bench: the docker CLI is needed" >&2; exit 1; }
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
if ! command -v podman >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman >/dev/null 2>&1 \
    || echo "# podman: could not be installed (apt-get install podman failed)" >&2
fi

out="$repo/bench/out/engine"
rm -rf "$out" && mkdir -p "$out"
# Short: the sockets live in here (108-byte limit).
work="$(mktemp -d /tmp/tsc-eb-XXXXXX)"
export DOCKER_CONFIG="$work/docker-config" DOCKER_CLI_HINTS=false
mkdir -p "$DOCKER_CONFIG"
# podman reads DOCKER_CONFIG for credentials too, and fails when it has no config.json.
echo '{}' >"$DOCKER_CONFIG/config.json"
unset DOCKER_HOST DOCKER_CONTEXT

# ---- where each engine lives
oroot="$work/ours/root"
osock="$work/ours.sock"
ours_pid=""
d="$work/dockerd"
dsock="$work/dockerd.sock"
dockerd_pid=""
p="$work/podman"
cg_docker="tsc-bench-dockerd"
cg_podman="tsc-bench-podman"
pm_global=(--root "$p/root" --runroot "$p/run" --tmpdir "$p/tmp" --network-config-dir "$p/net"
  --cgroup-manager cgroupfs --events-backend file --storage-driver overlay)
# Podman's default ulimits (1048576) exceed this host's hard limit (MACHINE-NOTES).
pm_run=(--network none --cgroup-parent "/$cg_podman" --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
have_dockerd=""
have_podman=""
ours_ids=()

# What existed before, so cleanup removes only what this run made.
tscompose_cg_before=" "
for h in /sys/fs/cgroup/*/; do [ ! -d "${h}tscompose" ] || tscompose_cg_before+="$h "; done
var_lib_containers_before=""
[ -e /var/lib/containers ] && var_lib_containers_before=1

log() { echo "# $*" >&2; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
stop_pid() { # pid, seconds: SIGTERM, then SIGKILL
  local pid="$1" n=$(( $2 * 10 ))
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid" && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
}
ours_monitors() { pgrep -f "tscompose-monitor .*--bundle $oroot/containers/" || true; }
dockerd_helpers() { # containerd and its shims, of this run's dockerd only
  pgrep -f "^containerd --config $d/exec/containerd/containerd.toml" || true
  pgrep -f "containerd-shim-runc-v2 .*-address $d/exec/containerd/containerd.sock" || true
}
podman_conmons() { pgrep -f "conmon .*$p/" || true; }

cleanup() {
  set +e
  trap - EXIT INT TERM
  # ours: remove the containers (the daemon leaves running ones to their monitors when it stops)
  if alive "$ours_pid"; then
    ids="$(timeout 20 docker --host "unix://$osock" ps -aq 2>/dev/null)"
    [ -n "$ids" ] && timeout 60 docker --host "unix://$osock" rm -f $ids >/dev/null 2>&1
  fi
  stop_pid "$ours_pid" 10
  if [ -d "$oroot/runtime" ]; then
    for st in "$oroot"/runtime/*/; do
      [ -d "$st" ] && "$rtdir/tscompose-runtime" --root "$oroot/runtime" delete --force "$(basename "$st")" >/dev/null 2>&1
    done
  fi
  for pid in $(ours_monitors); do kill -KILL "$pid" 2>/dev/null; done
  [ -d "$oroot/containers" ] && for c in "$oroot"/containers/*/; do [ -d "$c" ] && ours_ids+=("$(basename "$c")"); done
  # dockerd: remove its containers, stop it (it stops its containerd), then whatever is left of them
  if alive "$dockerd_pid"; then
    ids="$(timeout 20 docker --host "unix://$dsock" ps -aq 2>/dev/null)"
    [ -n "$ids" ] && timeout 60 docker --host "unix://$dsock" rm -f $ids >/dev/null 2>&1
  fi
  stop_pid "$dockerd_pid" 20
  for pid in $(dockerd_helpers); do stop_pid "$pid" 5; done
  # podman
  if [ -n "$have_podman" ]; then
    timeout 60 podman "${pm_global[@]}" rm -af -t 0 >/dev/null 2>&1
  fi
  for pid in $(podman_conmons); do kill -KILL "$pid" 2>/dev/null; done
  sleep 0.2
  # mounts under the temp dir, deepest first
  awk -v w="$work/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  # cgroups: the two parents that are this run's alone, ours' per-container ones
  for h in /sys/fs/cgroup/*/; do
    for parent in "$cg_docker" "$cg_podman"; do
      [ -d "$h$parent" ] && find "$h$parent" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    for id in "${ours_ids[@]}"; do [ -d "${h}tscompose/$id" ] && rmdir "${h}tscompose/$id" 2>/dev/null; done
    # our engine's parent, where this run made it (rmdir: only if empty, i.e. no other engine uses it)
    case "$tscompose_cg_before" in *" $h "*) ;; *) [ -d "${h}tscompose" ] && rmdir "${h}tscompose" 2>/dev/null ;; esac
  done
  # podman's blob-info cache is written under /var/lib/containers whatever --root says
  [ -z "$var_lib_containers_before" ] && rm -rf /var/lib/containers
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "machine load before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; the engines share it with whatever else runs)"

# ---- the image
"$repo/engine/images/busybox-rootfs.sh" "$work/rootfs" --tar "$work/busybox.tar" >/dev/null

# ---- our daemon
mkdir -p "$work/ours"
node "$dist/engine/daemon/main.js" --host "unix://$osock" --root "$oroot" >"$work/ours/stderr" 2>&1 &
ours_pid=$!
for _ in $(seq 150); do docker --host "unix://$osock" version >/dev/null 2>&1 && break; alive "$ours_pid" || break; sleep 0.1; done
docker --host "unix://$osock" version >/dev/null 2>&1 || { cat "$work/ours/stderr" "$oroot/engine.log" >&2 2>/dev/null; echo "engine-bench: our daemon did not start" >&2; exit 1; }
docker --host "unix://$osock" import --change 'CMD ["sh"]' "$work/busybox.tar" busybox:latest >/dev/null
timeout -k 2 60 docker --host "unix://$osock" run --rm --network none busybox true \
  || { echo "engine-bench: our daemon cannot run a container here" >&2; exit 1; }

# ---- dockerd, with the containerd it starts itself
if command -v dockerd >/dev/null; then
  mkdir -p "$d"
  # Its key file goes with the rest (by default 20.10 writes /etc/docker/key.json); no host daemon.json.
  printf '{"deprecated-key-path": "%s/key.json"}\n' "$d" >"$d/daemon.json"
  dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
    -H "unix://$dsock" --bridge none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --cgroup-parent "/$cg_docker" >"$d/log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 300); do docker --host "unix://$dsock" version >/dev/null 2>&1 && break; alive "$dockerd_pid" || break; sleep 0.1; done
  if docker --host "unix://$dsock" version >/dev/null 2>&1 \
     && docker --host "unix://$dsock" import --change 'CMD ["sh"]' "$work/busybox.tar" busybox:latest >/dev/null \
     && timeout -k 2 60 docker --host "unix://$dsock" run --rm --network none busybox true; then
    have_dockerd=1
  else
    log "dockerd: could not start or run a container here, left out: $(tail -n 3 "$d/log" | tr '\n' ' ')"
  fi
else
  log "dockerd: not installed (apt-get install docker.io), left out"
fi

# ---- podman (no daemon: its CLI is the client)
if command -v podman >/dev/null; then
  mkdir -p "$p"
  if podman "${pm_global[@]}" import --change 'CMD ["sh"]' "$work/busybox.tar" busybox:latest >"$p/import.log" 2>&1; then
    # Its default OCI runtime first (crun); runc if crun refuses this host's cgroup layout.
    if podman "${pm_global[@]}" run --rm "${pm_run[@]}" busybox true >"$p/check.log" 2>&1; then
      have_podman=1
    elif podman "${pm_global[@]}" run --rm --runtime runc "${pm_run[@]}" busybox true >>"$p/check.log" 2>&1; then
      have_podman=1
      pm_run=(--runtime runc "${pm_run[@]}")
      log "podman: its default runtime failed here ($(head -n 1 "$p/check.log")), using runc"
    else
      log "podman: cannot run a container here, left out: $(tail -n 3 "$p/check.log" | tr '\n' ' ')"
    fi
  else
    log "podman: import failed, left out: $(tail -n 3 "$p/import.log" | tr '\n' ' ')"
  fi
else
  log "podman: not installed, left out"
fi
podman_runtime=""
if [ -n "$have_podman" ]; then
  podman_runtime="$(podman "${pm_global[@]}" info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null || true)"
  for a in "${pm_run[@]}"; do [ "$a" != runc ] || podman_runtime=runc; done
  podman_runtime="$podman_runtime $("$podman_runtime" --version 2>/dev/null | head -n 1 | awk '{print $NF}')"
fi

# ---- 2. memory
# An idle Node daemon keeps the garbage of its last work until V8's memory
# reducer runs (~10 s of quiet), dockerd's Go heap likewise until its GC: each
# state is sampled after SETTLE seconds (default 20) of quiet, all engines in
# the same window, as the median of three samples half a second apart.
settle="${SETTLE:-20}"
declare -A rss=() procs=()
rss_kb() { # sum of VmRSS over the pids given
  local s=0 pid v
  for pid in "$@"; do
    v="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
    s=$((s + ${v:-0}))
  done
  echo "$s"
}
ours_daemon() { echo "$ours_pid"; }
ours_pids() { echo "$ours_pid"; ours_monitors; }
dockerd_pids() { echo "$dockerd_pid"; dockerd_helpers; }
sample_state() { # state: fills rss[GROUP,state] and procs[GROUP,state]
  local state="$1" g lister a b c
  local groups=("ours:ours_pids" "ours-daemon:ours_daemon" "ours-monitors:ours_monitors")
  [ -n "$have_dockerd" ] && groups+=("dockerd:dockerd_pids")
  [ -n "$have_podman" ] && groups+=("podman:podman_conmons")
  sleep "$settle"
  for g in "${groups[@]}"; do
    lister="${g#*:}"; g="${g%%:*}"
    a="$(rss_kb $($lister))"; sleep 0.5; b="$(rss_kb $($lister))"; sleep 0.5; c="$(rss_kb $($lister))"
    rss[$g,$state]="$(printf '%s\n%s\n%s\n' "$a" "$b" "$c" | sort -n | sed -n 2p)"
    procs[$g,$state]="$($lister | wc -l)"
  done
}

log "memory: idle (${settle} s of quiet before each sample)"
sample_state idle
for i in $(seq 10); do
  ours_ids+=("$(docker --host "unix://$osock" run -d --network none --name "rss$i" busybox sleep 3600)")
  [ -n "$have_dockerd" ] && docker --host "unix://$dsock" run -d --network none --name "rss$i" busybox sleep 3600 >/dev/null
  [ -n "$have_podman" ] && podman "${pm_global[@]}" run -d --name "rss$i" "${pm_run[@]}" busybox sleep 3600 >/dev/null
done
log "memory: 10 running"
sample_state ten
docker --host "unix://$osock" rm -f $(docker --host "unix://$osock" ps -aq) >/dev/null
[ -n "$have_dockerd" ] && docker --host "unix://$dsock" rm -f $(docker --host "unix://$dsock" ps -aq) >/dev/null
[ -n "$have_podman" ] && podman "${pm_global[@]}" rm -af -t 0 >/dev/null

# ---- 1. docker run --rm, side by side
# Each run under `timeout` (the same for every engine, ~1 ms): a run that hangs
# (ours had an attach race, see bench/README.md) is killed after RUN_TIMEOUT s
# (default 20) instead of stalling the bench; hyperfine goes on (-i) and the
# summary leaves such runs out of the figures and says how many there were.
run_timeout="${RUN_TIMEOUT:-20}"
tmo="timeout -k 2 $run_timeout"
cmds=(-n ours "$tmo docker --host unix://$osock run --rm --network none busybox true")
[ -n "$have_dockerd" ] && cmds+=(-n dockerd "$tmo docker --host unix://$dsock run --rm --network none busybox true")
[ -n "$have_podman" ] && cmds+=(-n podman "$tmo podman ${pm_global[*]} run --rm ${pm_run[*]} busybox true")
# The docker CLI's own share: a request that costs the engine nothing.
cmds+=(-n cli-floor "$tmo docker --host unix://$osock version --format {{.Server.Version}}")
hyperfine -N -i --warmup 3 --runs "$runs" --export-json "$out/run.json" "${cmds[@]}" | tee "$out/run.txt"

# ---- memory again, idle after all those runs
log "memory: idle after the timed runs"
sample_state after

# ---- 3. phases through the API
phase_engines=("ours=$osock")
[ -n "$have_dockerd" ] && phase_engines+=("dockerd=$dsock")
node "$dist/bench/engine-phases.js" --runs "$runs" --json "$out/phases.json" "${phase_engines[@]}" | tee "$out/phases.txt"

log "machine load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- summary
{
  echo
  echo "versions: ours $(docker --host "unix://$osock" version --format '{{.Server.Version}}' 2>/dev/null)" \
    "· dockerd $([ -n "$have_dockerd" ] && docker --host "unix://$dsock" version --format '{{.Server.Version}}' 2>/dev/null || echo 'n/a')" \
    "· podman $([ -n "$have_podman" ] && podman --version | awk '{print $3}' || echo 'n/a')${podman_runtime:+ ($podman_runtime)}" \
    "· docker CLI $(docker --host "unix://$osock" version --format '{{.Client.Version}}' 2>/dev/null)"
  RUN_JSON="$out/run.json" RUN_TIMEOUT="$run_timeout" node -e '
    // Figures over the runs that finished (exit 0); killed or failed ones are counted apart.
    const stat = (x) => {
      const t = x.times.filter((_, i) => (x.exit_codes?.[i] ?? 0) === 0).sort((a, b) => a - b);
      const n = t.length;
      const mean = n ? t.reduce((a, b) => a + b, 0) / n : NaN;
      const sd = n > 1 ? Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
      const median = n ? (n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2) : NaN;
      return { name: x.command, n, failed: x.times.length - n, mean, sd, median };
    };
    const r = require(process.env.RUN_JSON).results.map(stat);
    const by = (n) => r.find((x) => x.name === n);
    const ours = by("ours"), dockerd = by("dockerd"), podman = by("podman");
    const ms = (v) => (v * 1000).toFixed(1);
    console.log("");
    console.log("docker run --rm busybox true".padEnd(30) + "mean (ms)".padEnd(12) + "stddev".padEnd(10) + "median".padEnd(10) + "runs");
    for (const x of r) console.log(x.name.padEnd(30) + ms(x.mean).padEnd(12) + ms(x.sd).padEnd(10) + ms(x.median).padEnd(10) + x.n + (x.failed ? " (+" + x.failed + " failed or killed after " + process.env.RUN_TIMEOUT + " s, left out)" : ""));
    const ratio = (a, b, name, target) => {
      if (!a || !b || !a.n || !b.n) return console.log(name + ": n/a");
      const q = a.mean / b.mean;
      console.log(name + " = " + q.toFixed(2) + (target ? " (target <= " + target + "): " + (q <= target ? "met" : "NOT met") : ""));
    };
    ratio(ours, dockerd, "ours / dockerd", 0.2);
    ratio(ours, podman, "ours / podman");
    for (const x of r) if (x.failed) console.log("WARNING: " + x.name + ": " + x.failed + " run(s) failed or hung");
  '
  mib() { [ -n "${1:-}" ] && awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}' || echo "n/a"; }
  verdict() { awk -v k="$1" -v t="$2" 'BEGIN {print (k / 1024 <= t) ? "met" : "NOT met"}'; }
  row() { # label, group
    printf '%-40s %-12s %-24s %s\n' "$1" "$(mib "${rss[$2,idle]:-}")" "$(mib "${rss[$2,ten]:-}") (${procs[$2,ten]:-0} procs)" "$(mib "${rss[$2,after]:-}")"
  }
  echo
  echo "memory: sum of VmRSS, each after ${settle} s of quiet"
  printf '%-40s %-12s %-24s %s\n' "" "idle" "10 running" "idle after the runs"
  row "ours: daemon + monitors" ours
  row "  the daemon" ours-daemon
  row "  the monitors" ours-monitors
  [ -z "$have_dockerd" ] || row "dockerd: dockerd + containerd + shims" dockerd
  [ -z "$have_podman" ] || row "podman: conmons (it has no daemon)" podman
  echo "ours idle $(mib "${rss[ours,idle]}") (target <= 60 MiB): $(verdict "${rss[ours,idle]}" 60)"
  echo "ours with 10 $(mib "${rss[ours,ten]}") (target <= 80 MiB): $(verdict "${rss[ours,ten]}" 80)"
  if [ -n "$have_dockerd" ]; then
    awk -v a="${rss[ours,idle]}" -v b="${rss[dockerd,idle]}" -v c="${rss[ours,ten]}" -v e="${rss[dockerd,ten]}" \
      'BEGIN {printf "ours / dockerd: idle %.2f, with 10 %.2f\n", a / b, c / e}'
  fi
} | tee "$out/summary.txt"

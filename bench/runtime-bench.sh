#!/usr/bin/env bash
# OCI runtime start-to-exit: `RUNTIME run` of a busybox bundle whose process is
# `true`, tscompose-runtime vs crun vs runc side by side in one hyperfine run
# (>= 20 runs each), then each runtime's mean as a ratio to crun's.
# Target: tscompose-runtime <= 1.5x crun.
#
#   bash bench/runtime-bench.sh          (root; RUNS=N to change the run count, min 20)
#
# The bundle is the test suite's (test/helpers/oci-bundle.ts: Docker's default
# capabilities, mounts, masked paths and namespaces, a private busybox rootfs)
# when dist/ is built (or TSC_DIST names another build dir), else `runc spec` with the process set to `true`.
# A runtime that is not installed/built is left out with a message. On a hybrid
# cgroup host where crun refuses the layout, hugetlb is mounted as cgroup v1 for
# the run and unmounted at exit (as the tests do).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

[ "$(id -u)" = "0" ] || { echo "runtime-bench: needs root" >&2; exit 1; }
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
runs="${RUNS:-20}"
[ "$runs" -ge 20 ] || runs=20

out="$repo/bench/out/runtime"
rm -rf "$out" && mkdir -p "$out"
work="$(mktemp -d /tmp/tsc-it-bench-XXXXXX)"
mounted_hugetlb=""
made_hugetlb_dir=""
cleanup() {
  for st in "$work"/state-*; do
    [ -d "$st" ] || continue
    rt="${st##*/state-}"
    bin="$(runtime_bin "$rt")"
    [ -n "$bin" ] && "$bin" --root "$st" delete --force tsc-it-bench >/dev/null 2>&1 || true
  done
  if [ -n "$mounted_hugetlb" ]; then
    umount /sys/fs/cgroup/hugetlb || true
    [ -n "$made_hugetlb_dir" ] && rmdir /sys/fs/cgroup/hugetlb 2>/dev/null || true
  fi
  rm -rf "$work"
}
runtime_bin() {
  case "$1" in
    tscompose-runtime) [ -x "$repo/engine/runtime/build/tscompose-runtime" ] && echo "$repo/engine/runtime/build/tscompose-runtime" ;;
    *) command -v "$1" || true ;;
  esac
}
trap cleanup EXIT

# --- the bundle
"$repo/engine/images/busybox-rootfs.sh" "$work/rootfs-src" >/dev/null
bundle="$work/bundle"
dist="${TSC_DIST:-$repo/dist}"   # where the compiled tests live
if [ -f "$dist/test/helpers/oci-bundle.js" ]; then
  TSCOMPOSE_REPO="$repo" node --input-type=module -e "
    const { writeBundle } = await import('$dist/test/helpers/oci-bundle.js');
    writeBundle('$bundle', '$work/rootfs-src', { args: ['true'], cgroupsPath: '/tsc-it-bench' });
  "
else
  echo "# dist/ not built: using \`runc spec\` for the bundle" >&2
  mkdir -p "$bundle" && cp -a "$work/rootfs-src" "$bundle/rootfs"
  (cd "$bundle" && runc spec)
  node -e "
    const fs=require('fs');const p='$bundle/config.json';const c=JSON.parse(fs.readFileSync(p));
    c.process.terminal=false;c.process.args=['true'];c.linux.cgroupsPath='/tsc-it-bench';
    fs.writeFileSync(p,JSON.stringify(c,null,2));"
fi

# --- crun on a hybrid cgroup layout
if [ -f /sys/fs/cgroup/unified/cgroup.controllers ] && command -v crun >/dev/null \
   && ! awk '$0 ~ / - cgroup / && $NF ~ /(^|,)hugetlb(,|$)/ {f=1} END {exit !f}' /proc/self/mountinfo; then
  if grep -q '^hugetlb' /proc/cgroups; then
    [ -d /sys/fs/cgroup/hugetlb ] || { mkdir /sys/fs/cgroup/hugetlb && made_hugetlb_dir=1; }
    if mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; then
      mounted_hugetlb=1
      echo "# mounted hugetlb as cgroup v1 for crun (unmounted at exit)" >&2
    fi
  fi
fi

# --- the runtimes
names=()
cmds=()
for rt in tscompose-runtime crun runc; do
  bin="$(runtime_bin "$rt")"
  if [ -z "$bin" ]; then
    echo "# $rt: not available, left out" >&2
    continue
  fi
  st="$work/state-$rt"
  mkdir -p "$st"
  # One check run first: a runtime that cannot run the bundle is left out, not timed.
  if ! "$bin" --root "$st" run --bundle "$bundle" tsc-it-bench >"$out/$rt.check" 2>&1; then
    echo "# $rt: check run failed, left out: $(tail -n 3 "$out/$rt.check" | tr '\n' ' ')" >&2
    "$bin" --root "$st" delete --force tsc-it-bench >/dev/null 2>&1 || true
    continue
  fi
  names+=("$rt")
  cmds+=(-n "$rt" "$bin --root $st run --bundle $bundle tsc-it-bench")
done
[ ${#names[@]} -gt 0 ] || { echo "runtime-bench: no runtime to measure" >&2; exit 1; }

hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/runtime.json" "${cmds[@]}" | tee "$out/runtime.txt"

node -e "
  const r = require('$out/runtime.json').results;
  const crun = r.find((x) => x.command === 'crun');
  console.log('');
  console.log('runtime'.padEnd(20) + 'mean (ms)'.padEnd(12) + 'stddev'.padEnd(10) + 'ratio to crun');
  for (const x of r) {
    const ratio = crun ? (x.mean / crun.mean).toFixed(2) : 'n/a';
    console.log(x.command.padEnd(20) + (x.mean * 1000).toFixed(1).padEnd(12) + (x.stddev * 1000).toFixed(1).padEnd(10) + ratio);
  }
  const ours = r.find((x) => x.command === 'tscompose-runtime');
  if (ours && crun) {
    const q = ours.mean / crun.mean;
    console.log('tscompose-runtime / crun = ' + q.toFixed(2) + ' (target <= 1.5): ' + (q <= 1.5 ? 'met' : 'NOT met'));
  }
"

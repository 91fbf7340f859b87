#!/bin/sh
# Smoke test of tscompose-runtime against a busybox bundle (root needed).
# usage: tests/smoke.sh [RUNTIME]   (default: build/tscompose-runtime)
# Containers are named tsc-smoke-*; everything is removed at exit.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
RT=${1:-$HERE/build/tscompose-runtime}
WORK=$(mktemp -d /tmp/tsc-smoke.XXXXXX)
ROOT=$WORK/state
B=$WORK/bundle
fails=0
rt () { "$RT" --root "$ROOT" "$@"; }
ok () { echo "ok - $1"; }
ko () { echo "not ok - $1"; fails=$((fails + 1)); }
check () { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got [$2], want [$3])"; fi; }
cleanup () {
  for id in $(rt list -q 2>/dev/null); do rt delete -f "$id" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev" "$B/rootfs/tmp" "$B/rootfs/etc"
cp /bin/busybox "$B/rootfs/bin/"
for a in $("$B/rootfs/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$B/rootfs/bin/$a"; done
(cd "$B" && runc spec)
config () { # config ARGS-JSON
  python3 - "$B/config.json" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c['process']['args'] = json.loads(sys.argv[2])
c['process']['terminal'] = False
c['process']['capabilities'].pop('ambient', None)
c['hostname'] = 'smoke'
json.dump(c, open(sys.argv[1], 'w'), indent=1)
PY
}

config '["sh","-c","hostname; echo pid=$$; cat /proc/self/uid_map >/dev/null; exit 3"]'
out=$(rt run -b "$B" tsc-smoke-run 2>&1); rc=$?
check "run exit code" "$rc" 3
check "run output" "$(echo "$out" | tr '\n' ' ')" "smoke pid=1 "
check "run leaves no state" "$(rt list -q)" ""

config '["/bin/nosuch"]'
out=$(rt run -b "$B" tsc-smoke-missing 2>&1); rc=$?
check "missing binary exit code" "$rc" 127
case $out in *"/bin/nosuch"*"No such file or directory"*) ok "missing binary message";; *) ko "missing binary message: $out";; esac
config '["/etc"]'
rt run -b "$B" tsc-smoke-noexec >/dev/null 2>&1; check "not executable exit code" "$?" 126

config '["sleep","1000"]'
rt create -b "$B" --pid-file "$WORK/pid" tsc-smoke-life; check "create" "$?" 0
check "state created" "$(rt state tsc-smoke-life | sed -n 's/.*"status": "\(.*\)".*/\1/p')" created
check "pid file" "$(cat "$WORK/pid")" "$(rt state tsc-smoke-life | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')"
rt start tsc-smoke-life; check "start" "$?" 0
check "state running" "$(rt state tsc-smoke-life | sed -n 's/.*"status": "\(.*\)".*/\1/p')" running
check "exec" "$(rt exec tsc-smoke-life sh -c 'echo $$ $(hostname)')" "2 smoke"
rt exec tsc-smoke-life /bin/nosuch >/dev/null 2>&1; check "exec missing binary" "$?" 127
check "exec -e --cwd -u" "$(rt exec -e A=b --cwd /tmp -u 1000:1000 tsc-smoke-life sh -c 'echo $A $(pwd) $(id -u):$(id -g)')" "b /tmp 1000:1000"
check "ps" "$(rt ps --format json tsc-smoke-life | tr -d '[]' | tr , '\n' | wc -l)" 1
rt pause tsc-smoke-life; check "state paused" "$(rt state tsc-smoke-life | sed -n 's/.*"status": "\(.*\)".*/\1/p')" paused
rt resume tsc-smoke-life; check "state resumed" "$(rt state tsc-smoke-life | sed -n 's/.*"status": "\(.*\)".*/\1/p')" running
rt delete tsc-smoke-life 2>/dev/null; check "delete refuses running" "$?" 1
rt kill tsc-smoke-life KILL; check "kill" "$?" 0
sleep 0.2
check "state stopped" "$(rt state tsc-smoke-life | sed -n 's/.*"status": "\(.*\)".*/\1/p')" stopped
rt delete tsc-smoke-life; check "delete" "$?" 0
check "no state left" "$(ls "$ROOT")" ""
check "no mount left" "$(grep -c "$B" /proc/mounts)" 0
check "no cgroup left" "$(ls -d /sys/fs/cgroup/*/tscompose/tsc-smoke-life 2>/dev/null)" ""

rt create -b "$B" tsc-smoke-created && rt delete tsc-smoke-created; check "delete created" "$?" 0
rt run -d -b "$B" tsc-smoke-force && rt delete -f tsc-smoke-force; check "delete -f running" "$?" 0
check "no process left" "$(pgrep -f 'sleep 1000' | xargs -r -n1 sh -c 'cat /proc/$0/cgroup' | grep -c tsc-smoke)" 0

[ "$fails" = 0 ] && echo "all passed" || echo "$fails failed"
[ "$fails" = 0 ]

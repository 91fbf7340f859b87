#!/usr/bin/env bash
# Tests of tscompose-exec-pty (TTY execs for the engine) against
# tscompose-runtime and a busybox bundle; the basic case against runc too
# when it is installed.  Prints TAP.  Needs root, a static busybox and
# python3.  Binaries: build/ (built with make when missing), or $TSC_EXEC_PTY
# / $TSC_RUNTIME.  Cleans up everything it makes: containers (ids
# tsc-xpty-*), its temporary directory.
set -u
cd "$(dirname "$0")/.."

BUSYBOX=${BUSYBOX:-$(command -v busybox || echo /bin/busybox)}
RUNC=${RUNC:-$(command -v runc || echo /usr/sbin/runc)}
if [ "$(id -u)" != 0 ] || [ ! -x "$BUSYBOX" ] || ! command -v python3 >/dev/null; then
  echo "1..0 # SKIP needs root, busybox and python3"
  exit 0
fi
XPTY=${TSC_EXEC_PTY:-build/tscompose-exec-pty}
RT=${TSC_RUNTIME:-build/tscompose-runtime}
if [ ! -x "$XPTY" ] || [ ! -x "$RT" ]; then
  make -s build/tscompose-exec-pty build/tscompose-runtime >&2 || { echo "Bail out! build failed"; exit 1; }
fi
XPTY=$(readlink -f "$XPTY")
RT=$(readlink -f "$RT")

T=$(mktemp -d /tmp/tsc-xpty-XXXXXX)
B=$T/bundle
ROOT=$T/state
RUNC_ROOT=$T/runc
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  "$RT" --root "$ROOT" delete --force tsc-xpty-a >/dev/null 2>&1
  [ -x "$RUNC" ] && "$RUNC" --root "$RUNC_ROOT" delete --force tsc-xpty-r >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT

N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/# /'; }
check() { # check DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@"; then ok "$d"; else not_ok "$d"; fi
}
wait_for() { # wait_for SECONDS COMMAND...: poll every 0.1 s
  local i=0 max=$(($1 * 10)); shift
  until "$@"; do i=$((i + 1)); [ $i -ge $max ] && return 1; sleep 0.1; done
}

mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev" "$B/rootfs/tmp" "$B/rootfs/etc"
cp "$BUSYBOX" "$B/rootfs/bin/busybox"
for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -sf busybox "$B/rootfs/bin/$a"; done
python3 - "$B/config.json" <<'PY'
import json, sys
spec = {
    "ociVersion": "1.0.2",
    "root": {"path": "rootfs"},
    "hostname": "xpty",
    "process": {
        "terminal": False, "user": {"uid": 0, "gid": 0}, "cwd": "/",
        "args": ["sleep", "1000"], "env": ["PATH=/bin", "TERM=xterm"],
        "noNewPrivileges": True,
    },
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    ],
    "linux": {"namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount")]},
}
json.dump(spec, open(sys.argv[1], "w"), indent=1)
PY

# process FILE ARGS-JSON [ROWS COLS]: the bundle's process for an exec with a terminal.
process() {
  python3 - "$B/config.json" "$@" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["process"]
p["args"] = json.loads(sys.argv[3])
p["terminal"] = True
if len(sys.argv) > 5:
    p["consoleSize"] = {"height": int(sys.argv[4]), "width": int(sys.argv[5])}
json.dump(p, open(sys.argv[2], "w"))
PY
}

# xpty ID PROCESS-FILE [RUNTIME ROOT]: the helper, its stdio the caller's.
xpty() {
  "$XPTY" --runtime "${3:-$RT}" --runtime-root "${4:-$ROOT}" --console-socket "$T/console.sock" \
    --process "$2" --pid-file "$T/exec.pid" "$1"
}

echo "# exec-pty: $XPTY"
echo "# runtime: $RT"

if ! "$RT" --root "$ROOT" run -d -b "$B" tsc-xpty-a >"$T/run.err" 2>&1; then
  echo "Bail out! cannot start the test container: $(cat "$T/run.err")"
  exit 1
fi

#######################################################################
# 1. A terminal, its initial size, input, output, exit code, no stray fds.
# (ls -1 writes straight to the terminal: no pipe of the shell's open then.)
process "$T/p1.json" '["sh","-c","tty; stty size; ls -1 /proc/$$/fd; read x; echo got:$x; exit 7"]' 33 101
printf 'hello\n' | xpty tsc-xpty-a "$T/p1.json" 5</dev/null >"$T/out1" 2>"$T/err1"
RC=$?
OUT=$(tr -d '\r' <"$T/out1")
check "the process's terminal is a pty (/dev/pts/N)" grep -qE '^/dev/pts/[0-9]+$' <<<"$OUT"
check "the initial size is the process's consoleSize (33 101)" grep -qx '33 101' <<<"$OUT"
check "input reaches the process (got:hello)" grep -qx 'got:hello' <<<"$OUT"
check "only fds 0-2 reach the process (an inherited fd 5 does not)" test "$(grep -xE '[0-9]+' <<<"$OUT" | tr '\n' ' ')" = '0 1 2 '
check "exit status is the process's (7)" test "$RC" = 7
check "the pid file is written" grep -qE '^[0-9]+$' "$T/exec.pid"
check "the console socket is removed" test ! -e "$T/console.sock"

#######################################################################
# 2. Resize lines on --ctl-fd (a FIFO here, opened read-write as the monitor does).
mkfifo "$T/ctl"
process "$T/p2.json" '["sh","-c","read x; stty size; read y; stty size"]' 10 20
{
  sleep 0.3
  echo "resize 40 120" >"$T/ctl"
  sleep 0.3
  echo a
  sleep 0.3
  echo "resize 50 130" >"$T/ctl"
  sleep 0.3
  echo b
} | "$XPTY" --runtime "$RT" --runtime-root "$ROOT" --console-socket "$T/console.sock" --process "$T/p2.json" \
  --pid-file "$T/exec.pid" --ctl-fd 3 tsc-xpty-a 3<>"$T/ctl" >"$T/out2" 2>&1
RC=$?
check "resize lines on --ctl-fd set the window size" bash -c "tr -d '\r' <'$T/out2' | grep -qx '40 120' && tr -d '\r' <'$T/out2' | grep -qx '50 130'"
check "... and the exit status is 0" test "$RC" = 0

# A resize line sent before the process started is applied once the master
# is here; the EOF that follows it on --ctl-fd stops nothing else.
process "$T/p3.json" '["sh","-c","sleep 0.5; stty size"]' 10 20
"$XPTY" --runtime "$RT" --runtime-root "$ROOT" --console-socket "$T/console.sock" --process "$T/p3.json" \
  --pid-file "$T/exec.pid" --ctl-fd 3 tsc-xpty-a 3< <(echo "resize 21 77") </dev/null >"$T/out3" 2>&1
check "an early resize line (and an EOF on --ctl-fd) is handled" bash -c "tr -d '\r' <'$T/out3' | grep -qx '21 77'"

#######################################################################
# 3. Killed with SIGKILL through its pid file: 137.  Its stdin never ends
# (a FIFO opened read-write): the helper ends with the process, not the input.
mkfifo "$T/stdin"
process "$T/p4.json" '["sleep","100"]'
rm -f "$T/exec.pid"
"$XPTY" --runtime "$RT" --runtime-root "$ROOT" --console-socket "$T/console.sock" --process "$T/p4.json" \
  --pid-file "$T/exec.pid" tsc-xpty-a <>"$T/stdin" >/dev/null 2>&1 &
XP=$!
PIDS+=("$XP")
wait_for 5 test -s "$T/exec.pid"
EPID=$(cat "$T/exec.pid" 2>/dev/null)
check "the pid file names the exec'd sleep" grep -q '^sleep' "/proc/${EPID:-0}/comm"
check "the exec'd process is the helper's child (subreaper)" \
  test "$(awk '/^PPid:/ {print $2}' "/proc/${EPID:-0}/status" 2>/dev/null)" = "$XP"
[ -n "$EPID" ] && kill -9 "$EPID"
S=0
wait_for 5 bash -c "! kill -0 $XP 2>/dev/null" || S=1
wait "$XP"
RC=$?
check "SIGKILL of the process: exit status 137" test "$S:$RC" = "0:137"

# SIGTERM to the helper reaches the process.
process "$T/p5.json" '["sh","-c","trap \"exit 42\" TERM; while :; do sleep 0.1; done"]'
rm -f "$T/exec.pid"
"$XPTY" --runtime "$RT" --runtime-root "$ROOT" --console-socket "$T/console.sock" --process "$T/p5.json" \
  --pid-file "$T/exec.pid" tsc-xpty-a <>"$T/stdin" >/dev/null 2>&1 &
XP=$!
PIDS+=("$XP")
wait_for 5 test -s "$T/exec.pid"
sleep 0.3
kill -TERM "$XP"
wait "$XP"
check "SIGTERM is passed on to the process (exit 42 from its trap)" test $? = 42

#######################################################################
# 4. Failures: the runtime's message and status; the helper's own.
process "$T/p6.json" '["/bin/nosuch"]'
xpty tsc-xpty-a "$T/p6.json" </dev/null >"$T/out6" 2>&1
RC=$?
check "missing command: 127 with the runtime's message" bash -c "test $RC = 127 && grep -q nosuch '$T/out6'"
xpty tsc-xpty-none "$T/p1.json" </dev/null >/dev/null 2>"$T/err7"
RC=$?
check "unknown container: the runtime's failure status (1) and message" bash -c "test $RC = 1 && test -s '$T/err7'"
check "... and the console socket is removed" test ! -e "$T/console.sock"
"$XPTY" --runtime "$RT" tsc-xpty-a 2>/dev/null
check "usage error: 125" test $? = 125

#######################################################################
# 5. runc takes the same command line.
if [ -x "$RUNC" ] && "$RUNC" --root "$RUNC_ROOT" run -d -b "$B" tsc-xpty-r >/dev/null 2>&1; then
  process "$T/p8.json" '["sh","-c","tty; stty size; read x; echo got:$x; exit 3"]' 24 90
  printf 'hi\n' | xpty tsc-xpty-r "$T/p8.json" "$RUNC" "$RUNC_ROOT" >"$T/out8" 2>&1
  RC=$?
  OUT=$(tr -d '\r' <"$T/out8")
  if grep -qE '^/dev/pts/[0-9]+$' <<<"$OUT" && grep -qx '24 90' <<<"$OUT" && grep -qx 'got:hi' <<<"$OUT" && [ "$RC" = 3 ]; then
    ok "runc: pty, size, input and exit status"
  else
    not_ok "runc: pty, size, input and exit status" "status $RC, output: $OUT"
  fi
else
  echo "# runc not available: its case skipped"
fi

echo "1..$N"
[ "$FAILED" = 0 ]

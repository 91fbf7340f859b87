#!/usr/bin/env bash
# Tests of tscompose-monitor and tscompose-init against runc and a busybox
# bundle.  Prints TAP.  Needs root, runc, a static busybox and node (the
# attach client).  Binaries: build/ (built with make when missing), or
# $TSC_MONITOR / $TSC_INIT.  Cleans up everything it makes: containers
# (ids tsc-mon-*), its temporary directory, the monitors it started.
set -u
cd "$(dirname "$0")/.."

RUNC=${RUNC:-$(command -v runc || echo /usr/sbin/runc)}
BUSYBOX=${BUSYBOX:-$(command -v busybox || echo /bin/busybox)}
if [ "$(id -u)" != 0 ] || [ ! -x "$RUNC" ] || [ ! -x "$BUSYBOX" ] || ! command -v node >/dev/null; then
  echo "1..0 # SKIP needs root, runc, busybox and node"
  exit 0
fi
MON=${TSC_MONITOR:-build/tscompose-monitor}
INIT=${TSC_INIT:-build/tscompose-init}
if [ ! -x "$MON" ] || [ ! -x "$INIT" ]; then
  make -s build/tscompose-monitor build/tscompose-init >&2 || { echo "Bail out! build failed"; exit 1; }
fi
MON=$(readlink -f "$MON")
INIT=$(readlink -f "$INIT")

T=$(mktemp -d /tmp/tsc-mon-XXXXXX)
ROOT=$T/runc
IDS=()
PIDS=()
cleanup() {
  local id p
  for p in "${PIDS[@]}"; do kill -9 -- "$p" 2>/dev/null; done
  for id in "${IDS[@]}"; do
    "$RUNC" --root "$ROOT" kill "$id" KILL >/dev/null 2>&1
    "$RUNC" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
  done
  for p in "$T"/*/monitor.pid; do [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; done
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

# make_bundle NAME TERMINAL(true|false) ARGS-AS-JSON
make_bundle() {
  local b=$T/$1 a
  mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/sys" "$b/rootfs/dev" "$b/rootfs/tmp" "$b/rootfs/etc"
  cp "$BUSYBOX" "$b/rootfs/bin/busybox"
  for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -sf busybox "$b/rootfs/bin/$a"; done
  cp "$INIT" "$b/rootfs/bin/tscompose-init"
  (cd "$b" && "$RUNC" spec)
  node -e '
    const fs = require("fs"), f = process.argv[1], c = JSON.parse(fs.readFileSync(f));
    c.process.terminal = process.argv[2] === "true";
    c.process.args = JSON.parse(process.argv[3]);
    fs.writeFileSync(f, JSON.stringify(c, null, 1));' "$b/config.json" "$2" "$3"
}

# attach STATEDIR SECONDS INPUT [end]: prints "TAG<TAB>payload-line" per
# received line; with "end", shuts down its input after sending INPUT
attach() {
  node -e '
    const net = require("net");
    const [path, secs, input, end] = process.argv.slice(1);
    const s = net.connect(path);
    let buf = Buffer.alloc(0);
    const out = { 1: "", 2: "", 3: "" };
    s.on("connect", () => setTimeout(() => (end ? s.end(input) : s.write(input)), 300));
    s.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 5) {
        const len = buf.readUInt32BE(1);
        if (buf.length < 5 + len) break;
        out[buf[0]] = (out[buf[0]] || "") + buf.subarray(5, 5 + len).toString();
        buf = buf.subarray(5 + len);
      }
    });
    const done = () => {
      for (const t of Object.keys(out)) for (const l of out[t].split(/\r?\n/)) if (l) console.log(t + "\t" + l);
      process.exit(0);
    };
    s.on("close", done);
    s.on("error", (e) => { console.log("error\t" + e.message); process.exit(1); });
    setTimeout(done, secs * 1000);' "$1/attach.sock" "$2" "$3" "${4:-}"
}

json_field() { # json_field FILE FIELD
  node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(JSON.stringify(c[process.argv[2]]))' "$1" "$2"
}

# Every line of a json-file log parses and has exactly log/stream/time.
valid_log() {
  node -e '
    const fs = require("fs");
    let n = 0;
    for (const f of process.argv.slice(1)) for (const l of fs.readFileSync(f, "utf8").split("\n")) {
      if (!l) continue;
      const e = JSON.parse(l);
      if (Object.keys(e).join() !== "log,stream,time") throw new Error("keys " + l);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(e.time)) throw new Error("time " + l);
      if (e.stream !== "stdout" && e.stream !== "stderr") throw new Error("stream " + l);
      n++;
    }
    if (!n) throw new Error("empty");' "$@"
}

echo "# monitor: $MON"
echo "# init: $INIT"

#######################################################################
# 1. A long-running container started by a "daemon" shell that then dies.
make_bundle a false '["sh","-c","trap \"exit 7\" TERM; exec 3<&0; (while read l <&3; do echo stdin:$l; done) & i=0; while :; do echo \"out $i <&> \\\"q\\\" é\"; echo err $i >&2; i=$((i+1)); sleep 0.05; done"]'
IDS+=(tsc-mon-a)
SA=$T/a/state
# The "daemon": its own session, runs the monitor command, then lingers.
(setsid bash -c '"$@" > "'"$T"'/a/daemon.out" 2>&1; echo "status $?" >> "'"$T"'/a/daemon.out"; exec sleep 600' daemon \
  "$MON" --id tsc-mon-a --bundle "$T/a" --runtime "$RUNC" --runtime-root "$ROOT" --state-dir "$SA" \
  --log-path "$SA/ctr.log" --log-max-size 2k --log-max-files 3 --stdin &
  echo $! > "$T/a/daemon.pid")
DPID=$(cat "$T/a/daemon.pid")
PIDS+=("-$DPID")
if wait_for 10 grep -qs '^status' "$T/a/daemon.out" && grep -q '^status 0$' "$T/a/daemon.out"; then
  ok "monitor start-up reports success through its exit status"
else
  not_ok "monitor start-up reports success through its exit status" "$(cat "$T/a/daemon.out" "$SA/monitor.err" 2>&1)"
fi
MPID=$(cat "$SA/monitor.pid" 2>/dev/null)
CPID=$(cat "$SA/container.pid" 2>/dev/null)
check "monitor.pid and container.pid written" test -n "$MPID" -a -n "$CPID"
check "container init is the monitor's child (subreaper)" \
  test "$(awk '/^PPid:/ {print $2}' "/proc/$CPID/status" 2>/dev/null)" = "$MPID"
DSID=$(ps -o sid= -p "$DPID" | tr -d ' ')
check "monitor left the daemon's session" test -n "$DSID" -a "$(ps -o sid= -p "$MPID" | tr -d ' ')" != "$DSID"

sleep 1
kill -9 -- "-$DPID" 2>/dev/null
sleep 0.5
check "killing the daemon's process group leaves the monitor running" kill -0 "$MPID"
check "... and the container running" bash -c "'$RUNC' --root '$ROOT' state tsc-mon-a | grep -q '\"status\": \"running\"'"
check "monitor's fds 0-2 are /dev/null" bash -c "[ \"\$(readlink /proc/$MPID/fd/0)\$(readlink /proc/$MPID/fd/1)\$(readlink /proc/$MPID/fd/2)\" = /dev/null/dev/null/dev/null ]"

sleep 1
check "log lines are json-file entries (log, stream, RFC3339Nano time)" valid_log "$SA"/ctr.log*
check "stdout lines logged, escaped as Docker does" \
  grep -qE '^\{"log":"out [0-9]+ \\u003c\\u0026\\u003e \\"q\\" é\\n","stream":"stdout","time":"[^"]+"\}$' "$SA/ctr.log"
check "stderr lines logged" grep -qE '^\{"log":"err [0-9]+\\n","stream":"stderr",' "$SA/ctr.log"
check "log rotated into .1 and .2 (max 3 files)" test -s "$SA/ctr.log.1" -a -s "$SA/ctr.log.2" -a ! -e "$SA/ctr.log.3"
big=$(find "$SA" -name 'ctr.log*' -size +2k | head -1)
check "no log file over --log-max-size" test -z "$big"

ATT=$(attach "$SA" 1.5 $'ping-from-attach\n')
if grep -q $'^1\tout ' <<<"$ATT" && grep -q $'^2\terr ' <<<"$ATT"; then
  ok "attach receives live stdout and stderr frames"
else
  not_ok "attach receives live stdout and stderr frames" "$(head -5 <<<"$ATT")"
fi
check "attach input reaches the container's stdin" grep -q $'^1\tstdin:ping-from-attach' <<<"$ATT"
check "attached input's echo is logged" grep -qF '"log":"stdin:ping-from-attach\n"' "$SA/ctr.log" "$SA/ctr.log.1" "$SA/ctr.log.2"

RSS=$(awk '/^VmRSS:/ {print $2}' "/proc/$MPID/status")
echo "# monitor VmRSS: ${RSS} kB"
check "monitor RSS ${RSS} kB <= 2048 kB" test "${RSS:-99999}" -le 2048

# A second attach client stays until the exit frame.
attach "$SA" 5 "" > "$T/a/attach2.out" &
ATTPID=$!
sleep 0.5
"$RUNC" --root "$ROOT" kill tsc-mon-a TERM
wait_for 5 test -f "$SA/exit.json"
check "exit.json written on exit" test -f "$SA/exit.json"
check "exit.json exitCode is the container's (7)" test "$(json_field "$SA/exit.json" exitCode)" = 7
check "exit.json signal null, oomKilled false, finishedAt RFC3339Nano" node -e '
  const c = JSON.parse(require("fs").readFileSync(process.argv[1]));
  if (c.signal !== null || c.oomKilled !== false || !/^\d{4}-.*T.*\.\d{9}Z$/.test(c.finishedAt)) process.exit(1)' "$SA/exit.json"
wait "$ATTPID"
check "attach client gets the exit frame" grep -q $'^3\t{"exitCode":7' "$T/a/attach2.out"
check "monitor exits after the container" wait_for 3 bash -c "! kill -0 $MPID 2>/dev/null"
check "attach.sock and ctl removed" test ! -e "$SA/attach.sock" -a ! -e "$SA/ctl"
check "no exit.json.tmp left" test ! -e "$SA/exit.json.tmp"
"$RUNC" --root "$ROOT" delete --force tsc-mon-a >/dev/null 2>&1

#######################################################################
# 2. Killed by a signal; long lines split at 16 KiB; output without newline.
make_bundle b false '["sh","-c","head -c 40000 /dev/zero | tr \"\\\\0\" x; echo; printf tail; exec sleep 600"]'
IDS+=(tsc-mon-b)
SB=$T/b/state
mkdir -p "$T/fakecg"
printf 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n' > "$T/fakecg/memory.events"
"$MON" --id tsc-mon-b --bundle "$T/b" --runtime "$RUNC" --runtime-root "$ROOT" --state-dir "$SB" --log-path "$SB/ctr.log" \
  --cgroup-path "$T/fakecg"
check "second monitor started (exit 0)" test $? = 0
sleep 0.5
"$RUNC" --root "$ROOT" kill tsc-mon-b KILL
wait_for 5 test -f "$SB/exit.json"
check "killed container: exitCode 137, signal 9" \
  test "$(json_field "$SB/exit.json" exitCode) $(json_field "$SB/exit.json" signal)" = "137 9"
check "40000-byte line logged as 16384 + 16384 + 7233 (partial entries)" node -e '
  const ls = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l).log);
  const want = ["x".repeat(16384), "x".repeat(16384), "x".repeat(7232) + "\n", "tail"];
  if (JSON.stringify(ls) !== JSON.stringify(want)) { console.error(ls.map((l) => l.length)); process.exit(1); }' "$SB/ctr.log"
check "oomKilled read from the cgroup's memory.events" test "$(json_field "$SB/exit.json" oomKilled)" = true
"$RUNC" --root "$ROOT" delete --force tsc-mon-b >/dev/null 2>&1

# --stdin-once: a client's end of input closes the container's stdin.
make_bundle f false '["sh","-c","cat; echo eof-seen; exit 4"]'
IDS+=(tsc-mon-f)
SF=$T/f/state
"$MON" --id tsc-mon-f --bundle "$T/f" --runtime "$RUNC" --runtime-root "$ROOT" --state-dir "$SF" --log-path "$SF/ctr.log" \
  --stdin --stdin-once
ATT=$(attach "$SF" 3 $'once\n' end)
check "--stdin-once: input delivered, then EOF" bash -c "grep -q \$'^1\tonce' <<<'$ATT' && grep -q \$'^1\teof-seen' <<<'$ATT'"
wait_for 5 test -f "$SF/exit.json"
check "--stdin-once: container exited (4)" test "$(json_field "$SF/exit.json" exitCode 2>/dev/null)" = 4
"$RUNC" --root "$ROOT" delete --force tsc-mon-f >/dev/null 2>&1

#######################################################################
# 3. --terminal: the pty master comes over the console socket.
make_bundle c true '["sh","-c","tty; read x; echo got:$x; echo size:$(stty size); exit 5"]'
IDS+=(tsc-mon-c)
SC=$T/c/state
"$MON" --id tsc-mon-c --bundle "$T/c" --runtime "$RUNC" --runtime-root "$ROOT" --state-dir "$SC" --log-path "$SC/ctr.log" --terminal
check "terminal monitor started (exit 0)" test $? = 0
echo "resize 40 100" > "$SC/ctl"
ATT=$(attach "$SC" 3 $'hello-tty\n')
check "terminal: attach input goes to the pty, output comes back" grep -q $'^1\tgot:hello-tty' <<<"$ATT"
check "terminal: ctl FIFO resizes the pty" grep -q $'^1\tsize:40 100' <<<"$ATT"
wait_for 5 test -f "$SC/exit.json"
check "terminal: exitCode 5" test "$(json_field "$SC/exit.json" exitCode)" = 5
check "terminal: the container saw a pty" grep -q '"log":"/dev/pts/' "$SC/ctr.log"
"$RUNC" --root "$ROOT" delete --force tsc-mon-c >/dev/null 2>&1

#######################################################################
# 4. Start-up failure: exit status 1 and monitor.err.
mkdir -p "$T/d"
IDS+=(tsc-mon-d)
SD=$T/d/state
"$MON" --id tsc-mon-d --bundle "$T/d" --runtime "$RUNC" --runtime-root "$ROOT" --state-dir "$SD" --log-path "$SD/ctr.log" 2>"$T/d/stderr"
check "failed start-up exits 1" test $? = 1
check "... with the runtime's message in monitor.err and on stderr" \
  bash -c "grep -q 'create. exited with status' '$SD/monitor.err' && grep -q 'create. exited' '$T/d/stderr'"
"$MON" --id x 2>/dev/null
check "usage error exits 2" test $? = 2

#######################################################################
# 5. tscompose-init.
"$INIT" -- sh -c 'exit 7'
check "init: exit code of the child" test $? = 7
"$INIT" /nonexistent/cmd 2>"$T/init.err"
check "init: 127 when the command is not found" test $? = 127
check "init: message names the path" grep -q '/nonexistent/cmd' "$T/init.err"
"$INIT" /etc/passwd 2>/dev/null
check "init: 126 when not executable" test $? = 126
"$INIT" sh -c 'kill -TERM $$'
check "init: 128+signal when the child is killed" test $? = 143

# Orphans re-parented to init get reaped; TERM reaches the child's group.
"$INIT" -- sh -c 'trap "exit 42" TERM; for i in 1 2 3; do (sleep 0.2 &); done; while :; do sleep 0.1; done' 2>/dev/null &
IPID=$!
sleep 1
zombies=$(for p in /proc/[0-9]*; do
  [ "$(awk '/^PPid:/ {print $2}' "$p/status" 2>/dev/null)" = "$IPID" ] && awk '/^State:/ {print $2}' "$p/status"
done | grep -c Z)
check "init: orphans reaped (no zombie children)" test "$zombies" = 0
kill -TERM "$IPID"
wait "$IPID"
check "init: TERM forwarded, exit code of the trap (42)" test $? = 42

# As PID 1 of a container, under the monitor.
make_bundle e false '["/bin/tscompose-init","--","sh","-c","trap \"exit 42\" TERM; for i in 1 2 3; do (sleep 0.1 &); done; sleep 0.5; echo zombies:$(ps -o stat | grep -c Z); while :; do sleep 0.1; done"]'
IDS+=(tsc-mon-e)
SE=$T/e/state
"$MON" --id tsc-mon-e --bundle "$T/e" --runtime "$RUNC" --runtime-root "$ROOT" --state-dir "$SE" --log-path "$SE/ctr.log"
sleep 1
check "init as PID 1: orphans reaped" grep -q '"log":"zombies:0\\n"' "$SE/ctr.log"
"$RUNC" --root "$ROOT" kill tsc-mon-e TERM
wait_for 5 test -f "$SE/exit.json"
check "init as PID 1: TERM forwarded, exitCode 42" test "$(json_field "$SE/exit.json" exitCode 2>/dev/null)" = 42

echo "1..$N"
[ "$FAILED" = 0 ]

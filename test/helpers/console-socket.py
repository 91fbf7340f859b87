#!/usr/bin/env python3
"""Console socket for OCI runtime tests (process.terminal: true).

    console-socket.py SOCKET INPUT [TIMEOUT_SECONDS]

Listens on the unix socket SOCKET, prints one line "listening" to stdout, and
waits for the runtime (`create --console-socket SOCKET`) to connect and send
the pty master with SCM_RIGHTS. It then writes INPUT plus a newline to the
master (what a user would type), reads everything the container writes until
the last slave end is closed (read() fails with EIO) or TIMEOUT (default 20 s)
passes, and prints one JSON line: {"name": <the message sent with the fd>,
"output": <what was read, decoded as UTF-8 with replacement>, "timedOut": bool}.
Exit status 0 once a terminal was received, 1 otherwise (reason on stderr).

Why Python: Node has no API to receive a file descriptor over a unix socket
(net.Socket exposes no recvmsg/SCM_RIGHTS ancillary data), and the pty master
only ever arrives that way. Python's socket.recv_fds (3.9+) does it in one call.
The test that starts this helper owns it: it kills it on timeout and removes
SOCKET's directory.
"""
import json
import os
import select
import socket
import sys
import time


def main() -> int:
    if len(sys.argv) < 3:
        print("usage: console-socket.py SOCKET INPUT [TIMEOUT_SECONDS]", file=sys.stderr)
        return 2
    path, text = sys.argv[1], sys.argv[2]
    deadline = time.monotonic() + (float(sys.argv[3]) if len(sys.argv) > 3 else 20.0)

    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    print("listening", flush=True)

    srv.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        print("console-socket: no runtime connected", file=sys.stderr)
        return 1
    finally:
        srv.close()
    conn.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 1)
    except socket.timeout:
        print("console-socket: the runtime sent nothing", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if not fds:
        print(f"console-socket: no file descriptor received (message {msg!r})", file=sys.stderr)
        return 1
    master = fds[0]
    for extra in fds[1:]:
        os.close(extra)

    os.write(master, text.encode() + b"\n")
    out = bytearray()
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([master], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: every slave end closed, the container is done
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    print(json.dumps({"name": msg.decode(errors="replace"), "output": out.decode(errors="replace"), "timedOut": timed_out}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

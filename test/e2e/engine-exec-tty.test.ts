/**
 * TTY execs through the engine: `docker exec -it` with Docker's own CLI,
 * which insists on a terminal, so the CLI runs under a pty this test makes
 * (Python's pty support: Node has none without a native module). Checks the
 * terminal the process gets, its size at start and after a resize of the
 * client's terminal, input, exit codes; and an exec stopped by the ExecStore's
 * abort signal (what health-check timeouts use), run in-process against a
 * container of the test daemon. Root only.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerHandle, ContainerLookup } from '../../engine/daemon/containers/handle.js';
import { ExecStore } from '../../engine/daemon/containers/io-exec.js';
import { engineSkipReason, startEngineFixture } from '../helpers/engine-fixture.js';
import type { EngineFixture } from '../helpers/engine-fixture.js';
import { REPO_ROOT } from '../helpers/paths.js';

const skip =
  engineSkipReason() ||
  (spawnSync('python3', ['-c', 'import pty, termios'], { encoding: 'utf8' }).status !== 0 ? 'python3 with pty/termios not available' : false);

/**
 * Runs argv under a new pty of rows x cols as its controlling terminal, and
 * plays `steps` in order: each waits until the output (from where the last
 * step matched) contains `wait`, then types `send`, or resizes the terminal
 * (which SIGWINCHes the foreground process group, the docker CLI), then
 * pauses `pause` seconds. Prints {"output", "code", "timedOut"} as JSON.
 */
const PTY_RUNNER = String.raw`
import fcntl, json, os, select, struct, subprocess, sys, termios, time
cfg = json.loads(sys.argv[1])
master, slave = os.openpty()
def winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
winsize(slave, cfg['rows'], cfg['cols'])
def ctty():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
p = subprocess.Popen(cfg['argv'], stdin=slave, stdout=slave, stderr=slave, preexec_fn=ctty, env=cfg['env'])
os.close(slave)
out, mark, steps, timed_out = bytearray(), 0, cfg.get('steps', []), False
deadline = time.monotonic() + cfg.get('timeout', 30)
while True:
    if steps:
        at = out.find(steps[0]['wait'].encode(), mark)
        if at >= 0:
            step = steps.pop(0)
            mark = at + len(step['wait'])
            if 'resize' in step:
                winsize(master, *step['resize'])
            if 'send' in step:
                os.write(master, step['send'].encode())
            time.sleep(step.get('pause', 0))
            continue
    if time.monotonic() > deadline:
        timed_out = True
        p.kill()
        break
    ready, _, _ = select.select([master], [], [], 0.05)
    if not ready:
        continue
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: the CLI has exited and closed the terminal
        break
    if not chunk:
        break
    out += chunk
code = p.wait()
os.close(master)
print(json.dumps({'output': out.decode(errors='replace'), 'code': code, 'timedOut': timed_out}))
`;

interface PtyStep {
  wait: string;
  send?: string;
  resize?: [number, number];
  pause?: number;
}
interface PtyResult {
  output: string;
  code: number;
  timedOut: boolean;
}

describe('TTY execs through the engine, driven by the docker CLI under a pty', { skip }, () => {
  let f: EngineFixture;
  let cid = '';

  before(async () => {
    f = await startEngineFixture('tsc-e2e-xtty-');
    cid = f.ok(['run', '-d', '--name', 'xt1', 'busybox', 'sleep', '1000']);
    f.track(cid);
  });
  after(async () => {
    await f?.teardown();
  });

  /** `docker ARGS` under a pty of rows x cols; async so the daemon's I/O is never blocked by us. */
  const underPty = (args: string[], opts: { rows: number; cols: number; steps?: PtyStep[]; timeout?: number }): Promise<PtyResult> =>
    new Promise((resolve, reject) => {
      const cfg = { argv: ['docker', '-H', f.d.host, ...args], env: f.d.env, rows: opts.rows, cols: opts.cols, steps: opts.steps ?? [], timeout: opts.timeout ?? 30 };
      const child = spawn('python3', ['-c', PTY_RUNNER, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('error', reject);
      child.on('close', () => {
        try {
          resolve(JSON.parse(out) as PtyResult);
        } catch {
          reject(new Error(`pty runner failed: ${err}${out}`));
        }
      });
    });
  const lines = (r: PtyResult): string[] => r.output.replace(/\r/g, '').split('\n');
  const explain = (r: PtyResult): string => `${JSON.stringify(r)}\nengine log:\n${f.d.logTail(30)}`;

  it('gives the process a terminal of the client terminal size', async () => {
    const tty = await underPty(['exec', '-it', 'xt1', 'tty'], { rows: 33, cols: 101 });
    assert.equal(tty.code, 0, explain(tty));
    assert.ok(lines(tty).some((l) => /^\/dev\/pts\/\d+$/.test(l)), explain(tty));
    const size = await underPty(['exec', '-it', 'xt1', 'stty', 'size'], { rows: 33, cols: 101 });
    assert.equal(size.code, 0, explain(size));
    assert.ok(lines(size).includes('33 101'), explain(size));
  });

  it('passes typed input to the process and follows a resize of the client terminal', async () => {
    const r = await underPty(['exec', '-it', 'xt1', 'sh', '-c', 'echo ready; read x; echo got:$x; stty size; read y; stty size'], {
      rows: 24,
      cols: 80,
      steps: [
        { wait: 'ready', send: 'hello\r' },
        // After the first size is printed: resize, give the CLI's resize request time to land, then go on.
        { wait: '24 80', resize: [40, 120], pause: 1 },
        { wait: '', send: '\r' },
      ],
    });
    assert.equal(r.timedOut, false, explain(r));
    assert.equal(r.code, 0, explain(r));
    const l = lines(r);
    assert.ok(l.includes('got:hello'), explain(r));
    assert.ok(l.includes('24 80') && l.includes('40 120'), explain(r));
  });

  it("returns the process's exit code", async () => {
    const r = await underPty(['exec', '-it', 'xt1', 'sh', '-c', 'exit 7'], { rows: 24, cols: 80 });
    assert.equal(r.timedOut, false, explain(r));
    assert.equal(r.code, 7, explain(r));
    // -t without -i: output only.
    const t = await underPty(['exec', '-t', 'xt1', 'sh', '-c', 'echo out-only; exit 3'], { rows: 24, cols: 80 });
    assert.equal(t.code, 3, explain(t));
    assert.ok(lines(t).includes('out-only'), explain(t));
    // Without -t the streams stay apart (stdcopy frames), under a terminal or not.
    const plain = f.docker(['exec', 'xt1', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    assert.deepEqual(plain, { out: 'out\n', err: 'err\n', code: 5 });
  });

  /** One Engine API call on the daemon's socket; the JSON answer. */
  const api = (method: string, p: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? '' : JSON.stringify(body);
      const req = http.request(
        { socketPath: f.d.socketPath, path: `/v1.47${p}`, method, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });

  it('reports Running, ExitCode and Pid in the exec inspect of a TTY exec, and resizes it through the API', async () => {
    // Exits 9 unless it starts at ConsoleSize, then 4 once the resize below has reached its terminal.
    const script = '[ "$(stty size)" = "10 20" ] || exit 9; while [ "$(stty size)" != "44 55" ]; do sleep 0.1; done; exit 4';
    const created = await api('POST', '/containers/xt1/exec', { Cmd: ['sh', '-c', script], Tty: true, ConsoleSize: [10, 20] });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const id = String(created.json['Id']);
    const started = await api('POST', `/exec/${id}/start`, { Detach: true, Tty: true });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const inspect = async (): Promise<Record<string, unknown>> => (await api('GET', `/exec/${id}/json`)).json;
    let running = await inspect();
    const end = Date.now() + 10_000;
    while (running['Pid'] === 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      running = await inspect();
    }
    await new Promise((r) => setTimeout(r, 300));
    running = await inspect();
    assert.equal(running['Running'], true, JSON.stringify(running));
    assert.ok(typeof running['Pid'] === 'number' && running['Pid'] > 0, JSON.stringify(running));
    assert.equal((running['ProcessConfig'] as { tty: boolean }).tty, true);
    assert.equal((await api('POST', `/exec/${id}/resize?h=44&w=55`)).status, 200);
    let done = running;
    while (done['Running'] === true && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      done = await inspect();
    }
    assert.equal(done['Running'], false, JSON.stringify(done));
    assert.equal(done['ExitCode'], 4, JSON.stringify(done));
    assert.equal(done['Pid'], running['Pid']);
    assert.equal((await api('POST', `/exec/${id}/resize?h=1&w=1`)).status, 200, 'a resize after the end is harmless');
    assert.equal((await api('POST', `/exec/${id}/resize?h=x&w=1`)).status, 400);
  });

  describe('an exec stopped by the abort signal', () => {
    // An ExecStore of our own, on the daemon's container: the handle as the
    // container manager makes it (engine/daemon/containers/handle.ts layout).
    const store = (): ExecStore => {
      const handle: ContainerHandle = {
        id: cid,
        name: 'xt1',
        tty: false,
        openStdin: false,
        logPath: '',
        monitorDir: '',
        runtime: { bin: path.join(REPO_ROOT, 'engine/runtime/build/tscompose-runtime'), root: path.join(f.d.root, 'runtime') },
        bundleDir: path.join(f.d.root, 'containers', cid, 'bundle'),
      };
      const lookup: ContainerLookup = { handle: () => handle, isRunning: () => true, waitStopped: () => Promise.resolve() };
      return new ExecStore(lookup, undefined, { ptyHelper: path.join(REPO_ROOT, 'engine/runtime/build/tscompose-exec-pty') });
    };
    const sleepers = (): string[] => f.ok(['top', 'xt1']).split('\n').filter((l) => /sleep 100\b/.test(l) && !/sleep 1000/.test(l));

    for (const tty of [false, true]) {
      it(`${tty ? 'TTY' : 'plain'} exec of sleep 100: killed, 137, gone from docker top`, async () => {
        const s = store();
        const rec = s.create(cid, { Cmd: ['sleep', '100'], Tty: tty });
        const ac = new AbortController();
        const t0 = Date.now();
        const started = s.start(rec.id, { signal: ac.signal });
        const end = Date.now() + 10_000;
        while (rec.pid === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        assert.ok(rec.pid > 0, 'the exec reported its pid');
        assert.equal(sleepers().length, 1, 'the sleep runs in the container');
        ac.abort();
        assert.equal(await started, 137);
        assert.ok(Date.now() - t0 < 20_000);
        assert.equal(s.inspect(rec.id)['ExitCode'], 137);
        assert.deepEqual(sleepers(), []);
      });
    }
  });
});

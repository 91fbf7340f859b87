/**
 * Where the time of `docker run --rm busybox true` goes, engine side: the
 * same calls the docker CLI makes, one at a time through the Engine API, each
 * timed (medians over N runs), for one or more engines side by side.
 *
 *   node dist/bench/engine-phases.js [--runs N] [--image busybox] NAME=SOCKET...
 *
 * Phases: ping (the HTTP floor), create (NetworkMode none, Cmd true),
 * start (a wait?condition=next-exit registered first, as the CLI does),
 * exit (start's answer → the wait's answer: the container running `true`
 * and the engine noticing its exit), remove (DELETE, what --rm does
 * engine side). The attach the CLI opens runs alongside start and is not
 * a phase of its own. Prints a table; `--json FILE` also writes the samples.
 */
import fs from 'node:fs';
import http from 'node:http';

// dockerd 20.10 speaks at most 1.41; ours speaks 1.24–1.47.
const API = '/v1.41';

interface Reply {
  status: number;
  body: string;
}

function request(socketPath: string, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { socketPath, method, path: API + path, agent: false, headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** POST …/wait: resolves `registered` at the status line (the engine has the wait), `done` at the body. */
function waitExit(socketPath: string, id: string): { registered: Promise<void>; done: Promise<Reply> } {
  let registered!: () => void;
  const reg = new Promise<void>((r) => (registered = r));
  const done = new Promise<Reply>((resolve, reject) => {
    const req = http.request({ socketPath, method: 'POST', path: `${API}/containers/${id}/wait?condition=next-exit`, agent: false }, (res) => {
      registered();
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end();
  });
  return { registered: reg, done };
}

function expect(r: Reply, status: number, what: string): void {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${r.body.trim()}`);
}

const PHASES = ['ping', 'create', 'start', 'exit', 'remove', 'total'] as const;
type Phase = (typeof PHASES)[number];

async function oneRun(socketPath: string, image: string): Promise<Record<Phase, number>> {
  const t: number[] = [performance.now()];
  const mark = (): void => void t.push(performance.now());
  expect(await request(socketPath, 'GET', '/_ping'), 200, 'ping');
  mark();
  const created = await request(socketPath, 'POST', '/containers/create', {
    Image: image,
    Cmd: ['true'],
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { NetworkMode: 'none' },
  });
  expect(created, 201, 'create');
  const id = (JSON.parse(created.body) as { Id: string }).Id;
  mark();
  const wait = waitExit(socketPath, id);
  await wait.registered;
  expect(await request(socketPath, 'POST', `/containers/${id}/start`), 204, 'start');
  mark();
  const waited = await wait.done;
  expect(waited, 200, 'wait');
  mark();
  expect(await request(socketPath, 'DELETE', `/containers/${id}`), 204, 'remove');
  mark();
  const d = (i: number): number => (t[i + 1] ?? 0) - (t[i] ?? 0);
  return { ping: d(0), create: d(1), start: d(2), exit: d(3), remove: d(4), total: (t[5] ?? 0) - (t[0] ?? 0) };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

async function main(argv: readonly string[]): Promise<void> {
  let runs = 20;
  let image = 'busybox';
  let jsonOut: string | undefined;
  const engines: { name: string; socket: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--runs') runs = Math.max(1, Number(argv[++i]));
    else if (a === '--image') image = argv[++i] ?? image;
    else if (a === '--json') jsonOut = argv[++i];
    else if (a.includes('=')) engines.push({ name: a.slice(0, a.indexOf('=')), socket: a.slice(a.indexOf('=') + 1) });
    else throw new Error(`engine-phases: unexpected argument ${a}`);
  }
  if (engines.length === 0) throw new Error('usage: engine-phases.js [--runs N] [--image IMG] [--json FILE] NAME=SOCKET...');

  const samples: Record<string, Record<Phase, number>[]> = {};
  for (const e of engines) samples[e.name] = [];
  // Two warm-ups each, then the engines in turn, run by run, so drift on the machine hits all alike.
  for (const e of engines) for (let i = 0; i < 2; i++) await oneRun(e.socket, image);
  for (let i = 0; i < runs; i++) {
    for (const e of engines) samples[e.name]?.push(await oneRun(e.socket, image));
  }

  console.log(`median ms over ${runs} runs`.padEnd(22) + PHASES.map((p) => p.padStart(9)).join(''));
  for (const e of engines) {
    const s = samples[e.name] ?? [];
    console.log(e.name.padEnd(22) + PHASES.map((p) => median(s.map((x) => x[p])).toFixed(1).padStart(9)).join(''));
  }
  if (jsonOut !== undefined) fs.writeFileSync(jsonOut, JSON.stringify({ runs, image, samples }, null, 2) + '\n');
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});

/**
 * Debian's `docker-compose` (v1, python, docker-py) driving our engine over
 * DOCKER_HOST: up -d, ps, logs, labels, "is up-to-date", recreate on a config
 * change, down and down -v, on a project whose services use network_mode
 * host and none (the engine has no bridge networks yet). With those modes
 * compose v1 never calls /networks. Every request it makes must be answered
 * without a 5xx or an unknown route. Root only (containers).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { engineSkipReason, startEngineFixture } from '../helpers/engine-fixture.js';
import type { EngineFixture } from '../helpers/engine-fixture.js';

const COMPOSE_V1 = '/usr/bin/docker-compose';
const skip = engineSkipReason() || (fs.existsSync(COMPOSE_V1) ? false : 'Debian docker-compose (v1) not installed (apt-get install docker-compose)');

const PROJECT = 'cv1';

/**
 * Three services: talker prints and sleeps; follower depends on it; keeper
 * has a named volume and environment and appends a line to the volume on
 * every start. The shells trap TERM so `stop`/`down` does not wait 10 s.
 */
function composeFile(greeting: string): string {
  const keep = (cmd: string): string => `trap 'exit 0' TERM; ${cmd}; sleep 300 & wait`;
  return [
    'version: "3.7"',
    'services:',
    '  talker:',
    '    image: busybox:latest',
    '    network_mode: host',
    `    command: ["sh", "-c", "${keep('echo talker line one; echo talker line two')}"]`,
    '  follower:',
    '    image: busybox:latest',
    '    network_mode: none',
    '    depends_on: [talker]',
    `    command: ["sh", "-c", "${keep('echo follower up')}"]`,
    '  keeper:',
    '    image: busybox:latest',
    '    network_mode: none',
    '    environment:',
    `      GREETING: ${greeting}`,
    '    volumes:',
    '      - data:/data',
    `    command: ["sh", "-c", "${keep('echo keeper says $$GREETING; echo $$GREETING >> /data/runs')}"]`,
    'volumes:',
    '  data: {}',
    '',
  ].join('\n');
}

interface Inspect {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; StartedAt: string };
  Config: { Labels: Record<string, string>; Env: string[] };
  HostConfig: { NetworkMode: string; Binds: string[] | null };
  Mounts: { Type: string; Name?: string; Destination: string }[];
}

interface Request {
  method: string;
  path: string;
  status: number;
}

/** The requests the daemon logged at --debug (`METHOD /path STATUS Nms`), from line `from` on. */
function requestsLogged(root: string, from = 0): Request[] {
  const lines = fs.readFileSync(path.join(root, 'engine.log'), 'utf8').split('\n').slice(from);
  const out: Request[] = [];
  for (const l of lines) {
    const m = /msg="(GET|HEAD|POST|PUT|DELETE) (\S+) (\d{3}) \d+ms"/.exec(l);
    if (m) out.push({ method: m[1] ?? '', path: m[2] ?? '', status: Number(m[3]) });
  }
  return out;
}

function logLineCount(root: string): number {
  return fs.readFileSync(path.join(root, 'engine.log'), 'utf8').split('\n').length - 1;
}

function getJson(socketPath: string, urlPath: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path: urlPath }, (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as Record<string, unknown> }));
      })
      .on('error', reject);
  });
}

describe('Debian docker-compose (v1) against the engine', { skip }, () => {
  let fx: EngineFixture;
  let proj: string;
  const names = ['talker', 'follower', 'keeper'].map((s) => `${PROJECT}_${s}_1`);

  const compose = (args: readonly string[], env: NodeJS.ProcessEnv = {}): { out: string; err: string; code: number } => {
    const r = spawnSync(COMPOSE_V1, args, {
      cwd: proj,
      env: { ...fx.d.env, COMPOSE_PROJECT_NAME: PROJECT, ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { out: r.stdout ?? '', err: r.stderr ?? '', code: r.status ?? -1 };
  };
  /** compose v1 writes its progress ("Creating x ... done") to stderr; both streams, asserted to succeed. */
  const composeOk = (args: readonly string[], env: NodeJS.ProcessEnv = {}): string => {
    const r = compose(args, env);
    assert.equal(r.code, 0, `docker-compose ${args.join(' ')} failed:\n${r.out}\n${r.err}\nengine log:\n${fx.d.logTail(30)}`);
    return `${r.out}\n${r.err}`.replace(/\r/g, '');
  };
  const inspect = (ref: string): Inspect => {
    const got = (JSON.parse(fx.ok(['inspect', ref])) as Inspect[])[0];
    assert.ok(got);
    fx.track(got.Id);
    return got;
  };
  const projectContainers = (): string[] =>
    fx
      .ok(['ps', '-a', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{.Names}}'])
      .split('\n')
      .filter((x) => x !== '')
      .sort();
  const logs = async (want: RegExp[]): Promise<string> => {
    // The lines are written by the containers' monitors as they run: poll briefly instead of assuming they are there.
    const deadline = Date.now() + 10_000;
    let out = '';
    for (;;) {
      out = composeOk(['logs', '--no-color']);
      if (want.every((w) => w.test(out)) || Date.now() > deadline) return out;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  before(async () => {
    fx = await startEngineFixture('tsc-e2e-cv1-');
    proj = path.join(fx.work, 'proj');
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, 'docker-compose.yml'), composeFile('hello-from-env'));
  });

  after(async () => {
    if (!fx) return;
    compose(['down', '-v', '--timeout', '1']);
    await fx.teardown();
  });

  it('up -d creates the volume and the containers, in dependency order, without an error response', () => {
    const from = logLineCount(fx.d.root);
    const out = composeOk(['up', '-d']);
    assert.match(out, new RegExp(`Creating volume "${PROJECT}_data" with default driver`));
    for (const n of names) assert.match(out, new RegExp(`Creating ${n}\\s+\\.\\.\\. done`));
    const [talker, follower, keeper] = names.map(inspect);
    for (const c of [talker, follower, keeper]) assert.equal(c?.State.Status, 'running');
    assert.ok(Date.parse(follower?.State.StartedAt ?? '') >= Date.parse(talker?.State.StartedAt ?? ''), 'follower starts after what it depends on');
    assert.equal(talker?.HostConfig.NetworkMode, 'host');
    assert.equal(follower?.HostConfig.NetworkMode, 'none');
    assert.deepEqual(keeper?.HostConfig.Binds, [`${PROJECT}_data:/data:rw`]);
    assert.ok(keeper?.Config.Env.includes('GREETING=hello-from-env'));
    assert.deepEqual(
      keeper?.Mounts.map((m) => `${m.Type} ${m.Name} ${m.Destination}`),
      [`volume ${PROJECT}_data /data`],
    );

    const reqs = requestsLogged(fx.d.root, from);
    const bad = reqs.filter((r) => r.status >= 500 || (r.status === 404 && !/^\/v[\d.]+\/volumes\/[^/]+$/.test(r.path)));
    assert.deepEqual(bad, [], 'only the volume lookup before its creation may be a 404');
    // What compose v1 does for a host/none project: no network calls at all.
    assert.deepEqual(reqs.filter((r) => r.path.includes('/networks')), []);
    for (const want of ['POST /containers/create', 'POST /volumes/create', 'GET /containers/json', 'GET /info']) {
      const [method, p] = want.split(' ');
      assert.ok(reqs.some((r) => r.method === method && r.path.replace(/^\/v[\d.]+/, '').startsWith(p ?? '')), `compose v1 called ${want}`);
    }
  });

  it('ps lists the three containers Up under their v1 names', () => {
    const out = composeOk(['ps']);
    for (const n of names) assert.match(out, new RegExp(`^${n}\\s+sh -c .*\\s+Up\\s*$`, 'm'), out);
    assert.deepEqual(projectContainers(), [...names].sort());
  });

  it('logs shows every service’s lines under its prefix', async () => {
    const want = [/^talker_1\s+\| talker line one$/m, /^talker_1\s+\| talker line two$/m, /^follower_1\s+\| follower up$/m, /^keeper_1\s+\| keeper says hello-from-env$/m];
    const out = await logs(want);
    for (const w of want) assert.match(out, w);
    assert.match(out, new RegExp(`Attaching to .*${names[0]}`));
  });

  it('labels the containers and the volume as compose v1 does', () => {
    for (const [i, service] of ['talker', 'follower', 'keeper'].entries()) {
      const labels = inspect(names[i] ?? '').Config.Labels;
      assert.equal(labels['com.docker.compose.project'], PROJECT);
      assert.equal(labels['com.docker.compose.service'], service);
      assert.equal(labels['com.docker.compose.container-number'], '1');
      assert.equal(labels['com.docker.compose.oneoff'], 'False');
      assert.equal(labels['com.docker.compose.project.working_dir'], proj);
      assert.equal(labels['com.docker.compose.project.config_files'], 'docker-compose.yml');
      assert.match(labels['com.docker.compose.version'] ?? '', /^1\.\d+\.\d+$/);
      assert.match(labels['com.docker.compose.config-hash'] ?? '', /^[0-9a-f]{64}$/);
    }
    const vol = JSON.parse(fx.ok(['volume', 'inspect', `${PROJECT}_data`]))[0] as { Labels: Record<string, string>; Mountpoint: string };
    assert.equal(vol.Labels['com.docker.compose.project'], PROJECT);
    assert.equal(vol.Labels['com.docker.compose.volume'], 'data');
    assert.equal(fs.readFileSync(path.join(vol.Mountpoint, 'runs'), 'utf8'), 'hello-from-env\n');
  });

  it('up -d again without a change leaves every container as it is', () => {
    const before = names.map((n) => inspect(n));
    const out = composeOk(['up', '-d']);
    for (const n of names) assert.match(out, new RegExp(`${n} is up-to-date`));
    assert.doesNotMatch(out, /Recreating|Creating|Starting/);
    const now = names.map((n) => inspect(n));
    assert.deepEqual(
      now.map((c) => `${c.Id} ${c.State.StartedAt}`),
      before.map((c) => `${c.Id} ${c.State.StartedAt}`),
    );
  });

  it('image inspect carries ContainerConfig below API 1.45 only, as dockerd', async () => {
    const at = (v: string) => getJson(fx.d.socketPath, `/v${v}/images/busybox:latest/json`);
    const old = await at('1.44');
    assert.equal(old.status, 200);
    assert.equal(old.body['Container'], '');
    assert.equal((old.body['ContainerConfig'] as Record<string, unknown>)['Volumes'], null);
    assert.equal((await at('1.43')).body['VirtualSize'], old.body['Size']);
    const now = await at('1.47');
    assert.equal(now.status, 200);
    assert.equal('ContainerConfig' in now.body, false);
    assert.equal('VirtualSize' in now.body, false);
  });

  it('a config change recreates that service only; the named volume survives', async () => {
    const before = names.map((n) => inspect(n));
    fs.writeFileSync(path.join(proj, 'docker-compose.yml'), composeFile('changed-env'));
    // compose v1 reads the image's ContainerConfig when it recreates: dockerd (and we) drop that field from
    // API 1.45 on, so against either it must be pinned below (docker/compose#11742: KeyError 'ContainerConfig').
    const out = composeOk(['up', '-d'], { COMPOSE_API_VERSION: '1.44' });
    assert.match(out, new RegExp(`Recreating ${PROJECT}_keeper_1\\s+\\.\\.\\. done`));
    assert.match(out, new RegExp(`${PROJECT}_talker_1 is up-to-date`));
    assert.match(out, new RegExp(`${PROJECT}_follower_1 is up-to-date`));
    const now = names.map((n) => inspect(n));
    assert.equal(now[0]?.Id, before[0]?.Id);
    assert.equal(now[1]?.Id, before[1]?.Id);
    assert.notEqual(now[2]?.Id, before[2]?.Id);
    assert.equal(now[2]?.State.Status, 'running');
    assert.ok(now[2]?.Config.Env.includes('GREETING=changed-env'));
    assert.notEqual(now[2]?.Config.Labels['com.docker.compose.config-hash'], before[2]?.Config.Labels['com.docker.compose.config-hash']);
    assert.deepEqual(projectContainers(), [...names].sort(), 'the old keeper is gone');
    assert.notEqual(fx.docker(['inspect', before[2]?.Id ?? '']).code, 0);
    await logs([/^keeper_1\s+\| keeper says changed-env$/m]);
    const vol = JSON.parse(fx.ok(['volume', 'inspect', `${PROJECT}_data`]))[0] as { Mountpoint: string };
    const deadline = Date.now() + 5000;
    let runs = '';
    while (Date.now() < deadline && (runs = fs.readFileSync(path.join(vol.Mountpoint, 'runs'), 'utf8')).split('\n').length < 3) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(runs, 'hello-from-env\nchanged-env\n');
  });

  it('down removes the containers and keeps the volume; down -v removes it too', () => {
    const out = composeOk(['down']);
    for (const n of names) assert.match(out, new RegExp(`Removing ${n}\\s+\\.\\.\\. done`));
    assert.deepEqual(projectContainers(), []);
    assert.equal(fx.ok(['volume', 'ls', '-q']), `${PROJECT}_data`);

    composeOk(['up', '-d']);
    assert.deepEqual(projectContainers(), [...names].sort());
    for (const n of names) inspect(n);
    const outV = composeOk(['down', '-v']);
    assert.match(outV, new RegExp(`Removing volume ${PROJECT}_data`));
    assert.deepEqual(projectContainers(), []);
    assert.equal(fx.ok(['volume', 'ls', '-q']), '');
    assert.equal(fx.ok(['ps', '-aq']), '');
  });
});

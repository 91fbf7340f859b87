/**
 * Images through our engine with Docker's own CLI: import a busybox rootfs
 * made by the project's script, list, inspect, history, tag, save, load and
 * remove; a hostile archive is refused by `docker load` and `docker import`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar';
import { startTestDaemon, tempDir } from '../helpers/daemon.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { REPO_ROOT } from '../helpers/paths.js';

const dockerAvailable = spawnSync('docker', ['--version'], { encoding: 'utf8' }).status === 0;
const busyboxAvailable = fs.existsSync('/bin/busybox');
const skip = !dockerAvailable ? 'docker CLI not installed' : !busyboxAvailable ? 'busybox-static not installed' : false;

describe('images through the engine, driven by the docker CLI', { skip }, () => {
  let d: TestDaemon;
  let work: string;
  let rootfsTar: string;

  before(async () => {
    work = tempDir('tsc-e2e-images-');
    rootfsTar = path.join(work, 'busybox.tar');
    const r = spawnSync('bash', [path.join(REPO_ROOT, 'engine/images/busybox-rootfs.sh'), path.join(work, 'rootfs'), '--tar', rootfsTar], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    d = await startTestDaemon();
  });
  after(async () => {
    await d?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const docker = (args: string[], input?: Buffer): { out: string; err: string; code: number } => {
    const r = spawnSync('docker', ['-H', d.host, ...args], {
      env: d.env,
      encoding: 'utf8',
      timeout: 60_000,
      ...(input ? { input } : {}),
    });
    return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
  };
  const ok = (args: string[], input?: Buffer): string => {
    const r = docker(args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.err}\nengine log:\n${d.logTail()}`);
    return r.out;
  };

  it('imports a rootfs with changes, lists and inspects it', () => {
    const id = ok(['import', '--change', 'CMD ["sh"]', '--change', 'ENV A=1', '-m', 'from busybox-static', rootfsTar, 'busybox:test']).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    const rows = ok(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']).trim().split('\n');
    assert.deepEqual(rows, [`busybox:test ${id.slice(7, 19)}`]);
    const inspect = JSON.parse(ok(['image', 'inspect', 'busybox:test']))[0] as {
      Id: string;
      Config: { Cmd: string[]; Env: string[] };
      RootFS: { Layers: string[] };
      Os: string;
    };
    assert.equal(inspect.Id, id);
    assert.deepEqual(inspect.Config.Cmd, ['sh']);
    assert.ok(inspect.Config.Env.includes('A=1'));
    assert.equal(inspect.RootFS.Layers.length, 1);
    assert.equal(inspect.Os, 'linux');
    assert.match(ok(['history', 'busybox:test']), /from busybox-static/);
  });

  it('tags, saves, removes and loads back the same image', () => {
    const id = ok(['image', 'inspect', '--format', '{{.Id}}', 'busybox:test']).trim();
    ok(['tag', 'busybox:test', 'example.com/team/bb:v1']);
    assert.match(ok(['images']), /example\.com\/team\/bb\s+v1/);
    const archive = path.join(work, 'saved.tar');
    ok(['save', '-o', archive, 'busybox:test']);
    assert.ok(fs.statSync(archive).size > 100_000);
    assert.match(ok(['rmi', 'example.com/team/bb:v1']), /Untagged: example\.com\/team\/bb:v1/);
    const rmi = ok(['rmi', 'busybox:test']);
    assert.match(rmi, /Untagged: busybox:test/);
    assert.match(rmi, new RegExp(`Deleted: ${id}`));
    assert.equal(ok(['images', '-q']).trim(), '');
    assert.match(ok(['load', '-i', archive]), /Loaded image: busybox:test/);
    assert.equal(ok(['image', 'inspect', '--format', '{{.Id}}', 'busybox:test']).trim(), id);
    const missing = docker(['image', 'inspect', 'nosuch:image']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /No such image|no such image/i);
  });

  it('refuses hostile archives and writes nothing outside its store', async () => {
    const canary = path.join(work, 'canary');
    fs.mkdirSync(canary);
    const evil = path.join(work, 'evil');
    fs.mkdirSync(evil);
    fs.writeFileSync(path.join(evil, 'f'), 'x');
    // a layer whose entry climbs out of the layer directory
    const hostile = path.join(work, 'hostile.tar');
    await tar.create({ file: hostile, cwd: evil, prefix: '../../canary', portable: true }, ['f']);
    const imp = docker(['import', hostile, 'evil:1']);
    assert.notEqual(imp.code, 0, 'import of a ../ archive must fail');
    assert.match(imp.err, /\.\./);
    const load = docker(['load', '-i', hostile]);
    assert.notEqual(load.code, 0, 'load of a ../ archive must fail');
    assert.deepEqual(fs.readdirSync(canary), []);
    assert.doesNotMatch(ok(['images']), /evil/);
  });
});

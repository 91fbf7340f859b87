/**
 * Volume copy-up and bind sources through the engine, driven by the docker
 * CLI: a named volume over an image directory shows the image's files (with
 * their owners and modes on the host), once; `nocopy` leaves it empty; an
 * image VOLUME's anonymous volume is filled; a hostile image whose mount
 * destination links to a host path, or to /etc, gets its own files and never
 * the host's; `-v /new/dir:/x` makes the host dir at start; `--mount
 * type=bind` with a missing source is Docker's 400.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { engineSkipReason, startEngineFixture } from '../helpers/engine-fixture.js';
import type { EngineFixture } from '../helpers/engine-fixture.js';

const skip = engineSkipReason();

/** A copy of the fixture's busybox rootfs, changed by `edit`, imported as `ref` with `changes`. */
function importImage(fx: EngineFixture, ref: string, changes: readonly string[], edit: (root: string) => void): void {
  const root = path.join(fx.work, `${ref}-rootfs`);
  const tar = path.join(fx.work, `${ref}.tar`);
  let r = spawnSync('cp', ['-a', path.join(fx.work, 'rootfs'), root], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  edit(root);
  r = spawnSync('tar', ['--numeric-owner', '-C', root, '-cf', tar, '.'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  fx.ok(['import', ...changes.flatMap((c) => ['--change', c]), tar, ref]);
}

const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter((l) => l !== '');

describe('volume copy-up and bind sources through the engine', { skip }, () => {
  let fx: EngineFixture;
  /** A directory that exists on the host only: no image may copy from it. */
  let hostOnly: string;
  const volumes: string[] = [];
  const mountpoint = (v: string): string => fx.ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', v]);

  before(async () => {
    fx = await startEngineFixture('tsc-e2e-vp-');
    hostOnly = path.join(fx.work, 'host-only');
    fs.mkdirSync(hostOnly);
    fs.writeFileSync(path.join(hostOnly, 'HOST-ONLY-MARKER'), 'from the host');
    importImage(fx, 'vpimg', ['VOLUME /data', 'CMD ["sh"]'], (root) => {
      const app = path.join(root, 'etc', 'app');
      fs.mkdirSync(app);
      fs.writeFileSync(path.join(app, 'app.conf'), 'listen 80\n');
      fs.symlinkSync('app.conf', path.join(app, 'link'));
      fs.chownSync(path.join(app, 'app.conf'), 33, 44);
      fs.chmodSync(path.join(app, 'app.conf'), 0o604);
      fs.chownSync(app, 33, 44);
      fs.chmodSync(app, 0o750);
      const data = path.join(root, 'data');
      fs.mkdirSync(data);
      fs.writeFileSync(path.join(data, 'seed.txt'), 'seed\n');
      fs.chownSync(path.join(data, 'seed.txt'), 1000, 1000);
      fs.chmodSync(path.join(data, 'seed.txt'), 0o640);
      fs.chownSync(data, 1000, 1000);
      fs.chmodSync(data, 0o770);
    });
    importImage(fx, 'vphostile', ['CMD ["sh"]'], (root) => {
      fs.writeFileSync(path.join(root, 'etc', 'IMAGE-MARKER'), 'from the image');
      // Absolute links a careless daemon would follow on the host.
      fs.symlinkSync(hostOnly, path.join(root, 'etc', 'app'));
      fs.symlinkSync('/etc', path.join(root, 'etc', 'app2'));
    });
  });
  after(async () => {
    if (!fx) return;
    fx.docker(['rm', '-f', ...lines(fx.docker(['ps', '-aq']).out)]);
    for (const v of volumes) fx.docker(['volume', 'rm', '-f', v]);
    await fx.teardown();
  });

  it('fills a new named volume from the image, with owners and modes, and only once', () => {
    volumes.push('vpnamed');
    assert.deepEqual(lines(fx.ok(['run', '--rm', '-v', 'vpnamed:/etc/app', 'vpimg', 'ls', '/etc/app'])), ['app.conf', 'link']);
    const dir = mountpoint('vpnamed');
    const conf = fs.lstatSync(path.join(dir, 'app.conf'));
    assert.equal(conf.uid, 33);
    assert.equal(conf.gid, 44);
    assert.equal(conf.mode & 0o7777, 0o604);
    assert.equal(fs.readFileSync(path.join(dir, 'app.conf'), 'utf8'), 'listen 80\n');
    assert.equal(fs.readlinkSync(path.join(dir, 'link')), 'app.conf', 'a symlink stays a symlink');
    const top = fs.statSync(dir);
    assert.deepEqual([top.uid, top.gid, top.mode & 0o7777], [33, 44, 0o750], 'the volume root takes the image directory owner and mode');

    // Changes made through one container are what the next one sees: no copy over them.
    fx.ok(['run', '--rm', '-v', 'vpnamed:/etc/app', 'vpimg', 'sh', '-c', 'rm /etc/app/app.conf && echo mine > /etc/app/new']);
    assert.deepEqual(lines(fx.ok(['run', '--rm', '-v', 'vpnamed:/etc/app', 'vpimg', 'ls', '/etc/app'])), ['link', 'new']);
    assert.ok(!fs.existsSync(path.join(dir, 'app.conf')));
  });

  it('copies nothing with :nocopy or volume-nocopy', () => {
    volumes.push('vpquiet', 'vpquiet2');
    assert.equal(fx.ok(['run', '--rm', '-v', 'vpquiet:/etc/app:nocopy', 'vpimg', 'ls', '-A', '/etc/app']), '');
    assert.deepEqual(fs.readdirSync(mountpoint('vpquiet')), []);
    assert.equal(fx.ok(['run', '--rm', '--mount', 'type=volume,src=vpquiet2,dst=/etc/app,volume-nocopy', 'vpimg', 'ls', '-A', '/etc/app']), '');
    assert.deepEqual(fs.readdirSync(mountpoint('vpquiet2')), []);
  });

  it('fills the anonymous volume of an image VOLUME', () => {
    assert.equal(fx.ok(['run', '--name', 'vpanon', 'vpimg', 'cat', '/data/seed.txt']), 'seed');
    const mounts = JSON.parse(fx.ok(['inspect', '-f', '{{json .Mounts}}', 'vpanon'])) as { Type: string; Name: string; Source: string; Destination: string }[];
    const data = mounts.find((m) => m.Destination === '/data');
    assert.equal(data?.Type, 'volume');
    const seed = fs.lstatSync(path.join(data?.Source ?? '/nonexistent', 'seed.txt'));
    assert.deepEqual([seed.uid, seed.gid, seed.mode & 0o7777], [1000, 1000, 0o640]);
    const top = fs.statSync(data?.Source ?? '/nonexistent');
    assert.deepEqual([top.uid, top.gid, top.mode & 0o7777], [1000, 1000, 0o770]);
    fx.ok(['rm', '-v', 'vpanon']);
    assert.ok(!fs.existsSync(data?.Source ?? '/nonexistent'), 'rm -v removes the anonymous volume');
  });

  it('resolves a hostile symlinked destination inside the image: never the host', () => {
    volumes.push('vphost', 'vpetc');
    // /etc/app → <host-only dir>: that path does not exist in the image, so there is nothing to copy;
    // at start the runtime makes the mount point inside the root (as runc does), never on the host.
    fx.ok(['create', '--name', 'vphost', '-v', 'vphost:/etc/app', 'vphostile', 'sh', '-c', `echo in-volume > ${hostOnly}/written; ls /etc/app`]);
    assert.deepEqual(fs.readdirSync(mountpoint('vphost')), []);
    fx.ok(['start', '-a', 'vphost']);
    assert.deepEqual(fs.readdirSync(mountpoint('vphost')), ['written'], 'the write through the link landed in the volume');
    fx.ok(['rm', 'vphost']);
    assert.ok(fs.existsSync(path.join(hostOnly, 'HOST-ONLY-MARKER')), 'and the host dir is untouched');
    assert.deepEqual(fs.readdirSync(hostOnly), ['HOST-ONLY-MARKER']);
    // /etc/app2 → /etc: the image's /etc, not the host's.
    fx.ok(['create', '--name', 'vpetc', '-v', 'vpetc:/etc/app2', 'vphostile', 'true']);
    const dir = mountpoint('vpetc');
    const imageEtc = fs.readdirSync(path.join(fx.work, 'vphostile-rootfs', 'etc')).sort();
    assert.deepEqual(fs.readdirSync(dir).sort(), imageEtc);
    assert.equal(fs.readFileSync(path.join(dir, 'IMAGE-MARKER'), 'utf8'), 'from the image');
    assert.equal(fs.readFileSync(path.join(dir, 'passwd'), 'utf8'), fs.readFileSync(path.join(fx.work, 'vphostile-rootfs', 'etc', 'passwd'), 'utf8'));
    assert.equal(fs.readlinkSync(path.join(dir, 'app')), hostOnly, 'the link inside is copied as a link');
    assert.ok(!fs.existsSync(path.join(dir, 'HOST-ONLY-MARKER')));
    fx.ok(['rm', 'vpetc']);
  });

  it('makes a missing -v host dir (0755) when the container starts', () => {
    const hostDir = path.join(fx.work, 'made-by-start', 'deep');
    fx.ok(['create', '--name', 'vpbind', '-v', `${hostDir}:/x`, 'busybox', 'sh', '-c', 'echo hi > /x/f']);
    assert.ok(!fs.existsSync(hostDir), 'not at create (dockerd makes it at start)');
    fx.ok(['start', '-a', 'vpbind']);
    const st = fs.statSync(hostDir);
    assert.ok(st.isDirectory());
    assert.equal(st.mode & 0o7777, 0o755);
    assert.deepEqual([st.uid, st.gid], [0, 0]);
    assert.equal(fs.readFileSync(path.join(hostDir, 'f'), 'utf8'), 'hi\n');
    fx.ok(['rm', 'vpbind']);
  });

  it('refuses --mount type=bind with a missing source, with Docker’s message', () => {
    const missing = path.join(fx.work, 'no-such-dir');
    const before = lines(fx.ok(['ps', '-aq'])).length;
    const r = fx.docker(['run', '--rm', '--mount', `type=bind,src=${missing},dst=/x`, 'busybox', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, new RegExp(`Error response from daemon: invalid mount config for type "bind": bind source path does not exist: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok(!fs.existsSync(missing));
    assert.equal(lines(fx.ok(['ps', '-aq'])).length, before, 'no container was made');
  });

  it('makes the missing source of a --mount bind with CreateMountpoint (the API)', () => {
    const missing = path.join(fx.work, 'create-mountpoint');
    const body = JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'bind', Source: missing, Target: '/x', BindOptions: { CreateMountpoint: true } }] } });
    const sock = fx.d.socketPath;
    const created = spawnSync('curl', ['-sS', '--unix-socket', sock, '-H', 'Content-Type: application/json', '-d', body, 'http://localhost/v1.47/containers/create?name=vpcm'], { encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /"Id"/, created.stdout);
    fx.ok(['start', '-a', 'vpcm']);
    assert.ok(fs.statSync(missing).isDirectory());
    fx.ok(['rm', 'vpcm']);
  });
});

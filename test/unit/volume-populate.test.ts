/**
 * Volume copy-up and bind sources without a daemon: which mounts are filled
 * (nocopy, binds, image VOLUMEs, subpaths), the copy itself over a temp dir
 * standing in for a container's rootfs (owners, modes with set-id bits,
 * times, symlinks kept as symlinks, hard links), a non-empty volume left
 * alone, and hostile symlinks at the mount's destination that must resolve
 * in the rootfs and never reach the host dir beside it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bindSourcesToCreate, checkBindMountSources, ensureBindSources } from '../../engine/daemon/containers/bind-source.js';
import type { OciMount } from '../../engine/daemon/containers/types.js';
import { populateTargets, populateVolumes } from '../../engine/daemon/containers/volume-populate.js';
import type { PopulateTarget } from '../../engine/daemon/containers/volume-populate.js';
import { ApiError, BadRequestError } from '../../engine/daemon/errors.js';
import type { Logger } from '../../engine/daemon/server/logger.js';

const isRoot = process.getuid?.() === 0;
const UID = isRoot ? 1234 : (process.getuid?.() ?? 0);
const GID = isRoot ? 5678 : (process.getgid?.() ?? 0);

function collectingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {}, debugEnabled: false, warnings };
}

// ---- the plan -------------------------------------------------------------------

describe('populateTargets: which volume mounts get the image content', () => {
  const dirs = new Map([
    ['named', '/vol/named/_data'],
    ['quiet', '/vol/quiet/_data'],
    ['anon1', '/vol/anon1/_data'],
    ['anon2', '/vol/anon2/_data'],
    ['sub', '/vol/sub/_data'],
  ]);
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/etc/app', type: 'bind', source: '/vol/named/_data', options: ['rbind'] },
    { destination: '/quiet', type: 'bind', source: '/vol/quiet/_data', options: ['rbind'] },
    { destination: '/data', type: 'bind', source: '/vol/anon1/_data', options: ['rbind'] },
    { destination: '/cache', type: 'bind', source: '/vol/anon2/_data', options: ['rbind'] },
    { destination: '/deep', type: 'bind', source: '/vol/sub/_data/a/b', options: ['rbind'] },
    { destination: '/host', type: 'bind', source: '/srv/host', options: ['rbind', 'rprivate'] },
    { destination: '/run', type: 'tmpfs', source: 'tmpfs' },
  ];

  it('takes every volume mount but the nocopy ones, and marks image VOLUMEs no user mount covers', () => {
    const got = populateTargets({
      mounts,
      hostConfig: {
        Binds: ['named:/etc/app', 'quiet:/quiet:ro,nocopy', '/srv/host:/host', '/cache'],
        Mounts: [{ Type: 'volume', Source: 'sub', Target: '/deep/', VolumeOptions: { Subpath: 'a/b' } }],
        Tmpfs: { '/run': '' },
      },
      imageVolumes: ['/data/', '/cache'],
      volumeDirs: dirs,
    });
    assert.deepEqual(got, [
      { destination: '/etc/app', volume: 'named', volumeDir: '/vol/named/_data', subpath: '', fromImage: false },
      { destination: '/data', volume: 'anon1', volumeDir: '/vol/anon1/_data', subpath: '', fromImage: true },
      { destination: '/cache', volume: 'anon2', volumeDir: '/vol/anon2/_data', subpath: '', fromImage: false },
      { destination: '/deep', volume: 'sub', volumeDir: '/vol/sub/_data', subpath: 'a/b', fromImage: false },
    ] satisfies PopulateTarget[]);
  });

  it('honours Mounts[].VolumeOptions.NoCopy', () => {
    const got = populateTargets({
      mounts,
      hostConfig: { Mounts: [{ Type: 'volume', Source: 'named', Target: '/etc/app', VolumeOptions: { NoCopy: true } }] },
      imageVolumes: [],
      volumeDirs: new Map([['named', '/vol/named/_data']]),
    });
    assert.deepEqual(got, []);
  });
});

// ---- the copy -------------------------------------------------------------------

describe('populateVolumes over a temp rootfs', () => {
  let work: string;
  let rootfs: string;
  /** A host dir outside the rootfs that nothing may copy from. */
  let host: string;
  const mtime = new Date('2001-02-03T04:05:06.789Z');
  const atime = new Date('2002-03-04T05:06:07.000Z');

  const volume = (name: string): string => {
    const d = path.join(work, 'volumes', name, '_data');
    fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    return d;
  };
  const target = (name: string, destination: string, extra: Partial<PopulateTarget> = {}): PopulateTarget => ({
    destination,
    volume: name,
    volumeDir: volume(name),
    subpath: '',
    fromImage: false,
    ...extra,
  });
  const listTree = (dir: string): string[] => {
    const out: string[] = [];
    const walk = (d: string, rel: string): void => {
      for (const n of fs.readdirSync(d).sort()) {
        const p = path.join(d, n);
        const r = rel ? `${rel}/${n}` : n;
        out.push(r);
        if (fs.lstatSync(p).isDirectory()) walk(p, r);
      }
    };
    walk(dir, '');
    return out;
  };

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-volpop-'));
    rootfs = path.join(work, 'rootfs');
    host = path.join(work, 'host-only');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'HOST-MARKER'), 'host secret');
    // The image's /etc: a marker of its own, beside what the tests add.
    fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(rootfs, 'etc', 'IMAGE-MARKER'), 'image etc');
    // /etc/app: the tree to copy.
    const app = path.join(rootfs, 'etc', 'app');
    fs.mkdirSync(path.join(app, 'sub', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(app, 'config'), 'key=value\n');
    fs.chmodSync(path.join(app, 'config'), 0o640);
    fs.writeFileSync(path.join(app, 'suid'), '#!/bin/sh\n');
    fs.writeFileSync(path.join(app, 'sub', 'deeper', 'big'), Buffer.alloc(3 * 1024 * 1024 + 17, 7));
    fs.writeFileSync(path.join(app, 'sub', 'first'), 'linked');
    fs.linkSync(path.join(app, 'sub', 'first'), path.join(app, 'second'));
    fs.symlinkSync(host, path.join(app, 'to-host'));
    fs.symlinkSync('sub/first', path.join(app, 'rel-link'));
    for (const p of ['config', 'suid', 'sub', 'sub/deeper', 'sub/deeper/big', 'sub/first', '.']) fs.chownSync(path.join(app, p), UID, GID);
    fs.lchownSync(path.join(app, 'to-host'), UID, GID);
    fs.chmodSync(path.join(app, 'suid'), 0o4755);
    fs.chmodSync(path.join(app, 'sub'), 0o750);
    fs.chmodSync(app, 0o711);
    fs.lutimesSync(path.join(app, 'to-host'), atime, mtime);
    for (const p of ['config', 'sub/deeper', 'sub', '.']) fs.utimesSync(path.join(app, p), atime, mtime);
    // Hostile destinations: absolute and relative links out of the rootfs, and one to the image's /etc.
    fs.mkdirSync(path.join(rootfs, 'evil'));
    fs.symlinkSync(host, path.join(rootfs, 'evil', 'abs'));
    fs.symlinkSync(`../../../../../../../../..${host}`, path.join(rootfs, 'evil', 'rel'));
    fs.symlinkSync('/etc', path.join(rootfs, 'evil', 'etc'));
    fs.writeFileSync(path.join(rootfs, 'evil', 'file'), 'x');
  });
  after(() => {
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('copies owners, modes (set-id bits too), times, symlinks as symlinks and hard links as links', async () => {
    const log = collectingLogger();
    const t = target('app', '/etc/app');
    await populateVolumes(rootfs, [t], log);
    const v = t.volumeDir;
    // Before anything reads it (a read moves the access time).
    assert.equal(fs.lstatSync(path.join(v, 'config')).atime.getTime(), atime.getTime());
    assert.deepEqual(listTree(v), ['config', 'rel-link', 'second', 'sub', 'sub/deeper', 'sub/deeper/big', 'sub/first', 'suid', 'to-host']);
    assert.equal(fs.readFileSync(path.join(v, 'config'), 'utf8'), 'key=value\n');
    assert.deepEqual(fs.readFileSync(path.join(v, 'sub', 'deeper', 'big')), Buffer.alloc(3 * 1024 * 1024 + 17, 7));
    const st = (p: string): fs.Stats => fs.lstatSync(path.join(v, p));
    assert.equal(st('config').mode & 0o7777, 0o640);
    assert.equal(st('suid').mode & 0o7777, 0o4755, 'set-uid survives the chown');
    assert.equal(st('sub').mode & 0o7777, 0o750);
    for (const p of ['config', 'suid', 'sub', 'sub/deeper/big', 'to-host', '.']) {
      assert.equal(st(p).uid, UID, `${p} uid`);
      assert.equal(st(p).gid, GID, `${p} gid`);
    }
    assert.equal(st('.').mode & 0o7777, 0o711, 'the volume root takes the image directory mode');
    assert.equal(st('.').mtime.getTime(), mtime.getTime(), 'and its times');
    assert.equal(st('config').mtime.getTime(), mtime.getTime());
    assert.equal(st('sub').mtime.getTime(), mtime.getTime(), 'a directory keeps its time though entries were made in it');
    assert.equal(st('to-host').mtime.getTime(), mtime.getTime(), 'a symlink keeps its own time');
    assert.ok(st('to-host').isSymbolicLink());
    assert.equal(fs.readlinkSync(path.join(v, 'to-host')), host, 'the link is copied, not what it points to');
    assert.equal(fs.readlinkSync(path.join(v, 'rel-link')), 'sub/first');
    assert.equal(st('second').ino, st('sub/first').ino, 'hard links stay linked');
    assert.equal(st('second').nlink, 2);
    assert.deepEqual(log.warnings, []);
  });

  it('leaves a volume that is not empty as it is', async () => {
    const t = target('busy', '/etc/app');
    fs.writeFileSync(path.join(t.volumeDir, 'mine'), 'keep');
    fs.chmodSync(t.volumeDir, 0o755);
    await populateVolumes(rootfs, [t], collectingLogger());
    assert.deepEqual(fs.readdirSync(t.volumeDir), ['mine']);
    assert.equal(fs.statSync(t.volumeDir).mode & 0o7777, 0o755);
  });

  it('copies nothing for a nocopy mount (no target in the plan)', async () => {
    const dir = volume('quiet');
    const plan = populateTargets({
      mounts: [{ destination: '/etc/app', type: 'bind', source: dir, options: ['rbind'] }],
      hostConfig: { Binds: ['quiet:/etc/app:nocopy'] },
      imageVolumes: [],
      volumeDirs: new Map([['quiet', dir]]),
    });
    await populateVolumes(rootfs, plan, collectingLogger());
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('does nothing when the image has nothing at the destination', async () => {
    const t = target('none', '/no/such/dir');
    await populateVolumes(rootfs, [t], collectingLogger());
    assert.deepEqual(fs.readdirSync(t.volumeDir), []);
  });

  it('resolves a symlinked destination in the rootfs: absolute and relative links to a host dir find nothing', async () => {
    for (const link of ['abs', 'rel']) {
      const t = target(`evil-${link}`, `/evil/${link}`);
      await populateVolumes(rootfs, [t], collectingLogger());
      assert.deepEqual(fs.readdirSync(t.volumeDir), [], `/evil/${link} must not reach ${host}`);
    }
  });

  it('resolves a link to /etc to the image’s /etc, not the host’s', async () => {
    const t = target('evil-etc', '/evil/etc');
    await populateVolumes(rootfs, [t], collectingLogger());
    assert.deepEqual(fs.readdirSync(t.volumeDir).sort(), fs.readdirSync(path.join(rootfs, 'etc')).sort());
    assert.ok(fs.existsSync(path.join(t.volumeDir, 'IMAGE-MARKER')));
    assert.ok(!fs.existsSync(path.join(t.volumeDir, 'HOST-MARKER')));
    assert.ok(!fs.existsSync(path.join(t.volumeDir, 'os-release')), 'nothing of the host /etc');
  });

  it('refuses an image VOLUME over a file, as dockerd does; a named volume over one is left to the runtime', async () => {
    await assert.rejects(populateVolumes(rootfs, [target('over-file', '/evil/file', { fromImage: true })], collectingLogger()), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 500);
      assert.match(e.message, /^cannot mount volume over existing file, file exists .*\/evil\/file$/);
      return true;
    });
    const t = target('named-over-file', '/evil/file');
    await populateVolumes(rootfs, [t], collectingLogger());
    assert.deepEqual(fs.readdirSync(t.volumeDir), []);
  });

  it('fills a subpath of a volume, only when it exists and is empty', async () => {
    const dir = volume('withsub');
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'other'), 'not in the way');
    await populateVolumes(rootfs, [{ destination: '/etc/app', volume: 'withsub', volumeDir: dir, subpath: 'a/b', fromImage: false }], collectingLogger());
    assert.ok(fs.existsSync(path.join(dir, 'a', 'b', 'config')));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['a', 'other']);
    const missing = volume('nosub');
    await populateVolumes(rootfs, [{ destination: '/etc/app', volume: 'nosub', volumeDir: missing, subpath: 'x', fromImage: false }], collectingLogger());
    assert.deepEqual(fs.readdirSync(missing), []);
  });

  it('copies once when two creates fill the same new volume together', async () => {
    const t = target('shared', '/etc/app');
    await Promise.all([populateVolumes(rootfs, [t], collectingLogger()), populateVolumes(rootfs, [t], collectingLogger())]);
    assert.ok(fs.existsSync(path.join(t.volumeDir, 'config')));
  });
});

// ---- bind sources -------------------------------------------------------------

describe('bind sources', () => {
  it('rejects a missing Mounts bind source with Docker’s 400 unless CreateMountpoint', () => {
    const exists = (p: string): boolean => p === '/there';
    assert.throws(
      () => checkBindMountSources({ Mounts: [{ Type: 'bind', Source: '/there', Target: '/a' }, { Type: 'bind', Source: '/missing/', Target: '/x' }] }, exists),
      (e: unknown) => e instanceof BadRequestError && e.message === 'invalid mount config for type "bind": bind source path does not exist: /missing',
    );
    checkBindMountSources({ Mounts: [{ Type: 'bind', Source: '/missing', Target: '/x', BindOptions: { CreateMountpoint: true } }] }, exists);
    // Binds are made at start, not checked; volumes and malformed entries are not this check's.
    checkBindMountSources({ Binds: ['/missing:/x'], Mounts: [{ Type: 'volume', Source: 'v', Target: '/v' }, { Type: 'bind', Source: 'rel', Target: '/r' }] }, exists);
  });

  it('lists Binds sources and CreateMountpoint sources to make at start', () => {
    assert.deepEqual(
      bindSourcesToCreate({
        Binds: ['/a/b/:/x', 'named:/y', '/anon', '/c:/z:ro'],
        Mounts: [
          { Type: 'bind', Source: '/d', Target: '/d', BindOptions: { CreateMountpoint: true } },
          { Type: 'bind', Source: '/e', Target: '/e' },
        ],
      }),
      ['/a/b', '/c', '/d'],
    );
  });

  it('makes a missing source 0755 and leaves an existing file alone', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-bindsrc-'));
    const old = process.umask(0o022);
    try {
      const dir = path.join(work, 'new', 'deep');
      const file = path.join(work, 'file');
      fs.writeFileSync(file, 'f');
      await ensureBindSources({ Binds: [`${dir}:/x`, `${file}:/f:ro`] });
      assert.ok(fs.statSync(dir).isDirectory());
      assert.equal(fs.statSync(dir).mode & 0o7777, 0o755);
      assert.equal(fs.statSync(path.join(work, 'new')).mode & 0o7777, 0o755);
      assert.ok(fs.statSync(file).isFile());
    } finally {
      process.umask(old);
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

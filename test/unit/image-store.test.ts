import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { list as tarList } from 'tar';
import { FsImageStore } from '../../engine/daemon/images/store.js';
import type { OverlaySeam } from '../../engine/daemon/images/overlay.js';
import {
  collect,
  dockerSaveArchive,
  gzip,
  hex,
  isRoot,
  MTIME,
  ociArchive,
  sandbox,
  sha,
  stream,
  tarBuffer,
} from '../helpers/image-tar.js';

const never = (): boolean => false;

function rootfs(extra = ''): Buffer {
  return tarBuffer([
    { path: './', type: 'Directory', mode: 0o755 },
    { path: 'bin/', type: 'Directory' },
    { path: 'bin/tool', body: `#!/bin/sh\necho tool${extra}\n`, mode: 0o755 },
    { path: 'bin/suid', body: 'x', mode: 0o4755 },
    { path: 'bin/alias', type: 'SymbolicLink', linkpath: '/bin/tool' },
    { path: 'bin/hard', type: 'Link', linkpath: 'bin/tool' },
    { path: 'etc/', type: 'Directory', mode: 0o755 },
    { path: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n' },
    { path: 'home/user/', type: 'Directory', uid: 1000, gid: 1000, mode: 0o750 },
    { path: 'home/user/file', body: 'mine', uid: 1000, gid: 1000, mode: 0o600 },
    { path: 'tmp/', type: 'Directory', mode: 0o1777 },
  ]);
}

describe('FsImageStore: import, inspect, tag, remove', () => {
  const sb = sandbox();
  const store = new FsImageStore(sb.root);
  after(() => sb.cleanup());
  let id = '';
  const layer = rootfs();

  it('imports a rootfs tarball as a one-layer image', async () => {
    id = await store.importRootfs(stream(gzip(layer)), {
      repo: 'myimg',
      tag: 'v1',
      message: 'from a test',
      changes: ['CMD ["sh"]', 'ENV PATH=/bin', 'WORKDIR /srv', 'EXPOSE 8080', 'LABEL a=b', 'USER nobody', 'ENTRYPOINT ["/bin/tool"]', 'VOLUME /data', 'STOPSIGNAL SIGTERM'],
    });
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    // The id is the sha256 of the config blob we wrote.
    const cfgBytes = fs.readFileSync(path.join(sb.root, 'blobs/sha256', hex(id)));
    assert.equal(sha(cfgBytes), id);
    const cfg = JSON.parse(cfgBytes.toString()) as { rootfs: { diff_ids: string[] }; os: string; architecture: string };
    assert.deepEqual(cfg.rootfs.diff_ids, [sha(layer)], 'diffID is the sha256 of the uncompressed tar');
    assert.equal(cfg.os, 'linux');
    assert.equal(cfg.architecture, 'amd64');
    assert.ok(fs.existsSync(path.join(sb.root, 'images', `${hex(id)}.json`)));
    assert.ok(fs.existsSync(path.join(sb.root, 'layers', hex(sha(layer)), 'diff', 'bin', 'tool')));
    assert.deepEqual(fs.readdirSync(path.join(sb.root, 'image-tmp')), []);
  });

  it('inspects with Docker shapes', async () => {
    const img = await store.inspect('myimg:v1');
    assert.equal(img.Id, id);
    assert.deepEqual(img.RepoTags, ['myimg:v1']);
    assert.equal(img.Comment, 'from a test');
    assert.deepEqual(img.Config.Cmd, ['sh']);
    assert.deepEqual(img.Config.Entrypoint, ['/bin/tool']);
    assert.deepEqual(img.Config.Env, ['PATH=/bin']);
    assert.equal(img.Config.WorkingDir, '/srv');
    assert.deepEqual(img.Config.ExposedPorts, { '8080/tcp': {} });
    assert.deepEqual(img.Config.Labels, { a: 'b' });
    assert.equal(img.Config.User, 'nobody');
    assert.deepEqual(img.Config.Volumes, { '/data': {} });
    assert.equal(img.Config.StopSignal, 'SIGTERM');
    assert.equal(img.Os, 'linux');
    assert.deepEqual(img.RootFS, { Type: 'layers', Layers: [sha(layer)] });
    assert.notEqual(img.Metadata.LastTagTime, '0001-01-01T00:00:00Z');
    assert.equal(img.GraphDriver.Data['UpperDir'], path.join(sb.root, 'layers', hex(sha(layer)), 'diff'));
    assert.deepEqual((await store.config(id)).Cmd, ['sh']);
  });

  it('keeps modes, setuid bits, symlinks, hardlinks, mtimes (and owners as root)', async () => {
    const [dir] = await store.layerDirs(id);
    assert.ok(dir);
    const st = (p: string): fs.Stats => fs.lstatSync(path.join(dir, p));
    assert.equal(st('bin/suid').mode & 0o7777, 0o4755);
    assert.equal(st('tmp').mode & 0o7777, 0o1777);
    assert.equal(st('home/user/file').mode & 0o777, 0o600);
    assert.equal(fs.readlinkSync(path.join(dir, 'bin/alias')), '/bin/tool');
    assert.equal(st('bin/hard').ino, st('bin/tool').ino);
    assert.equal(st('etc/passwd').mtime.getTime(), MTIME.getTime());
    assert.equal(st('etc').mtime.getTime(), MTIME.getTime(), 'directory mtimes survive their children being written');
    assert.equal(st('bin/alias').mtime.getTime(), MTIME.getTime());
  });

  it('keeps ownership from the tar when running as root', { skip: isRoot() ? false : 'not root: ownership cannot be set' }, async () => {
    const [dir] = await store.layerDirs(id);
    const s = fs.lstatSync(path.join(dir as string, 'home/user/file'));
    assert.equal(s.uid, 1000);
    assert.equal(s.gid, 1000);
    assert.equal(fs.lstatSync(path.join(dir as string, 'home/user')).uid, 1000);
    assert.equal(fs.lstatSync(path.join(dir as string, 'bin/suid')).mode & 0o4000, 0o4000, 'chown did not clear setuid');
  });

  it('lists and resolves by name, full name, id and short id', async () => {
    const list = await store.list();
    assert.equal(list.length, 1);
    assert.deepEqual(list[0]?.RepoTags, ['myimg:v1']);
    assert.equal(list[0]?.Size, fs.statSync(path.join((await store.layerDirs(id))[0] as string, 'bin/tool')).size + 1 + 'root:x:0:0::/root:/bin/sh\n'.length + 4);
    for (const ref of ['myimg:v1', 'docker.io/library/myimg:v1', id, hex(id), hex(id).slice(0, 12), `sha256:${hex(id).slice(0, 8)}`]) {
      assert.equal(await store.resolve(ref), id, ref);
    }
    assert.equal(await store.resolve('myimg'), undefined, 'myimg means myimg:latest');
    await assert.rejects(store.inspect('nope'), (e: Error & { status?: number }) => e.status === 404 && /No such image: nope/.test(e.message));
  });

  it('tags, validating names (400)', async () => {
    await store.tag('myimg:v1', 'busybox');
    await store.tag(id, 'docker.io/library/other', 'x');
    assert.equal(await store.resolve('busybox'), id);
    assert.equal(await store.resolve('docker.io/library/busybox:latest'), id);
    assert.deepEqual((await store.inspect(id)).RepoTags, ['busybox:latest', 'myimg:v1', 'other:x']);
    await assert.rejects(store.tag(id, 'Bad'), (e: Error & { status?: number }) => e.status === 400);
    await assert.rejects(store.tag(id, 'ok', 'bad tag'), (e: Error & { status?: number }) => e.status === 400);
    await assert.rejects(store.tag('missing', 'ok'), (e: Error & { status?: number }) => e.status === 404);
    const filtered = await store.list({ filters: { reference: ['busy*'] } });
    assert.equal(filtered.length, 1);
    assert.equal((await store.list({ filters: { label: ['a=c'] } })).length, 0);
    assert.equal((await store.list({ filters: { dangling: ['true'] } })).length, 0);
  });

  it('history', async () => {
    const h = await store.history('busybox');
    assert.equal(h.length, 1);
    assert.equal(h[0]?.Id, id);
    assert.equal(h[0]?.Comment, 'from a test');
    assert.ok(h[0]?.Tags?.includes('busybox:latest'));
  });

  it('removes as docker rmi does', async () => {
    await assert.rejects(
      store.remove(hex(id).slice(0, 12), {}, never),
      (e: Error & { status?: number }) => e.status === 409 && e.message === `conflict: unable to delete ${hex(id).slice(0, 12)} (must be forced) - image is referenced in multiple repositories`,
    );
    assert.deepEqual(await store.remove('other:x', {}, never), [{ Untagged: 'other:x' }]);
    assert.deepEqual(await store.remove('busybox', {}, never), [{ Untagged: 'busybox:latest' }]);
    await assert.rejects(
      store.remove('myimg:v1', {}, () => true),
      (e: Error & { status?: number }) => e.status === 409 && /container is using its referenced image/.test(e.message),
    );
    await assert.rejects(
      store.remove(id, {}, () => true),
      (e: Error & { status?: number }) => e.status === 409 && /image is being used by running container/.test(e.message),
    );
    const res = await store.remove('myimg:v1', {}, never);
    assert.deepEqual(res.slice(0, 2), [{ Untagged: 'myimg:v1' }, { Deleted: id }]);
    assert.deepEqual(res[2], { Deleted: sha(layer) });
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(fs.readdirSync(path.join(sb.root, 'layers')), []);
    assert.deepEqual(fs.readdirSync(path.join(sb.root, 'blobs/sha256')), []);
    await assert.rejects(store.remove(id, {}, never), (e: Error & { status?: number }) => e.status === 404);
  });

  it('force removes every tag', async () => {
    const a = await store.importRootfs(stream(layer), { repo: 'one' });
    await store.tag(a, 'two');
    const res = await store.remove(a, { force: true }, never);
    assert.deepEqual(res.filter((r) => r.Untagged).map((r) => r.Untagged).sort(), ['one:latest', 'two:latest']);
    assert.ok(res.some((r) => r.Deleted === a));
  });

  it('reports ambiguous id prefixes', async () => {
    const ids: string[] = [];
    let clash: string | undefined;
    for (let i = 0; i < 17 && clash === undefined; i++) {
      ids.push(await store.importRootfs(stream(rootfs(String(i))), { message: `m${i}` }));
      const firsts = ids.map((x) => x[7]);
      clash = firsts.find((c, j) => firsts.indexOf(c) !== j);
    }
    assert.ok(clash);
    await assert.rejects(store.resolve(clash), /ambiguous image ID prefix/);
    const pruned = await store.prune({}, never);
    assert.equal(pruned.ImagesDeleted.filter((r) => r.Deleted && ids.includes(r.Deleted)).length, ids.length);
    assert.ok(pruned.SpaceReclaimed > 0);
    assert.deepEqual(await store.list(), []);
  });
});

describe('FsImageStore: save and load', () => {
  const sb = sandbox();
  after(() => sb.cleanup());
  const base = tarBuffer([{ path: 'base.txt', body: 'base' }, { path: 'shared/', type: 'Directory' }]);
  const top = tarBuffer([{ path: 'top.txt', body: 'top' }]);

  it('shares a layer between two images and unpacks it once', async () => {
    const store = new FsImageStore(sb.root);
    const lines: string[] = [];
    const archive = dockerSaveArchive([
      { layers: [base], tags: ['app:base'] },
      { layers: [base, top], tags: ['app:top', 'localhost:5000/app:top'] },
    ]);
    const names = await store.load(stream(archive), (l) => lines.push(l));
    assert.deepEqual(names, ['app:base', 'app:top', 'localhost:5000/app:top']);
    assert.deepEqual(lines, ['Loaded image: app:base', 'Loaded image: app:top', 'Loaded image: localhost:5000/app:top']);
    assert.equal(fs.readdirSync(path.join(sb.root, 'layers')).length, 2, 'base unpacked once');
    const dirsTop = await store.layerDirs('app:top');
    const dirsBase = await store.layerDirs('app:base');
    assert.equal(dirsTop.length, 2);
    assert.equal(dirsTop[1], dirsBase[0], 'same unpacked dir for the shared layer');
    assert.ok(fs.existsSync(path.join(dirsTop[0] as string, 'top.txt')));
    // Removing one image keeps the layer the other still uses.
    await store.remove('app:base', {}, never);
    assert.ok(fs.existsSync(path.join(dirsBase[0] as string, 'base.txt')));
    assert.deepEqual(await store.layerDirs('app:top'), dirsTop);
    // Reload (idempotent) brings it back without unpacking again.
    await store.load(stream(archive), () => undefined);
    assert.equal(fs.readdirSync(path.join(sb.root, 'layers')).length, 2);
  });

  it('round-trips save → load with equal ids', async () => {
    const store = new FsImageStore(sb.root);
    const tarball = await collect((out) => store.save(['app:top', 'app:base'], out));
    const members: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const p = tarList({ onReadEntry: (e) => members.push(e.path) });
      p.on('end', () => resolve());
      p.on('error', reject);
      p.end(tarball);
    });
    assert.ok(members.includes('manifest.json'));
    assert.ok(members.includes('index.json'));
    assert.ok(members.includes('oci-layout'));
    assert.ok(members.includes(`blobs/sha256/${hex(sha(base))}`));
    assert.equal(members.filter((m) => m === `blobs/sha256/${hex(sha(base))}`).length, 1, 'shared layer written once');

    const sb2 = sandbox();
    try {
      const other = new FsImageStore(sb2.root);
      const names = await other.load(stream(tarball), () => undefined);
      assert.deepEqual(names.sort(), ['app:base', 'app:top']);
      assert.equal(await other.resolve('app:top'), await store.resolve('app:top'));
      assert.equal(await other.resolve('app:base'), await store.resolve('app:base'));
      assert.equal(fs.readFileSync(path.join((await other.layerDirs('app:top'))[0] as string, 'top.txt'), 'utf8'), 'top');
      // And our save of the loaded image is byte-identical.
      const again = await collect((out) => other.save(['app:top', 'app:base'], out));
      assert.ok(again.equals(tarball));
    } finally {
      sb2.cleanup();
    }
  });

  it('saves an image by id without names, and loads it as "Loaded image ID"', async () => {
    const store = new FsImageStore(sb.root);
    const id = (await store.resolve('app:top')) as string;
    const tarball = await collect((out) => store.save([id], out));
    const sb2 = sandbox();
    try {
      const lines: string[] = [];
      const names = await new FsImageStore(sb2.root).load(stream(tarball), (l) => lines.push(l));
      assert.deepEqual(names, [id]);
      assert.deepEqual(lines, [`Loaded image ID: ${id}`]);
    } finally {
      sb2.cleanup();
    }
  });

  it('loads an OCI image layout with gzip layers', async () => {
    const store = new FsImageStore(sb.root);
    const l1 = tarBuffer([{ path: 'oci.txt', body: 'oci' }]);
    const { tar, config } = ociArchive([l1], 'docker.io/library/ocitest:1');
    const lines: string[] = [];
    const names = await store.load(stream(tar), (l) => lines.push(l));
    assert.deepEqual(names, ['ocitest:1']);
    const img = await store.inspect('ocitest:1');
    assert.equal(img.Id, sha(config));
    assert.deepEqual(img.RootFS.Layers, [sha(l1)]);
    assert.equal(fs.readFileSync(path.join((await store.layerDirs('ocitest:1'))[0] as string, 'oci.txt'), 'utf8'), 'oci');
  });

  it('loads a save archive whose layers are symlinks to other layer dirs (docker < 25)', async () => {
    const sb2 = sandbox();
    try {
      const store = new FsImageStore(sb2.root);
      const archive = dockerSaveArchive([{ layers: [base], tags: ['linked:1'], layerPaths: ['alias/layer.tar'] }], [{ path: 'alias', type: 'SymbolicLink', linkpath: 'layer0' }]);
      assert.deepEqual(await store.load(stream(archive), () => undefined), ['linked:1']);
    } finally {
      sb2.cleanup();
    }
  });

  it('tags from the legacy repositories file when manifest.json has none', async () => {
    const sb2 = sandbox();
    try {
      const store = new FsImageStore(sb2.root);
      const archive = dockerSaveArchive([{ layers: [base] }], [{ path: 'repositories', body: JSON.stringify({ legacy: { old: 'layer0' } }) }]);
      assert.deepEqual(await store.load(stream(archive), () => undefined), ['legacy:old']);
    } finally {
      sb2.cleanup();
    }
  });

  it('moves a tag to the newly loaded image like docker load', async () => {
    const store = new FsImageStore(sb.root);
    const old = await store.resolve('app:top');
    const lines: string[] = [];
    await store.load(stream(dockerSaveArchive([{ layers: [top], tags: ['app:top'] }])), (l) => lines.push(l));
    assert.match(lines[0] ?? '', new RegExp(`^The image app:top already exists, renaming the old one with ID ${old} to empty string$`));
    assert.deepEqual((await store.inspect(old as string)).RepoTags, ['localhost:5000/app:top'], 'the old image keeps its other name');
  });
});

describe('FsImageStore: whiteouts', () => {
  const layer = tarBuffer([
    { path: 'gone/', type: 'Directory' },
    { path: '.wh.deleted', body: '' },
    { path: 'dir/.wh..wh..opq', body: '' },
    { path: 'dir/kept', body: 'k' },
    { path: '.wh..wh.plnk/', type: 'Directory' },
  ]);

  it('converts whiteouts and opaque markers through the overlay seam', async () => {
    const sb = sandbox();
    try {
      const calls: string[] = [];
      const seam: OverlaySeam = {
        whiteout: async (p) => { calls.push(`wh ${path.basename(p)}`); return true; },
        opaque: async (p) => { calls.push(`opq ${path.basename(p)}`); return true; },
      };
      const store = new FsImageStore(sb.root, { overlay: seam });
      const id = await store.importRootfs(stream(layer), {});
      assert.deepEqual(calls.sort(), ['opq dir', 'wh deleted']);
      const [dir] = await store.layerDirs(id);
      assert.ok(!fs.existsSync(path.join(dir as string, '.wh.deleted')), 'the marker itself is not extracted');
      assert.ok(!fs.existsSync(path.join(dir as string, 'dir/.wh..wh..opq')));
      assert.ok(!fs.existsSync(path.join(dir as string, '.wh..wh.plnk')));
    } finally {
      sb.cleanup();
    }
  });

  it('refuses to hand out a layer whose markers could not be converted', async () => {
    const sb = sandbox();
    try {
      const store = new FsImageStore(sb.root, { overlay: { whiteout: async () => false, opaque: async () => false } });
      const id = await store.importRootfs(stream(layer), {});
      await assert.rejects(store.layerDirs(id), /deletion marker\(s\) not in overlayfs form \(whiteout deleted, opaque dir dir\)/);
    } finally {
      sb.cleanup();
    }
  });

  const canMknod = isRoot() && spawnSync('which', ['setfattr']).status === 0;
  it('makes real overlayfs whiteouts (0:0 char device) and opaque xattrs', { skip: canMknod ? false : 'needs root and setfattr (Debian package attr)' }, async () => {
    const sb = sandbox();
    try {
      const store = new FsImageStore(sb.root);
      const id = await store.importRootfs(stream(layer), {});
      const [dir] = await store.layerDirs(id);
      const wh = fs.lstatSync(path.join(dir as string, 'deleted'));
      assert.ok(wh.isCharacterDevice());
      assert.equal(wh.rdev, 0);
      const x = execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', path.join(dir as string, 'dir')]).toString();
      assert.equal(x, 'y');
    } finally {
      sb.cleanup();
    }
  });
});

describe('FsImageStore: busybox rootfs from engine/images/busybox-rootfs.sh', () => {
  const script = path.resolve('engine/images/busybox-rootfs.sh');
  const ok = fs.existsSync(script) && fs.existsSync('/bin/busybox');
  const sb = sandbox();
  after(() => sb.cleanup());
  let tarFile = '';
  before(() => {
    if (!ok) return;
    tarFile = path.join(sb.base, 'busybox.tar');
    execFileSync('bash', [script, path.join(sb.base, 'bb'), '--tar', tarFile], { stdio: 'ignore' });
  });
  it('imports, saves and loads the busybox image', { skip: ok ? false : 'busybox-rootfs.sh or /bin/busybox not available' }, async () => {
    const store = new FsImageStore(sb.root);
    const id = await store.importRootfs(fs.createReadStream(tarFile), { repo: 'busybox', changes: ['CMD ["sh"]'] });
    const [dir] = await store.layerDirs('busybox');
    assert.ok(fs.statSync(path.join(dir as string, 'bin/busybox')).isFile());
    assert.ok(fs.lstatSync(path.join(dir as string, 'bin/sh')).isSymbolicLink());
    const saved = await collect((out) => store.save(['busybox'], out));
    const sb2 = sandbox();
    try {
      const other = new FsImageStore(sb2.root);
      assert.deepEqual(await other.load(stream(saved), () => undefined), ['busybox:latest']);
      assert.equal(await other.resolve('busybox'), id);
    } finally {
      sb2.cleanup();
    }
  });
});

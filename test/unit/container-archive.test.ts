/**
 * The container archive API's parts without a daemon: the in-scope walk
 * (symlink loops, `..` at the root, absolute links resolved in the
 * container), Docker's path rules for `dir`, `dir/` and `dir/.`, Go's file
 * modes and times, and stat / archive / extract over a temp dir standing in
 * for a container's rootfs, with a volume and a read-only mount, and hostile
 * archives and symlinks that must never reach the canary dir beside it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Parser } from 'tar';
import type { ReadEntry } from 'tar';
import { archiveStream } from '../../engine/daemon/containers/archive-get.js';
import { entryComponents, extractToDir, hardlinkComponents, symlinkStaysInside } from '../../engine/daemon/containers/archive-put.js';
import {
  MAX_SYMLINKS,
  ScopeError,
  containerAbsPath,
  goBase,
  goClean,
  logicalPath,
  splitForResolve,
  walkInScope,
} from '../../engine/daemon/containers/archive-resolve.js';
import type { Frame, MissingMode, ScopeFs, ScopeNode } from '../../engine/daemon/containers/archive-resolve.js';
import { ContainerFs, ReadOnlyError } from '../../engine/daemon/containers/archive-scope.js';
import { goFileMode, goTimeJson, statPath } from '../../engine/daemon/containers/archive-stat.js';
import { BadRequestError } from '../../engine/daemon/errors.js';
import { tarBuffer } from '../helpers/image-tar.js';
import type { TarEntry } from '../helpers/image-tar.js';

// ---- the walk, over a map ------------------------------------------------------

type MemNode = 'dir' | 'file' | { link: string };

/** A ScopeFs whose handles are absolute paths into a map (the container's whole tree). */
function memFs(tree: Record<string, MemNode>): ScopeFs<string> & { tree: Map<string, MemNode> } {
  const m = new Map<string, MemNode>(Object.entries(tree));
  m.set('/', 'dir');
  const lookup = async (dir: string, name: string): Promise<ScopeNode<string>> => {
    const p = dir === '/' ? `/${name}` : `${dir}/${name}`;
    const n = m.get(p);
    if (n === undefined) return { kind: 'missing' };
    if (n === 'dir') return { kind: 'dir', handle: p };
    if (n === 'file') return { kind: 'other' };
    return { kind: 'symlink', target: n.link };
  };
  return {
    tree: m,
    lookup,
    async mkdir(dir, name) {
      m.set(dir === '/' ? `/${name}` : `${dir}/${name}`, 'dir');
      return lookup(dir, name);
    },
  };
}

const ROOT: Frame<string>[] = [{ name: '', handle: '/' }];

async function walk(fsys: ScopeFs<string>, p: string, mode: MissingMode = 'error', start = ROOT): Promise<string> {
  return logicalPath(await walkInScope(fsys, start, p, mode));
}

async function walkError(fsys: ScopeFs<string>, p: string, mode: MissingMode = 'error'): Promise<ScopeError> {
  try {
    await walkInScope(fsys, ROOT, p, mode);
  } catch (e) {
    assert.ok(e instanceof ScopeError, `expected a ScopeError, got ${String(e)}`);
    return e;
  }
  assert.fail(`walking ${p} should fail`);
}

describe('in-scope walk', () => {
  const fsys = memFs({
    '/etc': 'dir',
    '/etc/x': 'dir',
    '/etc/passwd': 'file',
    '/a': 'dir',
    '/a/abs': { link: '/etc' },
    '/a/rel': { link: '../etc' },
    '/a/up': { link: '../../../../../../etc' },
    '/a/root': { link: '/' },
    '/a/dotdot': { link: '..' },
    '/a/chain': { link: 'abs' },
    '/loop1': { link: '/loop2' },
    '/loop2': { link: 'loop1' },
    '/self': { link: 'self' },
    '/dangling': { link: '/nowhere/file' },
    '/tofile': { link: 'etc/passwd' },
  });

  it('resolves absolute symlinks from the container root, not the host', async () => {
    assert.equal(await walk(fsys, '/a/abs/x'), '/etc/x');
    assert.equal(await walk(fsys, '/a/chain/x'), '/etc/x');
    assert.equal(await walk(fsys, '/a/root/etc/x'), '/etc/x');
  });

  it('resolves relative symlinks from where they are', async () => {
    assert.equal(await walk(fsys, '/a/rel/x'), '/etc/x');
    assert.equal(await walk(fsys, '/a/dotdot/etc'), '/etc');
  });

  it('never climbs above the root with .. (in the path or in a link)', async () => {
    assert.equal(await walk(fsys, '/../../../etc'), '/etc');
    assert.equal(await walk(fsys, '/a/../../..'), '/');
    assert.equal(await walk(fsys, '/a/up/x'), '/etc/x');
  });

  it('gives up on symlink loops with ELOOP', async () => {
    for (const p of ['/loop1', '/self/x', '/loop2/etc']) {
      const e = await walkError(fsys, p);
      assert.equal(e.code, 'ELOOP', p);
    }
    // A long but finite chain is fine.
    const chain: Record<string, MemNode> = { '/end': 'dir' };
    for (let i = 0; i < MAX_SYMLINKS; i++) chain[`/l${i}`] = { link: i === MAX_SYMLINKS - 1 ? '/end' : `/l${i + 1}` };
    assert.equal(await walk(memFs(chain), '/l0'), '/end');
  });

  it('says ENOENT and ENOTDIR with the in-container path it stopped at', async () => {
    const missing = await walkError(fsys, '/nope/x');
    assert.equal(missing.code, 'ENOENT');
    assert.equal(missing.logical, '/nope');
    const notDir = await walkError(fsys, '/etc/passwd/x');
    assert.equal(notDir.code, 'ENOTDIR');
    assert.equal((await walkError(fsys, '/tofile')).code, 'ENOTDIR');
  });

  it('goes on by name past what is missing in lexical mode (dangling link targets)', async () => {
    assert.equal(await walk(fsys, '/dangling', 'lexical'), '/nowhere/file');
    assert.equal(await walk(fsys, '/a/abs/missing/../x', 'lexical'), '/etc/x');
    assert.equal(await walk(fsys, '/tofile', 'lexical'), '/etc/passwd');
    assert.equal((await walkError(fsys, '/etc/passwd/x', 'lexical')).code, 'ENOTDIR');
  });

  it('makes missing directories in create mode, through links, in scope', async () => {
    const f = memFs({ '/a': 'dir', '/a/root': { link: '/' } });
    assert.equal(await walk(f, '/a/root/new/deeper', 'create'), '/new/deeper');
    assert.equal(f.tree.get('/new/deeper'), 'dir');
    assert.equal(f.tree.has('/a/root/new'), false);
  });

  it('walks relative paths from a start stack and leaves the stack alone', async () => {
    const start = await walkInScope(fsys, ROOT, '/a', 'error');
    assert.equal(await walk(fsys, 'abs/x', 'error', start), '/etc/x');
    assert.equal(await walk(fsys, '../../..', 'error', start), '/');
    assert.equal(logicalPath(start), '/a');
  });
});

describe("Docker's path rules", () => {
  it('cleans like Go', () => {
    const cases: Array<[string, string]> = [
      ['', '.'],
      ['/', '/'],
      ['a/../..', '..'],
      ['/a/../..', '/'],
      ['./a//b/', 'a/b'],
      ['/../x', '/x'],
    ];
    for (const [i, o] of cases) assert.equal(goClean(i), o, i);
    assert.equal(goBase('/a/b/'), 'b');
    assert.equal(goBase('/'), '/');
    assert.equal(goBase(''), '.');
  });

  it('keeps a trailing / or /. as dockerd does', () => {
    const cases: Array<[string, string]> = [
      ['etc', '/etc'],
      ['/etc/', '/etc/'],
      ['/etc/.', '/etc/.'],
      ['.', '/.'],
      ['/', '/'],
      ['a/b/../', '/a/'],
      ['../../x/', '/x/'],
    ];
    for (const [i, o] of cases) assert.equal(containerAbsPath(i), o, i);
  });

  it('splits into the directory to resolve and the name to look at', () => {
    assert.deepEqual(splitForResolve('/tmp/d'), { abs: '/tmp/d', dir: '/tmp/', base: 'd', name: 'd' });
    assert.deepEqual(splitForResolve('/tmp/d/'), { abs: '/tmp/d/', dir: '/tmp/d/', base: undefined, name: 'd' });
    assert.deepEqual(splitForResolve('/tmp/d/.'), { abs: '/tmp/d/.', dir: '/tmp/d/', base: undefined, name: '.' });
    assert.deepEqual(splitForResolve('/'), { abs: '/', dir: '/', base: undefined, name: '/' });
  });

  it("refuses archive entries and links that climb out, as Docker's Unpack does", () => {
    assert.deepEqual(entryComponents('./a//b/', '/d'), ['a', 'b']);
    assert.deepEqual(entryComponents('/abs/x', '/d'), ['abs', 'x']);
    assert.deepEqual(entryComponents('a/../b', '/d'), ['b']);
    assert.throws(() => entryComponents('../escape', '/d'), BadRequestError);
    assert.throws(() => entryComponents('a/../../escape', '/d'), /outside of "\/d"/);
    assert.equal(symlinkStaysInside([], '/'), true);
    assert.equal(symlinkStaysInside(['a'], '../b'), true);
    assert.equal(symlinkStaysInside(['a'], '../../b'), false);
    assert.equal(symlinkStaysInside([], '..'), false);
    assert.deepEqual(hardlinkComponents('/etc/passwd'), ['etc', 'passwd']);
    assert.equal(hardlinkComponents('../../etc/passwd'), undefined);
    assert.equal(hardlinkComponents('.'), undefined);
  });
});

describe("Go's file modes and times", () => {
  it('maps st_mode to os.FileMode as dockerd reports it', () => {
    // Values read from dockerd 20.10's X-Docker-Container-Path-Stat.
    assert.equal(goFileMode(0o040755), 2147484141);
    assert.equal(goFileMode(0o120777), 134218239);
    assert.equal(goFileMode(0o100644), 0o644);
    assert.equal(goFileMode(0o104755), 2 ** 23 + 0o755);
    assert.equal(goFileMode(0o041777), 2 ** 31 + 2 ** 20 + 0o777);
    assert.equal(goFileMode(0o020666), 2 ** 26 + 2 ** 21 + 0o666);
    assert.equal(goFileMode(0o060660), 2 ** 26 + 0o660);
    assert.equal(goFileMode(0o010644), 2 ** 25 + 0o644);
    assert.equal(goFileMode(0o140755), 2 ** 24 + 0o755);
  });

  it('writes times as Go marshals a UTC time.Time', () => {
    assert.equal(goTimeJson(0n), '1970-01-01T00:00:00Z');
    assert.equal(goTimeJson(1_700_000_000_123_456_789n), '2023-11-14T22:13:20.123456789Z');
    assert.equal(goTimeJson(1_700_000_000_120_000_000n), '2023-11-14T22:13:20.12Z');
  });
});

// ---- over a real directory -----------------------------------------------------

const tar = (entries: TarEntry[]): Readable => Readable.from([tarBuffer(entries)]);

async function listArchive(stream: Readable): Promise<Array<{ path: string; type: string; linkpath?: string; body: string }>> {
  const out: Array<{ path: string; type: string; linkpath?: string; body: string }> = [];
  const parser = new Parser({ strict: true });
  parser.on('entry', (e: ReadEntry) => {
    const item: { path: string; type: string; linkpath?: string; body: string } = { path: e.path, type: e.type, body: '' };
    if (e.linkpath) item.linkpath = e.linkpath;
    out.push(item);
    e.on('data', (c: Buffer) => (item.body += c.toString()));
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  for await (const chunk of stream) parser.write(chunk as Buffer);
  parser.end();
  await done;
  return out;
}

describe('stat, archive and extract over a rootfs', () => {
  let base: string;
  let root: string;
  let canary: string;
  let vol: string;
  let roVol: string;
  let runVol: string;
  let cfs: ContainerFs;
  const marker = `tsc-archive-unit-${process.pid}`;

  const open = (opts: { readOnlyRootfs?: boolean } = {}): Promise<ContainerFs> =>
    ContainerFs.open(root, {
      readOnlyRootfs: opts.readOnlyRootfs === true,
      mounts: [
        { destination: '/data', source: vol, rw: true },
        { destination: '/ro', source: roVol, rw: false },
        // Where the runtime mounts it: /varrun links to /run.
        { destination: '/varrun', source: runVol, rw: true },
      ],
    });

  const extract = async (dest: string, entries: TarEntry[], opts: { noOverwriteDirNonDir?: boolean; on?: ContainerFs } = {}): Promise<void> =>
    extractToDir(opts.on ?? cfs, dest, tar(entries), { noOverwriteDirNonDir: opts.noOverwriteDirNonDir === true });

  const canaryClean = (): void => {
    assert.deepEqual(fs.readdirSync(canary), [], 'nothing may reach the canary dir beside the rootfs');
    assert.equal(fs.existsSync(`/${marker}`), false, 'nothing may reach the host root');
  };

  before(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-archive-'));
    root = path.join(base, 'rootfs');
    canary = path.join(base, 'canary');
    vol = path.join(base, 'vol');
    roVol = path.join(base, 'rovol');
    runVol = path.join(base, 'runvol');
    for (const d of [canary, vol, roVol, runVol, path.join(root, 'run'), path.join(root, 'etc'), path.join(root, 'tmp/d/sub'), path.join(root, 'data'), path.join(root, 'ro')]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'tmp/d/a'), 'a');
    fs.writeFileSync(path.join(root, 'tmp/d/sub/b'), 'b');
    fs.symlinkSync('/tmp/d', path.join(root, 'tmp/abs'));
    fs.symlinkSync('/', path.join(root, 'tmp/rootlink'));
    // Relative, climbing far enough to reach the canary if it were followed on the host.
    fs.symlinkSync(`${'../'.repeat(30)}${canary.slice(1)}`, path.join(root, 'tmp/out'));
    fs.symlinkSync(canary, path.join(root, 'tmp/hostabs'));
    fs.writeFileSync(path.join(vol, 'in-volume'), 'v');
    fs.symlinkSync('/run', path.join(root, 'varrun'));
    fs.writeFileSync(path.join(runVol, 'pid'), '1');
    fs.writeFileSync(path.join(root, 'data/hidden'), 'under the mount');
    cfs = await open();
  });

  after(async () => {
    await cfs?.close();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('stats a symlink as a symlink, with its target resolved in the container', async () => {
    const arena = cfs.arena();
    try {
      const { stat } = await statPath(cfs, arena, '/tmp/abs');
      assert.equal(stat.name, 'abs');
      assert.equal(stat.mode, goFileMode(0o120777));
      assert.equal(stat.linkTarget, '/tmp/d');
      assert.ok((await statPath(cfs, arena, '/tmp/abs/')).stat.mode >= 2 ** 31, 'a directory');
      assert.equal((await statPath(cfs, arena, '/tmp/abs/.')).stat.name, '.');
      // The link climbs to the canary on the host; in the container it ends under /.
      const out = (await statPath(cfs, arena, '/tmp/out')).stat;
      assert.equal(out.linkTarget, canary);
      await assert.rejects(statPath(cfs, arena, '/tmp/out/'), (e: unknown) => e instanceof ScopeError && e.code === 'ENOENT');
      await assert.rejects(statPath(cfs, arena, '/tmp/hostabs/'), (e: unknown) => e instanceof ScopeError && e.code === 'ENOENT');
      await assert.rejects(statPath(cfs, arena, '/nope'), (e: unknown) => e instanceof ScopeError && e.code === 'ENOENT');
    } finally {
      await arena.close();
    }
  });

  it('sees mounts at their destinations: the volume, not what lies under it', async () => {
    const arena = cfs.arena();
    try {
      assert.equal((await statPath(cfs, arena, '/data/in-volume')).stat.size, 1);
      await assert.rejects(statPath(cfs, arena, '/data/hidden'), ScopeError);
      // A mount whose destination is a symlink is where the link leads.
      assert.equal((await statPath(cfs, arena, '/run/pid')).stat.size, 1);
      assert.equal((await statPath(cfs, arena, '/varrun/pid')).stat.size, 1);
    } finally {
      await arena.close();
    }
  });

  const archiveOf = async (p: string): Promise<Array<{ path: string; type: string; linkpath?: string; body: string }>> => {
    const arena = cfs.arena();
    try {
      const { stat, target } = await statPath(cfs, arena, p);
      return await listArchive(archiveStream(cfs, target, stat.name, () => undefined));
    } finally {
      await arena.close();
    }
  };

  it('archives a directory under the name asked for, as TarResourceRebase does', async () => {
    assert.deepEqual(
      (await archiveOf('/tmp/abs/')).map((e) => `${e.type} ${e.path} ${e.body}`),
      ['Directory abs/ ', 'File abs/a a', 'Directory abs/sub/ ', 'File abs/sub/b b'],
    );
    assert.deepEqual(
      (await archiveOf('/tmp/d/.')).map((e) => e.path),
      ['./', './a', './sub/', './sub/b'],
    );
    assert.deepEqual(await archiveOf('/tmp/abs'), [{ path: 'abs', type: 'SymbolicLink', linkpath: '/tmp/d', body: '' }]);
    const all = await archiveOf('/');
    assert.equal(all[0]?.path, '/');
    const names = all.map((e) => e.path);
    assert.ok(names.includes('/data/in-volume'), names.join(' '));
    assert.ok(!names.includes('/data/hidden'));
    assert.ok(names.includes('/tmp/out'));
  });

  it('archives hard links as Link entries after the first name', async () => {
    fs.linkSync(path.join(root, 'tmp/d/a'), path.join(root, 'tmp/d/hard'));
    try {
      const entries = await archiveOf('/tmp/d');
      assert.deepEqual(
        entries.filter((e) => e.path.endsWith('a') || e.path.endsWith('hard')).map((e) => [e.path, e.type, e.linkpath ?? '']),
        [
          ['d/a', 'File', ''],
          ['d/hard', 'Link', 'd/a'],
        ],
      );
    } finally {
      fs.unlinkSync(path.join(root, 'tmp/d/hard'));
    }
  });

  it('extracts files and directories with their modes and times', async () => {
    const mtime = new Date('2021-02-03T04:05:06Z');
    await extract('/tmp', [
      { path: 'new/', type: 'Directory', mode: 0o750, mtime },
      { path: 'new/f', body: 'hello', mode: 0o4755, mtime },
      { path: 'new/deep/er/g', body: 'g' },
      { path: 'new/l', type: 'SymbolicLink', linkpath: 'f' },
    ]);
    const st = fs.statSync(path.join(root, 'tmp/new/f'));
    assert.equal(fs.readFileSync(path.join(root, 'tmp/new/f'), 'utf8'), 'hello');
    assert.equal(st.mode & 0o7777, 0o4755);
    assert.equal(st.mtime.getTime(), mtime.getTime());
    assert.equal(fs.statSync(path.join(root, 'tmp/new')).mode & 0o777, 0o750);
    assert.equal(fs.statSync(path.join(root, 'tmp/new')).mtime.getTime(), mtime.getTime(), 'directory times are set last');
    assert.equal(fs.statSync(path.join(root, 'tmp/new/deep/er')).mode & 0o777, 0o755);
    assert.equal(fs.readlinkSync(path.join(root, 'tmp/new/l')), 'f');
  });

  it('makes FIFOs (and, as root, device nodes) with mknod', async () => {
    const entries: TarEntry[] = [{ path: 'fifo', type: 'FIFO', mode: 0o640 }];
    if (process.getuid?.() === 0) entries.push({ path: 'null', type: 'CharacterDevice', devmaj: 1, devmin: 3, mode: 0o666 });
    await extract('/tmp', entries);
    const fifo = fs.lstatSync(path.join(root, 'tmp/fifo'));
    assert.ok(fifo.isFIFO());
    assert.equal(fifo.mode & 0o777, 0o640);
    if (process.getuid?.() === 0) {
      const dev = fs.lstatSync(path.join(root, 'tmp/null'));
      assert.ok(dev.isCharacterDevice());
      assert.equal(dev.rdev, fs.statSync('/dev/null').rdev);
    }
    const names = (await archiveOf('/tmp/fifo')).map((e) => `${e.type} ${e.path}`);
    assert.deepEqual(names, ['FIFO fifo']);
  });

  it('extracts through the destination symlink, in scope, and gzip too', async () => {
    await extractToDir(cfs, '/tmp/rootlink/tmp/abs', Readable.from([gzipSync(tarBuffer([{ path: 'z', body: 'z' }]))]), { noOverwriteDirNonDir: false });
    assert.equal(fs.readFileSync(path.join(root, 'tmp/d/z'), 'utf8'), 'z');
  });

  it('refuses entries that climb out and extracts nothing beside the rootfs', async () => {
    await assert.rejects(extract('/tmp', [{ path: `${'../'.repeat(12)}${canary.slice(1)}/dotdot`, body: 'x' }]), /outside of "\/tmp"/);
    await assert.rejects(extract('/tmp', [{ path: 'up', type: 'SymbolicLink', linkpath: '../../..' }]), /invalid symlink/);
    await assert.rejects(extract('/tmp', [{ path: 'hl', type: 'Link', linkpath: '../etc/passwd' }]), /invalid hardlink/);
    canaryClean();
  });

  it('writes through symlinks only inside the container (a link to / is the container root)', async () => {
    const passwdLinks = fs.statSync('/etc/passwd').nlink;
    // A destination that only exists on the host is not there in the container.
    await assert.rejects(extract('/tmp/hostabs', [{ path: 'f', body: 'x' }]), (e: unknown) => e instanceof ScopeError && e.code === 'ENOENT');
    await extract('/tmp', [
      { path: 'evil', type: 'SymbolicLink', linkpath: '/' },
      { path: `evil/${marker}`, body: 'container root' },
      { path: 'hostlink', type: 'SymbolicLink', linkpath: canary },
      { path: 'hostlink/x', body: 'in scope' },
      { path: 'out/y', body: 'through the relative climb' },
      { path: 'hl', type: 'Link', linkpath: '/rootlink/etc/passwd' },
    ]);
    assert.equal(fs.readFileSync(path.join(root, marker), 'utf8'), 'container root');
    assert.equal(fs.readFileSync(path.join(root, canary, 'x'), 'utf8'), 'in scope');
    assert.equal(fs.readFileSync(path.join(root, canary, 'y'), 'utf8'), 'through the relative climb');
    assert.equal(fs.statSync(path.join(root, 'etc/passwd')).nlink, 2);
    assert.equal(fs.statSync('/etc/passwd').nlink, passwdLinks);
    canaryClean();
  });

  it('removes what is in the way without following links inside it', async () => {
    fs.writeFileSync(path.join(canary, 'keep'), 'k');
    try {
      fs.mkdirSync(path.join(root, 'tmp/victim/inner'), { recursive: true });
      fs.symlinkSync(canary, path.join(root, 'tmp/victim/inner/host'));
      fs.symlinkSync(canary, path.join(root, 'tmp/victim/host2'));
      await extract('/tmp', [{ path: 'victim', body: 'now a file' }]);
      assert.equal(fs.readFileSync(path.join(root, 'tmp/victim'), 'utf8'), 'now a file');
      assert.deepEqual(fs.readdirSync(canary), ['keep']);
    } finally {
      fs.rmSync(path.join(canary, 'keep'));
    }
  });

  it('honours noOverwriteDirNonDir both ways', async () => {
    fs.mkdirSync(path.join(root, 'tmp/isdir'), { recursive: true });
    fs.writeFileSync(path.join(root, 'tmp/isfile'), 'f');
    await assert.rejects(extract('/tmp', [{ path: 'isdir', body: 'x' }], { noOverwriteDirNonDir: true }), /cannot overwrite directory "\/tmp\/isdir" with non-directory/);
    await assert.rejects(extract('/tmp', [{ path: 'isfile/', type: 'Directory' }], { noOverwriteDirNonDir: true }), /cannot overwrite non-directory "\/tmp\/isfile" with directory/);
    await extract('/tmp', [{ path: 'isfile/', type: 'Directory' }]);
    assert.ok(fs.statSync(path.join(root, 'tmp/isfile')).isDirectory());
  });

  it('lands in the volume, and refuses read-only mounts and rootfs', async () => {
    await extract('/data', [{ path: 'copied', body: 'into the volume' }]);
    assert.equal(fs.readFileSync(path.join(vol, 'copied'), 'utf8'), 'into the volume');
    assert.equal(fs.existsSync(path.join(root, 'data/copied')), false);
    await assert.rejects(extract('/ro', [{ path: 'x', body: 'x' }]), (e: unknown) => e instanceof ReadOnlyError && e.status === 403 && /mounted volume is marked read-only/.test(e.message));
    await assert.rejects(extract('/', [{ path: 'ro/x', body: 'x' }]), /mounted volume is marked read-only/);
    const ro = await open({ readOnlyRootfs: true });
    try {
      await assert.rejects(extract('/tmp', [{ path: 'x', body: 'x' }], { on: ro }), /container rootfs is marked read-only/);
      await extract('/data', [{ path: 'still', body: 'ok' }], { on: ro });
      assert.ok(fs.existsSync(path.join(vol, 'still')));
    } finally {
      await ro.close();
    }
    assert.deepEqual(fs.readdirSync(roVol), []);
  });

  it('refuses a destination that is not a directory, and takes an empty body as an empty archive', async () => {
    await assert.rejects(extract('/etc/passwd', [{ path: 'x', body: 'x' }]), /extraction point is not a directory/);
    await extractToDir(cfs, '/tmp', Readable.from([]), { noOverwriteDirNonDir: false });
    await assert.rejects(extractToDir(cfs, '/tmp', Readable.from([Buffer.alloc(700, 7)]), { noOverwriteDirNonDir: false }), /invalid tar archive/);
  });
});

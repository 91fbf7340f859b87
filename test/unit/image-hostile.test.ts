/**
 * Hostile archives: each must be refused as a whole with a 400 naming the
 * entry, nothing may appear outside the store (the canary dir beside it
 * stays empty, /etc/passwd keeps its link count), and no staging remains.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FsImageStore } from '../../engine/daemon/images/store.js';
import { configFor, dockerSaveArchive, gzip, hex, ociArchive, sandbox, sha, stream, tarBuffer, type TarEntry } from '../helpers/image-tar.js';

const sb = sandbox();
const store = new FsImageStore(sb.root);
after(() => sb.cleanup());

// From a layer's temp dir (ROOT/image-tmp/layer-x/diff) four levels up is the sandbox base.
const UP = '../../../../canary';
const canaryAbs = sb.canary.slice(1);
const ok: TarEntry = { path: 'fine.txt', body: 'harmless content written first' };

const layers: Array<[string, TarEntry[], RegExp]> = [
  ['../ path', [ok, { path: `${UP}/dotdot`, body: 'x' }], /entry ".*canary\/dotdot": path .* contains '\.\.'/],
  ['absolute path', [ok, { path: `/${canaryAbs}/abs`, body: 'x' }], /absolute path/],
  ['nested ../ after normalisation', [{ path: 'a/b/', type: 'Directory' }, { path: `a/b/./../../${UP}/nested`, body: 'x' }], /contains '\.\.'/],
  ['symlink then write through it', [{ path: 'x', type: 'SymbolicLink', linkpath: sb.canary }, { path: 'x/pwned', body: 'x' }], /entry "x\/pwned": path goes through the symlink "x"/],
  ['symlink to / then a file under it', [{ path: 'root', type: 'SymbolicLink', linkpath: '/' }, { path: `root/${canaryAbs}/viaroot`, body: 'x' }], /goes through the symlink "root"/],
  ['symlink chain', [{ path: 'a', type: 'SymbolicLink', linkpath: 'b' }, { path: 'b', type: 'SymbolicLink', linkpath: sb.canary }, { path: 'a/chain', body: 'x' }], /goes through the symlink "a"/],
  ['symlink dir replaced then written through', [{ path: 'd/', type: 'Directory' }, { path: 'd', type: 'SymbolicLink', linkpath: sb.canary }, { path: 'd/x', body: 'x' }], /replaces a directory with a symlink/],
  ['hardlink to /etc/passwd', [{ path: 'pw', type: 'Link', linkpath: '/etc/passwd' }], /entry "pw": absolute hardlink target/],
  ['hardlink with ../', [{ path: 'pw', type: 'Link', linkpath: '../../../../../../etc/passwd' }], /hardlink target .* contains '\.\.'/],
  ['hardlink through a symlink', [{ path: 's', type: 'SymbolicLink', linkpath: '/etc' }, { path: 'pw', type: 'Link', linkpath: 's/passwd' }], /hardlink target goes through the symlink "s"/],
  ['hardlink to a symlink that replaced a file', [{ path: 'f', body: 'f' }, { path: 'f', type: 'SymbolicLink', linkpath: '/etc/passwd' }, { path: 'h', type: 'Link', linkpath: 'f' }], /hardlink to "f", which is a symlink/],
  ['character device', [ok, { path: 'dev/null', type: 'CharacterDevice', devmaj: 1, devmin: 3 }], /entry "dev\/null": device nodes are not allowed/],
  ['block device', [{ path: 'sda', type: 'BlockDevice', devmaj: 8, devmin: 0 }], /entry "sda": device nodes are not allowed .*block/],
  ['fifo', [{ path: 'pipe', type: 'FIFO' }], /entry "pipe": FIFOs are not allowed/],
  ['whiteout naming ..', [{ path: 'sub/.wh...', body: '' }], /entry "sub\/\.wh\.\.\.": whiteout names "\.\."/],
  ['whiteout with ../ in its path', [{ path: `${UP}/.wh.x`, body: '' }], /contains '\.\.'/],
];

function passwdLinks(): number {
  return fs.statSync('/etc/passwd').nlink;
}

function assertClean(before: { layers: string[]; blobs: string[]; passwd: number }): void {
  assert.deepEqual(fs.readdirSync(sb.canary), [], 'nothing written beside the store');
  assert.deepEqual(fs.readdirSync(path.join(sb.root, 'image-tmp')), [], 'no staging left');
  assert.deepEqual(fs.readdirSync(path.join(sb.root, 'layers')), before.layers, 'no layer added');
  assert.deepEqual(fs.readdirSync(path.join(sb.root, 'blobs/sha256')), before.blobs, 'no blob added');
  assert.equal(passwdLinks(), before.passwd);
  assert.ok(!fs.existsSync(path.join(sb.base, 'dotdot')));
}

async function snapshot(): Promise<{ layers: string[]; blobs: string[]; passwd: number }> {
  await store.list(); // creates the layout
  return {
    layers: fs.readdirSync(path.join(sb.root, 'layers')),
    blobs: fs.readdirSync(path.join(sb.root, 'blobs/sha256')),
    passwd: passwdLinks(),
  };
}

const is400 = (re: RegExp) => (e: Error & { status?: number }): boolean => {
  assert.equal(e.status, 400, e.message);
  assert.match(e.message, re);
  return true;
};

describe('hostile layers via import', () => {
  for (const [name, entries, re] of layers) {
    it(`refuses ${name}`, async () => {
      const before = await snapshot();
      await assert.rejects(store.importRootfs(stream(tarBuffer(entries)), { repo: 'evil' }), is400(re));
      assertClean(before);
      assert.equal(await store.resolve('evil'), undefined);
    });
  }
  it('refuses a gzip-wrapped hostile layer too', async () => {
    const before = await snapshot();
    await assert.rejects(store.importRootfs(stream(gzip(tarBuffer([{ path: `${UP}/gz`, body: 'x' }]))), {}), is400(/contains '\.\.'/));
    assertClean(before);
  });
  it('refuses zstd layers clearly', async () => {
    const before = await snapshot();
    await assert.rejects(store.importRootfs(stream(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0])), {}), is400(/zstd-compressed; only uncompressed and gzip/));
    assertClean(before);
  });
});

describe('hostile layers via load', () => {
  for (const [name, entries, re] of layers) {
    it(`refuses ${name} inside a docker-save archive`, async () => {
      const before = await snapshot();
      const good = tarBuffer([{ path: 'ok', body: 'ok' }]);
      const archive = dockerSaveArchive([{ layers: [good], tags: ['fine:1'] }, { layers: [good, tarBuffer(entries)], tags: ['evil:1'] }]);
      await assert.rejects(store.load(stream(archive), () => undefined), is400(re));
      assertClean(before);
      assert.equal(await store.resolve('fine:1'), undefined, 'a refused archive names nothing');
    });
  }
});

describe('hostile image archives', () => {
  const layer = tarBuffer([{ path: 'ok', body: 'ok' }]);
  const cases: Array<[string, () => Buffer, RegExp]> = [
    ['a manifest naming a layer path outside the archive', () => dockerSaveArchive([{ layers: [layer], layerPaths: ['../../canary/layer.tar'] }]), /names "\.\.\/\.\.\/canary\/layer\.tar", a path outside the archive/],
    ['a manifest naming an absolute layer path', () => dockerSaveArchive([{ layers: [layer], layerPaths: ['/etc/passwd'] }]), /names "\/etc\/passwd", a path outside the archive/],
    ['a layer symlink pointing outside the archive', () => dockerSaveArchive([{ layers: [layer], layerPaths: ['out/layer.tar'] }], [{ path: 'out', type: 'SymbolicLink', linkpath: '../..' }]), /symlink pointing outside the archive/],
    ['a config symlinked to /etc/passwd', () => tarBuffer([{ path: 'cfg.json', type: 'SymbolicLink', linkpath: '/etc/passwd' }, { path: 'manifest.json', body: JSON.stringify([{ Config: 'cfg.json', RepoTags: ['x:1'], Layers: [] }]) }]), /symlink to absolute path "\/etc\/passwd"/],
    ['a config digest mismatch', () => dockerSaveArchive([{ layers: [layer], configName: `${'0'.repeat(64)}.json` }]), /config digest mismatch: expected sha256:0{64}, content hashes to sha256:/],
    ['a layer whose content does not match its diffID', () => dockerSaveArchive([{ layers: [layer], config: configFor([tarBuffer([{ path: 'other', body: 'x' }])]) }]), /layer content does not match its diffID/],
    ['an OCI blob that does not match its digest', () => ociArchive([layer], 'corrupt:1', { corruptLayer: true }).tar, /is \d+ bytes, descriptor says \d+|does not match its digest/],
    ['an archive with a device node', () => tarBuffer([{ path: 'manifest.json', body: '[]' }, { path: 'dev', type: 'CharacterDevice', devmaj: 1, devmin: 3 }]), /entry "dev" has unsupported type CharacterDevice/],
    ['an archive with ../ members', () => tarBuffer([{ path: '../../canary/manifest.json', body: '[]' }]), /contains '\.\.'/],
    ['a config that is not an OCI config', () => dockerSaveArchive([{ layers: [layer], config: Buffer.from(JSON.stringify({ architecture: 1, os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } })) }]), /not a valid OCI image config/],
    ['an empty archive', () => tarBuffer([]), /neither manifest\.json .* nor index\.json|Unrecognized archive format/],
  ];
  for (const [name, build, re] of cases) {
    it(`refuses ${name}`, async () => {
      const before = await snapshot();
      await assert.rejects(store.load(stream(build()), () => undefined), is400(re));
      assertClean(before);
    });
  }
  it('still loads a good archive afterwards', async () => {
    assert.deepEqual(await store.load(stream(dockerSaveArchive([{ layers: [layer], tags: ['good:1'] }])), () => undefined), ['good:1']);
    assert.equal(hex((await store.resolve('good:1')) as string).length, 64);
  });
});

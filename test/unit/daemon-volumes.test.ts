import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { boolFilter, boolQuery, checkFilterKeys, matchLabels, matchName, parseFilters } from '../../engine/daemon/api/filters.js';
import { VolumeStore } from '../../engine/daemon/volumes/store.js';
import { ANONYMOUS_LABEL } from '../../engine/daemon/volumes/types.js';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-vol-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const fixed = (): Date => new Date('2025-01-02T03:04:05.678Z');

async function openStore(opts: ConstructorParameters<typeof VolumeStore>[1] = {}): Promise<VolumeStore> {
  const s = new VolumeStore(root, { now: fixed, ...opts });
  await s.open();
  return s;
}

describe('VolumeStore', () => {
  it('creates a named volume with its data dir and an atomic record', async () => {
    const s = await openStore();
    const v = await s.create({ Name: 'v1', Labels: { a: 'b' } });
    assert.deepEqual(v, {
      CreatedAt: '2025-01-02T03:04:05Z',
      Driver: 'local',
      Labels: { a: 'b' },
      Mountpoint: path.join(root, 'volumes', 'v1', '_data'),
      Name: 'v1',
      Options: {},
      Scope: 'local',
    });
    assert.ok(fs.statSync(v.Mountpoint).isDirectory());
    const rec = JSON.parse(fs.readFileSync(path.join(root, 'volumes', 'v1', 'volume.json'), 'utf8'));
    assert.equal(rec.Name, 'v1');
  });

  it('returns an existing volume on create of the same name', async () => {
    const s = await openStore();
    await s.create({ Name: 'v1', Labels: { first: '1' } });
    const again = await s.create({ Name: 'v1', Labels: { second: '2' } });
    assert.deepEqual(again.Labels, { first: '1' });
    assert.equal(s.list().length, 1);
  });

  it('gives anonymous volumes a 64-hex name and the anonymous label', async () => {
    const s = await openStore();
    const v = await s.create({ Name: null, Driver: null, DriverOpts: null });
    assert.match(v.Name, /^[0-9a-f]{64}$/);
    assert.ok(Object.hasOwn(v.Labels, ANONYMOUS_LABEL));
  });

  it('validates names, drivers and local driver options', async () => {
    const s = await openStore();
    await assert.rejects(s.create({ Name: '../x' }), { status: 400 });
    await assert.rejects(s.create({ Name: 'a' }), { status: 400 });
    await assert.rejects(s.create({ Name: 'v', Driver: 'nfs' }), { status: 400 });
    await assert.rejects(s.create({ Name: 'vv', DriverOpts: { bogus: 'x' } }), { status: 400, message: 'invalid option: "bogus"' });
    await assert.rejects(s.create({ Name: 'vv', DriverOpts: { type: 'tmpfs' } }), { status: 400 });
    const v = await s.create({ Name: 'tmp', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=100m' } });
    assert.deepEqual(v.Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=100m' });
  });

  it('reloads records on open and ignores a directory without one', async () => {
    const s = await openStore();
    await s.create({ Name: 'keep', Labels: { x: 'y' } });
    fs.mkdirSync(path.join(root, 'volumes', 'half', '_data'), { recursive: true });
    fs.mkdirSync(path.join(root, 'volumes', '.removing-old-1234'), { recursive: true });
    const s2 = await openStore();
    assert.deepEqual(s2.list().map((v) => [v.Name, v.Labels]), [['keep', { x: 'y' }]]);
    assert.ok(!fs.existsSync(path.join(root, 'volumes', '.removing-old-1234')));
  });

  it('removes a volume and reports its size; 404 unless forced', async () => {
    const s = await openStore();
    const v = await s.create({ Name: 'data' });
    fs.writeFileSync(path.join(v.Mountpoint, 'f'), 'hello');
    assert.equal(await s.remove('data'), 5);
    assert.ok(!fs.existsSync(path.join(root, 'volumes', 'data')));
    await assert.rejects(s.remove('data'), { status: 404, message: 'get data: no such volume' });
    assert.equal(await s.remove('data', { force: true }), 0);
    assert.throws(() => s.get('data'), { status: 404 });
  });

  it('refuses to remove a volume in use (409), even forced, and prune skips it', async () => {
    const s = await openStore({ usedBy: (n) => (n === 'busy' ? ['c1'] : []) });
    await s.create({ Name: 'busy' });
    await s.create({ Name: 'idle' });
    await assert.rejects(s.remove('busy', { force: true }), { status: 409 });
    const r = await s.prune(() => true);
    assert.deepEqual(r.VolumesDeleted, ['idle']);
    assert.deepEqual(s.list().map((v) => v.Name), ['busy']);
  });
});

describe('filters', () => {
  it('parses both encodings dockerd accepts', () => {
    assert.deepEqual(parseFilters('{"label":["a=b"]}'), new Map([['label', ['a=b']]]));
    assert.deepEqual(parseFilters('{"label":{"a=b":true,"c":false}}'), new Map([['label', ['a=b']]]));
    assert.deepEqual(parseFilters(null), new Map());
    assert.throws(() => parseFilters('nope'), { status: 400 });
  });

  it('rejects unknown keys and bad booleans', () => {
    assert.throws(() => checkFilterKeys(new Map([['foo', []]]), ['name']), { message: "invalid filter 'foo'" });
    assert.equal(boolFilter(new Map([['dangling', ['1']]]), 'dangling'), true);
    assert.equal(boolFilter(new Map(), 'dangling'), undefined);
    assert.throws(() => boolFilter(new Map([['dangling', ['maybe']]]), 'dangling'), { status: 400 });
  });

  it('matches labels by key and key=value, names exactly or by regexp', () => {
    assert.ok(matchLabels(['a', 'b=c'], { a: '', b: 'c' }));
    assert.ok(!matchLabels(['b=d'], { b: 'c' }));
    assert.ok(matchLabels(undefined, {}));
    assert.ok(matchName(['v1'], 'v1'));
    assert.ok(matchName(['^proj_'], 'proj_data'));
    assert.ok(!matchName(['other'], 'v1'));
  });

  it('reads boolean query parameters as dockerd does', () => {
    const q = new URLSearchParams('a=1&b=false&c=&d=yes');
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((k) => boolQuery(q, k)), [true, false, false, true, false]);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { writeFileAtomic, writeJsonAtomic } from '../../engine/daemon/state/atomic.js';
import { KeyedLock } from '../../engine/daemon/state/keyed-lock.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-atomic-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes, replaces, applies the mode and leaves no temp file', async () => {
    const f = path.join(dir, 'rec.json');
    await writeJsonAtomic(f, { a: 1 }, 0o600);
    assert.deepEqual(JSON.parse(fs.readFileSync(f, 'utf8')), { a: 1 });
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    await writeFileAtomic(f, 'second');
    assert.equal(fs.readFileSync(f, 'utf8'), 'second');
    assert.deepEqual(fs.readdirSync(dir), ['rec.json']);
  });

  it('keeps the old content and cleans up when the rename fails', async () => {
    const target = path.join(dir, 'is-a-dir');
    fs.mkdirSync(path.join(target, 'child'), { recursive: true });
    await assert.rejects(writeFileAtomic(target, 'x'));
    assert.ok(fs.statSync(target).isDirectory());
    assert.ok(!fs.readdirSync(dir).some((n) => n.includes('.tmp-')));
  });

  it('never shows a reader a partial file under concurrent writers', async () => {
    const f = path.join(dir, 'race');
    const big = (c: string): string => c.repeat(1 << 16);
    await Promise.all(['a', 'b', 'c', 'd'].map((c) => writeFileAtomic(f, big(c))));
    const text = fs.readFileSync(f, 'utf8');
    assert.equal(text.length, 1 << 16);
    assert.equal(new Set(text).size, 1);
  });
});

describe('KeyedLock', () => {
  it('serializes work per key and survives a failing task', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const task = (name: string, ms: number, fail = false) => () =>
      new Promise<string>((resolve, reject) =>
        setTimeout(() => {
          order.push(name);
          if (fail) reject(new Error(name));
          else resolve(name);
        }, ms),
      );
    const a = lock.run('k', task('a', 30, true));
    const b = lock.run('k', task('b', 1));
    const other = lock.run('other', task('x', 5));
    await assert.rejects(a);
    assert.equal(await b, 'b');
    await other;
    assert.deepEqual(order, ['x', 'a', 'b']);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatTimestamp, logFiles, parseRfc3339Ns, parseTimeArg, readLogs, tailOffset } from '../../engine/daemon/containers/io-logs.js';
import type { LogEntry, ReadLogsOptions } from '../../engine/daemon/containers/io-logs.js';

const BASE = Date.parse('2026-01-02T03:04:05Z');

/** Entry i: "line i", at BASE + i seconds + i ns; odd ones on stderr. */
function entry(i: number): string {
  const t = `${new Date(BASE + i * 1000).toISOString().slice(0, 19)}.${String(i).padStart(9, '0')}Z`;
  return `${JSON.stringify({ log: `line ${i}\n`, stream: i % 2 ? 'stderr' : 'stdout', time: t })}\n`;
}
const entries = (from: number, to: number): string => Array.from({ length: to - from }, (_, k) => entry(from + k)).join('');

async function collect(opts: ReadLogsOptions): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readLogs(opts)) out.push(e);
  return out;
}
const texts = (es: LogEntry[]): string[] => es.map((e) => e.line.toString().trimEnd());
const nums = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, k) => `line ${from + k}`);

describe('json-file log reader', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-logs-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };

  it('parses times: RFC3339 with offsets and fractions, unix seconds with fractions', () => {
    assert.equal(parseRfc3339Ns('1970-01-01T00:00:01.5Z'), 1_500_000_000n);
    assert.equal(parseRfc3339Ns('1970-01-01T01:00:00+01:00'), 0n);
    assert.equal(parseTimeArg('since', '12.000000003'), 12_000_000_003n);
    assert.equal(parseTimeArg('since', '1700000000'), 1_700_000_000_000_000_000n);
    assert.equal(parseTimeArg('since', null), undefined);
    assert.equal(parseTimeArg('since', '2026-01-02T03:04:05.000000001Z'), BigInt(BASE) * 1_000_000n + 1n);
    assert.throws(() => parseTimeArg('until', 'yesterday'), /invalid value for "until"/);
  });

  it('formats timestamps as RFC3339Nano with nine digits', () => {
    assert.equal(formatTimestamp(BigInt(BASE) * 1_000_000n + 100n), '2026-01-02T03:04:05.000000100Z');
  });

  it('reads everything, keeping the stream and time of each entry', async () => {
    const p = file('all.log', entries(0, 5));
    const got = await collect({ path: p });
    assert.deepEqual(texts(got), nums(0, 5));
    assert.deepEqual(got.map((e) => e.stream), ['stdout', 'stderr', 'stdout', 'stderr', 'stdout']);
    assert.equal(got[3]?.timeNs, BigInt(BASE + 3000) * 1_000_000n + 3n);
  });

  it('finds the last N lines from the end in small reads', () => {
    const p = file('tail.log', entries(0, 10));
    const fd = fs.openSync(p, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      assert.deepEqual(tailOffset(fd, size, 0), { offset: size, found: 0 });
      const { offset, found } = tailOffset(fd, size, 3);
      assert.equal(found, 3);
      assert.equal(fs.readFileSync(p).subarray(offset).toString(), entries(7, 10));
      assert.deepEqual(tailOffset(fd, size, 50), { offset: 0, found: 10 });
    } finally {
      fs.closeSync(fd);
    }
  });

  it('tails across a 200k-line file quickly and exactly', async () => {
    const p = file('big.log', entries(0, 200_000));
    const started = Date.now();
    const got = await collect({ path: p, tail: 2 });
    assert.deepEqual(texts(got), ['line 199998', 'line 199999']);
    assert.ok(Date.now() - started < 500);
  });

  it('tails across rotated files, oldest first', async () => {
    const p = path.join(dir, 'rot.log');
    file('rot.log.2', entries(0, 3));
    file('rot.log.1', entries(3, 6));
    file('rot.log', entries(6, 8));
    assert.deepEqual(logFiles(p), [`${p}.2`, `${p}.1`, p]);
    assert.deepEqual(texts(await collect({ path: p })), nums(0, 8));
    assert.deepEqual(texts(await collect({ path: p, tail: 4 })), nums(4, 8));
    assert.deepEqual(texts(await collect({ path: p, tail: 0 })), []);
  });

  it('filters by since (inclusive) and until (inclusive), after the tail', async () => {
    const p = file('time.log', entries(0, 10));
    const t = (i: number): bigint => BigInt(BASE + i * 1000) * 1_000_000n + BigInt(i);
    assert.deepEqual(texts(await collect({ path: p, sinceNs: t(7) })), nums(7, 10));
    assert.deepEqual(texts(await collect({ path: p, untilNs: t(2) })), nums(0, 3));
    assert.deepEqual(texts(await collect({ path: p, sinceNs: t(3), untilNs: t(5) })), nums(3, 6));
    // tail first, then since: the last 2 lines, of which only those after since remain
    assert.deepEqual(texts(await collect({ path: p, tail: 2, sinceNs: t(9) })), ['line 9']);
  });

  it('skips torn or foreign lines', async () => {
    const p = file('torn.log', `${entry(0)}{"log":"x\nnot json\n${entry(1)}`);
    assert.deepEqual(texts(await collect({ path: p })), nums(0, 2));
  });

  it('follows appends, rotation and truncation until stopped', async () => {
    const p = file('follow.log', entries(0, 2));
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const got: string[] = [];
    const reading = (async () => {
      for await (const e of readLogs({ path: p, follow: true, stopped, tail: 1, pollMs: 30 })) got.push(e.line.toString().trimEnd());
    })();
    const until = async (n: number): Promise<void> => {
      const deadline = Date.now() + 3000;
      while (got.length < n) {
        if (Date.now() > deadline) assert.fail(`waited for ${n} entries, got ${JSON.stringify(got)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
    await until(1);
    fs.appendFileSync(p, entry(2));
    // A line written in two pieces comes out whole.
    const e3 = entry(3);
    fs.appendFileSync(p, e3.slice(0, 10));
    await until(2);
    fs.appendFileSync(p, e3.slice(10));
    await until(3);
    // Rotation: a last entry into the old file, then a new file.
    fs.appendFileSync(p, entry(4));
    fs.renameSync(p, `${p}.1`);
    fs.writeFileSync(p, entry(5));
    await until(5);
    // Truncation in place (max-file 1).
    fs.truncateSync(p, 0);
    fs.appendFileSync(p, entry(6));
    await until(6);
    fs.appendFileSync(p, entry(7));
    } finally {
      stop();
    }
    await reading;
    assert.deepEqual(got, nums(1, 8));
  });

  it('ends a follow when aborted', async () => {
    const p = file('abort.log', entries(0, 1));
    const ac = new AbortController();
    const reading = collect({ path: p, follow: true, signal: ac.signal, pollMs: 1000 });
    setTimeout(() => ac.abort(), 50);
    assert.deepEqual(texts(await reading), ['line 0']);
  });
});

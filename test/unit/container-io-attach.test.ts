import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  MonitorFrameReader,
  TAG_EXIT,
  TAG_STDERR,
  TAG_STDOUT,
  encodeMonitorFrame,
  relayAttach,
  socketIdentity,
  waitForAttachSocket,
} from '../../engine/daemon/containers/io-attach.js';
import { FrameReader } from '../../engine/daemon/containers/io-stdcopy.js';
import { openOutputStream } from '../../engine/daemon/api/io-stream.js';
import { closeServer, createApiServer, listenUnix } from '../../engine/daemon/server/http-server.js';
import { silentLogger } from '../../engine/daemon/server/logger.js';
import { Router } from '../../engine/daemon/server/router.js';

/** A fake monitor: sends frames to each client and records what clients send. */
function fakeMonitor(sock: string, frames: Buffer[]): Promise<{ server: net.Server; input: Promise<Buffer> }> {
  let gotInput!: (b: Buffer) => void;
  const input = new Promise<Buffer>((r) => (gotInput = r));
  const server = net.createServer({ allowHalfOpen: true }, (c) => {
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => {
      gotInput(Buffer.concat(chunks));
      // Like the monitor with --stdin-once: the exit comes after the input ended.
      c.end(frames[frames.length - 1] ?? Buffer.alloc(0));
    });
    for (const f of frames.slice(0, -1)) c.write(f);
  });
  return new Promise((resolve) => server.listen(sock, () => resolve({ server, input })));
}

describe('attach to the monitor', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-att-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses monitor frames split anywhere', () => {
    const data = Buffer.concat([encodeMonitorFrame(TAG_STDOUT, Buffer.from('o')), encodeMonitorFrame(TAG_EXIT, Buffer.from('{}'))]);
    for (let cut = 0; cut <= data.length; cut++) {
      const r = new MonitorFrameReader();
      const got = [...r.push(data.subarray(0, cut)), ...r.push(data.subarray(cut))];
      assert.deepEqual(got.map((f) => [f.tag, f.payload.toString()]), [
        [1, 'o'],
        [3, '{}'],
      ]);
    }
  });

  it('waits for the socket to appear, relays output, sends stdin then EOF, and reads the exit', async () => {
    const monitorDir = path.join(dir, 'm1');
    const sockPath = path.join(monitorDir, 'attach.sock');
    const waiting = waitForAttachSocket(monitorDir, { pollMs: 1000 });
    await new Promise((r) => setTimeout(r, 50));
    fs.mkdirSync(monitorDir);
    const exit = { exitCode: 4, signal: null, oomKilled: false, finishedAt: '2026-01-01T00:00:00.000000000Z' };
    const { server, input } = await fakeMonitor(sockPath, [
      encodeMonitorFrame(TAG_STDOUT, Buffer.from('out\n')),
      encodeMonitorFrame(TAG_STDERR, Buffer.from('err\n')),
      encodeMonitorFrame(TAG_EXIT, Buffer.from(JSON.stringify(exit))),
    ]);
    try {
      const started = Date.now();
      const sock = await waiting;
      assert.ok(Date.now() - started < 500, 'the directory watch, not the poll, should find the socket');
      const out: string[] = [];
      const stdin = new PassThrough();
      const relaying = relayAttach(sock, { onOutput: (s, d) => out.push(`${s}:${d.toString()}`), stdin });
      stdin.end('typed');
      const result = await relaying;
      assert.deepEqual(out, ['stdout:out\n', 'stderr:err\n']);
      assert.deepEqual(result.exit, exit);
      assert.equal((await input).toString(), 'typed');
    } finally {
      server.close();
    }
  });

  it('skips a stale socket file until a new one is bound', async () => {
    const monitorDir = path.join(dir, 'm2');
    fs.mkdirSync(monitorDir);
    const sockPath = path.join(monitorDir, 'attach.sock');
    // A dead monitor's socket: bound, then its server gone without unlinking.
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(sockPath, () => r()));
    const stale = socketIdentity(sockPath);
    assert.ok(stale !== undefined);
    const ac = new AbortController();
    const waiting = waitForAttachSocket(monitorDir, { skipIdentity: stale, signal: ac.signal, pollMs: 20 });
    await new Promise((r) => setTimeout(r, 100));
    dead.close();
    ac.abort();
    await assert.rejects(waiting, /aborted/);
  });
});

describe('HTTP hijack (Upgrade: tcp)', () => {
  let dir: string;
  let server: http.Server;
  let sock: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-hij-'));
    sock = path.join(dir, 'api.sock');
    const router = new Router({ maxVersion: '1.47', minVersion: '1.24' });
    // Echo: the body, then each input chunk as stdout, and stderr "bye" at input EOF.
    router.post('/echo', async (ctx) => {
      if (ctx.upgrade === undefined) throw new Error('no upgrade');
      const body = ctx.upgrade.body.toString();
      const out = openOutputStream(ctx, false);
      out.write('stdout', Buffer.from(`body=${body}\n`));
      await new Promise<void>((resolve) => {
        out.input?.on('data', (d: Buffer) => out.write('stdout', d));
        out.input?.on('end', () => {
          out.write('stderr', Buffer.from('bye'));
          resolve();
        });
        out.input?.resume();
      });
      out.end();
    });
    server = createApiServer({ router, logger: silentLogger, apiVersion: '1.47', engineVersion: 'test' });
    await listenUnix(server, sock, 0o600);
  });
  after(async () => {
    await closeServer(server, 100);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const raw = (request: string, input?: string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const c = net.createConnection({ path: sock, allowHalfOpen: true });
      const chunks: Buffer[] = [];
      c.on('data', (d: Buffer) => chunks.push(d));
      c.on('end', () => {
        c.end();
        resolve(Buffer.concat(chunks));
      });
      c.on('error', reject);
      // Request, body and early input in one write: the router must split them.
      c.write(request + (input ?? ''));
      setTimeout(() => c.end(), 100);
    });

  it('answers 101 UPGRADED, reads the body, then relays raw input and half-close', async () => {
    const body = '{"Detach":false}';
    const reply = await raw(`POST /v1.47/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 'ping');
    const sep = reply.indexOf('\r\n\r\n');
    const head = reply.subarray(0, sep).toString();
    assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
    assert.match(head, /Content-Type: application\/vnd\.docker\.multiplexed-stream/);
    assert.match(head, /Upgrade: tcp/);
    const frames = new FrameReader().push(reply.subarray(sep + 4));
    assert.deepEqual(frames.map((f) => [f.stream, f.payload.toString()]), [
      [1, `body=${body}\n`],
      [1, 'ping'],
      [2, 'bye'],
    ]);
  });

  it('answers errors on an upgrade request as plain HTTP', async () => {
    const reply = (await raw('POST /nowhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n')).toString();
    assert.match(reply, /^HTTP\/1\.1 404 /);
    assert.match(reply, /page not found/);
  });
});

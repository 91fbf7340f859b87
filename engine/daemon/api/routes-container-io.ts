/**
 * Container I/O over the Engine API: logs (json-file, optionally followed),
 * attach (hijacked, through the monitor's attach socket), resize (the
 * monitor's ctl FIFO), and exec (create/start/inspect/resize). The container
 * side is reached only through ctx.containers (a ContainerLookup); without
 * one these routes answer 501.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerHandle, ContainerLookup } from '../containers/handle.js';
import { attachSocketPath, relayAttach, socketIdentity, waitForAttachSocket } from '../containers/io-attach.js';
import { ExecStore, notImplemented, parseConsoleSize } from '../containers/io-exec.js';
import type { ExecCreateConfig } from '../containers/io-exec.js';
import { formatTimestamp, parseTimeArg, readLogs } from '../containers/io-logs.js';
import { MULTIPLEXED_CONTENT_TYPE, RAW_CONTENT_TYPE, STDERR, STDOUT, frame } from '../containers/io-stdcopy.js';
import { BadRequestError, ConflictError } from '../errors.js';
import { readJsonBody, sendEmpty, sendJson } from '../server/respond.js';
import type { Logger } from '../server/logger.js';
import type { RequestContext, Router } from '../server/router.js';
import type { EngineContext } from './engine-context.js';
import { boolQuery } from './filters.js';
import { openOutputStream } from './io-stream.js';

function lookupOf(ctx: EngineContext): ContainerLookup {
  if (ctx.containers === undefined) throw notImplemented('container lifecycle not available');
  return ctx.containers;
}

/** The lookup as it is when called: the lifecycle may be wired after these routes. */
function lateLookup(ctx: EngineContext): ContainerLookup {
  return {
    handle: (idOrName) => lookupOf(ctx).handle(idOrName),
    isRunning: (id) => lookupOf(ctx).isRunning(id),
    waitStopped: (id) => lookupOf(ctx).waitStopped(id),
    event: (id, action, extra) => lookupOf(ctx).event?.(id, action, extra),
    startedAt: (id) => lookupOf(ctx).startedAt?.(id),
  };
}

function tailArg(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined; // "all", "", garbage: everything (as dockerd)
  return Number(value.trim());
}

function dimension(query: URLSearchParams, name: string): number {
  const v = query.get(name) ?? '';
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new BadRequestError(`invalid ${name}: ${JSON.stringify(v)}`);
  return Number(v);
}

/** The request body of a possibly upgraded request. */
async function bodyOf(ctx: RequestContext): Promise<unknown> {
  if (ctx.upgrade === undefined) return readJsonBody(ctx.req);
  const text = ctx.upgrade.body.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new BadRequestError(`invalid JSON: ${(e as Error).message}`);
  }
}

async function streamLogs(ctx: RequestContext, lookup: ContainerLookup): Promise<void> {
  const { query, res } = ctx;
  const handle = lookup.handle(ctx.params['id'] ?? '');
  const stdout = boolQuery(query, 'stdout');
  const stderr = boolQuery(query, 'stderr');
  if (!stdout && !stderr) throw new BadRequestError('Bad parameters: you must choose at least one stream');
  const sinceNs = parseTimeArg('since', query.get('since'));
  const untilNs = parseTimeArg('until', query.get('until'));
  const tail = tailArg(query.get('tail'));
  const follow = boolQuery(query, 'follow');
  const timestamps = boolQuery(query, 'timestamps');

  const gone = new AbortController();
  res.writeHead(200, { 'Content-Type': handle.tty ? RAW_CONTENT_TYPE : MULTIPLEXED_CONTENT_TYPE });
  res.flushHeaders();
  res.once('close', () => gone.abort());
  const entries = readLogs({
    path: handle.logPath,
    ...(tail !== undefined ? { tail } : {}),
    ...(sinceNs !== undefined ? { sinceNs } : {}),
    ...(untilNs !== undefined ? { untilNs } : {}),
    follow: follow && lookup.isRunning(handle.id),
    stopped: lookup.waitStopped(handle.id),
    signal: gone.signal,
  });
  for await (const e of entries) {
    if (e.stream === 'stdout' ? !stdout : !stderr) continue;
    const data = timestamps ? Buffer.concat([Buffer.from(`${formatTimestamp(e.timeNs)} `), e.line]) : e.line;
    const ok = res.write(handle.tty ? data : frame(e.stream === 'stderr' ? STDERR : STDOUT, data));
    if (!ok && !gone.signal.aborted) await new Promise<void>((resolve) => {
      res.once('drain', resolve);
      res.once('close', resolve);
    });
  }
  if (!res.writableEnded) res.end();
}

async function attach(ctx: RequestContext, lookup: ContainerLookup, logger: Logger): Promise<void> {
  const { query } = ctx;
  const handle = lookup.handle(ctx.params['id'] ?? '');
  const wantIn = boolQuery(query, 'stdin');
  const wantOut = boolQuery(query, 'stdout');
  const wantErr = boolQuery(query, 'stderr');
  // Before the 101: a socket file there now but no running container is a dead monitor's.
  const running = lookup.isRunning(handle.id);
  const stale = running ? undefined : socketIdentity(attachSocketPath(handle.monitorDir));
  const out = openOutputStream(ctx, handle.tty);
  lookup.event?.(handle.id, 'attach');
  const forward = (stream: 'stdout' | 'stderr', data: Buffer): void => {
    if (stream === 'stdout' ? wantOut : wantErr) out.write(stream, data);
  };
  try {
    if (boolQuery(query, 'logs')) {
      for await (const e of readLogs({ path: handle.logPath, signal: out.gone })) forward(e.stream, e.line);
    }
    if (!boolQuery(query, 'stream') || out.gone.aborted) return;
    const waiting = waitForAttachSocket(handle.monitorDir, { skipIdentity: stale, signal: out.gone });
    // A container that stops before we got in has nothing more to say.
    const sock = await Promise.race([waiting, stoppedAfterRunning(lookup, handle.id, running, out.gone)]);
    if (sock === undefined) {
      void waiting.then((s) => s.destroy(), () => undefined);
      return;
    }
    await relayAttach(sock, { onOutput: forward, stdin: wantIn && handle.openStdin ? out.input : undefined }, out.gone);
  } catch (e) {
    if (!out.gone.aborted) logger.error(`attach ${handle.id}: ${(e as Error).message}`);
  } finally {
    out.end();
  }
}

/**
 * Resolves undefined once the container has run and stopped: at once-running
 * containers when they stop; for one not running yet, after it has been seen
 * running (a start and exit too quick for the socket watch must not leave the
 * attach waiting for ever).
 */
async function stoppedAfterRunning(lookup: ContainerLookup, id: string, running: boolean, gone: AbortSignal): Promise<undefined> {
  const startedBefore = lookup.startedAt?.(id);
  while (!running && !gone.aborted) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      running = lookup.isRunning(id);
    } catch {
      return undefined; // removed
    }
    // Started and stopped between two looks (a `true` exits in milliseconds), or removed since.
    const now = lookup.startedAt?.(id);
    if (!running && startedBefore !== undefined && now !== startedBefore) return undefined;
  }
  await lookup.waitStopped(id).catch(() => undefined);
  return undefined;
}

/** `resize ROWS COLS` to the monitor's ctl FIFO; non-blocking, as a FIFO without a reader would hang the open. */
function resizeContainer(handle: ContainerHandle, rows: number, cols: number, running: boolean): void {
  if (!handle.tty) return; // no pty: nothing to resize (dockerd ignores it too)
  if (!running) throw new ConflictError(`cannot resize container ${handle.id}: it is not running`);
  let fd: number;
  try {
    fd = fs.openSync(path.join(handle.monitorDir, 'ctl'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new ConflictError(`cannot resize container ${handle.id}: ${(e as Error).message}`);
  }
  try {
    fs.writeSync(fd, `resize ${rows} ${cols}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

export function registerContainerIoRoutes(router: Router, ctx: EngineContext): void {
  const lookup = lateLookup(ctx);
  const execs = new ExecStore(lookup);

  router.get('/containers/{id}/logs', (rc) => streamLogs(rc, lookupOf(ctx)));
  router.post('/containers/{id}/attach', (rc) => attach(rc, lateLookup(ctx), ctx.logger));

  router.post('/containers/{id}/resize', ({ res, params, query }) => {
    const l = lookupOf(ctx);
    const handle = l.handle(params['id'] ?? '');
    const h = dimension(query, 'h');
    const w = dimension(query, 'w');
    resizeContainer(handle, h, w, l.isRunning(handle.id));
    l.event?.(handle.id, 'resize', { height: String(h), width: String(w) });
    sendEmpty(res, 200);
  });

  router.post('/containers/{id}/exec', async (rc) => {
    lookupOf(ctx);
    const body = ((await bodyOf(rc)) ?? {}) as ExecCreateConfig;
    if (typeof body !== 'object' || (body.Cmd !== undefined && body.Cmd !== null && !Array.isArray(body.Cmd))) {
      throw new BadRequestError('exec: Cmd must be an array of strings');
    }
    const rec = execs.create(rc.params['id'] ?? '', body);
    sendJson(rc.res, 201, { Id: rec.id });
  });

  router.post('/exec/{id}/start', async (rc) => {
    lookupOf(ctx);
    const body = ((await bodyOf(rc)) ?? {}) as { Detach?: boolean; Tty?: boolean; ConsoleSize?: unknown };
    const id = rc.params['id'] ?? '';
    // The exec's own Tty decides (as dockerd): the start's Tty only says what the client expects.
    const { rec } = execs.checkStartable(id);
    const consoleSize = parseConsoleSize(body.ConsoleSize);
    const size = consoleSize !== undefined ? { consoleSize } : {};
    if (body.Detach === true) {
      void execs.start(id, size).catch((e: unknown) => ctx.logger.error(`exec ${id}: ${(e as Error).message}`));
      sendEmpty(rc.res, 200);
      return;
    }
    const out = openOutputStream(rc, rec.tty);
    try {
      await execs.start(id, {
        ...size,
        stdin: rec.attachStdin ? out.input : undefined,
        onOutput: (stream, data) => {
          if (stream === 'stdout' ? rec.attachStdout : rec.attachStderr) out.write(stream, data);
        },
      });
    } catch (e) {
      out.write('stderr', Buffer.from(`${(e as Error).message}\n`));
    } finally {
      out.end();
    }
  });

  router.get('/exec/{id}/json', ({ res, params }) => {
    lookupOf(ctx);
    sendJson(res, 200, execs.inspect(params['id'] ?? ''));
  });

  router.post('/exec/{id}/resize', ({ res, params, query }) => {
    lookupOf(ctx);
    execs.resize(params['id'] ?? '', dimension(query, 'h'), dimension(query, 'w'));
    sendEmpty(res, 200);
  });
}

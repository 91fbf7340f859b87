/**
 * Container lifecycle routes over the container manager: create, list,
 * inspect, top, start, stop, kill, restart, wait, remove, rename, pause,
 * unpause. Logs, attach and exec live in routes-container-io.ts.
 */
import { BadRequestError } from '../errors.js';
import type { ContainerManager, WaitCondition } from '../containers/lifecycle.js';
import type { ContainerCreateRequest } from '../containers/types.js';
import { readJsonBody, sendEmpty, sendJson } from '../server/respond.js';
import type { Router } from '../server/router.js';
import type { EngineContext } from './engine-context.js';
import { boolQuery, parseFilters } from './filters.js';

const WAIT_CONDITIONS: readonly WaitCondition[] = ['not-running', 'next-exit', 'removed'];

/** `t` as dockerd reads it: absent → undefined, otherwise an integer (negative waits forever). */
function intQuery(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new BadRequestError(`invalid value for ${name}: ${v}`);
  return Number(v);
}

export function registerContainerRoutes(router: Router, ctx: EngineContext, containers: ContainerManager): void {
  router.post('/containers/create', async ({ req, res, query }) => {
    const body = (await readJsonBody(req)) ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('config cannot be empty in order to create a container');
    sendJson(res, 201, await containers.create(body as ContainerCreateRequest, query.get('name')));
  });

  router.get('/containers/json', async ({ res, query }) => {
    const filters = parseFilters(query.get('filters'));
    // Image references resolved up front: the selection itself is synchronous.
    const ancestors = new Map<string, string>();
    for (const a of filters.get('ancestor') ?? []) {
      const id = await ctx.images?.resolve(a).catch(() => undefined);
      if (id) ancestors.set(a, id);
    }
    const limit = intQuery(query, 'limit');
    const list = await containers.list(
      { all: boolQuery(query, 'all'), ...(limit !== undefined ? { limit } : {}), filters, resolveImage: (r) => ancestors.get(r) },
      boolQuery(query, 'size'),
    );
    sendJson(res, 200, list);
  });

  router.get('/containers/{id}/json', async ({ res, params, query }) => {
    sendJson(res, 200, await containers.inspect(params['id'] ?? '', boolQuery(query, 'size')));
  });

  router.get('/containers/{id}/top', async ({ res, params, query }) => {
    sendJson(res, 200, await containers.top(params['id'] ?? '', query.get('ps_args') ?? ''));
  });

  router.post('/containers/{id}/start', async ({ res, params }) => {
    await containers.start(params['id'] ?? '');
    sendEmpty(res, 204);
  });

  router.post('/containers/{id}/stop', async ({ res, params, query }) => {
    const t = intQuery(query, 't');
    const signal = query.get('signal');
    await containers.stop(params['id'] ?? '', { ...(t !== undefined ? { timeout: t } : {}), ...(signal ? { signal } : {}) });
    sendEmpty(res, 204);
  });

  router.post('/containers/{id}/kill', async ({ res, params, query }) => {
    await containers.kill(params['id'] ?? '', query.get('signal') ?? undefined);
    sendEmpty(res, 204);
  });

  router.post('/containers/{id}/restart', async ({ res, params, query }) => {
    await containers.restart(params['id'] ?? '', intQuery(query, 't'), query.get('signal') ?? undefined);
    sendEmpty(res, 204);
  });

  router.post('/containers/{id}/pause', async ({ res, params }) => {
    await containers.pause(params['id'] ?? '');
    sendEmpty(res, 204);
  });

  router.post('/containers/{id}/unpause', async ({ res, params }) => {
    await containers.unpause(params['id'] ?? '');
    sendEmpty(res, 204);
  });

  router.post('/containers/{id}/rename', async ({ res, params, query }) => {
    await containers.rename(params['id'] ?? '', query.get('name') ?? '');
    sendEmpty(res, 204);
  });

  router.post('/containers/{id}/wait', async ({ res, params, query }) => {
    const condition = (query.get('condition') || 'not-running') as WaitCondition;
    if (!WAIT_CONDITIONS.includes(condition)) throw new BadRequestError(`invalid condition: "${condition}"`);
    // Resolve the container (404) before the status line goes out.
    const waiting = containers.wait(params['id'] ?? '', condition);
    // The status line goes out now, as dockerd does, so a client knows the wait is registered before it starts the container.
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const code = await waiting;
    res.end(`${JSON.stringify({ StatusCode: code, Error: null })}\n`);
  });

  router.delete('/containers/{id}', async ({ res, params, query }) => {
    await containers.remove(params['id'] ?? '', { force: boolQuery(query, 'force'), volumes: boolQuery(query, 'v') });
    sendEmpty(res, 204);
  });
}

/**
 * GET /containers/{id}/stats?stream=&one-shot= as dockerd answers it
 * (api/server/router/container getContainersStats, daemon/stats.go):
 *
 * - 404 for an unknown container, then 400 for stream together with
 *   one-shot (one-shot is read from API 1.41 on).
 * - stream=false on a container that is not running (or is restarting): the
 *   zeroed body with its name and id, at once.
 * - stream=false: one body, after a priming sample about a second earlier
 *   (one-shot: at once, precpu_stats empty).
 * - stream (the default): the status line at once, then one JSON object per
 *   line every second, zeroed while the container is stopped, until the
 *   client goes or the container is removed.
 */
import { BadRequestError } from '../errors.js';
import type { ContainerManager } from '../containers/lifecycle.js';
import { defaultStatsHost, sampleStats, statsTarget } from '../containers/stats-collect.js';
import type { StatsHost } from '../containers/stats-collect.js';
import { statsJson } from '../containers/stats-json.js';
import { statsFrames } from '../containers/stats-stream.js';
import type { StatsResponse } from '../containers/stats-types.js';
import { zeroStats } from '../containers/stats-types.js';
import { compareVersions } from '../server/router.js';
import type { Router } from '../server/router.js';
import type { EngineContext } from './engine-context.js';
import { boolQuery } from './filters.js';

export interface StatsRouteOptions {
  host?: StatsHost;
  /** Between samples (default: dockerd's second). */
  intervalMs?: number;
}

export function registerStatsRoutes(router: Router, ctx: EngineContext, containers: ContainerManager, opts: StatsRouteOptions = {}): void {
  const host = opts.host ?? defaultStatsHost(ctx.facts.memTotal);

  router.get('/containers/{id}/stats', async ({ res, params, query, apiVersion }) => {
    const rec = containers.store.find(params['id'] ?? '');
    const id = rec.Id;
    // dockerd's BoolValueOrDefault: absent → the default; present (even empty) → its truth.
    const stream = query.has('stream') ? boolQuery(query, 'stream') : true;
    const oneShot = compareVersions(apiVersion, '1.41') >= 0 && boolQuery(query, 'one-shot');
    if (stream && oneShot) throw new BadRequestError('cannot have stream=true and one-shot=true');

    const sample = (): StatsResponse | undefined => {
      const current = containers.store.get(id);
      return current === undefined ? undefined : sampleStats(statsTarget(current), host);
    };
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const frames = statsFrames(sample, { stream, oneShot, signal: gone.signal, ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}) });

    if (!stream) {
      const status = rec.State.Status;
      let body: StatsResponse | undefined;
      if (status !== 'running' && status !== 'paused') body = zeroStats(rec.Name, id);
      else for await (const f of frames) body = f;
      if (gone.signal.aborted) return;
      const text = body === undefined ? '' : `${statsJson(body)}\n`;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }

    // The status line goes out before the first sample, as dockerd flushes it.
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    try {
      for await (const f of frames) {
        if (gone.signal.aborted) break;
        res.write(`${statsJson(f)}\n`);
      }
    } catch (e) {
      ctx.logger.error(`stats ${id}: ${(e as Error).message}`);
    }
    if (!res.writableEnded) res.end();
  });
}

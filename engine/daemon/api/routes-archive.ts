/**
 * The container archive API, what `docker cp` uses both ways:
 *   HEAD /containers/{id}/archive?path=P   stat (X-Docker-Container-Path-Stat)
 *   GET  /containers/{id}/archive?path=P   stat + application/x-tar of P
 *   PUT  /containers/{id}/archive?path=DIR[&noOverwriteDirNonDir=1][&copyUIDGID=1]
 * Running and stopped containers alike (a stopped one's rootfs is mounted
 * for the request). Errors as dockerd words them: a missing path is a 404
 * "Could not find the file P in container ID" (with the path and container
 * as the client gave them).
 *
 * dockerd logs the container events `archive-path` (GET) and
 * `extract-to-dir` (PUT); `hooks.onContainerEvent` is where a caller
 * publishes them.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError, BadRequestError, NotFoundError } from '../errors.js';
import { TAR_END, archiveStream } from '../containers/archive-get.js';
import { extractToDir } from '../containers/archive-put.js';
import type { ExtractOptions } from '../containers/archive-put.js';
import { ScopeError } from '../containers/archive-resolve.js';
import { openContainer } from '../containers/archive-rootfs.js';
import type { ArchiveDeps, OpenedContainer } from '../containers/archive-rootfs.js';
import type { DirHandle } from '../containers/archive-scope.js';
import { pathStatHeader, statPath } from '../containers/archive-stat.js';
import type { ContainerRecord } from '../containers/records.js';
import { SpecError } from '../containers/spec-error.js';
import { resolveUser } from '../containers/user.js';
import type { Router } from '../server/router.js';
import type { EngineContext } from './engine-context.js';
import { boolQuery } from './filters.js';

export type ArchiveAction = 'archive-path' | 'extract-to-dir';

export interface ArchiveHooks {
  /** After a successful GET (when the stream starts) or PUT, with the container's record. */
  onContainerEvent?(rec: ContainerRecord, action: ArchiveAction): void;
}

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

function archiveParams(params: Record<string, string>, query: URLSearchParams): { ref: string; requested: string } {
  const ref = params['id'] ?? '';
  const requested = query.get('path') ?? '';
  // dockerd's wording, missing space included (httputils.badParameterError).
  if (ref === '') throw new BadRequestError('bad parameter: namecannot be empty');
  if (requested === '') throw new BadRequestError('bad parameter: pathcannot be empty');
  return { ref, requested };
}

/** An archive failure as dockerd reports it. */
function apiError(e: unknown, requested: string, ref: string): unknown {
  if (e instanceof ScopeError && e.code === 'ENOENT') return new NotFoundError(`Could not find the file ${requested} in container ${ref}`);
  if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !(e instanceof ApiError)) return new NotFoundError(`Could not find the file ${requested} in container ${ref}`);
  if (e instanceof ScopeError) return new ApiError(500, `lstat ${e.message}`);
  if (e instanceof SpecError) return new ApiError(500, e.message);
  return e;
}

/**
 * Runs `work` on the opened container and releases it (unmounting a stopped
 * one's rootfs) before the response is finished with what `work` returned:
 * a client that has its answer finds nothing of the request left mounted.
 */
async function withContainer(containers: ArchiveDeps, ctx: EngineContext, ref: string, work: (c: OpenedContainer) => Promise<() => void>): Promise<void> {
  const opened = await openContainer(containers, ctx.images, ref);
  let finish: () => void;
  try {
    finish = await work(opened);
  } finally {
    await opened.release().catch((e: unknown) => ctx.logger.warn(`container ${opened.rec.Id}: archive: ${(e as Error).message}`));
  }
  finish();
}

export function registerArchiveRoutes(router: Router, ctx: EngineContext, containers: ArchiveDeps, hooks: ArchiveHooks = {}): void {
  router.head('/containers/{id}/archive', async ({ res, params, query }) => {
    const { ref, requested } = archiveParams(params, query);
    await withContainer(containers, ctx, ref, async ({ fs: cfs }) => {
      const arena = cfs.arena();
      try {
        const { stat } = await statPath(cfs, arena, requested).catch((e: unknown) => {
          throw apiError(e, requested, ref);
        });
        return () => {
          res.writeHead(200, { [STAT_HEADER]: pathStatHeader(stat) });
          res.end();
        };
      } finally {
        await arena.close();
      }
    });
  });

  router.get('/containers/{id}/archive', async ({ res, params, query }) => {
    const { ref, requested } = archiveParams(params, query);
    await withContainer(containers, ctx, ref, async ({ rec, fs: cfs }) => {
      const arena = cfs.arena();
      let stream: Readable | undefined;
      try {
        const { stat, target } = await statPath(cfs, arena, requested).catch((e: unknown) => {
          throw apiError(e, requested, ref);
        });
        // The closing blocks go out after the release: a client that has read the archive to its
        // end (and stops there, as Go's tar reader does) finds nothing of the request mounted.
        stream = archiveStream(cfs, target, stat.name, (m) => ctx.logger.warn(`container ${rec.Id}: ${m}`), { withEnd: false });
        res.writeHead(200, { [STAT_HEADER]: pathStatHeader(stat), 'Content-Type': 'application/x-tar' });
        hooks.onContainerEvent?.(rec, 'archive-path');
        await pipeline(stream, res, { end: false });
        return () => res.end(TAR_END);
      } finally {
        stream?.destroy();
        await arena.close();
      }
    });
  });

  router.put('/containers/{id}/archive', async ({ req, res, params, query }) => {
    try {
      const { ref, requested } = archiveParams(params, query);
      const opts: ExtractOptions = { noOverwriteDirNonDir: boolQuery(query, 'noOverwriteDirNonDir') };
      await withContainer(containers, ctx, ref, async ({ rec, fs: cfs }) => {
        try {
          // dockerd's tarCopyOptions: without a Config.User the archive's owners stay.
          if (boolQuery(query, 'copyUIDGID') && rec.Config.User) {
            const u = resolveUser(cfs.proc(cfs.root.handle as DirHandle), rec.Config.User);
            opts.owner = { uid: u.uid, gid: u.gid };
          }
          await extractToDir(cfs, requested, req, opts);
        } catch (e) {
          throw apiError(e, requested, ref);
        }
        hooks.onContainerEvent?.(rec, 'extract-to-dir');
        return () => {
          res.writeHead(200);
          res.end();
        };
      });
    } catch (e) {
      // The client is still sending: read the rest away so it gets to see the answer.
      req.resume();
      throw e;
    }
  });
}

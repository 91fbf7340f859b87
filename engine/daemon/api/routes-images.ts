/**
 * Image routes over the ImageStore: list, inspect, import (`docker import`),
 * load/save, tag, remove, history, prune. Image names may contain slashes
 * (`library/busybox:latest`), hence the `{name:.*}` patterns, added after the
 * fixed paths they would otherwise swallow.
 */
import type { ServerResponse } from 'node:http';
import { ApiError, BadRequestError } from '../errors.js';
import { familiarTagKey, parseNormalizedNamed, tagKey } from '../images/reference.js';
import type { ImageStore } from '../images/types.js';
import type { ImportOptions } from '../images/types.js';
import { JsonStream, sendJson } from '../server/respond.js';
import type { Router } from '../server/router.js';
import { compareVersions } from '../server/router.js';
import type { EngineContext } from './engine-context.js';
import { boolFilter, boolQuery, parseFilters } from './filters.js';
import type { Filters } from './filters.js';

/** `repo[:tag]` → its parts; a colon before the last slash is a registry port, not a tag. */
export function splitRepoTag(ref: string): { repo: string; tag?: string } {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/') && colon > 0) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref };
}

const record = (f: Filters): Record<string, string[]> => Object.fromEntries(f);

/**
 * A zero container.Config as Go encodes it (the fields without omitempty).
 * The store keeps no `container_config` of its own (imports and BuildKit-made
 * images have none either), so this is what dockerd shows for such images.
 */
const EMPTY_CONTAINER_CONFIG = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: null,
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

/**
 * Image inspect as an older API version shows it (dockerd's getImagesByName):
 * VirtualSize below 1.44; Container and ContainerConfig below 1.45. Debian's
 * docker-compose (v1) reads `ContainerConfig.Volumes` when it recreates a
 * container and fails with KeyError without it — against dockerd too, unless
 * it is pinned below 1.45 (COMPOSE_API_VERSION).
 */
export function versionedImageInspect(inspect: object, apiVersion: string): object {
  const out: Record<string, unknown> = { ...inspect };
  if (compareVersions(apiVersion, '1.44') < 0) out['VirtualSize'] = out['Size'];
  if (compareVersions(apiVersion, '1.45') < 0) {
    out['Container'] = '';
    out['ContainerConfig'] = { ...EMPTY_CONTAINER_CONFIG };
  }
  return out;
}

export function registerImageRoutes(router: Router, ctx: EngineContext): void {
  const store = (): ImageStore => {
    if (ctx.images) return ctx.images;
    throw new ApiError(500, `image store unavailable: ${ctx.imagesError ?? 'not configured'}`);
  };
  /** dockerd's LogImageEvent: the image's labels and `name` (the reference acted on). */
  const imageEvent = async (action: string, ref: string): Promise<void> => {
    if (!ctx.events) return;
    const id = (await ctx.images?.resolve(ref).catch(() => undefined)) ?? ref;
    const labels = await ctx.images
      ?.config(id)
      .then((c) => c.Labels ?? {})
      .catch(() => ({}));
    ctx.events.publish('image', action, { ID: id, Attributes: { ...labels, name: ref } });
  };

  router.get('/images/json', async ({ res, query }) => {
    const filters = parseFilters(query.get('filters'));
    sendJson(res, 200, await store().list({ all: boolQuery(query, 'all'), filters: record(filters) }));
  });

  router.get('/images/get', async ({ res, query }) => {
    const names = query.getAll('names').flatMap((n) => n.split(',')).filter((n) => n !== '');
    if (names.length === 0) throw new BadRequestError('no image names given');
    await save(store(), names, res);
  });

  router.post('/images/create', async ({ req, res, query }) => {
    const fromImage = query.get('fromImage');
    const fromSrc = query.get('fromSrc');
    if (fromImage !== null && fromImage !== '') {
      throw new ApiError(501, `pulling ${fromImage} is not supported yet: this engine has no registry client; use docker load or docker import`);
    }
    if (fromSrc !== '-') {
      throw new ApiError(501, fromSrc === null || fromSrc === '' ? 'fromImage or fromSrc is required' : `importing from ${fromSrc} is not supported: send the archive as the request body (fromSrc=-)`);
    }
    const opts: ImportOptions = {};
    const repoParam = query.get('repo') ?? '';
    if (repoParam !== '') {
      const { repo, tag } = splitRepoTag(repoParam);
      opts.repo = repo;
      const t = query.get('tag') || tag;
      if (t) opts.tag = t;
    }
    const message = query.get('message');
    if (message) opts.message = message;
    const changes = query.getAll('changes').filter((c) => c !== '');
    if (changes.length > 0) opts.changes = changes;
    const platform = query.get('platform');
    if (platform) opts.platform = platform;
    const images = store();
    const stream = new JsonStream(res);
    try {
      const id = await images.importRootfs(req, opts);
      await imageEvent('import', id);
      stream.write({ status: id });
      stream.end();
    } catch (e) {
      stream.fail(e);
    }
  });

  router.post('/images/load', async ({ req, res, query }) => {
    const quiet = boolQuery(query, 'quiet');
    const images = store();
    const stream = new JsonStream(res);
    try {
      const loaded = await images.load(req, (line) => {
        if (!quiet) stream.write({ status: line });
      });
      for (const name of loaded) {
        await imageEvent('load', name);
        stream.write({ stream: name.startsWith('sha256:') ? `Loaded image ID: ${name}\n` : `Loaded image: ${name}\n` });
      }
      stream.end();
    } catch (e) {
      stream.fail(e);
    }
  });

  router.post('/images/prune', async ({ res, query }) => {
    const filters = parseFilters(query.get('filters'));
    const dangling = boolFilter(filters, 'dangling') ?? true;
    filters.delete('dangling');
    sendJson(res, 200, await store().prune({ dangling, filters: record(filters) }, ctx.imageInUse));
  });

  router.get('/images/{name:.*}/json', async ({ res, params, apiVersion }) => sendJson(res, 200, versionedImageInspect(await store().inspect(params['name'] ?? ''), apiVersion)));
  router.get('/images/{name:.*}/history', async ({ res, params }) => sendJson(res, 200, await store().history(params['name'] ?? '')));
  router.get('/images/{name:.*}/get', async ({ res, params }) => save(store(), [params['name'] ?? ''], res));

  router.post('/images/{name:.*}/tag', async ({ res, params, query }) => {
    const repo = query.get('repo') ?? '';
    if (repo === '') throw new BadRequestError('repository name must have at least one component');
    const tag = query.get('tag');
    await store().tag(params['name'] ?? '', repo, tag === null || tag === '' ? undefined : tag);
    await imageEvent('tag', familiarTagKey(tagKey(parseNormalizedNamed(`${repo}:${tag === null || tag === '' ? 'latest' : tag}`))));
    res.writeHead(201);
    res.end();
  });

  router.delete('/images/{name:.*}', async ({ res, params, query }) => {
    const opts = { force: boolQuery(query, 'force'), noprune: boolQuery(query, 'noprune') };
    const removed = await store().remove(params['name'] ?? '', opts, ctx.imageInUse);
    for (const r of removed) {
      if (r.Untagged !== undefined) ctx.events?.publish('image', 'untag', { ID: r.Untagged, Attributes: { name: r.Untagged } });
      if (r.Deleted !== undefined) ctx.events?.publish('image', 'delete', { ID: r.Deleted, Attributes: { name: r.Deleted } });
    }
    sendJson(res, 200, removed);
  });
}

async function save(images: ImageStore, names: string[], res: ServerResponse): Promise<void> {
  // Resolve every name first: a missing image must be a 404, not a truncated tar.
  for (const n of names) await images.inspect(n);
  res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await images.save(names, res);
  res.end();
}

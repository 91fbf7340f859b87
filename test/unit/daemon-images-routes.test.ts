/**
 * The image routes over a fake ImageStore: what reaches the store, and the
 * wire format clients see (streams, statuses, greedy names).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { EngineContext } from '../../engine/daemon/api/engine-context.js';
import { registerImageRoutes, splitRepoTag } from '../../engine/daemon/api/routes-images.js';
import { NotFoundError } from '../../engine/daemon/errors.js';
import type { ImageInspect, ImageStore, ImportOptions } from '../../engine/daemon/images/types.js';
import { closeServer, createApiServer, listenUnix } from '../../engine/daemon/server/http-server.js';
import { silentLogger } from '../../engine/daemon/server/logger.js';
import { Router } from '../../engine/daemon/server/router.js';

const ID = `sha256:${'a'.repeat(64)}`;
const calls: unknown[][] = [];

async function drain(body: Readable): Promise<string> {
  let s = '';
  for await (const c of body) s += String(c);
  return s;
}

const fake: ImageStore = {
  list: async (opts) => (calls.push(['list', opts]), []),
  inspect: async (ref) => {
    calls.push(['inspect', ref]);
    if (ref === 'missing') throw new NotFoundError('No such image: missing');
    return { Id: ID, RepoTags: [ref] } as unknown as ImageInspect;
  },
  resolve: async () => ID,
  config: async () => ({}),
  importRootfs: async (body: Readable, opts: ImportOptions) => {
    calls.push(['import', await drain(body), opts]);
    return ID;
  },
  load: async (body: Readable, progress) => {
    const text = await drain(body);
    if (text === 'bad') throw new Error('not an image archive');
    progress('Loading layer');
    return ['busybox:latest', ID];
  },
  save: async (refs: string[], out: Writable) => {
    out.write(`TAR(${refs.join(',')})`);
  },
  tag: async (ref, repo, tag) => void calls.push(['tag', ref, repo, tag]),
  remove: async (ref, opts) => (calls.push(['remove', ref, opts]), [{ Untagged: ref }, { Deleted: ID }]),
  history: async () => [],
  prune: async (opts) => (calls.push(['prune', opts]), { ImagesDeleted: [], SpaceReclaimed: 0 }),
  layerDirs: async () => [],
};

let dir: string;
let sock: string;
let server: http.Server;

function serve(images: ImageStore | undefined): Router {
  const router = new Router({ maxVersion: '1.47', minVersion: '1.24' });
  const ctx = { images, imagesError: images ? undefined : 'store.js missing', imageInUse: () => false, logger: silentLogger } as unknown as EngineContext;
  registerImageRoutes(router, ctx);
  return router;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-img-'));
  sock = path.join(dir, 's.sock');
  const withStore = serve(fake);
  const without = serve(undefined);
  // One socket, two engines: /nostore/... has no image store.
  server = createApiServer({
    router: {
      handle: (req: http.IncomingMessage, res: http.ServerResponse) => {
        if (req.url?.startsWith('/nostore')) {
          req.url = req.url.slice('/nostore'.length);
          return without.handle(req, res);
        }
        return withStore.handle(req, res);
      },
    },
    logger: silentLogger,
    apiVersion: '1.47',
    engineVersion: '0',
  });
  await listenUnix(server, sock, 0o600);
});

after(async () => {
  await closeServer(server, 100);
  fs.rmSync(dir, { recursive: true, force: true });
});

function call(method: string, p: string, body?: string): Promise<{ status: number; body: string; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: sock, path: p, method }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const lines = (s: string): unknown[] => s.trim().split('\n').map((l) => JSON.parse(l) as unknown);

describe('image routes', () => {
  it('routes names with slashes and colons to inspect', async () => {
    const r = await call('GET', '/v1.47/images/library/busybox:latest/json');
    assert.equal(r.status, 200);
    assert.deepEqual(calls.at(-1), ['inspect', 'library/busybox:latest']);
    assert.equal((await call('GET', '/images/missing/json')).status, 404);
  });

  it('imports a body, splitting repo:tag, and streams the id', async () => {
    const r = await call('POST', '/images/create?fromSrc=-&repo=localhost:5000/me/img:v1&message=hi&changes=CMD%20%5B%22sh%22%5D', 'ROOTFS');
    assert.equal(r.status, 200);
    assert.deepEqual(lines(r.body), [{ status: ID }]);
    assert.deepEqual(calls.at(-1), ['import', 'ROOTFS', { repo: 'localhost:5000/me/img', tag: 'v1', message: 'hi', changes: ['CMD ["sh"]'] }]);
  });

  it('answers pulls with 501 until there is a registry client', async () => {
    const r = await call('POST', '/images/create?fromImage=busybox&tag=latest');
    assert.equal(r.status, 501);
    assert.match(JSON.parse(r.body).message, /no registry client/);
  });

  it('streams load results, quiet drops progress, failures arrive in-band', async () => {
    const r = await call('POST', '/images/load', 'TAR');
    assert.deepEqual(lines(r.body), [{ status: 'Loading layer' }, { stream: 'Loaded image: busybox:latest\n' }, { stream: `Loaded image ID: ${ID}\n` }]);
    const q = await call('POST', '/images/load?quiet=1', 'TAR');
    assert.equal(lines(q.body).length, 2);
    const bad = await call('POST', '/images/load', 'bad');
    assert.equal(bad.status, 200);
    assert.deepEqual(lines(bad.body), [{ errorDetail: { message: 'not an image archive' }, error: 'not an image archive' }]);
  });

  it('saves as application/x-tar, and 404s before streaming for a missing name', async () => {
    const r = await call('GET', '/images/get?names=a&names=b/c:1');
    assert.equal(r.type, 'application/x-tar');
    assert.equal(r.body, 'TAR(a,b/c:1)');
    assert.equal((await call('GET', '/images/x/y/get')).body, 'TAR(x/y)');
    assert.equal((await call('GET', '/images/get?names=missing')).status, 404);
  });

  it('tags (201), removes with force/noprune, and prunes dangling by default', async () => {
    assert.equal((await call('POST', '/images/busybox/tag?repo=me/bb&tag=v2')).status, 201);
    assert.deepEqual(calls.at(-1), ['tag', 'busybox', 'me/bb', 'v2']);
    assert.equal((await call('POST', '/images/busybox/tag')).status, 400);
    const rm = await call('DELETE', '/images/me/bb:v2?force=1');
    assert.deepEqual(JSON.parse(rm.body), [{ Untagged: 'me/bb:v2' }, { Deleted: ID }]);
    assert.deepEqual(calls.at(-1), ['remove', 'me/bb:v2', { force: true, noprune: false }]);
    await call('POST', '/images/prune?filters=%7B%22label%22%3A%5B%22x%22%5D%7D');
    assert.deepEqual(calls.at(-1), ['prune', { dangling: true, filters: { label: ['x'] } }]);
  });

  it('answers 500 with the reason when the image store is unavailable', async () => {
    const r = await call('GET', '/nostore/images/json');
    assert.equal(r.status, 500);
    assert.equal(JSON.parse(r.body).message, 'image store unavailable: store.js missing');
  });

  it('splits repo:tag without mistaking a registry port for a tag', () => {
    assert.deepEqual(splitRepoTag('localhost:5000/x'), { repo: 'localhost:5000/x' });
    assert.deepEqual(splitRepoTag('x:1'), { repo: 'x', tag: '1' });
  });
});

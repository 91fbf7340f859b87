import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../engine/daemon/errors.js';
import { closeServer, createApiServer, listenUnix } from '../../engine/daemon/server/http-server.js';
import { silentLogger } from '../../engine/daemon/server/logger.js';
import { JsonStream, sendJson } from '../../engine/daemon/server/respond.js';
import { Router, compareVersions } from '../../engine/daemon/server/router.js';

const noop = (): void => undefined;

function router(): Router {
  return new Router({ maxVersion: '1.47', minVersion: '1.24' });
}

describe('Router.match', () => {
  it('matches one-segment parameters and decodes them', () => {
    const r = router().get('/containers/{id}/json', noop);
    assert.deepEqual(r.match('GET', '/containers/abc%20d/json')?.params, { id: 'abc d' });
    assert.equal(r.match('GET', '/containers/a/b/json'), undefined);
    assert.equal(r.match('POST', '/containers/abc/json'), undefined);
  });

  it('lets {name:.*} swallow slashes, and tries routes in order', () => {
    const list = (): void => undefined;
    const inspect = (): void => undefined;
    const r = router().get('/images/json', list).get('/images/{name:.*}/json', inspect);
    assert.equal(r.match('GET', '/images/json')?.handler, list);
    const m = r.match('GET', '/images/library/busybox:latest/json');
    assert.equal(m?.handler, inspect);
    assert.deepEqual(m?.params, { name: 'library/busybox:latest' });
    assert.deepEqual(r.match('GET', '/images/localhost%3A5000%2Fx/json')?.params, { name: 'localhost:5000/x' });
  });

  it('escapes regex characters of fixed parts', () => {
    const r = router().get('/_ping', noop);
    assert.ok(r.match('GET', '/_ping'));
    assert.equal(r.match('GET', '/xping'), undefined);
  });
});

describe('Router.resolveVersion', () => {
  it('strips a /v1.NN prefix and defaults to the maximum without one', () => {
    assert.deepEqual(router().resolveVersion('/v1.41/info'), { apiVersion: '1.41', path: '/info' });
    assert.deepEqual(router().resolveVersion('/info'), { apiVersion: '1.47', path: '/info' });
  });

  it('rejects versions above the maximum and below the minimum with 400', () => {
    assert.throws(() => router().resolveVersion('/v1.48/info'), {
      status: 400,
      message: 'client version 1.48 is too new. Maximum supported API version is 1.47',
    });
    assert.throws(() => router().resolveVersion('/v1.12/info'), (e: Error & { status?: number }) => e.status === 400 && /too old/.test(e.message));
  });

  it('compares versions numerically', () => {
    assert.ok(compareVersions('1.9', '1.24') < 0);
    assert.ok(compareVersions('1.47', '1.47') === 0);
    assert.ok(compareVersions('2.0', '1.99') > 0);
  });
});

describe('Router over HTTP', () => {
  let dir: string;
  let server: http.Server;
  let sock: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-router-'));
    sock = path.join(dir, 's.sock');
    const r = new Router({ maxVersion: '1.47', minVersion: '1.24', logger: silentLogger })
      .get('/things/{id}', ({ res, params }) => {
        if (params['id'] === 'missing') throw new NotFoundError('no such thing: missing');
        sendJson(res, 200, { id: params['id'] });
      })
      .post('/stream', ({ res }) => {
        const s = new JsonStream(res);
        s.write({ status: 'one' });
        s.fail(new Error('boom'));
      })
      .get('/crash', () => {
        throw new Error('unexpected');
      });
    server = createApiServer({ router: r, logger: silentLogger, apiVersion: '1.47', engineVersion: '0.0.0' });
    await listenUnix(server, sock, 0o600);
  });

  after(async () => {
    await closeServer(server, 100);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, p: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> =>
    new Promise((resolve, reject) => {
      const req = http.request({ socketPath: sock, path: p, method }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });

  it('serves versioned and unversioned paths with the common headers', async () => {
    for (const p of ['/things/a', '/v1.44/things/a']) {
      const r = await call('GET', p);
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), { id: 'a' });
      assert.equal(r.headers['api-version'], '1.47');
      assert.equal(r.headers['server'], 'tscompose-engine/0.0.0');
    }
  });

  it('answers unknown routes with 404 page not found', async () => {
    const r = await call('GET', '/v1.47/nowhere');
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.body), { message: 'page not found' });
  });

  it('turns ApiErrors into their status and other errors into 500, as {"message"}', async () => {
    const nf = await call('GET', '/things/missing');
    assert.equal(nf.status, 404);
    assert.deepEqual(JSON.parse(nf.body), { message: 'no such thing: missing' });
    const crash = await call('GET', '/crash');
    assert.equal(crash.status, 500);
    assert.deepEqual(JSON.parse(crash.body), { message: 'unexpected' });
  });

  it('rejects a too-new version before routing', async () => {
    const r = await call('GET', '/v1.99/things/a');
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).message, 'client version 1.99 is too new. Maximum supported API version is 1.47');
  });

  it('streams JSON lines and reports a failure in-band', async () => {
    const r = await call('POST', '/stream');
    assert.equal(r.status, 200);
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    const lines = r.body.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(lines, [{ status: 'one' }, { errorDetail: { message: 'boom' }, error: 'boom' }]);
  });
});

/**
 * A small router for the Engine API. Paths may carry a `/v1.NN` prefix (the
 * version a client negotiated); requests without one get our highest version,
 * as dockerd does. Patterns are Docker's: `{id}` is one segment, `{name:.*}`
 * swallows slashes (image names like `library/busybox:latest`). Routes are
 * tried in the order they were added, so fixed paths (`/images/json`) must be
 * added before the greedy ones that would also match them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BadRequestError, NotFoundError } from '../errors.js';
import type { Logger } from './logger.js';
import { sendError } from './respond.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The API version of this request (`1.47`), from its prefix or our default. */
  apiVersion: string;
  /** Set on `Connection: Upgrade` requests (attach, exec start): the raw connection can be taken over. */
  upgrade?: UpgradeContext;
}

/**
 * Docker's HTTP hijack: the client asks for `Upgrade: tcp`, the engine answers
 * `101 UPGRADED` and both sides then speak raw bytes on the connection. Node
 * does not parse the body of an upgrade request, so the router reads it
 * (Content-Length bytes) and hands it over here.
 */
export interface UpgradeContext {
  /** The request body. */
  body: Buffer;
  /**
   * Writes the 101 response and returns the connection, paused (pipe it or
   * resume it to read); bytes the client sent after the body are kept for reading.
   */
  hijack(contentType: string): Duplex;
  /** Whether hijack was called. */
  readonly hijacked: boolean;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

export interface RouterOptions {
  maxVersion: string;
  minVersion: string;
  logger?: Logger;
}

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

/** Compares `1.9` < `1.24` numerically, part by part. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function compile(pattern: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = pattern
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]*)(?::(.*))?\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(m[1] ?? '');
      // Only the two forms dockerd uses; anything else is a bug in a route table.
      if (m[2] === undefined) return '([^/]+)';
      if (m[2] === '.*') return '(.+)';
      throw new Error(`unsupported pattern ${part} in ${pattern}`);
    })
    .join('');
  return { regex: new RegExp(`^${source}$`), names };
}

export type MatchResult = { handler: Handler; params: Record<string, string> } | undefined;

export class Router {
  readonly #routes: Route[] = [];
  readonly #opts: RouterOptions;

  constructor(opts: RouterOptions) {
    this.#opts = opts;
  }

  add(method: string, pattern: string, handler: Handler): this {
    this.#routes.push({ method: method.toUpperCase(), pattern, ...compile(pattern), handler });
    return this;
  }

  get(pattern: string, handler: Handler): this {
    return this.add('GET', pattern, handler);
  }
  head(pattern: string, handler: Handler): this {
    return this.add('HEAD', pattern, handler);
  }
  post(pattern: string, handler: Handler): this {
    return this.add('POST', pattern, handler);
  }
  put(pattern: string, handler: Handler): this {
    return this.add('PUT', pattern, handler);
  }
  delete(pattern: string, handler: Handler): this {
    return this.add('DELETE', pattern, handler);
  }

  /** The route for an unversioned path, with its decoded parameters. */
  match(method: string, path: string): MatchResult {
    for (const r of this.#routes) {
      if (r.method !== method) continue;
      const m = r.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.names.forEach((name, i) => {
        const raw = m[i + 1] ?? '';
        try {
          params[name] = decodeURIComponent(raw);
        } catch {
          params[name] = raw;
        }
      });
      return { handler: r.handler, params };
    }
    return undefined;
  }

  /**
   * Splits `/v1.NN/rest` into version and path, and applies dockerd's version
   * rules. Throws BadRequestError for versions outside [min, max].
   */
  resolveVersion(rawPath: string): { apiVersion: string; path: string } {
    const m = VERSION_PREFIX.exec(rawPath);
    if (!m) return { apiVersion: this.#opts.maxVersion, path: rawPath };
    const v = m[1] ?? '';
    if (compareVersions(v, this.#opts.maxVersion) > 0) {
      throw new BadRequestError(`client version ${v} is too new. Maximum supported API version is ${this.#opts.maxVersion}`);
    }
    if (compareVersions(v, this.#opts.minVersion) < 0) {
      throw new BadRequestError(
        `client version ${v} is too old. Minimum supported API version is ${this.#opts.minVersion}, please upgrade your client to a newer version`,
      );
    }
    return { apiVersion: v, path: m[2] ?? '/' };
  }

  /** The node:http request listener. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://engine');
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      const { apiVersion, path } = this.resolveVersion(url.pathname);
      const found = this.match(method, path);
      if (!found) throw new NotFoundError('page not found');
      await found.handler({ req, res, params: found.params, query: url.searchParams, apiVersion });
      if (!res.headersSent) throw new Error(`handler for ${method} ${path} sent no response`);
    } catch (e) {
      this.#fail(res, e, method, url.pathname);
    } finally {
      this.#opts.logger?.debug(`${method} ${req.url ?? ''} ${res.statusCode} ${Date.now() - started}ms`);
    }
  }

  /**
   * The node:http 'upgrade' listener's half: `res` is a ServerResponse bound to
   * the socket (for error replies before any hijack).
   */
  async handleUpgrade(req: IncomingMessage, res: ServerResponse, socket: Duplex, head: Buffer): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://engine');
    const method = (req.method ?? 'GET').toUpperCase();
    socket.pause();
    let hijacked = false;
    let rest: Buffer = Buffer.alloc(0);
    try {
      const read = await readUpgradeBody(req, socket, head);
      rest = read.rest;
      const upgrade: UpgradeContext = {
        body: read.body,
        get hijacked() {
          return hijacked;
        },
        hijack: (contentType: string): Duplex => {
          hijacked = true;
          const lines = ['HTTP/1.1 101 UPGRADED', `Content-Type: ${contentType}`, 'Connection: Upgrade', 'Upgrade: tcp'];
          for (const [k, v] of Object.entries(res.getHeaders())) if (typeof v === 'string') lines.push(`${k}: ${v}`);
          res.detachSocket(socket as Parameters<ServerResponse['detachSocket']>[0]);
          socket.write(`${lines.join('\r\n')}\r\n\r\n`);
          if (rest.length > 0) socket.unshift(rest);
          return socket;
        },
      };
      const { apiVersion, path } = this.resolveVersion(url.pathname);
      const found = this.match(method, path);
      if (!found) throw new NotFoundError('page not found');
      await found.handler({ req, res, params: found.params, query: url.searchParams, apiVersion, upgrade });
      if (!hijacked && !res.headersSent) throw new Error(`handler for ${method} ${path} sent no response`);
    } catch (e) {
      if (hijacked) socket.destroy();
      else this.#fail(res, e, method, url.pathname);
    } finally {
      // An upgrade connection carries one request: once answered without a hijack, it is done.
      if (!hijacked) {
        if (res.writableFinished) socket.end();
        else res.once('finish', () => socket.end());
      }
      this.#opts.logger?.debug(`${method} ${req.url ?? ''} ${hijacked ? 101 : res.statusCode} (upgrade) ${Date.now() - started}ms`);
    }
  }

  #fail(res: ServerResponse, e: unknown, method: string, path: string): void {
    const status = e instanceof Error && 'status' in e ? Number((e as { status: unknown }).status) : 500;
    if (status >= 500) this.#opts.logger?.error(`${method} ${path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    if (!res.headersSent) {
      sendError(res, e);
    } else {
      // Mid-stream: the status is sent; all we can do is cut the response short.
      res.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  }
}

const MAX_UPGRADE_BODY = 1024 * 1024;

/** The Content-Length body of an upgrade request from `head` and the socket, and what came after it. */
function readUpgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<{ body: Buffer; rest: Buffer }> {
  if (req.headers['transfer-encoding'] !== undefined) {
    return Promise.reject(new BadRequestError('chunked bodies are not supported on upgrade requests'));
  }
  const len = Number(req.headers['content-length'] ?? '0');
  if (!Number.isSafeInteger(len) || len < 0 || len > MAX_UPGRADE_BODY) return Promise.reject(new BadRequestError('bad Content-Length'));
  if (head.length >= len) return Promise.resolve({ body: head.subarray(0, len), rest: head.subarray(len) });
  return new Promise((resolve, reject) => {
    let got = head;
    const onData = (c: Buffer): void => {
      got = Buffer.concat([got, c]);
      if (got.length >= len) {
        cleanup();
        socket.pause();
        resolve({ body: got.subarray(0, len), rest: got.subarray(len) });
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new BadRequestError('request body cut short'));
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onEnd);
    socket.resume();
  });
}

/**
 * The HTTP/1.1 server on the engine's unix socket. Every reply carries the
 * headers dockerd puts on all responses (clients read the API version and OS
 * from any of them, not only from /_ping).
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import type { Logger } from './logger.js';
import type { Router } from './router.js';

export interface ApiServerOptions {
  /** The request listener (a Router; anything with its handle method in tests). */
  router: Pick<Router, 'handle'> & Partial<Pick<Router, 'handleUpgrade'>>;
  logger: Logger;
  apiVersion: string;
  engineVersion: string;
}

/** Hijacked (attach, exec) connections per server: http.Server no longer tracks them. */
const UPGRADED = new WeakMap<http.Server, Set<net.Socket>>();

export function createApiServer(opts: ApiServerOptions): http.Server {
  const commonHeaders = (res: http.ServerResponse): void => {
    res.setHeader('API-Version', opts.apiVersion);
    res.setHeader('OS-Type', 'linux');
    res.setHeader('Docker-Experimental', 'false');
    res.setHeader('Server', `tscompose-engine/${opts.engineVersion}`);
  };
  const server = http.createServer((req, res) => {
    commonHeaders(res);
    void opts.router.handle(req, res);
  });
  // Docker's hijacked requests (attach, exec start) come as `Connection: Upgrade`.
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const handleUpgrade = opts.router.handleUpgrade?.bind(opts.router);
    if (handleUpgrade === undefined) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.on('error', (e) => opts.logger.debug(`upgraded connection: ${e.message}`));
    // The server forgets upgraded sockets: kept here so a stopping daemon can close them.
    let set = UPGRADED.get(server);
    if (!set) UPGRADED.set(server, (set = new Set()));
    const live = set;
    live.add(socket);
    socket.once('close', () => live.delete(socket));
    const res = new http.ServerResponse(req);
    res.assignSocket(socket);
    res.shouldKeepAlive = false;
    commonHeaders(res);
    void handleUpgrade(req, res, socket, head);
  });
  // Streams (logs -f, events, attach) stay open for as long as the client wants.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.on('clientError', (err, socket) => {
    opts.logger.debug(`client error: ${err.message}`);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

/** Listens on `socketPath` (its directory created) and sets the socket's mode. */
export async function listenUnix(server: http.Server, socketPath: string, mode: number): Promise<void> {
  await fs.promises.mkdir(path.dirname(socketPath), { recursive: true, mode: 0o755 });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(socketPath, () => {
      server.off('error', onError);
      resolve();
    });
  });
  await fs.promises.chmod(socketPath, mode);
}

/** Stops accepting, ends idle keep-alive connections, and waits for in-flight requests. */
export function closeServer(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      // Long-lived streams (logs -f, events, attach) would hold a graceful close forever.
      server.closeAllConnections();
      for (const s of UPGRADED.get(server) ?? []) s.destroy();
    }, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Asks a unix socket whether an engine answers there (`GET /_ping`, then
 * `GET /version` for details). Used by the daemon to refuse a second instance
 * and by `tscompose engine start|status`. Node builtins only.
 */
import http from 'node:http';

export interface ProbeResult {
  apiVersion: string | undefined;
  server: string | undefined;
}

function request(socketPath: string, path: string, timeoutMs: number): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer on ${socketPath} within ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The ping's headers when something answers `OK` on the socket, else undefined. */
export async function pingSocket(socketPath: string, timeoutMs = 1000): Promise<ProbeResult | undefined> {
  try {
    const r = await request(socketPath, '/_ping', timeoutMs);
    if (r.status !== 200 || r.body !== 'OK') return undefined;
    const h = (k: string): string | undefined => {
      const v = r.headers[k];
      return Array.isArray(v) ? v[0] : v;
    };
    return { apiVersion: h('api-version'), server: h('server') };
  } catch {
    return undefined;
  }
}

/** `GET /version` as JSON, or undefined when the engine does not answer it. */
export async function engineVersion(socketPath: string, timeoutMs = 2000): Promise<Record<string, unknown> | undefined> {
  try {
    const r = await request(socketPath, '/version', timeoutMs);
    return r.status === 200 ? (JSON.parse(r.body) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

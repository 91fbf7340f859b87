/**
 * Network routes over the network manager: list (filters), inspect, create,
 * remove, prune, and connect/disconnect (through the container manager,
 * which owns the endpoints).
 */
import { BadRequestError } from '../errors.js';
import type { NetworkManager } from '../network/manager.js';
import type { NetworkCreateRequest } from '../network/types.js';
import { networkInspect, networkSummary, selectNetworks } from '../network/views.js';
import { readJsonBody, sendEmpty, sendJson } from '../server/respond.js';
import type { Router } from '../server/router.js';
import type { EngineContext } from './engine-context.js';
import { matchLabels, parseFilters } from './filters.js';

export interface EndpointConfigBody {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  DriverOpts?: Record<string, string> | null;
  MacAddress?: string;
}

/** What connect/disconnect need of the container manager. */
export interface NetworkAttacher {
  connect(network: string, container: string, config: EndpointConfigBody): Promise<void>;
  disconnect(network: string, container: string, force: boolean): Promise<void>;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('invalid JSON body: want an object');
  return body as Record<string, unknown>;
}

export function registerNetworkRoutes(router: Router, ctx: EngineContext, networks: NetworkManager, attacher: NetworkAttacher): void {
  router.get('/networks', ({ res, query }) => {
    const list = selectNetworks(networks.store.all(), parseFilters(query.get('filters')), (id) => networks.used(id));
    sendJson(res, 200, list.map(networkSummary));
  });

  router.get('/networks/{id}', ({ res, params }) => {
    const rec = networks.store.find(params['id'] ?? '');
    sendJson(res, 200, networkInspect(rec, networks.endpoints(rec.Id)));
  });

  router.post('/networks/create', async ({ req, res }) => {
    const body = objectBody(await readJsonBody(req));
    ctx.validator.check('network-create', body);
    const rec = await networks.create(body as NetworkCreateRequest);
    sendJson(res, 201, { Id: rec.Id, Warning: '' });
  });

  router.post('/networks/prune', async ({ res, query }) => {
    const filters = parseFilters(query.get('filters'));
    const deleted: string[] = [];
    for (const rec of networks.store.all()) {
      if (['bridge', 'host', 'none'].includes(rec.Name) || networks.used(rec.Id)) continue;
      if (!matchLabels(filters.get('label'), rec.Labels)) continue;
      const without = filters.get('label!');
      if (without?.some((w) => matchLabels([w], rec.Labels))) continue;
      await networks.remove(rec.Id);
      deleted.push(rec.Name);
    }
    sendJson(res, 200, { NetworksDeleted: deleted });
  });

  router.delete('/networks/{id}', async ({ res, params }) => {
    await networks.remove(params['id'] ?? '');
    sendEmpty(res, 204);
  });

  router.post('/networks/{id}/connect', async ({ req, res, params }) => {
    const body = objectBody((await readJsonBody(req)) ?? {});
    const container = typeof body['Container'] === 'string' ? body['Container'] : '';
    if (container === '') throw new BadRequestError('no container given');
    await attacher.connect(params['id'] ?? '', container, (body['EndpointConfig'] ?? {}) as EndpointConfigBody);
    sendEmpty(res, 200);
  });

  router.post('/networks/{id}/disconnect', async ({ req, res, params }) => {
    const body = objectBody((await readJsonBody(req)) ?? {});
    const container = typeof body['Container'] === 'string' ? body['Container'] : '';
    if (container === '') throw new BadRequestError('no container given');
    await attacher.disconnect(params['id'] ?? '', container, body['Force'] === true);
    sendEmpty(res, 200);
  });
}

/**
 * Volume routes over the local volume store: create, list (filters name,
 * label, dangling, driver), inspect, remove, prune (filters label, label!, all).
 */
import type { Router } from '../server/router.js';
import { readJsonBody, sendEmpty, sendJson } from '../server/respond.js';
import { ANONYMOUS_LABEL } from '../volumes/types.js';
import type { Volume, VolumeCreateRequest } from '../volumes/types.js';
import type { EngineContext } from './engine-context.js';
import { boolFilter, boolQuery, checkFilterKeys, matchLabels, matchName, parseFilters } from './filters.js';
import { compareVersions } from '../server/router.js';

/** Since API 1.42 `volume prune` spares named volumes unless `all=true` (dockerd). */
const PRUNE_ALL_SINCE = '1.42';

export function registerVolumeRoutes(router: Router, ctx: EngineContext): void {
  const { volumes } = ctx;

  router.get('/volumes', ({ res, query }) => {
    const filters = parseFilters(query.get('filters'));
    checkFilterKeys(filters, ['name', 'label', 'dangling', 'driver']);
    const dangling = boolFilter(filters, 'dangling');
    const drivers = filters.get('driver');
    const list = volumes.list().filter(
      (v) =>
        matchName(filters.get('name'), v.Name) &&
        matchLabels(filters.get('label'), v.Labels) &&
        (drivers === undefined || drivers.length === 0 || drivers.includes(v.Driver)) &&
        (dangling === undefined || dangling !== volumes.inUse(v.Name)),
    );
    sendJson(res, 200, { Volumes: list, Warnings: [] });
  });

  router.post('/volumes/create', async ({ req, res }) => {
    const body = (await readJsonBody(req)) ?? {};
    ctx.validator.check('volume-create', body);
    const created = await volumes.create(body as VolumeCreateRequest);
    ctx.events?.publish('volume', 'create', { ID: created.Name, Attributes: { driver: created.Driver } });
    sendJson(res, 201, created);
  });

  router.post('/volumes/prune', async ({ res, query, apiVersion }) => {
    const filters = parseFilters(query.get('filters'));
    checkFilterKeys(filters, ['label', 'label!', 'all']);
    const all = boolFilter(filters, 'all') === true || compareVersions(apiVersion, PRUNE_ALL_SINCE) < 0;
    const without = filters.get('label!');
    const select = (v: Volume): boolean =>
      (all || Object.hasOwn(v.Labels, ANONYMOUS_LABEL)) &&
      matchLabels(filters.get('label'), v.Labels) &&
      (without === undefined || without.every((w) => !matchLabels([w], v.Labels)));
    sendJson(res, 200, await volumes.prune(select));
  });

  router.get('/volumes/{name}', ({ res, params }) => sendJson(res, 200, volumes.get(params['name'] ?? '')));

  router.delete('/volumes/{name}', async ({ res, params, query }) => {
    const name = params['name'] ?? '';
    const driver = volumes.get(name).Driver;
    await volumes.remove(name, { force: boolQuery(query, 'force') });
    ctx.events?.publish('volume', 'destroy', { ID: name, Attributes: { driver } });
    sendEmpty(res, 204);
  });
}

/**
 * `GET /containers/json` selection as dockerd does it: all/limit, then the
 * filters id, name, label, status, ancestor, exited, health (others: 400).
 * `health` is exact on starting|healthy|unhealthy|none and, as in dockerd,
 * does not widen the list to stopped containers.
 */
import { BadRequestError } from '../errors.js';
import { checkFilterKeys, matchLabels, matchName } from '../api/filters.js';
import type { Filters } from '../api/filters.js';
import { HEALTH_FILTER_VALUES, healthFilterValue, healthOf } from './health-schedule.js';
import type { ContainerRecord } from './records.js';
import { STATUSES, isRunning } from './state-machine.js';
import type { ContainerStatus } from './state-machine.js';

export const LIST_FILTERS = ['id', 'name', 'label', 'status', 'ancestor', 'exited', 'health'] as const;

export interface ListQuery {
  all: boolean;
  /** Newest n (implies all); undefined or ≤ 0: no limit. */
  limit?: number;
  filters: Filters;
  /** Image reference → image id, for `ancestor`. */
  resolveImage(ref: string): string | undefined;
}

export function selectContainers(records: readonly ContainerRecord[], q: ListQuery): ContainerRecord[] {
  const f = q.filters;
  checkFilterKeys(f, LIST_FILTERS);
  const statuses = f.get('status') ?? [];
  for (const s of statuses) if (!STATUSES.includes(s as ContainerStatus)) throw new BadRequestError(`invalid filter 'status=${s}'`);
  const exited = (f.get('exited') ?? []).map((v) => {
    if (!/^-?\d+$/.test(v)) throw new BadRequestError(`invalid filter 'exited=${v}'`);
    return Number(v);
  });
  const health = f.get('health') ?? [];
  for (const h of health) {
    if (!(HEALTH_FILTER_VALUES as readonly string[]).includes(h)) throw new BadRequestError(`Unrecognised filter value for health: ${h}`);
  }
  const ancestors = (f.get('ancestor') ?? []).map((a) => q.resolveImage(a) ?? `\0unknown:${a}`);
  const ids = f.get('id');
  // A status or exited filter asks about stopped containers too (dockerd sets All).
  const all = q.all || statuses.length > 0 || exited.length > 0 || (q.limit !== undefined && q.limit > 0);
  let out = [...records]
    .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created))
    .filter((r) => {
      if (!all && !isRunning(r.State)) return false;
      if (ids && ids.length > 0 && !ids.some((id) => r.Id.startsWith(id))) return false;
      if (!matchName(f.get('name'), r.Name.slice(1)) && !matchName(f.get('name'), r.Name)) return false;
      if (!matchLabels(f.get('label'), r.Config.Labels ?? {})) return false;
      if (statuses.length > 0 && !statuses.includes(r.State.Status)) return false;
      if (exited.length > 0 && (r.State.Status !== 'exited' || !exited.includes(r.State.ExitCode))) return false;
      if (ancestors.length > 0 && !ancestors.includes(r.Image)) return false;
      if (health.length > 0 && !health.includes(healthFilterValue(healthOf(r.State)))) return false;
      return true;
    });
  if (q.limit !== undefined && q.limit > 0) out = out.slice(0, q.limit);
  return out;
}

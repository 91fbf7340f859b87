/**
 * Which events a subscriber's `filters` let through — dockerd's rules
 * (moby daemon/events/filter.go): every key present must match;
 *  - type, scope: exact;
 *  - event: exact on the action, except that `health_status`, `exec_create`
 *    and `exec_start` match by prefix (their actions carry ": detail");
 *  - container, volume, network, daemon: id or `name` attribute, by prefix;
 *  - image: the actor id, or the `image` attribute with or without its tag;
 *  - label: every `k` / `k=v` among the attributes.
 */
import type { Filters } from '../api/filters.js';
import { matchLabels } from '../api/filters.js';
import type { EventMessage } from './message.js';

export const EVENT_FILTER_KEYS = ['container', 'daemon', 'event', 'image', 'label', 'network', 'plugin', 'scope', 'type', 'volume', 'node', 'service', 'secret', 'config'] as const;

const FUZZY_EVENTS = new Set(['health_status', 'exec_create', 'exec_start']);

function exact(filters: Filters, key: string, value: string): boolean {
  const wanted = filters.get(key);
  return wanted === undefined || wanted.length === 0 || wanted.includes(value);
}

function fuzzy(filters: Filters, key: string, value: string): boolean {
  const wanted = filters.get(key);
  return wanted === undefined || wanted.length === 0 || wanted.some((w) => value === w || value.startsWith(w));
}

function byIdOrName(filters: Filters, key: string, ev: EventMessage): boolean {
  const wanted = filters.get(key);
  if (wanted === undefined || wanted.length === 0) return true;
  // A filter on one kind of object excludes events of other kinds (a container id is no volume name).
  if (ev.Type !== key) return false;
  return fuzzy(filters, key, ev.Actor.ID) || fuzzy(filters, key, ev.Actor.Attributes['name'] ?? '');
}

function stripTag(ref: string): string {
  const at = ref.indexOf('@');
  const noDigest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
}

function matchEvent(filters: Filters, action: string): boolean {
  const wanted = filters.get('event');
  if (wanted?.some((w) => FUZZY_EVENTS.has(w))) return fuzzy(filters, 'event', action);
  return exact(filters, 'event', action);
}

function matchImage(filters: Filters, ev: EventMessage): boolean {
  const wanted = filters.get('image');
  if (wanted === undefined || wanted.length === 0) return true;
  const image = ev.Actor.Attributes['image'] ?? '';
  return wanted.includes(ev.Actor.ID) || wanted.includes(image) || wanted.includes(stripTag(image)) || (ev.Type === 'image' && wanted.includes(ev.Actor.Attributes['name'] ?? ''));
}

export function eventMatches(filters: Filters, ev: EventMessage): boolean {
  return (
    matchEvent(filters, ev.Action) &&
    exact(filters, 'type', ev.Type) &&
    exact(filters, 'scope', ev.scope) &&
    byIdOrName(filters, 'container', ev) &&
    byIdOrName(filters, 'volume', ev) &&
    byIdOrName(filters, 'network', ev) &&
    byIdOrName(filters, 'daemon', ev) &&
    matchImage(filters, ev) &&
    matchLabels(filters.get('label'), ev.Actor.Attributes)
  );
}

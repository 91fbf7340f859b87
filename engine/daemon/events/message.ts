/**
 * The shape of one `/events` message, as dockerd writes it (moby
 * api/types/events.Message), including the deprecated `status`/`id`/`from`
 * fields dockerd still fills for container and image events at the API
 * versions we serve — older clients (docker-py, Compose v1) read them.
 */

export type EventType = 'container' | 'image' | 'volume' | 'network' | 'daemon';

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

export interface EventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: EventActor;
  scope: 'local';
  time: number;
  timeNano: number;
}

/** One message stamped at `nowNs` (nanoseconds since the epoch, as a bigint: a double loses the last digits). */
export function eventMessage(type: EventType, action: string, actor: EventActor, nowNs: bigint): EventMessage {
  const base = {
    Type: type,
    Action: action,
    Actor: { ID: actor.ID, Attributes: { ...actor.Attributes } },
    scope: 'local' as const,
    time: Number(nowNs / 1_000_000_000n),
    timeNano: Number(nowNs),
  };
  const ev: EventMessage =
    type === 'container' ? { status: action, id: actor.ID, from: actor.Attributes['image'] ?? '', ...base } : type === 'image' ? { status: action, id: actor.ID, ...base } : base;
  EXACT_NANOS.set(ev, nowNs);
  return ev;
}

/** The exact stamp of each message: a double holds only ~16 digits of the 19. */
const EXACT_NANOS = new WeakMap<EventMessage, bigint>();

export function eventNanos(ev: EventMessage): bigint {
  return EXACT_NANOS.get(ev) ?? BigInt(ev.timeNano);
}

/** The message as dockerd writes it, with timeNano to the nanosecond. */
export function eventJson(ev: EventMessage): string {
  return JSON.stringify({ ...ev, timeNano: '\u0000' }).replace('"\\u0000"', eventNanos(ev).toString());
}

/**
 * The attributes of a container event (moby daemon/events.go
 * LogContainerEventWithAttributes): the container's labels, then `image`
 * (the reference it was created from) and `name`, then the event's own.
 */
export function containerAttributes(
  c: { Name: string; Config: { Image?: string; Labels?: Record<string, string> | null } },
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return { ...(c.Config.Labels ?? {}), image: c.Config.Image ?? '', name: c.Name.replace(/^\/+/, ''), ...extra };
}

/**
 * The daemon's event bus: every part publishes here, `/events` subscribers
 * read from here. Keeps the last 256 events (dockerd's eventsLimit) so a
 * subscriber asking for `since` gets the recent past first, then the live
 * stream — with nothing lost or doubled in between, because replay and
 * subscription happen in one synchronous step.
 */
import type { Filters } from '../api/filters.js';
import { eventMatches } from './filter.js';
import { containerAttributes, eventMessage, eventNanos } from './message.js';
import type { EventActor, EventMessage, EventType } from './message.js';

export const EVENTS_KEPT = 256;

export type EventListener = (ev: EventMessage) => void;

/** What publishers are given: the bus without its subscriber side. */
export interface EventSink {
  publish(type: EventType, action: string, actor: EventActor): void;
  /** A container event with Docker's attributes (labels, image, name, then `extra`). */
  container(c: ContainerLike, action: string, extra?: Readonly<Record<string, string>>): void;
}

export interface ContainerLike {
  Id: string;
  Name: string;
  Config: { Image?: string; Labels?: Record<string, string> | null };
}

/** Nanoseconds since the epoch, strictly increasing (so `since` replays are exact). */
function clock(): () => bigint {
  const originNs = BigInt(Date.now()) * 1_000_000n;
  const originHr = process.hrtime.bigint();
  let last = 0n;
  return () => {
    let now = originNs + (process.hrtime.bigint() - originHr);
    if (now <= last) now = last + 1n;
    last = now;
    return now;
  };
}

export class EventBus implements EventSink {
  readonly #kept: EventMessage[] = [];
  readonly #listeners = new Set<EventListener>();
  readonly #now: () => bigint;

  constructor(now: () => bigint = clock()) {
    this.#now = now;
  }

  publish(type: EventType, action: string, actor: EventActor): void {
    const ev = eventMessage(type, action, actor, this.#now());
    this.#kept.push(ev);
    if (this.#kept.length > EVENTS_KEPT) this.#kept.shift();
    for (const l of this.#listeners) {
      try {
        l(ev);
      } catch {
        // One broken subscriber must not starve the others.
      }
    }
  }

  container(c: ContainerLike, action: string, extra: Readonly<Record<string, string>> = {}): void {
    this.publish('container', action, { ID: c.Id, Attributes: containerAttributes(c, extra) });
  }

  /**
   * The kept events within [since, until] (ns; 0 = unbounded) matching
   * `filters`, and a live subscription from this very moment on. Replays only
   * when since or until is given, as dockerd does.
   */
  subscribe(sinceNs: bigint, untilNs: bigint, filters: Filters, listener: EventListener): { past: EventMessage[]; unsubscribe: () => void } {
    const past =
      sinceNs === 0n && untilNs === 0n
        ? []
        : this.#kept.filter((ev) => eventNanos(ev) >= sinceNs && (untilNs === 0n || eventNanos(ev) <= untilNs) && eventMatches(filters, ev));
    const l: EventListener = (ev) => {
      if (eventMatches(filters, ev)) listener(ev);
    };
    this.#listeners.add(l);
    return { past, unsubscribe: () => this.#listeners.delete(l) };
  }

  get subscribers(): number {
    return this.#listeners.size;
  }
}

/** A sink that drops everything (parts built without a bus, e.g. in unit tests). */
export const NO_EVENTS: EventSink = {
  publish() {},
  container() {},
};

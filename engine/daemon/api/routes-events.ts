/**
 * GET /events: the recent past (when `since`/`until` ask for it), then the
 * live stream as newline-separated JSON, until the client goes or `until`
 * passes — dockerd's getEvents (moby api/server/router/system).
 */
import { BadRequestError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { eventJson } from '../events/message.js';
import type { EventMessage } from '../events/message.js';
import { parseEventTime } from '../events/time.js';
import type { Router } from '../server/router.js';
import { parseFilters } from './filters.js';

export function registerEventRoutes(router: Router, bus: EventBus, nowNs: () => bigint = () => BigInt(Date.now()) * 1_000_000n): void {
  router.get('/events', ({ req, res, query }) => {
    const since = parseEventTime(query.get('since'));
    const until = parseEventTime(query.get('until'));
    const filters = parseFilters(query.get('filters'));
    if (until !== 0n && until < since) {
      throw new BadRequestError(`\`since\` time (${query.get('since')}) cannot be after \`until\` time (${query.get('until')})`);
    }
    const now = nowNs();
    const onlyPast = until !== 0n && until < now;

    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const send = (ev: EventMessage): void => {
      if (!res.writableEnded) res.write(`${eventJson(ev)}\n`);
    };
    const { past, unsubscribe } = bus.subscribe(since, until, filters, send);
    for (const ev of past) send(ev);
    if (onlyPast) {
      unsubscribe();
      res.end();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        unsubscribe();
        if (!res.writableEnded) res.end();
        resolve();
      };
      if (until !== 0n) timer = setTimeout(finish, Number((until - now) / 1_000_000n));
      req.socket.once('close', finish);
      res.once('close', finish);
    });
  });
}

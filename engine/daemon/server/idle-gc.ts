/**
 * A full garbage collection once the API has been quiet for a while. V8
 * grows the heap during a burst of requests (a compose up of many
 * services) and does not give it back on its own; an engine that sits idle
 * for hours should not keep the burst's footprint.
 */
import type http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';

export function collectWhenIdle(server: http.Server, quietMs = 10_000): void {
  let gc: (() => void) | undefined;
  try {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  } catch {
    return; // no way to ask for a collection: nothing to do
  }
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => gc?.(), quietMs);
    timer.unref();
  };
  server.on('request', arm);
  server.on('upgrade', arm);
  arm();
}

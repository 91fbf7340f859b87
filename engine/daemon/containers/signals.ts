/**
 * Signal names as the API takes them (`SIGTERM`, `TERM`, `15`, any case),
 * normalized for the runtime's `kill`; 400 for unknown ones, as dockerd.
 */
import os from 'node:os';
import { BadRequestError } from '../errors.js';

const BY_NUMBER = new Map<number, string>(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

export function parseSignal(raw: string): string {
  const s = raw.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n <= 0 || n > 64) throw new BadRequestError(`Invalid signal: ${raw}`);
    return BY_NUMBER.get(n) ?? String(n);
  }
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  if (!Object.hasOwn(os.constants.signals, name) && !/^SIGRTM(IN|AX)([+-]\d+)?$/.test(name)) throw new BadRequestError(`Invalid signal: ${raw}`);
  return name;
}

/** The number of a parsed signal name (what dockerd puts in a `kill` event's `signal` attribute). */
export function signalNumber(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const n = (os.constants.signals as Record<string, number | undefined>)[name];
  if (n !== undefined) return n;
  const rt = /^SIGRTM(IN|AX)([+-]\d+)?$/.exec(name);
  // Linux: SIGRTMIN is 34, SIGRTMAX 64 (glibc's view).
  if (rt) return (rt[1] === 'IN' ? 34 : 64) + Number(rt[2] ?? '0');
  return 0;
}

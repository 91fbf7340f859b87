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

/**
 * `docker import --change`: the Dockerfile instructions allowed there,
 * applied to an image config. Parsing follows Dockerfile rules closely
 * enough for the forms people write (JSON or shell form, KEY=VALUE pairs
 * with quotes); variable expansion is not done.
 */
import path from 'node:path/posix';
import { BadRequestError } from '../errors.js';
import type { ImageConfig } from './types.js';

const ALLOWED = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** Split on whitespace, honouring '…', "…" and backslash escapes, as the Dockerfile parser does for ENV/LABEL. */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new BadRequestError(`unmatched quote in "${s}"`);
  if (inWord) words.push(cur);
  return words;
}

/** JSON-array form when the argument is a JSON array of strings, else undefined. */
function jsonArray(rest: string): string[] | undefined {
  const t = rest.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Not JSON: Docker then treats it as shell form.
  }
  return undefined;
}

function commandOf(rest: string): string[] {
  return jsonArray(rest) ?? ['/bin/sh', '-c', rest.trim()];
}

function keyValues(instr: string, rest: string): Array<[string, string]> {
  const words = splitWords(rest);
  if (words.length === 0) throw new BadRequestError(`${instr} requires at least one argument`);
  const first = words[0] as string;
  if (!first.includes('=')) {
    // Legacy `ENV KEY value with spaces` form: one pair, value is the rest of the line.
    const m = /^\s*(\S+)\s+(.*)$/s.exec(rest);
    if (!m) throw new BadRequestError(`${instr} names must be followed by a value: "${rest}"`);
    return [[m[1] as string, splitWords(m[2] as string).join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new BadRequestError(`${instr} expects KEY=VALUE pairs, got "${w}"`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

const NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

function duration(flag: string, v: string): number {
  let total = 0;
  let s = v;
  while (s.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(s);
    if (!m) throw new BadRequestError(`HEALTHCHECK --${flag}: invalid duration "${v}"`);
    total += Number(m[1]) * (NS[m[2] as string] ?? 0);
    s = s.slice(m[0].length);
  }
  return Math.round(total);
}

function healthcheck(rest: string): NonNullable<ImageConfig['Healthcheck']> {
  let s = rest.trim();
  if (/^none$/i.test(s)) return { Test: ['NONE'] };
  const hc: NonNullable<ImageConfig['Healthcheck']> = {};
  for (;;) {
    const m = /^--([a-z-]+)=(\S+)\s+/.exec(s);
    if (!m) break;
    const [, flag, value] = m as unknown as [string, string, string];
    if (flag === 'interval') hc.Interval = duration(flag, value);
    else if (flag === 'timeout') hc.Timeout = duration(flag, value);
    else if (flag === 'start-period') hc.StartPeriod = duration(flag, value);
    else if (flag === 'start-interval') hc.StartInterval = duration(flag, value);
    else if (flag === 'retries') hc.Retries = Number.parseInt(value, 10);
    else throw new BadRequestError(`HEALTHCHECK: unknown flag --${flag}`);
    s = s.slice(m[0].length);
  }
  const cm = /^cmd\s+(.*)$/is.exec(s);
  if (!cm) throw new BadRequestError(`HEALTHCHECK: expected NONE or CMD, got "${rest}"`);
  const arr = jsonArray(cm[1] as string);
  hc.Test = arr ? ['CMD', ...arr] : ['CMD-SHELL', (cm[1] as string).trim()];
  return hc;
}

/** Apply `changes` (one instruction each) to `cfg` in order. */
export function applyChanges(cfg: ImageConfig, changes: readonly string[]): ImageConfig {
  for (const raw of changes) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^(\S+)(?:\s+(.*))?$/s.exec(line);
    const instr = (m?.[1] ?? '').toUpperCase();
    const rest = m?.[2] ?? '';
    if (!ALLOWED.has(instr)) throw new BadRequestError(`${m?.[1] ?? line} is not a valid change command`);
    switch (instr) {
      case 'CMD':
        cfg.Cmd = commandOf(rest);
        break;
      case 'ENTRYPOINT':
        cfg.Entrypoint = commandOf(rest);
        break;
      case 'ENV': {
        const env = [...(cfg.Env ?? [])];
        for (const [k, v] of keyValues(instr, rest)) {
          const i = env.findIndex((e) => e.split('=', 1)[0] === k);
          if (i === -1) env.push(`${k}=${v}`);
          else env[i] = `${k}=${v}`;
        }
        cfg.Env = env;
        break;
      }
      case 'LABEL': {
        const labels = { ...(cfg.Labels ?? {}) };
        for (const [k, v] of keyValues(instr, rest)) labels[k] = v;
        cfg.Labels = labels;
        break;
      }
      case 'EXPOSE': {
        const ports = { ...(cfg.ExposedPorts ?? {}) };
        const words = splitWords(rest);
        if (words.length === 0) throw new BadRequestError('EXPOSE requires at least one argument');
        for (const w of words) {
          const pm = /^(\d{1,5}(?:-\d{1,5})?)(?:\/(tcp|udp|sctp))?$/i.exec(w);
          if (!pm) throw new BadRequestError(`EXPOSE: invalid port "${w}"`);
          ports[`${pm[1] as string}/${(pm[2] ?? 'tcp').toLowerCase()}`] = {};
        }
        cfg.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(cfg.Volumes ?? {}) };
        const list = jsonArray(rest) ?? splitWords(rest);
        if (list.length === 0) throw new BadRequestError('VOLUME requires at least one argument');
        for (const v of list) vols[v] = {};
        cfg.Volumes = vols;
        break;
      }
      case 'WORKDIR': {
        const dir = rest.trim();
        if (dir === '') throw new BadRequestError('WORKDIR requires exactly one argument');
        cfg.WorkingDir = path.isAbsolute(dir) ? path.normalize(dir) : path.join('/', cfg.WorkingDir ?? '/', dir);
        break;
      }
      case 'USER':
        if (rest.trim() === '') throw new BadRequestError('USER requires exactly one argument');
        cfg.User = rest.trim();
        break;
      case 'STOPSIGNAL':
        if (rest.trim() === '') throw new BadRequestError('STOPSIGNAL requires exactly one argument');
        cfg.StopSignal = rest.trim();
        break;
      case 'HEALTHCHECK':
        cfg.Healthcheck = healthcheck(rest);
        break;
      case 'ONBUILD':
        cfg.OnBuild = [...(cfg.OnBuild ?? []), rest.trim()];
        break;
    }
  }
  return cfg;
}

/**
 * Capabilities and security options as dockerd applies them (caps
 * TweakCapabilities / NormalizeLegacyCapabilities, parseSecurityOpt,
 * WithSeccomp, WithApparmor):
 *
 * - CapAdd/CapDrop: names upper-cased and CAP_-prefixed, unknown ones
 *   rejected; `ALL` in CapAdd = every capability minus CapDrop; `ALL` in
 *   CapDrop = only CapAdd; else defaults minus drops, then adds.
 *   Privileged = every capability the kernel has.
 * - SecurityOpt: `no-new-privileges[=bool]`, `seccomp=unconfined|builtin|<json>`,
 *   `apparmor=<profile>`, `label=…` (SELinux, accepted, no effect here),
 *   `writable-cgroups[=bool]`.
 */
import { BadRequestError } from '../errors.js';
import { ALL_CAPABILITIES, availableCapabilities, DEFAULT_CAPABILITIES } from './defaults.js';
import type { KernelVersion } from './types.js';

export interface SecurityOptions {
  noNewPrivileges: boolean;
  /** '' = the default profile; 'unconfined'; 'builtin'; or a profile as JSON text. */
  seccompProfile: string;
  apparmorProfile: string;
  writableCgroups: boolean;
}

function parseBool(v: string, opt: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new BadRequestError(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
}

export function parseSecurityOpts(opts: readonly string[] | null | undefined, daemonNoNewPrivileges = false): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: daemonNoNewPrivileges, seccompProfile: '', apparmorProfile: '', writableCgroups: false };
  for (const opt of opts ?? []) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'writable-cgroups') {
      out.writableCgroups = true;
      continue;
    }
    if (opt === 'disable') continue;
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (sep === '') throw new BadRequestError(`invalid --security-opt 1: ${JSON.stringify(opt)}`);
    const i = opt.indexOf(sep);
    const k = opt.slice(0, i);
    const v = opt.slice(i + 1);
    switch (k) {
      case 'label':
        break;
      case 'apparmor':
        out.apparmorProfile = v;
        break;
      case 'seccomp':
        out.seccompProfile = v;
        break;
      case 'no-new-privileges':
        out.noNewPrivileges = parseBool(v, opt);
        break;
      case 'writable-cgroups':
        out.writableCgroups = parseBool(v, opt);
        break;
      default:
        throw new BadRequestError(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    }
  }
  return out;
}

/** The capability names of a /proc/<pid>/status mask (e.g. CapBnd: 000001ffffffffff). */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return ALL_CAPABILITIES.filter((_, n) => (mask >> BigInt(n)) & 1n);
}

/** What this environment can grant: the kernel's capabilities, limited to the engine's own when known. */
function grantable(kernel: KernelVersion, engine: readonly string[] | undefined): string[] {
  const known = availableCapabilities(kernel);
  return engine ? known.filter((c) => engine.includes(c)) : known;
}

/** Upper-cases, adds CAP_, keeps ALL; unknown or unavailable capabilities are errors. */
export function normalizeCapabilities(caps: readonly string[], kernel: KernelVersion, engine?: readonly string[]): string[] {
  const available = grantable(kernel, engine);
  return caps.map((raw) => {
    let c = raw.toUpperCase();
    if (c === 'ALL') return c;
    if (!c.startsWith('CAP_')) c = `CAP_${c}`;
    if (!ALL_CAPABILITIES.includes(c)) throw new BadRequestError(`unknown capability: ${JSON.stringify(c)}`);
    if (!available.includes(c)) {
      throw new BadRequestError(`capability not supported by your kernel or not available in the current environment: ${JSON.stringify(c)}`);
    }
    return c;
  });
}

/** The container's capability set (bounding = effective = permitted). */
export function containerCapabilities(
  capAdd: readonly string[] | null | undefined,
  capDrop: readonly string[] | null | undefined,
  privileged: boolean,
  kernel: KernelVersion,
  engine?: readonly string[],
): string[] {
  const adds = capAdd ?? [];
  const drops = capDrop ?? [];
  if (privileged) return grantable(kernel, engine);
  if (adds.length === 0 && drops.length === 0) return [...DEFAULT_CAPABILITIES];
  const add = normalizeCapabilities(adds, kernel, engine);
  const drop = normalizeCapabilities(drops, kernel, engine);
  if (add.includes('ALL')) return grantable(kernel, engine).filter((c) => !drop.includes(c));
  if (drop.includes('ALL')) return add;
  return [...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)), ...add];
}

/**
 * Docker seccomp profile → OCI linux.seccomp, as dockerd does per container
 * (moby/profiles seccomp setupSeccomp): keep the native architecture and its
 * sub-architectures from archMap, and keep each rule only if its `excludes`
 * do not match and its `includes` all match — by architecture (Go names:
 * amd64, arm64, …), by the container's capabilities (the bounding set) and by
 * minimum kernel version.
 */
import { BadRequestError } from '../errors.js';
import type { DockerSeccompProfile, KernelVersion, OciSeccomp, OciSyscall, SeccompFilter } from './types.js';

/** Go arch name → libseccomp architecture, for the architectures the engine runs on. */
const NATIVE_ARCH: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64',
  arm64: 'SCMP_ARCH_AARCH64',
};

export interface SeccompTarget {
  /** The engine's architecture, Go-style (what includes/excludes `arches` name). */
  arch: 'amd64' | 'arm64';
  /** The container's capabilities (process.capabilities.bounding). */
  capabilities: readonly string[];
  kernel: KernelVersion;
}

function parseMinKernel(s: string): KernelVersion {
  const m = /^(\d+)\.(\d+)$/.exec(s);
  if (!m) throw new BadRequestError(`invalid kernel version: ${JSON.stringify(s)}; expected "<kernel version>.<major revision>"`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

function kernelAtLeast(k: KernelVersion, min: KernelVersion): boolean {
  return k.major > min.major || (k.major === min.major && k.minor >= min.minor);
}

function excluded(f: SeccompFilter | undefined, t: SeccompTarget): boolean {
  if (!f) return false;
  if (f.arches && f.arches.length > 0 && f.arches.includes(t.arch)) return true;
  if (f.caps && f.caps.some((c) => t.capabilities.includes(c))) return true;
  if (f.minKernel !== undefined && f.minKernel !== '' && kernelAtLeast(t.kernel, parseMinKernel(f.minKernel))) return true;
  return false;
}

function included(f: SeccompFilter | undefined, t: SeccompTarget): boolean {
  if (!f) return true;
  if (f.arches && f.arches.length > 0 && !f.arches.includes(t.arch)) return false;
  if (f.caps && f.caps.some((c) => !t.capabilities.includes(c))) return false;
  if (f.minKernel !== undefined && f.minKernel !== '' && !kernelAtLeast(t.kernel, parseMinKernel(f.minKernel))) return false;
  return true;
}

/**
 * The OCI seccomp config for a profile, or undefined when the profile
 * disables seccomp (no default action and no rules), as Docker treats it.
 */
export function convertSeccompProfile(profile: DockerSeccompProfile, target: SeccompTarget): OciSeccomp | undefined {
  const rules = profile.syscalls ?? [];
  if (!profile.defaultAction && rules.length === 0) return undefined;
  if ((profile.architectures?.length ?? 0) > 0 && (profile.archMap?.length ?? 0) > 0) {
    throw new BadRequestError("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }

  const out: OciSeccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;

  const architectures = [...(profile.architectures ?? [])];
  const native = NATIVE_ARCH[target.arch];
  const entry = profile.archMap?.find((a) => a.architecture === native);
  if (entry) architectures.push(entry.architecture, ...(entry.subArchitectures ?? []));
  if (architectures.length > 0) out.architectures = architectures;
  if (profile.flags && profile.flags.length > 0) out.flags = [...profile.flags];
  if (profile.listenerPath) out.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata) out.listenerMetadata = profile.listenerMetadata;

  const syscalls: OciSyscall[] = [];
  for (const rule of rules) {
    let names = rule.names ?? [];
    if (rule.name) {
      if (names.length > 0) {
        throw new BadRequestError("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
      }
      names = [rule.name];
    }
    if (excluded(rule.excludes, target) || !included(rule.includes, target)) continue;
    const s: OciSyscall = { names: [...names], action: rule.action };
    if (rule.errnoRet !== undefined) s.errnoRet = rule.errnoRet;
    if (rule.args && rule.args.length > 0) {
      s.args = rule.args.map((a) => ({ index: a.index, value: a.value, ...(a.valueTwo ? { valueTwo: a.valueTwo } : {}), op: a.op }));
    }
    syscalls.push(s);
  }
  if (syscalls.length > 0) out.syscalls = syscalls;
  return out;
}

/** Parses a profile given as JSON text (`--security-opt seccomp=<json>`), Docker's error on failure. */
export function parseSeccompProfile(json: string): DockerSeccompProfile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new BadRequestError(`Decoding seccomp profile failed: ${(e as Error).message}`, { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError('Decoding seccomp profile failed: not a JSON object');
  }
  return parsed as DockerSeccompProfile;
}

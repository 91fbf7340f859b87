/**
 * OCI bundles for the runtime tests: a config.json built from a small options
 * object, with Docker's defaults (capabilities, mounts, masked and read-only
 * paths, namespaces), and a private copy of the busybox test rootfs per bundle
 * (engine/images/busybox-rootfs.sh; ~2 MB, a few ms to copy), so a container
 * that writes to its root cannot disturb another test.
 *
 * Every config written is validated against the OCI runtime-spec schema in
 * ../shared/reference/oci-runtime-spec/ (config-schema.json and the files it
 * $refs), so a bundle the reference runtimes accept by leniency cannot hide a
 * malformed config. Without ../shared, validation is skipped with one printed
 * reason.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_NAMESPACES,
  DEFAULT_PATH_ENV,
  DEFAULT_READONLY_PATHS,
  DEFAULT_SHM_SIZE,
  defaultMounts,
} from '../../engine/daemon/containers/defaults.js';
import type { OciNamespaceType } from '../../engine/daemon/containers/types.js';
import { REPO_ROOT, SHARED_DIR } from './paths.js';

const require = createRequire(import.meta.url);

/** Docker's default capability set (engine/daemon/containers/defaults.ts, as moby's oci/caps/defaults.go). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = DEFAULT_CAPABILITIES;

/** Capability numbers (linux/capability.h), for computing /proc/self/status masks. */
export const CAP_NUMBERS: Readonly<Record<string, number>> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
};

/** The 16-hex-digit mask /proc/<pid>/status prints for a set of capabilities. */
export function capMask(caps: readonly string[]): string {
  let mask = 0n;
  for (const c of caps) {
    const n = CAP_NUMBERS[c];
    if (n === undefined) throw new Error(`unknown capability ${c}`);
    mask |= 1n << BigInt(n);
  }
  return mask.toString(16).padStart(16, '0');
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

/** Docker's default mounts (engine/daemon/containers/defaults.ts), with Docker's default 64 MiB /dev/shm. */
export const DOCKER_DEFAULT_MOUNTS: readonly OciMount[] = defaultMounts(DEFAULT_SHM_SIZE);

/** Docker's masked paths (engine/daemon/containers/defaults.ts). */
export const DOCKER_MASKED_PATHS: readonly string[] = DEFAULT_MASKED_PATHS;

/** Docker's read-only paths (engine/daemon/containers/defaults.ts). */
export const DOCKER_READONLY_PATHS: readonly string[] = DEFAULT_READONLY_PATHS;

export type NamespaceType = OciNamespaceType;
/** Docker's namespaces, in Docker's order, with the private cgroup namespace it uses on cgroup v2. */
export const DOCKER_NAMESPACES: readonly NamespaceType[] = [...DEFAULT_NAMESPACES, 'cgroup'];

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls?: { names: string[]; action: string; errnoRet?: number }[];
}

export interface BundleResources {
  memory?: { limit: number; swap?: number };
  pids?: { limit: number };
  cpu?: { shares?: number; quota?: number; period?: number };
}

export interface BundleOptions {
  args: string[];
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number; additionalGids?: number[] };
  hostname?: string;
  /** process.terminal; true needs `--console-socket` on create (see console-socket.py). */
  terminal?: boolean;
  /** process.consoleSize (only meaningful with terminal: true). */
  consoleSize?: { height: number; width: number };
  /** Bounding, effective and permitted set (inheritable and ambient stay empty, as in Docker). */
  capabilities?: readonly string[];
  noNewPrivileges?: boolean;
  rlimits?: Rlimit[];
  mounts?: readonly OciMount[];
  maskedPaths?: readonly string[];
  readonlyPaths?: readonly string[];
  namespaces?: readonly NamespaceType[];
  /** Namespaces to join instead of create: linux.namespaces[].path for these types. */
  namespacePaths?: Partial<Record<NamespaceType, string>>;
  /** root.readonly */
  rootReadonly?: boolean;
  /** linux.rootfsPropagation (Docker sets "shared" when a bind is rshared, "rslave" when one is rslave). */
  rootfsPropagation?: 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave' | 'unbindable' | 'runbindable';
  resources?: BundleResources;
  seccomp?: SeccompProfile;
  oomScoreAdj?: number;
  sysctl?: Record<string, string>;
  /** linux.cgroupsPath; tests use "/<container id>" so the teardown check can find it. */
  cgroupsPath?: string;
}

export const DEFAULT_ENV: readonly string[] = [DEFAULT_PATH_ENV];

/** The config.json for a set of options (Docker's defaults where an option is absent). */
export function buildConfig(opts: BundleOptions): Record<string, unknown> {
  const caps = [...(opts.capabilities ?? DOCKER_DEFAULT_CAPS)];
  const user: Record<string, unknown> = { uid: opts.user?.uid ?? 0, gid: opts.user?.gid ?? 0 };
  if (opts.user?.additionalGids !== undefined) user['additionalGids'] = opts.user.additionalGids;
  const proc: Record<string, unknown> = {
    terminal: opts.terminal ?? false,
    user,
    args: opts.args,
    env: opts.env ?? DEFAULT_ENV,
    cwd: opts.cwd ?? '/',
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    rlimits: opts.rlimits ?? [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    noNewPrivileges: opts.noNewPrivileges ?? true,
  };
  if (opts.oomScoreAdj !== undefined) proc['oomScoreAdj'] = opts.oomScoreAdj;
  if (opts.consoleSize !== undefined) proc['consoleSize'] = { ...opts.consoleSize };

  const resources: Record<string, unknown> = {
    // Docker's device cgroup: deny all, then the defaults the runtime allows itself.
    devices: [{ allow: false, access: 'rwm' }],
  };
  if (opts.resources?.memory) resources['memory'] = { ...opts.resources.memory };
  if (opts.resources?.pids) resources['pids'] = { ...opts.resources.pids };
  if (opts.resources?.cpu) resources['cpu'] = { ...opts.resources.cpu };

  const linux: Record<string, unknown> = {
    resources,
    namespaces: (opts.namespaces ?? DOCKER_NAMESPACES).map((type) => {
      const nsPath = opts.namespacePaths?.[type];
      return nsPath === undefined ? { type } : { type, path: nsPath };
    }),
    maskedPaths: [...(opts.maskedPaths ?? DOCKER_MASKED_PATHS)],
    readonlyPaths: [...(opts.readonlyPaths ?? DOCKER_READONLY_PATHS)],
  };
  if (opts.cgroupsPath !== undefined) linux['cgroupsPath'] = opts.cgroupsPath;
  if (opts.seccomp !== undefined) linux['seccomp'] = opts.seccomp;
  if (opts.sysctl !== undefined) linux['sysctl'] = { ...opts.sysctl };
  if (opts.rootfsPropagation !== undefined) linux['rootfsPropagation'] = opts.rootfsPropagation;

  return {
    ociVersion: '1.0.2',
    process: proc,
    root: { path: 'rootfs', readonly: opts.rootReadonly ?? false },
    hostname: opts.hostname ?? 'tsc-it',
    mounts: (opts.mounts ?? DOCKER_DEFAULT_MOUNTS).map((m) => ({ ...m, ...(m.options ? { options: [...m.options] } : {}) })),
    linux,
  };
}

// ---------------------------------------------------------------------------
// Schema validation

export const OCI_SCHEMA_DIR = path.join(SHARED_DIR, 'reference', 'oci-runtime-spec');

interface AjvLike {
  addSchema(schema: object, key: string): unknown;
  getSchema(key: string): ((data: unknown) => boolean) & { errors?: unknown[] | null } | undefined;
}
type AjvCtor = new (opts: Record<string, unknown>) => AjvLike;

/**
 * An Ajv holding every schema file of the directory, each under its own file
 * name. $refs into files the directory does not hold (the other platforms:
 * config-solaris.json, config-windows.json, config-vm.json, config-zos.json,
 * config-freebsd.json) get a permissive stub, listed once, since a Linux
 * bundle never has those sections.
 */
function loadSchemas(): AjvLike {
  const mod = require('ajv') as { default?: AjvCtor } & AjvCtor;
  const Ajv: AjvCtor = mod.default ?? mod;
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  const files = fs.readdirSync(OCI_SCHEMA_DIR).filter((f) => f.endsWith('.json')).sort();
  const stubs = new Map<string, Record<string, unknown>>();
  for (const file of files) {
    const text = fs.readFileSync(path.join(OCI_SCHEMA_DIR, file), 'utf8');
    const schema = JSON.parse(text) as Record<string, unknown>;
    delete schema['$schema'];
    ajv.addSchema(schema, file);
    for (const m of text.matchAll(/"\$ref"\s*:\s*"([^"#]+\.json)#\/([^"]*)"/g)) {
      const [, target, pointer] = m;
      if (!target || files.includes(target)) continue;
      const stub = stubs.get(target) ?? {};
      let node: Record<string, unknown> = stub;
      for (const part of (pointer ?? '').split('/').filter(Boolean)) {
        node[part] ??= {};
        node = node[part] as Record<string, unknown>;
      }
      stubs.set(target, stub);
    }
  }
  for (const [target, stub] of stubs) ajv.addSchema(stub, target);
  if (stubs.size > 0 && !stubsPrinted) {
    stubsPrinted = true;
    console.log(`# OCI schema: ${[...stubs.keys()].sort().join(', ')} not in ${OCI_SCHEMA_DIR}; their sections accept anything`);
  }
  return ajv;
}
let stubsPrinted = false;

let validator: (((data: unknown) => boolean) & { errors?: unknown[] | null }) | null | undefined;
let skipPrinted = false;

/**
 * The compiled config-schema.json validator, or null (reason printed once) when
 * ../shared is absent. The schemas are draft-04 without draft-04-only keywords,
 * so Ajv 8 compiles them once their "$schema" is dropped; each file is added
 * under its own name so the relative $refs ("defs.json#/…") resolve.
 */
export function configValidator(): ((data: unknown) => boolean) & { errors?: unknown[] | null } | null {
  if (validator !== undefined) return validator;
  const main = path.join(OCI_SCHEMA_DIR, 'config-schema.json');
  if (!fs.existsSync(main)) {
    if (!skipPrinted) {
      skipPrinted = true;
      console.log(`# ${OCI_SCHEMA_DIR} not found (../shared absent); OCI config.json schema validation skipped`);
    }
    validator = null;
    return null;
  }
  const ajv = loadSchemas();
  const v = ajv.getSchema('config-schema.json');
  if (!v) throw new Error(`could not compile ${main}`);
  validator = v;
  return v;
}

/** Throws with the schema errors if config does not validate (no-op when ../shared is absent). */
export function validateConfig(config: unknown): void {
  const v = configValidator();
  if (!v) return;
  if (!v(config)) {
    throw new Error(`config.json does not validate against the OCI runtime-spec schema:\n${JSON.stringify(v.errors, null, 2)}`);
  }
}

/** Same for a `state` output, against state-schema.json (null when ../shared is absent). */
let stateValidator: (((data: unknown) => boolean) & { errors?: unknown[] | null }) | null | undefined;
export function validateState(state: unknown): void {
  if (stateValidator === undefined) {
    if (!configValidator()) {
      stateValidator = null;
    } else {
      const ajv = loadSchemas();
      stateValidator = ajv.getSchema('state-schema.json') ?? null;
    }
  }
  if (!stateValidator) return;
  if (!stateValidator(state)) {
    throw new Error(`state does not validate against state-schema.json:\n${JSON.stringify(stateValidator.errors, null, 2)}`);
  }
}

// ---------------------------------------------------------------------------
// Rootfs and bundles

export const ROOTFS_SCRIPT = path.join(REPO_ROOT, 'engine', 'images', 'busybox-rootfs.sh');

/** Builds the busybox rootfs into dir (engine/images/busybox-rootfs.sh) and returns dir. */
export function buildBusyboxRootfs(dir: string): string {
  execFileSync('bash', [ROOTFS_SCRIPT, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

export interface Bundle {
  dir: string;
  rootfs: string;
  config: Record<string, unknown>;
}

/**
 * Writes bundle `dir` (must not exist): config.json for opts, validated, and
 * rootfs/ as a private copy of `rootfsSource`.
 */
export function writeBundle(dir: string, rootfsSource: string, opts: BundleOptions): Bundle {
  const config = buildConfig(opts);
  validateConfig(config);
  fs.mkdirSync(dir, { recursive: false, mode: 0o711 });
  const rootfs = path.join(dir, 'rootfs');
  // cp -a keeps the applet symlinks, modes and ownership.
  execFileSync('cp', ['-a', rootfsSource, rootfs], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return { dir, rootfs, config };
}

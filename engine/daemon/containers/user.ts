/**
 * Config.User → process.user, resolved against the container's own
 * /etc/passwd and /etc/group as runc's libcontainer/user GetExecUser does and
 * as dockerd uses it: `name`, `uid`, `name:group`, `uid:gid`; numeric ids
 * need no entry; a user found by name or uid brings its primary gid and, when
 * no group is given, its supplementary groups. additionalGids is the gid
 * first, then the supplementary groups, then HostConfig.GroupAdd.
 *
 * The files are read inside the rootfs with symlinks resolved within it, so an
 * image cannot point the engine at a host file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SpecError } from './spec-error.js';
import type { OciUser } from './types.js';

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;

/** Resolves `p` (absolute, inside the container) under `root`, following symlinks without leaving root. */
export function resolveInRoot(root: string, p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  const done: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift() as string;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = path.join(root, ...done, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(candidate);
    } catch {
      done.push(part, ...parts);
      return path.join(root, ...done);
    }
    if (st.isSymbolicLink()) {
      if (++hops > 255) throw new SpecError(`too many levels of symbolic links resolving ${p}`);
      const target = fs.readlinkSync(candidate);
      const targetParts = target.split('/').filter((s) => s !== '' && s !== '.');
      if (target.startsWith('/')) done.length = 0;
      parts.unshift(...targetParts);
      continue;
    }
    done.push(part);
  }
  return path.join(root, ...done);
}

function readInRoot(root: string, p: string): string | undefined {
  try {
    return fs.readFileSync(resolveInRoot(root, p), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Go's strconv.Atoi-or-zero, as runc's parser fills numeric fields. */
function atoi(s: string | undefined): number {
  return s !== undefined && /^[+-]?\d+$/.test(s) ? Number(s) : 0;
}

function lines(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).map((f) => ({ name: f[0] ?? '', uid: atoi(f[2]), gid: atoi(f[3]) }));
}

export function parseGroup(text: string): GroupEntry[] {
  return lines(text).map((f) => ({
    name: f[0] ?? '',
    gid: atoi(f[2]),
    members: (f[3] ?? '').split(',').filter((m) => m !== ''),
  }));
}

function numeric(s: string): number | undefined {
  return /^\d+$/.test(s) ? Number(s) : undefined;
}

/**
 * process.user for a `User` spec (`""` = root) in a rootfs, with
 * HostConfig.GroupAdd. Errors read like Docker's:
 * `unable to find user x: no matching entries in passwd file`.
 */
export function resolveUser(rootfs: string, userSpec: string | undefined, groupAdd: readonly string[] = []): OciUser {
  const passwdText = readInRoot(rootfs, '/etc/passwd');
  const groupText = readInRoot(rootfs, '/etc/group');
  const passwd = passwdText === undefined ? [] : parsePasswd(passwdText);
  const groups = groupText === undefined ? [] : parseGroup(groupText);

  const spec = userSpec ?? '';
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1);
  const uidArg = numeric(userArg);
  const gidArg = numeric(groupArg);

  let uid = 0;
  let gid = 0;
  let sgids: number[] = [];

  const match = passwd.find((u) => (userArg === '' ? u.uid === uid : uidArg !== undefined ? u.uid === uidArg : u.name === userArg));
  let matchedName = '';
  if (match) {
    matchedName = match.name;
    uid = match.uid;
    gid = match.gid;
  } else if (userArg !== '') {
    if (uidArg === undefined) throw new SpecError(`unable to find user ${userArg}: no matching entries in passwd file`);
    if (uidArg > MAX_ID) throw new SpecError('uids and gids must be in range 0-2147483647');
    uid = uidArg;
  }

  if (groupArg !== '' || matchedName !== '') {
    const found = groups.filter((g) =>
      groupArg === '' ? g.members.includes(matchedName) : gidArg !== undefined ? g.gid === gidArg : g.name === groupArg,
    );
    if (groupArg !== '') {
      const first = found[0];
      if (first) {
        gid = first.gid;
      } else {
        if (gidArg === undefined) throw new SpecError(`unable to find group ${groupArg}: no matching entries in group file`);
        if (gidArg > MAX_ID) throw new SpecError('uids and gids must be in range 0-2147483647');
        gid = gidArg;
      }
    } else {
      sgids = found.map((g) => g.gid);
    }
  }

  const added: number[] = [];
  for (const g of groupAdd) {
    const byName = groups.find((e) => e.name === g);
    const n = numeric(g);
    if (byName) added.push(byName.gid);
    else if (n !== undefined) {
      const byId = groups.find((e) => e.gid === n);
      added.push(byId ? byId.gid : n);
    } else throw new SpecError(`Unable to find group ${g}: no matching entries in group file`);
  }

  return { uid, gid, additionalGids: [gid, ...sgids, ...added] };
}

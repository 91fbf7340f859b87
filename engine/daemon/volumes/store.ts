/**
 * The local volume store: ROOT/volumes/<name>/_data holds the data and
 * ROOT/volumes/<name>/volume.json the record. The record is written last on
 * create and removed first (by renaming the whole directory away) on delete,
 * so a crash never leaves a half-made volume that lists as real.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import type { Logger } from '../server/logger.js';
import { silentLogger } from '../server/logger.js';
import { writeJsonAtomic } from '../state/atomic.js';
import { KeyedLock } from '../state/keyed-lock.js';
import { checkLocalOpts, checkVolumeName, isValidVolumeName } from './local-driver.js';
import { ANONYMOUS_LABEL } from './types.js';
import type { Volume, VolumeCreateRequest, VolumeRecord } from './types.js';

const RECORD = 'volume.json';
const REMOVING = '.removing-';

export interface VolumeStoreOptions {
  logger?: Logger;
  now?: () => Date;
  /** Ids of the containers using a volume; none until containers exist. */
  usedBy?: (name: string) => string[];
}

export class VolumeStore {
  readonly dir: string;
  readonly #records = new Map<string, VolumeRecord>();
  readonly #lock = new KeyedLock();
  readonly #logger: Logger;
  readonly #now: () => Date;
  #usedBy: (name: string) => string[];

  constructor(root: string, opts: VolumeStoreOptions = {}) {
    this.dir = path.join(root, 'volumes');
    this.#logger = opts.logger ?? silentLogger;
    this.#now = opts.now ?? (() => new Date());
    this.#usedBy = opts.usedBy ?? (() => []);
  }

  /** Containers register how to tell a volume's users once they exist. */
  setUsedBy(fn: (name: string) => string[]): void {
    this.#usedBy = fn;
  }

  /** Loads the records and finishes removals a crash interrupted. */
  async open(): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o701 });
    for (const entry of await fs.promises.readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(this.dir, entry.name);
      if (entry.name.startsWith(REMOVING)) {
        await fs.promises.rm(full, { recursive: true, force: true });
        continue;
      }
      const rec = await this.#readRecord(entry.name);
      if (rec) this.#records.set(rec.Name, rec);
      else if (!fs.existsSync(path.join(full, RECORD))) {
        // A create a crash cut short (the record is written last): never listed, never mounted.
        await fs.promises.rm(full, { recursive: true, force: true });
        this.#logger.warn(`volume ${entry.name}: removed what an interrupted create left`);
      }
    }
  }

  async #readRecord(name: string): Promise<VolumeRecord | undefined> {
    const file = path.join(this.dir, name, RECORD);
    try {
      const rec = JSON.parse(await fs.promises.readFile(file, 'utf8')) as Partial<VolumeRecord>;
      if (rec.Name !== name || typeof rec.CreatedAt !== 'string') throw new Error('record does not describe this volume');
      return {
        Version: 1,
        Name: name,
        Driver: 'local',
        Labels: rec.Labels ?? {},
        Options: rec.Options ?? {},
        CreatedAt: rec.CreatedAt,
      };
    } catch (e) {
      // A directory without a record is a create that never finished: not a volume.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.#logger.warn(`volume ${name}: ignoring unreadable ${file}: ${(e as Error).message}`);
      return undefined;
    }
  }

  mountpoint(name: string): string {
    return path.join(this.dir, name, '_data');
  }

  #toApi(rec: VolumeRecord): Volume {
    return {
      CreatedAt: rec.CreatedAt,
      Driver: rec.Driver,
      Labels: { ...rec.Labels },
      Mountpoint: this.mountpoint(rec.Name),
      Name: rec.Name,
      Options: { ...rec.Options },
      Scope: 'local',
    };
  }

  /** Creates a volume; an existing one of the same name is returned as it is (dockerd does). */
  async create(req: VolumeCreateRequest): Promise<Volume> {
    const driver = req.Driver ?? 'local';
    if (driver !== '' && driver !== 'local') throw new BadRequestError(`volume driver ${JSON.stringify(driver)} is not supported: only "local" is`);
    const anonymous = req.Name === undefined || req.Name === null || req.Name === '';
    const name = anonymous ? randomBytes(32).toString('hex') : (req.Name as string);
    checkVolumeName(name);
    const opts = req.DriverOpts ?? {};
    checkLocalOpts(opts);
    const labels = { ...(req.Labels ?? {}) };
    if (anonymous) labels[ANONYMOUS_LABEL] = '';
    return this.#lock.run(name, async () => {
      const existing = this.#records.get(name);
      if (existing) return this.#toApi(existing);
      const rec: VolumeRecord = {
        Version: 1,
        Name: name,
        Driver: 'local',
        Labels: labels,
        Options: { ...opts },
        CreatedAt: rfc3339(this.#now()),
      };
      await fs.promises.mkdir(path.join(this.dir, name), { recursive: true, mode: 0o755 });
      await fs.promises.mkdir(this.mountpoint(name), { recursive: true, mode: 0o755 });
      await writeJsonAtomic(path.join(this.dir, name, RECORD), rec, 0o600);
      this.#records.set(name, rec);
      this.#logger.debug(`volume ${name} created`);
      return this.#toApi(rec);
    });
  }

  get(name: string): Volume {
    const rec = isValidVolumeName(name) ? this.#records.get(name) : undefined;
    if (!rec) throw new NotFoundError(`get ${name}: no such volume`);
    return this.#toApi(rec);
  }

  list(): Volume[] {
    return [...this.#records.values()].sort((a, b) => a.Name.localeCompare(b.Name)).map((r) => this.#toApi(r));
  }

  inUse(name: string): boolean {
    return this.#usedBy(name).length > 0;
  }

  /**
   * Removes a volume. `force` makes a missing volume no error (dockerd); a
   * volume in use is a conflict either way.
   */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<number> {
    return this.#lock.run(name, async () => {
      if (!this.#records.has(name)) {
        if (opts.force) return 0;
        throw new NotFoundError(`get ${name}: no such volume`);
      }
      const users = this.#usedBy(name);
      if (users.length > 0) throw new ConflictError(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      const size = await diskUsage(this.mountpoint(name));
      // Rename first: from here on the volume is gone even if rm is interrupted.
      const trash = path.join(this.dir, `${REMOVING}${name}-${randomBytes(4).toString('hex')}`);
      await fs.promises.rename(path.join(this.dir, name), trash);
      this.#records.delete(name);
      await fs.promises.rm(trash, { recursive: true, force: true });
      this.#logger.debug(`volume ${name} removed`);
      return size;
    });
  }

  /** Removes the unused volumes `select` picks. */
  async prune(select: (v: Volume) => boolean): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of this.list()) {
      if (!select(v) || this.inUse(v.Name)) continue;
      try {
        reclaimed += await this.remove(v.Name, { force: true });
        deleted.push(v.Name);
      } catch (e) {
        // Taken into use meanwhile: dockerd skips it too.
        if (!(e instanceof ConflictError)) throw e;
      }
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
  }
}

/** RFC3339 without fractions, in UTC (`2025-01-02T03:04:05Z`). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Bytes used under `dir` (files only; links not followed). */
async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await diskUsage(p);
    else {
      try {
        total += (await fs.promises.lstat(p)).size;
      } catch {
        // Vanished while walking.
      }
    }
  }
  return total;
}

/**
 * The container records: loaded from ROOT/containers at start, kept in
 * memory, written atomically on every change. Resolves references as dockerd
 * does: full id, then name (with or without `/`), then a unique id prefix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BadRequestError, NotFoundError } from '../errors.js';
import type { Logger } from '../server/logger.js';
import { writeJsonAtomic } from '../state/atomic.js';
import { containerPaths, RECORD_FILE } from './records.js';
import type { ContainerPaths, ContainerRecord } from './records.js';

export class ContainerStore {
  readonly dir: string;
  readonly runDir: string;
  readonly #byId = new Map<string, ContainerRecord>();
  readonly #logger: Logger | undefined;

  constructor(root: string, runDir: string, logger?: Logger) {
    this.dir = path.join(root, 'containers');
    this.runDir = runDir;
    this.#logger = logger;
  }

  paths(id: string): ContainerPaths {
    return containerPaths(this.dir, this.runDir, id);
  }

  /** Reads every record; directories without a readable record are returned as half-made (a create a crash cut short). */
  async load(): Promise<{ halfMade: string[] }> {
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o710 });
    const halfMade: string[] = [];
    for (const entry of await fs.promises.readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !/^[0-9a-f]{64}$/.test(entry.name)) continue;
      const file = path.join(this.dir, entry.name, RECORD_FILE);
      try {
        const rec = JSON.parse(await fs.promises.readFile(file, 'utf8')) as ContainerRecord;
        if (rec.Id !== entry.name) throw new Error('record does not describe this container');
        this.#byId.set(rec.Id, rec);
      } catch (e) {
        this.#logger?.warn(`container ${entry.name}: no usable ${RECORD_FILE} (${(e as Error).message})`);
        halfMade.push(entry.name);
      }
    }
    return { halfMade };
  }

  all(): ContainerRecord[] {
    return [...this.#byId.values()];
  }

  get(id: string): ContainerRecord | undefined {
    return this.#byId.get(id);
  }

  byName(name: string): ContainerRecord | undefined {
    const want = name.startsWith('/') ? name : `/${name}`;
    for (const r of this.#byId.values()) if (r.Name === want) return r;
    return undefined;
  }

  /** dockerd's GetByName/prefix order; 404 `No such container: x`. */
  find(ref: string): ContainerRecord {
    if (ref === '') throw new NotFoundError('No such container: ');
    const exact = this.#byId.get(ref);
    if (exact) return exact;
    const named = this.byName(ref);
    if (named) return named;
    if (/^[0-9a-f]+$/.test(ref)) {
      const hits = [...this.#byId.keys()].filter((id) => id.startsWith(ref));
      if (hits.length > 1) throw new BadRequestError(`multiple IDs found with provided prefix: ${ref}`);
      const only = hits[0];
      if (only !== undefined) return this.#byId.get(only) as ContainerRecord;
    }
    throw new NotFoundError(`No such container: ${ref}`);
  }

  /** Registers a record in memory (create keeps it out of `find` until written, through `save`). */
  async save(rec: ContainerRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, rec.Id, RECORD_FILE), rec, 0o600);
    this.#byId.set(rec.Id, rec);
  }

  forget(id: string): void {
    this.#byId.delete(id);
  }
}

/**
 * Image metadata: ROOT/images/<id-hex>.json per image, and
 * ROOT/repositories.json mapping `docker.io/library/busybox:latest` → id.
 * repositories.json is the one authority for names (an image's RepoTags are
 * read from it) so a crash between two writes can never leave a tag that
 * two files disagree about. Everything is written atomically and cached in
 * memory; the store is the only writer.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '../state/atomic.js';
import { digestHex } from './digest.js';

export interface ImageRecord {
  /** sha256 of the config blob (the image id). */
  id: string;
  /** Same as id; kept explicit because it names the blob. */
  configDigest: string;
  /** diffIDs bottom first, as in the config's rootfs. */
  diffIDs: string[];
  /** chainIDs bottom first: the layers/ dirs this image uses. */
  chain: string[];
  /** Image creation time from the config (RFC 3339). */
  created: string;
  /** When the image entered this store. */
  loaded: string;
  /** Last time a name was pointed at this image (RFC 3339), or undefined. */
  lastTagTime?: string;
  /** Sum of layer sizes. */
  size: number;
}

export class Records {
  private readonly imagesDir: string;
  private readonly reposFile: string;
  private images: Map<string, ImageRecord> | undefined;
  private repos: Map<string, string> | undefined;

  constructor(root: string) {
    this.imagesDir = path.join(root, 'images');
    this.reposFile = path.join(root, 'repositories.json');
  }

  private async load(): Promise<{ images: Map<string, ImageRecord>; repos: Map<string, string> }> {
    if (this.images && this.repos) return { images: this.images, repos: this.repos };
    const images = new Map<string, ImageRecord>();
    let names: string[] = [];
    try {
      names = await fs.readdir(this.imagesDir);
    } catch {
      // Fresh store.
    }
    for (const n of names) {
      if (!/^[a-f0-9]{64}\.json$/.test(n)) continue;
      const rec = JSON.parse(await fs.readFile(path.join(this.imagesDir, n), 'utf8')) as ImageRecord;
      images.set(rec.id, rec);
    }
    const repos = new Map<string, string>();
    try {
      const obj = JSON.parse(await fs.readFile(this.reposFile, 'utf8')) as { Repositories?: Record<string, string> };
      for (const [k, v] of Object.entries(obj.Repositories ?? {})) if (images.has(v)) repos.set(k, v);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.images = images;
    this.repos = repos;
    return { images, repos };
  }

  async all(): Promise<ImageRecord[]> {
    return [...(await this.load()).images.values()];
  }

  async get(id: string): Promise<ImageRecord | undefined> {
    return (await this.load()).images.get(id);
  }

  async put(rec: ImageRecord): Promise<void> {
    const { images } = await this.load();
    await fs.mkdir(this.imagesDir, { recursive: true });
    await writeJsonAtomic(path.join(this.imagesDir, `${digestHex(rec.id)}.json`), rec);
    images.set(rec.id, rec);
  }

  async delete(id: string): Promise<void> {
    const { images } = await this.load();
    await fs.rm(path.join(this.imagesDir, `${digestHex(id)}.json`), { force: true });
    images.delete(id);
  }

  /** Tag key (`docker.io/library/busybox:latest`) → image id. */
  async tags(): Promise<Map<string, string>> {
    return (await this.load()).repos;
  }

  async tagsOf(id: string): Promise<string[]> {
    return [...(await this.tags()).entries()].filter(([, v]) => v === id).map(([k]) => k).sort();
  }

  /** Apply tag changes (value undefined = untag) in one atomic write. */
  async setTags(changes: Array<[string, string | undefined]>): Promise<void> {
    const { repos } = await this.load();
    const next = new Map(repos);
    for (const [k, v] of changes) {
      if (v === undefined) next.delete(k);
      else next.set(k, v);
    }
    const sorted = Object.fromEntries([...next.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await writeJsonAtomic(this.reposFile, { Repositories: sorted });
    this.repos = next;
  }
}

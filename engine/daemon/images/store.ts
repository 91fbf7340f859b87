/**
 * FsImageStore: the engine's image store on a local filesystem.
 *
 *   ROOT/blobs/sha256/<hex>        configs, generated manifests, uncompressed layer tars
 *   ROOT/layers/<chainid-hex>/     diff/ (unpacked once, shared) + layer.json
 *   ROOT/images/<id-hex>.json      image records
 *   ROOT/repositories.json         tag → image id
 *   ROOT/image-tmp/                staging; emptied at start-up
 *
 * Mutations are serialised (lock.ts); reads use the in-memory records.
 * Layers are reference-counted by scanning the image records, which is also
 * how start-up collects whatever a crash left unreferenced.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ApiError, BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { dockerPlans } from './archive-docker.js';
import { MT, ociPlans } from './archive-oci.js';
import { StagedArchive } from './archive-read.js';
import { TarWriter } from './archive-write.js';
import { BlobStore } from './blobs.js';
import { chainIds, digestHex, shortId } from './digest.js';
import { parseConfig, type ConfigDoc, type ImagePlan } from './image-config.js';
import { importConfig } from './import.js';
import { LayerStore } from './layers.js';
import { Mutex } from './lock.js';
import { validateOci } from './oci-schema.js';
import { hostOverlay, type OverlaySeam } from './overlay.js';
import { Records, type ImageRecord } from './records.js';
import {
  DEFAULT_TAG,
  familiarName,
  familiarTagKey,
  fullName,
  parseNormalizedNamed,
  repoOfTagKey,
  tagKey,
  tryParseNormalizedNamed,
  validateTag,
} from './reference.js';
import type { HistoryItem, ImageConfig, ImageInspect, ImageStore, ImageSummary, ImportOptions, RemoveResult } from './types.js';
import * as views from './views.js';

export interface FsImageStoreOptions {
  /** How whiteouts and opaque dirs become overlayfs form (tests substitute it). */
  overlay?: OverlaySeam;
}

export class FsImageStore implements ImageStore {
  readonly root: string;
  private readonly tmpDir: string;
  private readonly blobs: BlobStore;
  private readonly layers: LayerStore;
  private readonly records: Records;
  private readonly lock = new Mutex();
  private readonly configs = new Map<string, ConfigDoc>();
  private ready: Promise<void> | undefined;

  constructor(root: string, opts: FsImageStoreOptions = {}) {
    this.root = path.resolve(root);
    // Not plain `tmp`: start-up empties it, and the daemon may hand us its own root.
    this.tmpDir = path.join(this.root, 'image-tmp');
    this.blobs = new BlobStore(this.root, this.tmpDir);
    this.layers = new LayerStore(this.root, this.tmpDir, this.blobs, opts.overlay ?? hostOverlay);
    this.records = new Records(this.root);
  }

  /** Create the layout, drop stale staging, collect what a crash left unreferenced. */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      await fs.rm(this.tmpDir, { recursive: true, force: true });
      for (const d of [this.tmpDir, this.blobs.dir, this.layers.dir, path.join(this.root, 'images')]) {
        await fs.mkdir(d, { recursive: true, mode: 0o700 });
      }
      await this.lock.run(() => this.collectGarbage());
    })();
    return this.ready;
  }

  // ---- resolution -------------------------------------------------------

  async resolve(ref: string): Promise<string | undefined> {
    await this.init();
    const images = await this.records.all();
    const ids = new Set(images.map((r) => r.id));
    if (/^sha256:[a-f0-9]{64}$/.test(ref)) return ids.has(ref) ? ref : undefined;
    if (/^[a-f0-9]{64}$/.test(ref)) return ids.has(`sha256:${ref}`) ? `sha256:${ref}` : undefined;
    const named = tryParseNormalizedNamed(ref);
    if (named) {
      if (named.digest !== undefined) {
        // No registry yet, so no RepoDigests: a digest can only be the image id itself.
        return ids.has(named.digest) ? named.digest : undefined;
      }
      const id = (await this.records.tags()).get(tagKey(named));
      if (id) return id;
    }
    const m = /^(?:sha256:)?([a-f0-9]{1,63})$/.exec(ref);
    if (m) {
      const prefix = m[1] as string;
      const hits = [...ids].filter((id) => id.slice(7).startsWith(prefix));
      if (hits.length > 1) throw new BadRequestError(`ambiguous image ID prefix "${ref}": it matches ${hits.length} images`);
      return hits[0];
    }
    return undefined;
  }

  private async mustResolve(ref: string): Promise<ImageRecord> {
    const id = await this.resolve(ref);
    const rec = id ? await this.records.get(id) : undefined;
    if (!rec) throw new NotFoundError(`No such image: ${ref}`);
    return rec;
  }

  private async configDoc(id: string): Promise<ConfigDoc> {
    const hit = this.configs.get(id);
    if (hit) return hit;
    const doc = parseConfig(await this.blobs.readVerified(id), `image ${shortId(id)} config`);
    this.configs.set(id, doc);
    return doc;
  }

  // ---- reads ------------------------------------------------------------

  async list(opts: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<ImageSummary[]> {
    await this.init();
    const match = await this.filterFn(opts.filters ?? {}, ['dangling', 'label', 'reference', 'before', 'since']);
    const out: ImageSummary[] = [];
    for (const rec of await this.records.all()) {
      const cfg = await this.configDoc(rec.id);
      const tags = await this.records.tagsOf(rec.id);
      if (!match(rec, cfg, tags)) continue;
      out.push(views.summary(rec, cfg, tags));
    }
    return out.sort((a, b) => b.Created - a.Created || (a.Id < b.Id ? -1 : 1));
  }

  async inspect(ref: string): Promise<ImageInspect> {
    await this.init();
    const rec = await this.mustResolve(ref);
    const cfg = await this.configDoc(rec.id);
    const dirs = [...rec.chain].reverse().map((c) => this.layers.diffDir(c));
    return views.inspect(rec, cfg, await this.records.tagsOf(rec.id), dirs);
  }

  async config(id: string): Promise<ImageConfig> {
    await this.init();
    const rec = await this.mustResolve(id);
    return (await this.configDoc(rec.id)).config ?? {};
  }

  async history(ref: string): Promise<HistoryItem[]> {
    await this.init();
    const rec = await this.mustResolve(ref);
    const cfg = await this.configDoc(rec.id);
    const sizes: number[] = [];
    for (const c of rec.chain) sizes.push((await this.layers.get(c))?.size ?? 0);
    return views.history(rec, cfg, await this.records.tagsOf(rec.id), sizes);
  }

  async layerDirs(id: string): Promise<string[]> {
    await this.init();
    const rec = await this.mustResolve(id);
    const dirs: string[] = [];
    for (const c of [...rec.chain].reverse()) {
      const l = await this.layers.get(c);
      if (!l) throw new ApiError(500, `image ${shortId(rec.id)}: layer ${c} is missing from the store`);
      const pending = [...l.pendingWhiteouts.map((p) => `whiteout ${p}`), ...l.pendingOpaque.map((p) => `opaque dir ${p || '/'}`)];
      if (pending.length > 0) {
        throw new ApiError(
          500,
          `image ${shortId(rec.id)}: layer ${shortId(c)} has ${pending.length} deletion marker(s) not in overlayfs form ` +
            `(${pending.slice(0, 3).join(', ')}${pending.length > 3 ? ', …' : ''}); ` +
            'unpack it as root with setfattr (Debian package attr) installed',
        );
      }
      dirs.push(this.layers.diffDir(c));
    }
    return dirs;
  }

  // ---- writes -----------------------------------------------------------

  async importRootfs(body: Readable, opts: ImportOptions): Promise<string> {
    await this.init();
    let key: string | undefined;
    if (opts.repo) {
      const r = parseNormalizedNamed(opts.repo);
      if (r.digest !== undefined) throw new BadRequestError('refusing to create a tag with a digest reference');
      if (r.tag !== undefined && opts.tag) throw new BadRequestError(`invalid reference format: both "${opts.repo}" and tag "${opts.tag}"`);
      if (opts.tag) validateTag(opts.tag);
      key = `${fullName(r)}:${opts.tag || r.tag || DEFAULT_TAG}`;
    }
    // Validate `changes` and platform before reading a byte.
    importConfig('sha256:' + '0'.repeat(64), opts);
    return this.lock.run(async () => {
      const layer = await this.layers.ingest(body, null, 'imported rootfs');
      const configBytes = importConfig(layer.diffID, opts);
      const id = await this.blobs.putBytes(configBytes);
      const cfg = parseConfig(configBytes, 'imported image config');
      await this.commitImage(id, cfg, [layer.chainID], (m) => void m);
      if (key) await this.setTag(key, id, () => undefined);
      return id;
    });
  }

  private async commitImage(id: string, cfg: ConfigDoc, chain: string[], _progress: (l: string) => void): Promise<ImageRecord> {
    const existing = await this.records.get(id);
    if (existing) return existing;
    let size = 0;
    for (const c of chain) size += (await this.layers.get(c))?.size ?? 0;
    const rec: ImageRecord = {
      id,
      configDigest: id,
      diffIDs: [...cfg.rootfs.diff_ids],
      chain,
      created: cfg.created ?? new Date(0).toISOString(),
      loaded: new Date().toISOString(),
      size,
    };
    await this.records.put(rec);
    this.configs.set(id, cfg);
    return rec;
  }

  /** Point tag key at id; report a tag taken from another image as Docker does. */
  private async setTag(key: string, id: string, progress: (l: string) => void): Promise<void> {
    const prev = (await this.records.tags()).get(key);
    if (prev === id) return;
    if (prev) progress(`The image ${familiarTagKey(key)} already exists, renaming the old one with ID ${prev} to empty string`);
    await this.records.setTags([[key, id]]);
    const rec = await this.records.get(id);
    if (rec) await this.records.put({ ...rec, lastTagTime: new Date().toISOString() });
  }

  async load(body: Readable, progress: (line: string) => void): Promise<string[]> {
    await this.init();
    return this.lock.run(async () => {
      const staging = path.join(this.tmpDir, `load-${randomBytes(8).toString('hex')}`);
      const created: string[] = [];
      try {
        const archive = await StagedArchive.stage(body, staging);
        let plans: ImagePlan[];
        if (archive.has('manifest.json')) plans = await dockerPlans(archive);
        else if (archive.has('index.json')) plans = await ociPlans(archive);
        else throw new BadRequestError('image archive has neither manifest.json (docker save) nor index.json (OCI layout)');
        if (plans.length === 0) throw new BadRequestError('image archive contains no images');
        // Unpack every layer of every image before naming anything, so a bad
        // image in the archive leaves the store as it was.
        const chains: string[][] = [];
        for (const plan of plans) {
          const diffIds = plan.config.rootfs.diff_ids;
          const ids = chainIds(diffIds);
          for (const [i, chainID] of ids.entries()) {
            if (await this.layers.get(chainID)) continue;
            const l = plan.layers[i];
            if (!l) throw new BadRequestError(`${plan.what}: missing layer ${i}`);
            const parent = i === 0 ? null : (ids[i - 1] as string);
            const rec = await this.layers.ingest(archive.open(l.staged), parent, l.what, diffIds[i]);
            created.push(rec.chainID);
          }
          chains.push(ids);
        }
        const results: string[] = [];
        for (const [i, plan] of plans.entries()) {
          await this.blobs.putBytes(plan.configBytes);
          await this.commitImage(plan.id, plan.config, chains[i] as string[], progress);
          if (plan.names.length === 0) {
            progress(`Loaded image ID: ${plan.id}`);
            results.push(plan.id);
          }
          for (const key of plan.names) {
            await this.setTag(key, plan.id, progress);
            progress(`Loaded image: ${familiarTagKey(key)}`);
            results.push(familiarTagKey(key));
          }
        }
        created.length = 0;
        return results;
      } finally {
        await fs.rm(staging, { recursive: true, force: true });
        // Layers unpacked for a load that then failed belong to no image.
        if (created.length > 0) await this.collectGarbage();
      }
    });
  }

  async save(refs: string[], out: Writable): Promise<void> {
    await this.init();
    if (refs.length === 0) throw new BadRequestError('no images named');
    // image id → familiar names to record for it (in the order asked)
    const wanted = new Map<string, string[]>();
    const tags = await this.records.tags();
    for (const ref of refs) {
      const named = tryParseNormalizedNamed(ref);
      if (named && named.tag === undefined && named.digest === undefined && !/^(?:sha256:)?[a-f0-9]{1,64}$/.test(ref)) {
        // A bare repository name saves every tag of that repository, as Docker does.
        const keys = [...tags.keys()].filter((k) => repoOfTagKey(k) === fullName(named));
        if (keys.length > 0) {
          for (const k of keys) addName(wanted, tags.get(k) as string, k);
          continue;
        }
      }
      const rec = await this.mustResolve(ref);
      if (named && named.digest === undefined && tags.get(tagKey(named)) === rec.id) addName(wanted, rec.id, tagKey(named));
      else if (!wanted.has(rec.id)) wanted.set(rec.id, []);
    }

    const tar = new TarWriter(out);
    const written = new Set<string>();
    const manifestJson: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
    const index: { schemaVersion: 2; mediaType: string; manifests: unknown[] } = { schemaVersion: 2, mediaType: MT.ociIndex, manifests: [] };
    await tar.dir('blobs');
    await tar.dir('blobs/sha256');
    const blobPath = (d: string): string => `blobs/sha256/${digestHex(d)}`;
    for (const [id, keys] of wanted) {
      const rec = (await this.records.get(id)) as ImageRecord;
      const configBytes = await this.blobs.readVerified(id);
      const layers: Array<{ mediaType: string; digest: string; size: number }> = [];
      for (const d of rec.diffIDs) {
        const size = await this.blobs.size(d).catch(() => {
          throw new ApiError(500, `image ${shortId(id)}: layer blob ${d} is missing from the store`);
        });
        layers.push({ mediaType: MT.ociLayer, digest: d, size });
        if (!written.has(d)) {
          await tar.stream(blobPath(d), size, this.blobs.openVerified(d));
          written.add(d);
        }
      }
      if (!written.has(id)) {
        await tar.bytes(blobPath(id), configBytes);
        written.add(id);
      }
      const manifest = { schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: id, size: configBytes.length }, layers };
      validateOci('manifest', manifest, 'generated manifest');
      const manifestBytes = Buffer.from(JSON.stringify(manifest));
      const manifestDigest = await this.blobs.putBytes(manifestBytes);
      if (!written.has(manifestDigest)) {
        await tar.bytes(blobPath(manifestDigest), manifestBytes);
        written.add(manifestDigest);
      }
      const desc = { mediaType: MT.ociManifest, digest: manifestDigest, size: manifestBytes.length };
      if (keys.length === 0) index.manifests.push(desc);
      for (const k of keys) {
        const r = parseNormalizedNamed(k);
        index.manifests.push({ ...desc, annotations: { 'io.containerd.image.name': k, 'org.opencontainers.image.ref.name': r.tag ?? DEFAULT_TAG } });
      }
      manifestJson.push({ Config: blobPath(id), RepoTags: keys.length > 0 ? keys.map(familiarTagKey) : null, Layers: rec.diffIDs.map(blobPath) });
    }
    validateOci('index', index, 'generated index.json');
    await tar.bytes('index.json', Buffer.from(JSON.stringify(index)));
    await tar.bytes('manifest.json', Buffer.from(JSON.stringify(manifestJson)));
    await tar.bytes('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    await tar.end();
  }

  async tag(ref: string, repo: string, tag?: string): Promise<void> {
    await this.init();
    const r = parseNormalizedNamed(repo);
    if (r.digest !== undefined) throw new BadRequestError('refusing to create a tag with a digest reference');
    if (tag) validateTag(tag);
    const key = `${fullName(r)}:${tag || r.tag || DEFAULT_TAG}`;
    await this.lock.run(async () => {
      const rec = await this.mustResolve(ref);
      await this.setTag(key, rec.id, () => undefined);
    });
  }

  async remove(ref: string, opts: { force?: boolean; noprune?: boolean }, inUse: (id: string) => boolean): Promise<RemoveResult[]> {
    await this.init();
    return this.lock.run(async () => {
      const rec = await this.mustResolve(ref);
      const id = rec.id;
      const force = opts.force === true;
      const results: RemoveResult[] = [];
      let tags = await this.records.tagsOf(id);
      const byId = /^(?:sha256:)?[a-f0-9]{1,64}$/.test(ref) && id.slice(7).startsWith(ref.replace(/^sha256:/, ''));
      if (!byId) {
        const key = tagKey(parseNormalizedNamed(ref));
        if (!force && tags.length === 1 && inUse(id)) {
          throw new ConflictError(`conflict: unable to remove repository reference "${ref}" (must force) - container is using its referenced image ${shortId(id)}`);
        }
        await this.records.setTags([[key, undefined]]);
        results.push({ Untagged: familiarTagKey(key) });
        tags = await this.records.tagsOf(id);
        if (tags.length > 0) return results;
      } else {
        if (!force && inUse(id)) {
          throw new ConflictError(`conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by running container`);
        }
        const repos = new Set(tags.map(repoOfTagKey));
        if (!force && repos.size > 1) {
          throw new ConflictError(`conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`);
        }
      }
      if (tags.length > 0) {
        await this.records.setTags(tags.map((k) => [k, undefined]));
        for (const k of tags) results.push({ Untagged: familiarTagKey(k) });
      }
      const { deleted } = await this.deleteImage(id);
      results.push({ Deleted: id }, ...deleted.map((c) => ({ Deleted: c })));
      return results;
    });
  }

  async prune(opts: { dangling?: boolean; filters?: Record<string, string[]> }, inUse: (id: string) => boolean): Promise<{ ImagesDeleted: RemoveResult[]; SpaceReclaimed: number }> {
    await this.init();
    const filters = { ...(opts.filters ?? {}) };
    const danglingOnly = opts.dangling ?? filters['dangling']?.[0] !== 'false';
    delete filters['dangling'];
    const match = await this.filterFn(filters, ['label', 'until']);
    return this.lock.run(async () => {
      const ImagesDeleted: RemoveResult[] = [];
      let SpaceReclaimed = 0;
      for (const rec of await this.records.all()) {
        const tags = await this.records.tagsOf(rec.id);
        if (danglingOnly && tags.length > 0) continue;
        if (inUse(rec.id)) continue;
        if (!match(rec, await this.configDoc(rec.id), tags)) continue;
        if (tags.length > 0) {
          await this.records.setTags(tags.map((k) => [k, undefined]));
          for (const k of tags) ImagesDeleted.push({ Untagged: familiarTagKey(k) });
        }
        const { deleted, bytes } = await this.deleteImage(rec.id);
        ImagesDeleted.push({ Deleted: rec.id }, ...deleted.map((c) => ({ Deleted: c })));
        SpaceReclaimed += bytes;
      }
      return { ImagesDeleted, SpaceReclaimed };
    });
  }

  /** Drop an (untagged) image and whatever layers and blobs no other image uses. Under the lock. */
  private async deleteImage(id: string): Promise<{ deleted: string[]; bytes: number }> {
    const rec = await this.records.get(id);
    if (!rec) return { deleted: [], bytes: 0 };
    await this.records.delete(id);
    this.configs.delete(id);
    await this.blobs.remove(id);
    return this.collectGarbage(rec.chain);
  }

  /**
   * Remove layers no image record names (only `candidates` when given, else
   * all — the start-up sweep) and blobs nothing names. Counting by scan
   * keeps no counter that a crash could leave wrong.
   */
  private async collectGarbage(candidates?: string[]): Promise<{ deleted: string[]; bytes: number }> {
    const images = await this.records.all();
    const usedChains = new Set(images.flatMap((r) => r.chain));
    const deleted: string[] = [];
    let bytes = 0;
    for (const c of [...(candidates ?? (await this.layers.list()))].reverse()) {
      if (usedChains.has(c)) continue;
      const l = await this.layers.get(c);
      await this.layers.remove(c);
      if (l) {
        deleted.push(c);
        bytes += l.size;
      }
    }
    const keepBlobs = new Set<string>(images.map((r) => r.id));
    for (const c of await this.layers.list()) {
      const l = await this.layers.get(c);
      if (l) keepBlobs.add(l.diffID);
    }
    let names: string[] = [];
    try {
      names = await fs.readdir(this.blobs.dir);
    } catch {
      // No blobs yet.
    }
    for (const n of names) {
      const d = `sha256:${n}`;
      if (keepBlobs.has(d)) continue;
      // Generated manifests are derived data; everything else unnamed is garbage.
      await this.blobs.remove(d);
    }
    return { deleted, bytes };
  }

  /** Docker's image filters, as a predicate. Unknown filter names are a 400. */
  private async filterFn(filters: Record<string, string[]>, allowed: string[]): Promise<(rec: ImageRecord, cfg: ConfigDoc, tags: string[]) => boolean> {
    for (const k of Object.keys(filters)) if (!allowed.includes(k)) throw new BadRequestError(`invalid filter '${k}'`);
    const dangling = filters['dangling']?.[0];
    if (dangling !== undefined && dangling !== 'true' && dangling !== 'false' && dangling !== '1' && dangling !== '0') {
      throw new BadRequestError(`invalid filter 'dangling=${dangling}'`);
    }
    const wantDangling = dangling === undefined ? undefined : dangling === 'true' || dangling === '1';
    const labels = filters['label'] ?? [];
    const patterns = (filters['reference'] ?? []).map(globRe);
    const createdOf = async (ref: string): Promise<number> => Date.parse((await this.mustResolve(ref)).created);
    const before = filters['before']?.[0] !== undefined ? await createdOf(filters['before'][0]) : undefined;
    const since = filters['since']?.[0] !== undefined ? await createdOf(filters['since'][0]) : undefined;
    const until = filters['until']?.[0] !== undefined ? untilTime(filters['until'][0]) : undefined;
    return (rec, cfg, tags) => {
      if (wantDangling !== undefined && (tags.length === 0) !== wantDangling) return false;
      const l = cfg.config?.Labels ?? {};
      for (const f of labels) {
        const eq = f.indexOf('=');
        if (eq === -1 ? !(f in l) : l[f.slice(0, eq)] !== f.slice(eq + 1)) return false;
      }
      if (patterns.length > 0) {
        const names = tags.flatMap((k) => {
          const r = parseNormalizedNamed(k);
          return [familiarTagKey(k), familiarName(r)];
        });
        if (!names.some((n) => patterns.some((p) => p.test(n)))) return false;
      }
      const t = Date.parse(rec.created);
      if (before !== undefined && !(t < before)) return false;
      if (since !== undefined && !(t > since)) return false;
      if (until !== undefined && !(t < until)) return false;
      return true;
    };
  }
}

function addName(m: Map<string, string[]>, id: string, key: string): void {
  const list = m.get(id) ?? [];
  if (!list.includes(key)) list.push(key);
  m.set(id, list);
}

/** Docker's reference filter is a path.Match glob: `*` and `?` stop at `/`. */
function globRe(p: string): RegExp {
  const re = p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`);
}

/** `until`: a timestamp (RFC 3339 or unix seconds) or a Go duration ago (`24h`). */
function untilTime(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^(\d+)(s|m|h)$/.exec(v);
  if (d) return Date.now() - Number(d[1]) * (d[2] === 's' ? 1e3 : d[2] === 'm' ? 60e3 : 3600e3);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new BadRequestError(`invalid filter 'until=${v}'`);
  return t;
}

/**
 * Unpacked layers: ROOT/layers/<chainid-hex>/{diff/, layer.json}. A layer is
 * unpacked once and shared by every image whose chain contains it. Each
 * layer is built in a temp dir inside the store and renamed into place only
 * when the whole archive passed the safety policy (layer-policy.ts) and its
 * diffID matched, so a refused archive leaves nothing behind.
 *
 * The uncompressed tar is kept as blob <diffID> at the same time: `save`
 * must reproduce the exact bytes the diffID names, which re-tarring the
 * diff dir could not promise.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { Unpack, type ReadEntry } from 'tar';
import { ApiError, BadRequestError } from '../errors.js';
import { syncDir, writeJsonAtomic } from '../state/atomic.js';
import type { BlobStore } from './blobs.js';
import { decompressed } from './compression.js';
import { digestHex, sha256 } from './digest.js';
import { LayerPolicy, type NodeAttrs } from './layer-policy.js';
import type { OverlaySeam } from './overlay.js';

export interface LayerRecord {
  chainID: string;
  diffID: string;
  /** chainID of the layer beneath, null for a base layer. */
  parent: string | null;
  /** Bytes of regular files (Docker's layer size). */
  size: number;
  created: string;
  /** Whiteouts this host could not materialise (no CAP_MKNOD): layerDirs refuses the layer. */
  pendingWhiteouts: string[];
  /** Opaque dirs this host could not mark (no setfattr / no CAP_SYS_ADMIN): layerDirs refuses the layer. */
  pendingOpaque: string[];
}

const SYMLINK_PLACEHOLDER = '.tscompose-symlink-placeholder';

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export class LayerStore {
  readonly dir: string;
  private readonly tmpDir: string;
  private readonly blobs: BlobStore;
  private readonly overlay: OverlaySeam;

  constructor(root: string, tmpDir: string, blobs: BlobStore, overlay: OverlaySeam) {
    this.dir = path.join(root, 'layers');
    this.tmpDir = tmpDir;
    this.blobs = blobs;
    this.overlay = overlay;
  }

  layerDir(chainID: string): string {
    return path.join(this.dir, digestHex(chainID, 'layer chain ID'));
  }

  diffDir(chainID: string): string {
    return path.join(this.layerDir(chainID), 'diff');
  }

  async get(chainID: string): Promise<LayerRecord | undefined> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.layerDir(chainID), 'layer.json'), 'utf8')) as LayerRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir)).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
    } catch {
      return [];
    }
  }

  /**
   * Unpack one layer tar (raw or gzip) on top of `parent`. With
   * `expectedDiffID`, a mismatch refuses the layer. Returns the existing
   * record when another caller committed the same chain first.
   */
  async ingest(src: Readable, parent: string | null, what: string, expectedDiffID?: string): Promise<LayerRecord> {
    const work = path.join(this.tmpDir, `layer-${randomBytes(8).toString('hex')}`);
    const diff = path.join(work, 'diff');
    const blobTmp = this.blobs.tempPath();
    try {
      await fs.mkdir(diff, { recursive: true, mode: 0o755 });
      const { diffID, policy } = await this.unpack(src, diff, blobTmp, what);
      if (expectedDiffID !== undefined && diffID !== expectedDiffID) {
        throw new BadRequestError(`${what}: layer content does not match its diffID: config says ${expectedDiffID}, content hashes to ${diffID}`);
      }
      const pending = await this.finishTree(diff, policy);
      await this.blobs.commit(blobTmp, diffID);
      const chainID = parent === null ? diffID : sha256(`${parent} ${diffID}`);
      const record: LayerRecord = {
        chainID,
        diffID,
        parent,
        size: policy.size,
        created: new Date().toISOString(),
        ...pending,
      };
      await writeJsonAtomic(path.join(work, 'layer.json'), record);
      await fs.mkdir(this.dir, { recursive: true });
      try {
        await fs.rename(work, this.layerDir(chainID));
        await syncDir(this.dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
        // Same chain committed meanwhile: identical content, keep theirs.
        const existing = await this.get(chainID);
        if (!existing) throw err;
        await fs.rm(work, { recursive: true, force: true });
        return existing;
      }
      return record;
    } catch (err) {
      await fs.rm(work, { recursive: true, force: true }).catch(() => undefined);
      await fs.rm(blobTmp, { force: true }).catch(() => undefined);
      if (err instanceof ApiError) throw err;
      throw new BadRequestError(`${what}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Stream the (decompressed) tar into `diff` through the policy, hashing and keeping a copy as it goes. */
  private async unpack(src: Readable, diff: string, blobTmp: string, what: string): Promise<{ diffID: string; policy: LayerPolicy }> {
    const raw = await decompressed(src, what);
    const policy = new LayerPolicy();
    let refused: Error | undefined;
    const judged = new WeakSet<object>();
    const hash = createHash('sha256');
    const copy = createWriteStream(blobTmp, { flags: 'wx', mode: 0o644 });

    const unpack = new Unpack({
      cwd: diff,
      strict: true,
      preservePaths: false,
      preserveOwner: isRoot(),
      noMtime: false,
      // Modes (with setuid bits) are re-applied after chown in finishTree.
      chmod: false,
      filter: (_p: string, entry: unknown) => {
        const e = entry as ReadEntry;
        judged.add(e);
        if (refused) return false;
        try {
          const v = policy.check({
            path: e.path,
            type: e.type,
            linkpath: e.linkpath,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            mtime: e.mtime,
            atime: e.atime,
            size: e.size,
          });
          // node-tar rewrites absolute and escaping symlink targets (right for
          // unpacking on a host, wrong for a rootfs where `/bin/sh -> /bin/busybox`
          // is resolved inside the container). It gets a harmless placeholder and
          // finishTree writes the real target. The layer root's attributes,
          // whiteouts and opaque markers are also ours to apply, never node-tar's.
          if (v.action === 'extract' && e.type === 'SymbolicLink') e.linkpath = SYMLINK_PLACEHOLDER;
          return v.action === 'extract' && v.path !== '';
        } catch (err) {
          refused = err as Error;
          return false;
        }
      },
    });
    // node-tar ignores entry types it does not know without calling filter; refuse them instead.
    unpack.on('ignoredEntry', (entry: ReadEntry) => {
      if (!judged.has(entry) && !refused) {
        refused = new BadRequestError(`refusing layer archive: entry "${entry.path}": unsupported entry type ${String(entry.type)}`);
      }
    });

    const tee = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        if (copy.write(chunk)) cb(null, chunk);
        else copy.once('drain', () => cb(null, chunk));
      },
    });

    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        raw.destroy();
        tee.destroy();
        copy.destroy();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      raw.on('error', fail);
      tee.on('error', fail);
      copy.on('error', fail);
      unpack.on('error', fail);
      unpack.on('end', () => {
        if (settled) return;
        settled = true;
        resolve();
      });
      raw.pipe(tee).pipe(unpack as unknown as NodeJS.WritableStream);
    });
    await new Promise<void>((resolve, reject) => {
      copy.end(() => resolve());
      copy.on('error', reject);
    });
    if (refused) throw refused;
    const fh = await fs.open(blobTmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    return { diffID: 'sha256:' + hash.digest('hex'), policy };
  }

  /**
   * After node-tar: make implicit dirs, whiteouts and opaque markers, then
   * owners (root only), then modes (chown cleared setuid bits; node-tar's
   * modes were also cut by the umask), then times deepest-first (making
   * children touched their parents' mtimes). Every path comes from the
   * policy's model, whose parents are all real directories of this layer.
   */
  private async finishTree(diff: string, policy: LayerPolicy): Promise<Pick<LayerRecord, 'pendingWhiteouts' | 'pendingOpaque'>> {
    const abs = (p: string): string => (p === '' ? diff : path.join(diff, p));
    const entries: Array<[string, NodeAttrs]> = [...policy.nodes.entries()];
    if (policy.root) entries.push(['', policy.root]);
    for (const [p, a] of entries) {
      if (a.kind === 'dir') await fs.mkdir(abs(p), { recursive: true, mode: 0o755 });
    }
    for (const [p, a] of entries) {
      if (a.kind !== 'symlink' || a.linkpath === undefined) continue;
      const st = await fs.lstat(abs(p));
      if (!st.isSymbolicLink()) throw new Error(`extractor left "${p}" as something other than a symlink`);
      await fs.unlink(abs(p));
      await fs.symlink(a.linkpath, abs(p));
    }
    const pendingWhiteouts: string[] = [];
    for (const p of policy.whiteouts) {
      if (!(await this.overlay.whiteout(abs(p)))) pendingWhiteouts.push(p);
    }
    const pendingOpaque: string[] = [];
    for (const p of policy.opaque) {
      if (!(await this.overlay.opaque(abs(p)))) pendingOpaque.push(p);
    }
    const root = isRoot();
    for (const [p, a] of entries) {
      if (a.kind === 'whiteout') continue;
      const st = await fs.lstat(abs(p));
      if (root && a.uid !== undefined && a.gid !== undefined) await fs.lchown(abs(p), a.uid, a.gid);
      if (a.mode !== undefined && !st.isSymbolicLink()) await fs.chmod(abs(p), a.mode);
    }
    const byDepth = entries
      .filter(([, a]) => a.kind !== 'whiteout' && a.mtime !== undefined)
      .sort(([x], [y]) => depth(y) - depth(x));
    for (const [p, a] of byDepth) {
      const mtime = a.mtime as Date;
      await fs.lutimes(abs(p), a.atime ?? mtime, mtime);
    }
    return { pendingWhiteouts, pendingOpaque };
  }

  /** Delete a layer dir (rename first, so a half-deleted layer is never visible). */
  async remove(chainID: string): Promise<void> {
    const dir = this.layerDir(chainID);
    const trash = path.join(this.tmpDir, `del-${randomBytes(8).toString('hex')}`);
    try {
      await fs.rename(dir, trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    await fs.rm(trash, { recursive: true, force: true });
  }
}

function depth(p: string): number {
  return p === '' ? 0 : p.split('/').length;
}

/**
 * Tar building for image-store tests: entries encoded with node-tar's Header
 * (so hostile paths, devices and links can be written exactly as an
 * attacker would), plus docker-save and OCI-layout archive builders.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';

export interface TarEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';
  body?: string | Buffer;
  linkpath?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  devmaj?: number;
  devmin?: number;
}

export const MTIME = new Date('2020-01-02T03:04:05Z');

export function tarBuffer(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'File';
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const h = new Header({
      path: e.path,
      type,
      mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      size: type === 'File' ? body.length : 0,
      mtime: e.mtime ?? MTIME,
      uname: '',
      gname: '',
      ...(e.linkpath !== undefined ? { linkpath: e.linkpath } : {}),
      ...(e.devmaj !== undefined ? { devmaj: e.devmaj, devmin: e.devmin ?? 0 } : {}),
    });
    const block = Buffer.alloc(512);
    if (h.encode(block, 0)) throw new Error(`test tar: ${e.path} would need a pax header`);
    blocks.push(block);
    if (type === 'File' && body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const sha = (b: Buffer | string): string => 'sha256:' + createHash('sha256').update(b).digest('hex');
export const hex = (d: string): string => d.slice(7);
export const stream = (b: Buffer): Readable => Readable.from([b]);
export const gzip = (b: Buffer): Buffer => gzipSync(b);

/** A minimal image config for the given uncompressed layer tars. */
export function configFor(layers: Buffer[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2021-05-06T07:08:09Z',
      config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha(l)) },
      history: layers.map((_, i) => ({ created: '2021-05-06T07:08:09Z', created_by: `step ${i}` })),
      ...extra,
    }),
  );
}

/** An old-style (pre-25) docker-save archive: <id>.json, <n>/layer.tar, manifest.json. */
export function dockerSaveArchive(images: Array<{ layers: Buffer[]; tags?: string[]; config?: Buffer; configName?: string; layerPaths?: string[] }>, extra: TarEntry[] = []): Buffer {
  const entries: TarEntry[] = [];
  const manifest: unknown[] = [];
  let n = 0;
  for (const img of images) {
    const config = img.config ?? configFor(img.layers);
    const configName = img.configName ?? `${hex(sha(config))}.json`;
    entries.push({ path: configName, body: config });
    const layerPaths: string[] = [];
    for (const [i, l] of img.layers.entries()) {
      const dir = `layer${n++}`;
      entries.push({ path: `${dir}/`, type: 'Directory' }, { path: `${dir}/layer.tar`, body: l });
      layerPaths.push(img.layerPaths?.[i] ?? `${dir}/layer.tar`);
    }
    manifest.push({ Config: configName, RepoTags: img.tags ?? null, Layers: layerPaths });
  }
  entries.push({ path: 'manifest.json', body: JSON.stringify(manifest) }, ...extra);
  return tarBuffer(entries);
}

/** An OCI image layout (no manifest.json), layers gzip-compressed as registries store them. */
export function ociArchive(layers: Buffer[], name?: string, opts: { corruptLayer?: boolean } = {}): { tar: Buffer; config: Buffer } {
  const config = configFor(layers);
  const gz = layers.map((l) => gzip(l));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: gz.map((g) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(g), size: g.length })),
    }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: sha(manifest),
        size: manifest.length,
        ...(name ? { annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.split(':').pop() } } : {}),
      },
    ],
  };
  const entries: TarEntry[] = [
    { path: 'oci-layout', body: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { path: 'index.json', body: JSON.stringify(index) },
    { path: 'blobs/', type: 'Directory' },
    { path: 'blobs/sha256/', type: 'Directory' },
    { path: `blobs/sha256/${hex(sha(config))}`, body: config },
    { path: `blobs/sha256/${hex(sha(manifest))}`, body: manifest },
    ...gz.map((g) => ({ path: `blobs/sha256/${hex(sha(g))}`, body: opts.corruptLayer ? Buffer.concat([g, Buffer.from('x')]) : g })),
  ];
  return { tar: tarBuffer(entries), config };
}

/** A temp dir holding the store root and an (empty) canary dir beside it. */
export function sandbox(): { base: string; root: string; canary: string; cleanup: () => void } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-img-'));
  const root = path.join(base, 'store');
  const canary = path.join(base, 'canary');
  fs.mkdirSync(canary);
  return { base, root, canary, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) };
}

export async function collect(fn: (out: import('node:stream').Writable) => Promise<void>): Promise<Buffer> {
  const { PassThrough } = await import('node:stream');
  const pt = new PassThrough();
  const chunks: Buffer[] = [];
  pt.on('data', (c: Buffer) => chunks.push(c));
  await fn(pt);
  pt.end();
  return Buffer.concat(chunks);
}

export const isRoot = (): boolean => process.getuid?.() === 0;

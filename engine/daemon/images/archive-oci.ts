/**
 * OCI image layout (oci-layout, index.json, blobs/sha256/…): what
 * `docker save` writes since 25 beside manifest.json, and what other tools
 * (buildah, skopeo, crane) write alone. Every descriptor's blob is checked
 * against its digest and size; nested indexes are narrowed to this host's
 * platform.
 */
import { BadRequestError } from '../errors.js';
import type { StagedArchive, StagedFile } from './archive-read.js';
import { toTagKey } from './archive-docker.js';
import { digestHex } from './digest.js';
import { makePlan, type ImagePlan } from './image-config.js';
import { validateOci } from './oci-schema.js';

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayerForeign: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

const INDEX_TYPES = new Set<string>([MT.ociIndex, MT.dockerList]);
const MANIFEST_TYPES = new Set<string>([MT.ociManifest, MT.dockerManifest]);
const LAYER_TYPES = new Set<string>([
  MT.ociLayer,
  MT.ociLayerGzip,
  MT.dockerLayerGzip,
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
]);

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/** This host's platform in OCI words. */
export function hostPlatform(): { os: string; architecture: string } {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

function blob(a: StagedArchive, d: Descriptor, what: string): StagedFile {
  const f = a.get(`blobs/sha256/${digestHex(d.digest, `${what} digest`)}`, what);
  if (f.size !== d.size) throw new BadRequestError(`image archive: ${what}: blob ${d.digest} is ${f.size} bytes, descriptor says ${d.size}`);
  return f;
}

async function blobJson(a: StagedArchive, d: Descriptor, what: string): Promise<unknown> {
  const f = blob(a, d, what);
  return a.readJson(f.member, what);
}

function namesOf(d: Descriptor, what: string): string[] {
  const ann = d.annotations ?? {};
  const full = ann['io.containerd.image.name'];
  if (full) return [toTagKey(full, what)];
  const ref = ann['org.opencontainers.image.ref.name'];
  // A bare tag ("latest") names no repository; only a full reference is a name.
  if (ref && /[/:]/.test(ref)) return [toTagKey(ref, what)];
  return [];
}

export async function ociPlans(a: StagedArchive): Promise<ImagePlan[]> {
  if (a.has('oci-layout')) validateOci('layout', await a.readJson('oci-layout', 'archive'), 'oci-layout');
  const index = await a.readJson('index.json', 'archive');
  validateOci('index', index, 'index.json');
  const plans: ImagePlan[] = [];
  for (const [i, d] of (index as { manifests: Descriptor[] }).manifests.entries()) {
    const what = `index.json manifest ${i}`;
    await planFor(a, d, namesOf(d, what), what, plans, 0);
  }
  return plans;
}

async function planFor(a: StagedArchive, d: Descriptor, names: string[], what: string, plans: ImagePlan[], depth: number): Promise<void> {
  if (depth > 4) throw new BadRequestError(`image archive: ${what}: indexes nested too deeply`);
  if (INDEX_TYPES.has(d.mediaType)) {
    const idx = await blobJson(a, d, what);
    validateOci('index', idx, what);
    const host = hostPlatform();
    const all = (idx as { manifests: Descriptor[] }).manifests;
    const mine = all.filter((m) => !m.platform || (m.platform.os === host.os && m.platform.architecture === host.architecture));
    // Attestations and other platforms are not loaded; only one image per name.
    const pick = mine.find((m) => MANIFEST_TYPES.has(m.mediaType) || INDEX_TYPES.has(m.mediaType));
    if (!pick) throw new BadRequestError(`image archive: ${what}: no manifest for ${host.os}/${host.architecture}`);
    await planFor(a, pick, names, `${what} (${pick.digest})`, plans, depth + 1);
    return;
  }
  if (!MANIFEST_TYPES.has(d.mediaType)) throw new BadRequestError(`image archive: ${what}: unsupported media type ${d.mediaType}`);
  const m = await blobJson(a, d, what);
  validateOci('manifest', m, `${what} manifest`);
  const man = m as { config: Descriptor; layers: Descriptor[] };
  if (man.config.mediaType !== MT.ociConfig && man.config.mediaType !== MT.dockerConfig) {
    throw new BadRequestError(`image archive: ${what}: config media type ${man.config.mediaType} is not an image config`);
  }
  const cfg = blob(a, man.config, `${what} config`);
  const configBytes = await a.readBytes(cfg.member, `${what} config`);
  const layers = man.layers.map((l, j) => {
    if (l.mediaType === MT.ociLayerZstd) throw new BadRequestError(`image archive: ${what} layer ${j}: zstd-compressed layers are not supported`);
    if (!LAYER_TYPES.has(l.mediaType)) throw new BadRequestError(`image archive: ${what} layer ${j}: unsupported media type ${l.mediaType}`);
    return { staged: blob(a, l, `${what} layer ${j}`), what: `${what} layer ${j} (${l.digest})` };
  });
  plans.push(makePlan(configBytes, man.config.digest, layers, names, what));
}

/**
 * `docker save` format: manifest.json (one entry per image: Config, RepoTags,
 * Layers as archive paths), with the older `repositories` file used for
 * names when an entry carries none.
 */
import posix from 'node:path/posix';
import { BadRequestError } from '../errors.js';
import type { StagedArchive } from './archive-read.js';
import { makePlan, type ImagePlan } from './image-config.js';
import { parseNormalizedNamed, tagKey } from './reference.js';

interface ManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function isEntry(x: unknown): x is ManifestEntry {
  if (x === null || typeof x !== 'object') return false;
  const e = x as Record<string, unknown>;
  return (
    typeof e['Config'] === 'string' &&
    Array.isArray(e['Layers']) &&
    e['Layers'].every((l) => typeof l === 'string') &&
    (e['RepoTags'] === undefined || e['RepoTags'] === null || (Array.isArray(e['RepoTags']) && e['RepoTags'].every((t) => typeof t === 'string')))
  );
}

/** `<hex>.json` or `blobs/sha256/<hex>`: the id the archive promises for a config. */
function idFromConfigPath(p: string): string | undefined {
  const m = /(?:^|\/)([a-f0-9]{64})(?:\.json)?$/.exec(p);
  return m ? `sha256:${m[1] as string}` : undefined;
}

export function toTagKey(name: string, what: string): string {
  try {
    return tagKey(parseNormalizedNamed(name));
  } catch (err) {
    throw new BadRequestError(`${what}: invalid image name "${name}": ${(err as Error).message}`);
  }
}

export async function dockerPlans(a: StagedArchive): Promise<ImagePlan[]> {
  const manifest = await a.readJson('manifest.json', 'archive');
  if (!Array.isArray(manifest) || !manifest.every(isEntry)) {
    throw new BadRequestError('image archive: manifest.json must be a list of {Config, RepoTags, Layers}');
  }
  let legacy: Record<string, Record<string, string>> = {};
  if (a.has('repositories')) {
    const r = await a.readJson('repositories', 'archive');
    if (r && typeof r === 'object') legacy = r as Record<string, Record<string, string>>;
  }
  const plans: ImagePlan[] = [];
  for (const [i, e] of manifest.entries()) {
    const what = `manifest.json entry ${i} (${e.RepoTags?.[0] ?? e.Config})`;
    const configBytes = await a.readBytes(e.Config, `${what} Config`);
    const layers = e.Layers.map((l, j) => ({ staged: a.get(l, `${what} layer ${j}`), what: `${what} layer ${j} (${l})` }));
    let tags = e.RepoTags ?? [];
    if (tags.length === 0 && e.Layers.length > 0) {
      // Pre-1.10 naming: repositories maps name → tag → v1 id of the top layer dir.
      const top = posix.dirname(e.Layers[e.Layers.length - 1] as string);
      tags = Object.entries(legacy).flatMap(([name, t]) =>
        t && typeof t === 'object' ? Object.entries(t).filter(([, v]) => v === top).map(([tag]) => `${name}:${tag}`) : [],
      );
    }
    const names = tags.map((t) => toTagKey(t, what));
    plans.push(makePlan(configBytes, idFromConfigPath(e.Config), layers, names, what));
  }
  return plans;
}

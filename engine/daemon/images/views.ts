/**
 * The Engine API shapes (ImageSummary, ImageInspect, HistoryResponseItem)
 * built from a record, its config and its tags.
 */
import type { ConfigDoc } from './image-config.js';
import type { ImageRecord } from './records.js';
import { familiarTagKey } from './reference.js';
import type { HistoryItem, ImageInspect, ImageSummary } from './types.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function unix(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

export function summary(rec: ImageRecord, cfg: ConfigDoc, tags: string[]): ImageSummary {
  return {
    Id: rec.id,
    ParentId: '',
    RepoTags: tags.map(familiarTagKey),
    RepoDigests: [],
    Created: unix(cfg.created),
    Size: rec.size,
    // Not computed (Docker also answers -1 unless asked to).
    SharedSize: -1,
    Labels: cfg.config?.Labels ?? {},
    Containers: -1,
  };
}

export function inspect(rec: ImageRecord, cfg: ConfigDoc, tags: string[], diffDirs: string[]): ImageInspect {
  const data: Record<string, string> = {};
  const [upper, ...lowers] = diffDirs;
  if (lowers.length > 0) data['LowerDir'] = lowers.join(':');
  if (upper !== undefined) data['UpperDir'] = upper;
  return {
    Id: rec.id,
    RepoTags: tags.map(familiarTagKey),
    RepoDigests: [],
    Parent: '',
    Comment: cfg.comment ?? '',
    Created: cfg.created ?? ZERO_TIME,
    DockerVersion: cfg.docker_version ?? '',
    Author: cfg.author ?? '',
    Config: cfg.config ?? {},
    Architecture: cfg.architecture,
    Os: cfg.os,
    Size: rec.size,
    GraphDriver: { Name: 'overlay2', Data: data },
    RootFS: { Type: 'layers', Layers: [...cfg.rootfs.diff_ids] },
    Metadata: { LastTagTime: rec.lastTagTime ?? ZERO_TIME },
  };
}

/** Newest first, as `docker history` prints; only the top entry carries the image id and tags. */
export function history(rec: ImageRecord, cfg: ConfigDoc, tags: string[], layerSizes: number[]): HistoryItem[] {
  const items: HistoryItem[] = [];
  let layer = 0;
  const entries = cfg.history && cfg.history.length > 0
    ? cfg.history
    : cfg.rootfs.diff_ids.map(() => ({ created: cfg.created ?? ZERO_TIME }));
  for (const h of entries) {
    const empty = 'empty_layer' in h && h.empty_layer === true;
    const size = empty ? 0 : (layerSizes[layer++] ?? 0);
    items.push({
      Id: '<missing>',
      Created: unix(h.created),
      CreatedBy: ('created_by' in h ? h.created_by : undefined) ?? '',
      Tags: null,
      Size: size,
      Comment: ('comment' in h ? h.comment : undefined) ?? '',
    });
  }
  items.reverse();
  const top = items[0];
  if (top) {
    top.Id = rec.id;
    top.Tags = tags.length > 0 ? tags.map(familiarTagKey) : null;
  }
  return items;
}

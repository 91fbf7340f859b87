/**
 * Volumes: the on-disk record (ROOT/volumes/<name>/volume.json) and the API
 * shape (`Volume` of the Engine API) built from it.
 */

/** dockerd labels anonymous volumes so `volume prune` (without --all) removes only those. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export interface VolumeRecord {
  /** Record format version, for later migrations. */
  Version: 1;
  Name: string;
  Driver: 'local';
  Labels: Record<string, string>;
  /** Driver options as given (`type`, `o`, `device`). */
  Options: Record<string, string>;
  /** RFC3339, as dockerd's local driver reports it. */
  CreatedAt: string;
}

export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
}

export interface VolumeCreateRequest {
  Name?: string | null;
  Driver?: string | null;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

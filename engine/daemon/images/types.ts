/**
 * The image store's contract, as the API routes use it. Shapes follow the
 * Docker Engine API (../../../shared/reference/docker-engine-api.yaml):
 * ImageSummary, ImageInspect, HistoryResponseItem.
 */
import type { Readable, Writable } from 'node:stream';

/** The parts of an image config (OCI / Docker `config`) the engine uses. */
export interface ImageConfig {
  User?: string;
  Env?: string[];
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  OnBuild?: string[] | null;
}

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string>;
  Containers: number;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: ImageConfig;
  Architecture: string;
  Os: string;
  Size: number;
  GraphDriver: { Name: string; Data: Record<string, string> };
  RootFS: { Type: 'layers'; Layers: string[] };
  Metadata: { LastTagTime: string };
}

export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface ImportOptions {
  repo?: string;
  tag?: string;
  message?: string;
  /** Dockerfile-like `changes` (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL). */
  changes?: string[];
  platform?: string;
}

export interface RemoveResult {
  Untagged?: string;
  Deleted?: string;
}

export interface ImageStore {
  list(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<ImageSummary[]>;
  /** By `name[:tag]`, full or short id (`sha256:` optional), or `name@digest`. NotFoundError when absent. */
  inspect(ref: string): Promise<ImageInspect>;
  /** The resolved image id, or undefined. */
  resolve(ref: string): Promise<string | undefined>;
  config(id: string): Promise<ImageConfig>;
  /** A rootfs tarball (optionally compressed) as a one-layer image (`docker import`). */
  importRootfs(body: Readable, opts: ImportOptions): Promise<string>;
  /** `docker load`: a docker-save or OCI-layout archive. Returns the loaded names (or ids when untagged). */
  load(body: Readable, progress: (line: string) => void): Promise<string[]>;
  /** `docker save`: a docker-save archive (with OCI index) of the images named. */
  save(refs: string[], out: Writable): Promise<void>;
  tag(ref: string, repo: string, tag?: string): Promise<void>;
  /** `inUse(id)` tells whether a container uses the image (409 unless force). */
  remove(ref: string, opts: { force?: boolean; noprune?: boolean }, inUse: (id: string) => boolean): Promise<RemoveResult[]>;
  history(ref: string): Promise<HistoryItem[]>;
  prune(opts: { dangling?: boolean; filters?: Record<string, string[]> }, inUse: (id: string) => boolean): Promise<{ ImagesDeleted: RemoveResult[]; SpaceReclaimed: number }>;
  /** Unpacked layer dirs for overlayfs `lowerdir`, topmost first. */
  layerDirs(id: string): Promise<string[]>;
}

/**
 * What the API routes are given: the daemon's parts, wired once by main.ts.
 * Routes never reach the host or global state except through these.
 */
import type { ContainerLookup } from '../containers/handle.js';
import type { EventSink } from '../events/bus.js';
import type { ImageStore } from '../images/types.js';
import type { Logger } from '../server/logger.js';
import type { BodyValidator } from '../server/validate.js';
import type { VolumeStore } from '../volumes/store.js';
import type { HostFacts } from './host-facts.js';

export interface BuildInfo {
  version: string;
  apiVersion: string;
  minApiVersion: string;
  gitCommit: string;
  buildTime: string;
}

export interface EngineContext {
  id: string;
  root: string;
  debug: boolean;
  build: BuildInfo;
  facts: HostFacts;
  logger: Logger;
  validator: BodyValidator;
  volumes: VolumeStore;
  /** Undefined when the image store failed to open (its routes then answer 500 with why). */
  images: ImageStore | undefined;
  imagesError?: string;
  /** Whether a container uses the image; none do until containers exist. */
  imageInUse: (id: string) => boolean;
  /** The container manager's lookup (for the I/O routes); absent in route tests that need none. */
  containers?: ContainerLookup;
  /** Where image and volume events go (the daemon's bus); absent in route tests. */
  events?: EventSink;
}

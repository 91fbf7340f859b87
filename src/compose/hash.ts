/**
 * The `com.docker.compose.config-hash` label: docker/compose
 * `pkg/compose/hash.go`. A container is recreated when the hash of its service
 * changes, so tscompose and Docker Compose must compute the same value for
 * the same service: sha256 (hex) of Go's `json.Marshal` of compose-go's
 * ServiceConfig — compact, struct field order, map keys sorted by bytes, `<`,
 * `>`, `&` escaped — after clearing the fields that must not trigger a
 * recreate (build, pull_policy, scale, deploy.replicas, depends_on, profiles).
 * `docker compose config --hash` prints the same value.
 *
 * The JSON comes from the renderer's Go marshalling (config-render.ts), so the
 * label and `config --format json` can never disagree on a field.
 */
import { createHash } from 'node:crypto';
import type { NetworkConfig, ServiceConfig, VolumeConfig } from '../model/project.js';
import { encodeGoJson, structNode } from './config-render.js';

/** ServiceHash: the fields that do not change the running container are cleared first. */
export function serviceConfigHash(service: ServiceConfig): string {
  const {
    build: _build,
    pullPolicy: _pullPolicy,
    scale: _scale,
    dependsOn: _dependsOn,
    profiles: _profiles,
    ...rest
  } = service;
  const hashed: Omit<ServiceConfig, 'build' | 'pullPolicy' | 'scale' | 'dependsOn' | 'profiles'> = rest;
  if (service.deploy) {
    const { replicas: _replicas, ...deploy } = service.deploy;
    hashed.deploy = deploy;
  }
  return sha256(encodeGoJson(structNode(hashed, 'service', 'json')));
}

/** NetworkHash: the whole network config. */
export function networkConfigHash(network: NetworkConfig): string {
  return sha256(encodeGoJson(structNode(network, 'network', 'json')));
}

/** VolumeHash: the volume config, an unset driver counted as `local`. */
export function volumeConfigHash(volume: VolumeConfig): string {
  const v: VolumeConfig = volume.driver ? volume : { ...volume, driver: 'local' };
  return sha256(encodeGoJson(structNode(v, 'volume', 'json')));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

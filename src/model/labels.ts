/**
 * The `com.docker.compose.*` labels Docker Compose puts on what it creates
 * (docker/compose `pkg/api/labels.go`). tscompose writes the same names so that
 * Docker Compose and tscompose see the same project, and each can take over
 * containers, networks and volumes the other created.
 */

const PREFIX = 'com.docker.compose';

/** Project name; on containers, networks, volumes and built images. */
export const PROJECT_LABEL = `${PREFIX}.project`;
/** Service name; on containers and built images. */
export const SERVICE_LABEL = `${PREFIX}.service`;
/** 1..N index of a service container (not set on one-off containers). */
export const CONTAINER_NUMBER_LABEL = `${PREFIX}.container-number`;
/** `"True"` on `run` containers, `"False"` otherwise. */
export const ONEOFF_LABEL = `${PREFIX}.oneoff`;
/** Random slug of a one-off container (`<project>-<service>-run-<slug>`). */
export const SLUG_LABEL = `${PREFIX}.slug`;
/** sha256 of the service (network, volume) configuration; drives recreation. */
export const CONFIG_HASH_LABEL = `${PREFIX}.config-hash`;
/** Absolute project directory; read by `ls`. */
export const WORKING_DIR_LABEL = `${PREFIX}.project.working_dir`;
/** Comma-joined absolute compose file paths; read by `ls`. */
export const CONFIG_FILES_LABEL = `${PREFIX}.project.config_files`;
/** Comma-joined absolute env file paths used for interpolation. */
export const ENV_FILE_LABEL = `${PREFIX}.project.environment_file`;
/** `svc:condition:restart,…` of the service's dependencies. */
export const DEPENDENCIES_LABEL = `${PREFIX}.depends_on`;
/** Digest of the image the container was created from (recreate when it changes). */
export const IMAGE_DIGEST_LABEL = `${PREFIX}.image`;
/** Digests of images mounted with `type: image` volumes. */
export const IMAGE_VOLUME_DIGEST_LABEL = `${PREFIX}.image-volume-digest`;
/** Version of the Compose implementation that created the resource. */
export const VERSION_LABEL = `${PREFIX}.version`;
/** Compose key of a network (`default`, not `<project>_default`). */
export const NETWORK_LABEL = `${PREFIX}.network`;
/** Compose key of a volume. */
export const VOLUME_LABEL = `${PREFIX}.volume`;
/** Name of the container a recreated container replaced. */
export const CONTAINER_REPLACE_LABEL = `${PREFIX}.replace`;
/** Lifecycle hook a helper container runs for. */
export const HOOK_LABEL = `${PREFIX}.hook`;
/** Builder that produced an image (`classic`). */
export const IMAGE_BUILDER_LABEL = `${PREFIX}.image.builder`;

/** Every label above, for filters and checks that treat them as reserved. */
export const COMPOSE_LABELS: readonly string[] = [
  PROJECT_LABEL,
  SERVICE_LABEL,
  CONTAINER_NUMBER_LABEL,
  ONEOFF_LABEL,
  SLUG_LABEL,
  CONFIG_HASH_LABEL,
  WORKING_DIR_LABEL,
  CONFIG_FILES_LABEL,
  ENV_FILE_LABEL,
  DEPENDENCIES_LABEL,
  IMAGE_DIGEST_LABEL,
  IMAGE_VOLUME_DIGEST_LABEL,
  VERSION_LABEL,
  NETWORK_LABEL,
  VOLUME_LABEL,
  CONTAINER_REPLACE_LABEL,
  HOOK_LABEL,
  IMAGE_BUILDER_LABEL,
];

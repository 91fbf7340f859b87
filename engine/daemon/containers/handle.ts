/**
 * What the I/O routes (logs, attach, exec) need of a container, and what the
 * container manager (lifecycle.ts) provides. Kept apart so both sides can be
 * written and tested on their own.
 *
 * On disk, per container, under ROOT/containers/<id>/:
 *   config.v2.json        the record (Docker's inspect shape + our paths), written atomically
 *   bundle/config.json    the OCI bundle config (rootfs = merged dir below)
 *   rootfs/{upper,work,merged}   the overlay (lowers = the image's layer dirs)
 *   hostname, hosts, resolv.conf  files bind-mounted into the container
 *   monitor -> RUN/<id>   a symlink to tscompose-monitor's state dir (monitor.pid,
 *                         container.pid, attach.sock, ctl (resize), exit.json,
 *                         monitor.err). RUN is /run/tscompose/<hash of ROOT> (a temp
 *                         dir when not root): a unix socket path must stay under 108
 *                         bytes. Always use ContainerHandle.monitorDir, never build it.
 *   <id>-json.log         the json-file log (rotated as <id>-json.log.1 …)
 */

export interface ContainerHandle {
  /** Full 64-hex id. */
  id: string;
  /** Name without the leading slash. */
  name: string;
  /** Config.Tty: no multiplexing of stdout/stderr when true. */
  tty: boolean;
  /** Config.OpenStdin. */
  openStdin: boolean;
  /** The json-file log written by the monitor. */
  logPath: string;
  /** The monitor's state dir (attach.sock, ctl, exit.json). */
  monitorDir: string;
  /** The runtime binary and its --root, for `exec`. */
  runtime: { bin: string; root: string };
  /** The OCI bundle dir (config.json) — exec reuses its process defaults. */
  bundleDir: string;
}

export interface ContainerLookup {
  /** By full id, unique id prefix or name (with or without `/`); NotFoundError otherwise. */
  handle(idOrName: string): ContainerHandle;
  /** Whether the container's process is running now. */
  isRunning(id: string): boolean;
  /** Resolves when the container stops (now, if it is not running). */
  waitStopped(id: string): Promise<void>;
  /** State.StartedAt: changes with every start, so a run too short to be seen running is still noticed. */
  startedAt?(id: string): string | undefined;
  /** Publishes a container event (attach, resize, exec_*) with the container's attributes. */
  event?(id: string, action: string, extra?: Readonly<Record<string, string>>): void;
}

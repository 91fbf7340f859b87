/**
 * Recovery at daemon start: every record is checked against the host.
 *  - running/paused and the container's init alive → stays so, watched again
 *    (and a running one's healthcheck monitored again, from "starting");
 *  - running but gone → exit handling (exit.json if the monitor wrote one);
 *  - created/exited with its overlay still mounted → unmounted;
 *  - directories without a record, or records without a bundle config
 *    (a create a crash cut short), and `.removing-*` leftovers → removed,
 *    with the anonymous volumes that create made (its bundle config or record
 *    names them) when no container uses them: the create failed, and its own
 *    error path (like dockerd's cleanupContainer) removes them too;
 *  - restarting (the daemon died during a back-off) → exited with its last code;
 *  - then, as dockerd's restore, stopped containers whose restart policy
 *    says so (restart-policy.ts restartOnDaemonStart) are started again.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { VolumeStore } from '../volumes/store.js';
import { ANONYMOUS_LABEL } from '../volumes/types.js';
import type { ContainerManager } from './lifecycle.js';
import { readPidFile } from './lifecycle.js';
import { ZERO_TIME } from './records.js';
import { restartOnDaemonStart } from './restart-policy.js';
import { isRunning } from './state-machine.js';
import type { OciMount } from './types.js';

export interface ReconcileOptions {
  /** The (opened) volume store: without it, volumes of interrupted creates are left as they are. */
  volumes?: VolumeStore;
}

export async function reconcileContainers(m: ContainerManager, opts: ReconcileOptions = {}): Promise<void> {
  const { halfMade } = await m.store.load();
  const log = m.logger;
  for (const entry of await fs.promises.readdir(m.store.dir)) {
    if (entry.startsWith('.removing-')) await fs.promises.rm(path.join(m.store.dir, entry), { recursive: true, force: true });
  }
  // Volumes the dropped containers may have made for themselves, checked once every record is settled.
  const orphanCandidates = new Set<string>();
  for (const id of halfMade) {
    if (opts.volumes) for (const v of await bundleVolumes(m.paths(id).bundleConfig, opts.volumes)) orphanCandidates.add(v);
    await dropDir(m, id);
    log.warn(`container ${id}: removed what an interrupted create left`);
  }
  const toRestart: string[] = [];
  for (const rec of m.store.all()) {
    const p = m.paths(rec.Id);
    if (rec.State.Status === 'restarting') await m.settleRestarting(rec.Id);
    if (!fs.existsSync(p.bundleConfig)) {
      m.store.forget(rec.Id);
      for (const v of rec.AnonymousVolumes) orphanCandidates.add(v);
      await dropDir(m, rec.Id);
      log.warn(`container ${rec.Id}: no bundle config; removed`);
      continue;
    }
    if (isRunning(rec.State)) {
      const pid = readPidFile(path.join(p.monitor, 'container.pid')) ?? rec.State.Pid;
      if (pid > 0 && m.host.pidAlive(pid) && !fs.existsSync(path.join(p.monitor, 'exit.json'))) {
        rec.State.Pid = pid;
        log.info(`container ${rec.Id}: still running (pid ${pid}), watching it again`);
        // dockerd's restore: a running (not paused) container's healthcheck starts over as "starting".
        if (rec.State.Status === 'running' && !m.health.running(rec.Id)) {
          m.health.start(rec);
          await m.persist(rec);
        }
      }
      // Either way the watcher decides: it fires at once for a container that is gone.
      m.watch(rec);
      continue;
    }
    if (m.host.isMounted(p.merged)) {
      await m.host.unmount(p.merged).catch((e: unknown) => log.warn(`container ${rec.Id}: ${(e as Error).message}`));
      log.info(`container ${rec.Id}: unmounted a stale rootfs`);
    }
    const wanted = restartOnDaemonStart(rec.HostConfig.RestartPolicy, {
      exitCode: rec.State.ExitCode,
      restartCount: rec.RestartCount,
      manuallyStopped: rec.HasBeenManuallyStopped === true,
      startedBefore: rec.State.StartedAt !== ZERO_TIME,
    });
    if (wanted && (rec.State.Status === 'exited' || rec.State.Status === 'created')) toRestart.push(rec.Id);
  }
  if (opts.volumes) await removeOrphanAnonymousVolumes(m, opts.volumes, orphanCandidates);
  for (const id of toRestart) {
    await m.start(id).then(
      () => log.info(`container ${id}: started again by its restart policy`),
      (e: unknown) => log.warn(`container ${id}: restart policy start failed: ${(e as Error).message}`),
    );
  }
}

async function dropDir(m: ContainerManager, id: string): Promise<void> {
  const p = m.paths(id);
  await m.host.runtime(m.bins.runtime, ['--root', m.runtimeRoot, 'delete', '--force', id]).catch(() => undefined);
  if (m.host.isMounted(p.merged)) await m.host.unmount(p.merged).catch(() => undefined);
  await fs.promises.rm(p.dir, { recursive: true, force: true });
  await fs.promises.rm(p.monitor, { recursive: true, force: true });
}

/**
 * The volumes a bundle config mounts (sources that are a volume's mountpoint).
 * None when the create was cut before the bundle was written.
 */
async function bundleVolumes(bundleConfig: string, volumes: VolumeStore): Promise<string[]> {
  let mounts: OciMount[];
  try {
    mounts = (JSON.parse(await fs.promises.readFile(bundleConfig, 'utf8')) as { mounts?: OciMount[] }).mounts ?? [];
  } catch {
    return [];
  }
  return volumeNamesOfMounts(mounts, volumes.dir);
}

/** Pure: the names of `ROOT/volumes/<name>/_data` mount sources. */
export function volumeNamesOfMounts(mounts: readonly { source?: string }[], volumesDir: string): string[] {
  const out: string[] = [];
  for (const m of mounts) {
    const src = m.source;
    if (src === undefined || path.basename(src) !== '_data') continue;
    const dir = path.dirname(src);
    if (path.dirname(dir) === volumesDir) out.push(path.basename(dir));
  }
  return out;
}

/** Removes the candidates that are anonymous and used by no container left: named volumes always stay. */
async function removeOrphanAnonymousVolumes(m: ContainerManager, volumes: VolumeStore, candidates: ReadonlySet<string>): Promise<void> {
  for (const name of candidates) {
    let labels: Record<string, string>;
    try {
      labels = volumes.get(name).Labels;
    } catch {
      continue; // Never made, or its create was cut short too (not a volume).
    }
    if (!Object.hasOwn(labels, ANONYMOUS_LABEL) || m.volumeUsers(name).length > 0) continue;
    await volumes.remove(name, { force: true }).then(
      () => m.logger.warn(`volume ${name}: removed, an anonymous volume of an interrupted create`),
      (e: unknown) => m.logger.warn(`volume ${name}: ${(e as Error).message}`),
    );
  }
}

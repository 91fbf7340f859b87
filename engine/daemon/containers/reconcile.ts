/**
 * Recovery at daemon start: every record is checked against the host.
 *  - running/paused and the container's init alive → stays so, watched again;
 *  - running but gone → exit handling (exit.json if the monitor wrote one);
 *  - created/exited with its overlay still mounted → unmounted;
 *  - directories without a record, or records without a bundle config
 *    (a create a crash cut short), and `.removing-*` leftovers → removed;
 *  - restarting (the daemon died during a back-off) → exited with its last code;
 *  - then, as dockerd's restore, stopped containers whose restart policy
 *    says so (restart-policy.ts restartOnDaemonStart) are started again.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerManager } from './lifecycle.js';
import { readPidFile } from './lifecycle.js';
import { ZERO_TIME } from './records.js';
import { restartOnDaemonStart } from './restart-policy.js';
import { isRunning } from './state-machine.js';

export async function reconcileContainers(m: ContainerManager): Promise<void> {
  const { halfMade } = await m.store.load();
  const log = m.logger;
  for (const entry of await fs.promises.readdir(m.store.dir)) {
    if (entry.startsWith('.removing-')) await fs.promises.rm(path.join(m.store.dir, entry), { recursive: true, force: true });
  }
  for (const id of halfMade) {
    await dropDir(m, id);
    log.warn(`container ${id}: removed what an interrupted create left`);
  }
  const toRestart: string[] = [];
  for (const rec of m.store.all()) {
    const p = m.paths(rec.Id);
    if (rec.State.Status === 'restarting') await m.settleRestarting(rec.Id);
    if (!fs.existsSync(p.bundleConfig)) {
      m.store.forget(rec.Id);
      await dropDir(m, rec.Id);
      log.warn(`container ${rec.Id}: no bundle config; removed`);
      continue;
    }
    if (isRunning(rec.State)) {
      const pid = readPidFile(path.join(p.monitor, 'container.pid')) ?? rec.State.Pid;
      if (pid > 0 && m.host.pidAlive(pid) && !fs.existsSync(path.join(p.monitor, 'exit.json'))) {
        rec.State.Pid = pid;
        log.info(`container ${rec.Id}: still running (pid ${pid}), watching it again`);
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

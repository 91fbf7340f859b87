/**
 * The engine daemon: `node dist/engine/daemon/main.js [--host unix:///path.sock]
 * [--root DIR] [--debug] [--log-stderr]` (env TSCOMPOSE_HOST, TSCOMPOSE_ROOT).
 * Wires the parts together, serves the Engine API on the unix socket, and stops
 * gracefully on SIGTERM/SIGINT: the listener closes, containers (when there
 * are some) are left running for their monitors.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBuildInfo } from './api/build-info.js';
import type { EngineContext } from './api/engine-context.js';
import { readHostFacts } from './api/host-facts.js';
import { registerContainerIoRoutes } from './api/routes-container-io.js';
import { registerImageRoutes } from './api/routes-images.js';
import { registerArchiveRoutes } from './api/routes-archive.js';
import { registerContainerRoutes } from './api/routes-containers.js';
import { registerEventRoutes } from './api/routes-events.js';
import { registerNetworkRoutes } from './api/routes-networks.js';
import { registerStatsRoutes } from './api/routes-stats.js';
import { registerSystemRoutes } from './api/routes-system.js';
import { registerVolumeRoutes } from './api/routes-volumes.js';
import { API_VERSION, DEFAULT_ROOT, ENGINE_VERSION, MIN_API_VERSION, apiSchemaDir, parseDaemonArgs } from './config.js';
import type { DaemonConfig } from './config.js';
import { realHostOps } from './containers/host-ops.js';
import { readHostSpecFacts } from './containers/host-spec.js';
import { ContainerManager } from './containers/lifecycle.js';
import { reconcileContainers } from './containers/reconcile.js';
import { findRuntimeBins } from './containers/runtime-bins.js';
import { readHostResolvConf } from './containers/etc-files.js';
import { netView } from './containers/networking.js';
import { EventBus } from './events/bus.js';
import { parseUpstreams, resolvConfUpstreams } from './network/dns-server.js';
import { NetworkManager } from './network/manager.js';
import { instanceTag } from './network/names.js';
import { realNetHost } from './network/net-host.js';
import type { ImageStore } from './images/types.js';
import { closeServer, createApiServer, listenUnix } from './server/http-server.js';
import { collectWhenIdle } from './server/idle-gc.js';
import { fileLogger } from './server/logger.js';
import type { Logger } from './server/logger.js';
import { pingSocket } from './server/probe.js';
import { Router } from './server/router.js';
import { loadValidators } from './server/validate.js';
import { writeFileAtomic } from './state/atomic.js';
import { loadEngineId } from './state/engine-id.js';
import { pidFileOf, readPid, runningEnginePid } from './state/pid-file.js';
import { VolumeStore } from './volumes/store.js';

const SELF = fileURLToPath(import.meta.url);

export interface RunningDaemon {
  server: http.Server;
  ctx: EngineContext;
  stop(): Promise<void>;
}

/** Opens the image store (under ROOT/image); a failure leaves the rest of the API serving, and says why. */
async function openImages(root: string, logger: Logger): Promise<{ images?: ImageStore; error?: string }> {
  try {
    const { FsImageStore } = await import('./images/store.js');
    return { images: new FsImageStore(path.join(root, 'image')) };
  } catch (e) {
    const error = (e as Error).message;
    logger.error(`image store unavailable: ${error}`);
    return { error };
  }
}

/** Refuses to start next to a live engine; clears what a dead one left behind. */
async function claimSocketAndRoot(config: DaemonConfig): Promise<void> {
  const other = runningEnginePid(config.root);
  if (other !== undefined && other !== process.pid) {
    throw new Error(`another engine (pid ${other}) is running on ${config.root}`);
  }
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(config.socketPath);
  } catch {
    return;
  }
  if (await pingSocket(config.socketPath)) throw new Error(`another engine is already listening on ${config.socketPath}`);
  if (!st.isSocket()) throw new Error(`${config.socketPath} exists and is not a socket; not removing it`);
  fs.unlinkSync(config.socketPath);
}

export async function startDaemon(config: DaemonConfig): Promise<RunningDaemon> {
  fs.mkdirSync(config.root, { recursive: true, mode: 0o710 });
  const logger = fileLogger({ file: path.join(config.root, 'engine.log'), debug: config.debug, stderr: config.logToStderr });
  try {
    await claimSocketAndRoot(config);
    await writeFileAtomic(pidFileOf(config.root), `${process.pid}\n`, 0o644);

    const volumes = new VolumeStore(config.root, { logger });
    await volumes.open();
    const { images, error: imagesError } = await openImages(config.root, logger);
    const facts = readHostFacts();
    const events = new EventBus();
    const upstreams = config.dnsUpstream !== undefined ? parseUpstreams(config.dnsUpstream) : undefined;
    // The networks read the containers, made just below.
    let containers: ContainerManager | undefined;
    const networks = new NetworkManager({
      root: config.root,
      host: realNetHost,
      logger,
      events,
      containers: () => (containers ? containers.store.all().map(netView) : []),
      upstreams: () => upstreams ?? resolvConfUpstreams(readHostResolvConf()),
      tag: instanceTag(config.root, DEFAULT_ROOT),
    });
    await networks.open();
    containers = new ContainerManager({
      root: config.root,
      images,
      volumes,
      host: realHostOps,
      bins: findRuntimeBins(),
      facts: readHostSpecFacts(facts.cgroupVersion),
      logger,
      events,
      networks,
    });
    await reconcileContainers(containers, { volumes });
    await networks.restore();
    volumes.setUsedBy((name) => containers.volumeUsers(name));
    const ctx: EngineContext = {
      id: await loadEngineId(config.root),
      root: config.root,
      debug: config.debug,
      build: readBuildInfo(SELF),
      facts,
      logger,
      validator: loadValidators(apiSchemaDir(path.dirname(SELF), process.env)),
      volumes,
      images,
      imageInUse: (id) => containers.imageInUse(id),
      containers,
      events,
    };
    if (imagesError !== undefined) ctx.imagesError = imagesError;

    const router = new Router({ maxVersion: API_VERSION, minVersion: MIN_API_VERSION, logger });
    registerSystemRoutes(router, ctx);
    registerVolumeRoutes(router, ctx);
    registerImageRoutes(router, ctx);
    registerContainerIoRoutes(router, ctx);
    registerContainerRoutes(router, ctx, containers);
    registerArchiveRoutes(router, ctx, containers, { onContainerEvent: (rec, action) => events.container(rec, action) });
    registerStatsRoutes(router, ctx, containers);
    registerEventRoutes(router, events);
    registerNetworkRoutes(router, ctx, networks, containers);

    const server = createApiServer({ router, logger, apiVersion: API_VERSION, engineVersion: ENGINE_VERSION });
    await listenUnix(server, config.socketPath, 0o660);
    collectWhenIdle(server);
    logger.info(`tscompose engine ${ENGINE_VERSION} (API ${API_VERSION}) started: pid ${process.pid}, socket ${config.socketPath}, root ${config.root}`);

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        logger.info('stopping: closing the API listener');
        // Streams (events, logs -f, attach) may hold the listener open until the grace period ends;
        // the network clean-up does not wait for them.
        const closing = closeServer(server, 5000);
        // Containers keep running under their monitors (live restore); only our watchers stop.
        containers.close();
        // With nothing running, the host is left as it was found (bridges and rules come back on demand).
        const running = containers.store.all().some((r) => r.State.Status === 'running' || r.State.Status === 'paused');
        await (running ? networks.close() : networks.removeAll()).catch((e: unknown) => logger.warn(`networks: ${(e as Error).message}`));
        logger.info(running ? 'networks kept for the running containers' : 'networks removed from the host');
        await closing;
        fs.rmSync(config.socketPath, { force: true });
        // Only our own pid file: a successor may already have written its own.
        if (readPid(config.root) === process.pid) fs.rmSync(pidFileOf(config.root), { force: true });
        logger.info('stopped');
      })();
      return stopping;
    };
    return { server, ctx, stop };
  } catch (e) {
    logger.error(`cannot start: ${(e as Error).message}`);
    if (readPid(config.root) === process.pid) fs.rmSync(pidFileOf(config.root), { force: true });
    throw e;
  }
}

async function main(): Promise<void> {
  let config: DaemonConfig;
  try {
    config = parseDaemonArgs(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`tscompose-engine: ${(e as Error).message}\n`);
    process.exit(2);
  }
  let daemon: RunningDaemon;
  try {
    daemon = await startDaemon(config);
  } catch (e) {
    process.stderr.write(`tscompose-engine: ${(e as Error).message}\n`);
    process.exit(1);
  }
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    daemon.ctx.logger.info(`received ${sig}`);
    // A second signal means "now": skip the graceful close.
    if (signals > 1) process.exit(1);
    void daemon.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        daemon.ctx.logger.error(`stop: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', (e) => {
    daemon.ctx.logger.error(`uncaught: ${e.stack ?? e.message}`);
    void daemon.stop().finally(() => process.exit(1));
  });
}

// Run only as the entry point, so tests may import startDaemon.
if (process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fs.realpathSync(SELF)) {
  void main();
}

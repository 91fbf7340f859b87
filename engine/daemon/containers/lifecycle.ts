/**
 * The container manager: create, start, stop, kill, restart, wait, remove,
 * rename, pause/unpause, list, inspect, top; exit tracking and recovery
 * (reconcile.ts). Implements ContainerLookup for the I/O routes.
 *
 * Locking: one KeyedLock per container serializes the check-then-act steps.
 * Nothing that holds the lock waits for an exit (exit handling takes the lock
 * itself), so stop/remove wait outside it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError, BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { NO_EVENTS } from '../events/bus.js';
import type { EndpointConfigBody, NetworkAttacher } from '../api/routes-networks.js';
import type { NetworkManager } from '../network/manager.js';
import { ContainerNetworking } from './networking.js';
import type { EventSink } from '../events/bus.js';
import type { ImageConfig, ImageStore } from '../images/types.js';
import type { Logger } from '../server/logger.js';
import { writeFileAtomic, writeJsonAtomic } from '../state/atomic.js';
import { KeyedLock } from '../state/keyed-lock.js';
import type { VolumeStore } from '../volumes/store.js';
import { ANONYMOUS_LABEL } from '../volumes/types.js';
import { hostnameFile, hostsWithSelf, readHostResolvConf, resolvConf } from './etc-files.js';
import type { EtcInput } from './etc-files.js';
import { checkBindMountSources, ensureBindSources } from './bind-source.js';
import { ExitWatcher } from './exit-watch.js';
import type { ContainerHandle, ContainerLookup } from './handle.js';
import type { HostOps } from './host-ops.js';
import type { HostSpecFacts } from './host-spec.js';
import { checkHealthcheck, withMergedHealthcheck } from './health-config.js';
import { HealthMonitor } from './health-monitor.js';
import { selectContainers } from './list-filter.js';
import type { ListQuery } from './list-filter.js';
import { generateName, nameConflictMessage, newContainerId, normalizeName } from './names.js';
import { buildOciSpec } from './oci-spec.js';
import { mergeImageConfig } from './process.js';
import { initialState, rfc3339Nano } from './records.js';
import { decideOnExit, newTracker, signalCancelsRestart, validateRestartPolicy } from './restart-policy.js';
import type { RestartTracker } from './restart-policy.js';
import type { ContainerPaths, ContainerRecord, MountPoint } from './records.js';
import { defaultRunDir } from './run-dir.js';
import type { RuntimeBins } from './runtime-bins.js';
import { canKill, canPause, canRemove, canStart, canStop, canUnpause, isRunning, startFailureError, startFailureExitCode } from './state-machine.js';
import { ContainerStore } from './store.js';
import { parseSignal, signalNumber } from './signals.js';
import { containerInspect, containerSummary } from './views.js';
import { populateTargets, populateVolumes } from './volume-populate.js';
import type { ContainerCreateRequest, HostConfig, OciSpec, SpecContext } from './types.js';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface ManagerOptions {
  root: string;
  images: ImageStore | undefined;
  volumes: VolumeStore;
  host: HostOps;
  bins: RuntimeBins;
  facts: HostSpecFacts;
  logger: Logger;
  now?: () => Date;
  /** The host's resolv.conf text (a seam for tests). */
  hostResolvConf?: () => string;
  /** Poll interval of exit watchers. */
  pollMs?: number;
  /** Monitors' state dirs (default: defaultRunDir(root)). */
  runDir?: string;
  /** Where container events go (the daemon's bus); dropped when absent. */
  events?: EventSink;
  /** The networks (bridge, user networks, ports, DNS); without it every container has only loopback. */
  networks?: NetworkManager;
}

interface Waiter {
  condition: WaitCondition;
  resolve: (code: number) => void;
}

interface ExitInfo {
  exitCode: number;
  signal: number | null;
  oomKilled: boolean;
  finishedAt: string;
}

const DEFAULT_STOP_TIMEOUT = 10;

export class ContainerManager implements ContainerLookup, NetworkAttacher {
  readonly store: ContainerStore;
  readonly runtimeRoot: string;
  readonly #o: ManagerOptions;
  readonly #lock = new KeyedLock();
  readonly #reservedNames = new Set<string>();
  readonly #watchers = new Map<string, ExitWatcher>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #exitListeners = new Map<string, Set<() => void>>();
  readonly #persistQueue = new Map<string, Promise<void>>();
  /** Restart managers (restart-policy.ts) and pending back-off timers, per container. */
  readonly #restarts = new Map<string, RestartTracker>();
  readonly #restartTimers = new Map<string, NodeJS.Timeout>();
  readonly #now: () => Date;
  /** Healthcheck monitors (health-monitor.ts): started with each run, stopped at its end. */
  readonly health: HealthMonitor;
  readonly #net: ContainerNetworking | undefined;

  constructor(opts: ManagerOptions) {
    this.#o = opts;
    this.store = new ContainerStore(opts.root, opts.runDir ?? defaultRunDir(opts.root), opts.logger);
    this.runtimeRoot = path.join(opts.root, 'runtime');
    this.#now = opts.now ?? (() => new Date());
    this.#net = opts.networks
      ? new ContainerNetworking({ networks: opts.networks, find: (ref) => this.store.find(ref), hostResolvConf: () => (opts.hostResolvConf ?? readHostResolvConf)() })
      : undefined;
    this.health = new HealthMonitor({
      record: (id) => this.store.get(id),
      handle: (id) => this.handle(id),
      persist: (rec) => this.persist(rec),
      events: () => this.events,
      logger: opts.logger,
      now: () => this.#now().getTime(),
    });
  }

  get logger(): Logger {
    return this.#o.logger;
  }
  get host(): HostOps {
    return this.#o.host;
  }
  get bins(): RuntimeBins {
    return this.#o.bins;
  }
  get events(): EventSink {
    return this.#o.events ?? NO_EVENTS;
  }

  // ---- ContainerLookup -------------------------------------------------

  handle(idOrName: string): ContainerHandle {
    const rec = this.store.find(idOrName);
    const p = this.paths(rec.Id);
    return {
      id: rec.Id,
      name: rec.Name.slice(1),
      tty: rec.Config.Tty === true,
      openStdin: rec.Config.OpenStdin === true,
      logPath: p.log,
      monitorDir: p.monitor,
      runtime: { bin: this.#o.bins.runtime, root: this.runtimeRoot },
      bundleDir: p.bundle,
    };
  }

  isRunning(id: string): boolean {
    const rec = this.store.get(id);
    return rec !== undefined && isRunning(rec.State);
  }

  startedAt(id: string): string | undefined {
    return this.store.get(id)?.State.StartedAt;
  }

  event(id: string, action: string, extra: Readonly<Record<string, string>> = {}): void {
    const rec = this.store.get(id);
    if (rec) this.events.container(rec, action, extra);
  }

  waitStopped(id: string): Promise<void> {
    if (!this.isRunning(id)) return Promise.resolve();
    return this.wait(id, 'not-running').then(() => undefined);
  }

  /** Volume names in use by containers (for the volume store's in-use checks). */
  volumeUsers(name: string): string[] {
    return this.store.all().filter((r) => r.Volumes.includes(name)).map((r) => r.Id);
  }

  imageInUse(imageId: string): boolean {
    return this.store.all().some((r) => r.Image === imageId);
  }

  paths(id: string): ContainerPaths {
    return this.store.paths(id);
  }

  // ---- persistence ----------------------------------------------------

  /** Writes the record's current state; writes of one container are queued so an older snapshot never lands last. */
  persist(rec: ContainerRecord): Promise<void> {
    const prev = this.#persistQueue.get(rec.Id) ?? Promise.resolve();
    const next = prev.then(
      () => (this.store.get(rec.Id) === rec ? this.store.save(rec) : undefined),
      () => (this.store.get(rec.Id) === rec ? this.store.save(rec) : undefined),
    );
    this.#persistQueue.set(rec.Id, next.catch(() => undefined));
    return next;
  }

  // ---- create ---------------------------------------------------------

  async create(body: ContainerCreateRequest, rawName: string | null): Promise<{ Id: string; Warnings: string[] }> {
    const images = this.#images();
    const name = rawName ? normalizeName(rawName) : generateName((n) => this.#nameTaken(n));
    this.#claimName(name);
    const id = newContainerId();
    const p = this.paths(id);
    let created = false;
    const volumesMade: string[] = [];
    try {
      const imageRef = body.Image ?? '';
      if (imageRef === '') throw new BadRequestError('config cannot be empty in order to create a container');
      checkHealthcheck(body['Healthcheck']);
      const policyError = validateRestartPolicy(body.HostConfig?.RestartPolicy, body.HostConfig?.AutoRemove === true);
      if (policyError !== undefined) throw new BadRequestError(policyError);
      checkBindMountSources(body.HostConfig);
      const imageId = await images.resolve(imageRef);
      if (!imageId) throw new NotFoundError(`No such image: ${imageRef}`);
      const imageConfig = await images.config(imageId);
      const hc: HostConfig = { ...(body.HostConfig ?? {}) };
      if (!hc.NetworkMode || hc.NetworkMode === 'default') hc.NetworkMode = 'bridge';
      const netPlan = this.#net?.plan(hc.NetworkMode, body.NetworkingConfig?.EndpointsConfig, name, id);
      if (netPlan) hc.NetworkMode = netPlan.mode;
      const merged = mergeImageConfig(body, imageConfig);
      const argv = [...merged.entrypoint, ...merged.cmd];
      if (argv.length === 0) throw new BadRequestError('no command specified');
      const lowers = await images.layerDirs(imageId);

      const hostname = body.Hostname || (hc.NetworkMode === 'host' ? this.#hostHostname() : id.slice(0, 12));
      await fs.promises.mkdir(p.dir, { recursive: true, mode: 0o710 });
      for (const d of [p.upper, p.work, p.merged, p.bundle]) await fs.promises.mkdir(d, { recursive: true, mode: 0o755 });
      await fs.promises.symlink(p.monitor, p.monitorLink);
      await this.#writeEtcFiles(p, {
        hostname,
        ...(body.Domainname ? { domainname: body.Domainname } : {}),
        extraHosts: stringList(hc['ExtraHosts']),
        dns: stringList(hc['Dns']),
        dnsSearch: stringList(hc['DnsSearch']),
        dnsOptions: stringList(hc['DnsOptions']),
      });

      // Volumes the spec names: noted while it is built, made once it is known to be valid.
      const named = new Set<string>();
      const anonymous = new Map<string, string>();
      const ctx = this.#specContext(id, name, hostname, p, named, anonymous);
      const netnsPath = this.#net?.netnsPathAtCreate(hc.NetworkMode, id);
      if (netnsPath !== undefined) ctx.netnsPath = netnsPath;
      const spec = await this.#withRootfs(lowers, p, () => buildOciSpec({ ...body, HostConfig: hc }, imageConfig, ctx));
      // The bundle first: it names the volumes about to be made, so a daemon killed from here
      // on finds them at start (reconcile.ts) and removes the anonymous ones with the rest.
      await writeJsonAtomic(p.bundleConfig, spec, 0o600);
      for (const v of named) {
        await this.#o.volumes.create({ Name: v });
      }
      for (const v of anonymous.values()) {
        await this.#o.volumes.create({ Name: v, Labels: { [ANONYMOUS_LABEL]: '' } });
        volumesMade.push(v);
      }
      // dockerd's copy-up: empty volumes get the image's content at their destinations.
      const volumeDirs = new Map([...named, ...anonymous.values()].map((v) => [v, this.#o.volumes.mountpoint(v)] as const));
      const fill = populateTargets({ mounts: spec.mounts, hostConfig: hc, imageVolumes: merged.volumes, volumeDirs });
      if (fill.length > 0) await this.#withRootfs(lowers, p, () => populateVolumes(p.merged, fill, this.#o.logger));

      const rec: ContainerRecord = {
        Version: 1,
        Id: id,
        Created: rfc3339Nano(this.#now()),
        Path: argv[0] ?? '',
        Args: argv.slice(1),
        Config: withMergedHealthcheck(this.#recordConfig(body, imageConfig, merged, hostname, imageRef), imageConfig.Healthcheck),
        HostConfig: hc,
        Image: imageId,
        Name: `/${name}`,
        RestartCount: 0,
        State: initialState(),
        Mounts: mountPoints(spec, named, anonymous, (v) => this.#o.volumes.mountpoint(v), p),
        AnonymousVolumes: [...anonymous.values()],
        Volumes: [...named, ...anonymous.values()],
        NetworkSettings: netPlan?.settings ?? { Networks: {}, Ports: {} },
      };
      await this.store.save(rec);
      created = true;
      this.#o.logger.info(`container ${id} created (${rec.Name})`);
      this.events.container(rec, 'create');
      return { Id: id, Warnings: [] };
    } finally {
      this.#reservedNames.delete(name);
      if (!created) {
        await fs.promises.rm(p.dir, { recursive: true, force: true }).catch(() => undefined);
        await fs.promises.rm(p.monitor, { recursive: true, force: true }).catch(() => undefined);
        for (const v of volumesMade) await this.#o.volumes.remove(v, { force: true }).catch(() => undefined);
      }
    }
  }

  #images(): ImageStore {
    if (!this.#o.images) throw new ApiError(500, 'image store unavailable');
    return this.#o.images;
  }

  #hostHostname(): string {
    return process.env['HOSTNAME'] ?? 'localhost';
  }

  #nameTaken(name: string): boolean {
    return this.#reservedNames.has(name) || this.store.byName(name) !== undefined;
  }

  #claimName(name: string, exceptId?: string): void {
    const other = this.store.byName(name);
    if (other && other.Id !== exceptId) throw new ConflictError(nameConflictMessage(name, other.Id));
    if (this.#reservedNames.has(name)) throw new ConflictError(nameConflictMessage(name, 'being created'));
    this.#reservedNames.add(name);
  }

  async #writeEtcFiles(p: ContainerPaths, input: EtcInput): Promise<void> {
    await writeFileAtomic(p.hostname, hostnameFile(input.hostname));
    // Without a network of its own yet the container's hostname resolves to loopback.
    await writeFileAtomic(p.hosts, hostsWithSelf(input, '127.0.0.1'));
    await writeFileAtomic(p.resolvConf, resolvConf((this.#o.hostResolvConf ?? readHostResolvConf)(), input));
  }

  #specContext(id: string, name: string, hostname: string, p: ContainerPaths, named: Set<string>, anonymous: Map<string, string>): SpecContext {
    const f = this.#o.facts;
    const volumes = this.#o.volumes;
    const ctx: SpecContext = {
      id,
      name,
      rootfs: p.merged,
      hostname,
      hostsPath: p.hosts,
      resolvConfPath: p.resolvConf,
      hostnamePath: p.hostname,
      initPath: this.#o.bins.init,
      cgroupsPath: `/tscompose/${id}`,
      // NetworkMode none/bridge: a new, empty netns (bridge networking is not wired yet); host: none.
      volumePath(v) {
        named.add(v);
        return volumes.mountpoint(v);
      },
      anonymousVolumePath(destination) {
        let v = anonymous.get(destination);
        if (v === undefined) {
          v = randomBytes(32).toString('hex');
          anonymous.set(destination, v);
        }
        return volumes.mountpoint(v);
      },
      kernel: f.kernel,
      arch: f.arch,
      cgroupVersion: f.cgroupVersion,
    };
    if (f.capabilities) ctx.capabilities = f.capabilities;
    return ctx;
  }

  /** Runs `fn` with the overlay mounted (the spec builder reads /etc/passwd and /etc/group from it). */
  async #withRootfs<T>(lowers: readonly string[], p: ContainerPaths, fn: () => T | Promise<T>): Promise<T> {
    const wasMounted = this.#o.host.isMounted(p.merged);
    if (!wasMounted) await this.#o.host.mountOverlay(lowers, p.upper, p.work, p.merged);
    try {
      return await fn();
    } finally {
      if (!wasMounted) await this.#o.host.unmount(p.merged);
    }
  }

  #recordConfig(body: ContainerCreateRequest, image: ImageConfig, merged: ReturnType<typeof mergeImageConfig>, hostname: string, imageRef: string): ContainerRecord['Config'] {
    const { HostConfig: _hc, NetworkingConfig: _nc, ...config } = body;
    const volumes: Record<string, object> = {};
    for (const v of merged.volumes) volumes[v] = {};
    const out: ContainerRecord['Config'] = {
      Domainname: body.Domainname ?? '',
      User: merged.user,
      AttachStdin: body.AttachStdin === true,
      AttachStdout: body.AttachStdout === true,
      AttachStderr: body.AttachStderr === true,
      Tty: body.Tty === true,
      OpenStdin: body.OpenStdin === true,
      StdinOnce: body.StdinOnce === true,
      ...config,
      // The hostname chosen above (the short id when the request has none), not the request's "".
      Hostname: hostname,
      Env: merged.env,
      Cmd: merged.cmd,
      Image: imageRef,
      Volumes: Object.keys(volumes).length > 0 ? volumes : null,
      WorkingDir: body.WorkingDir || image.WorkingDir || '',
      Entrypoint: merged.entrypoint.length > 0 ? merged.entrypoint : null,
      Labels: { ...(image.Labels ?? {}), ...(body.Labels ?? {}) },
    };
    const stopSignal = body.StopSignal || image.StopSignal;
    if (stopSignal) out.StopSignal = stopSignal;
    return out;
  }

  // ---- start ----------------------------------------------------------

  async start(ref: string): Promise<void> {
    const id = this.store.find(ref).Id;
    try {
      await this.#lock.run(id, () => this.#startLocked(id));
    } catch (e) {
      // dockerd: an AutoRemove (`run --rm`) container that fails to start is removed, so a
      // client waiting for condition=removed is not left waiting for ever.
      const rec = this.store.get(id);
      if (rec?.HostConfig.AutoRemove && !isRunning(rec.State)) {
        await this.remove(id, { force: true, volumes: true }).catch((err: unknown) => this.#o.logger.warn(`container ${id}: auto-remove after a failed start: ${(err as Error).message}`));
      }
      throw e;
    }
  }

  /**
   * `auto`: a restart policy's start (no state guard, RestartCount kept);
   * otherwise a user's start, which resets the restart manager, RestartCount
   * and the manual-stop mark (dockerd's resetRestartManager).
   */
  async #startLocked(id: string, auto = false): Promise<void> {
    const rec = this.#mustGet(id);
    if (!auto) {
      canStart(rec.State);
      this.#cancelRestartTimer(id);
      this.#restarts.set(id, newTracker());
      rec.RestartCount = 0;
      rec.HasBeenManuallyStopped = false;
    }
    const p = this.paths(id);
    const host = this.#o.host;
    const lowers = await this.#images().layerDirs(rec.Image);
    if (!host.isMounted(p.merged)) await host.mountOverlay(lowers, p.upper, p.work, p.merged);
    try {
      // A fresh state dir: an old exit.json or attach.sock must not be mistaken for this run's.
      await fs.promises.rm(p.monitor, { recursive: true, force: true });
      await fs.promises.mkdir(p.monitor, { recursive: true, mode: 0o700 });
      // A runtime state left by an earlier run (a crash) would make `create` fail; usually there is none.
      if (fs.existsSync(path.join(this.runtimeRoot, id))) await host.runtime(this.#o.bins.runtime, ['--root', this.runtimeRoot, 'delete', '--force', id]);
      const args = [
        '--id', id,
        '--bundle', p.bundle,
        '--runtime', this.#o.bins.runtime,
        '--runtime-root', this.runtimeRoot,
        '--state-dir', p.monitor,
        '--log-path', p.log,
        // The monitor reads the OOM count there: a path under the hierarchy roots, so no leading '/'.
        '--cgroup-path', cgroupPath(rec).replace(/^\/+/, ''),
      ];
      if (rec.Config.Tty) args.push('--terminal');
      if (rec.Config.OpenStdin) args.push('--stdin');
      if (rec.Config.OpenStdin && rec.Config.StdinOnce) args.push('--stdin-once');
      await ensureBindSources(rec.HostConfig);
      if (this.#net) await this.#net.setUp(rec, p);
      const r = await host.startMonitor(this.#o.bins.monitor, args);
      if (r.code !== 0) {
        const fromFile = await fs.promises.readFile(path.join(p.monitor, 'monitor.err'), 'utf8').catch(() => '');
        const message = (fromFile.trim() || r.stderr.replace(/^tscompose-monitor:\s*/, '').trim() || `monitor exited with ${r.code}`).replace(/\n+/g, ': ');
        throw new StartFailure(message);
      }
      const pid = Number((await fs.promises.readFile(path.join(p.monitor, 'container.pid'), 'utf8')).trim());
      Object.assign(rec.State, {
        Status: 'running',
        Running: true,
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: pid,
        ExitCode: 0,
        Error: '',
        StartedAt: rfc3339Nano(this.#now()),
      });
      this.health.start(rec);
      await this.persist(rec);
      await this.#net?.started(rec).catch((e: unknown) => this.#o.logger.warn(`container ${id}: network rules: ${(e as Error).message}`));
      this.#watch(rec);
      this.#o.logger.info(`container ${id} started, pid ${pid}`);
      this.events.container(rec, 'start');
    } catch (e) {
      await this.#net?.tearDown(rec).catch((err: unknown) => this.#o.logger.warn(`container ${id}: network teardown: ${(err as Error).message}`));
      await host.unmount(p.merged).catch(() => undefined);
      if (!(e instanceof StartFailure)) {
        await this.persist(rec);
        throw e;
      }
      // As dockerd: the container keeps its state (created/exited), with the error and 127/126/128.
      rec.State.Error = e.message;
      rec.State.ExitCode = startFailureExitCode(e.message);
      if (rec.State.Status === 'exited') rec.State.FinishedAt = rfc3339Nano(this.#now());
      await this.persist(rec);
      throw startFailureError(e.message);
    }
  }

  // ---- exit tracking ----------------------------------------------------

  /** Watches a running container until it exits. */
  watch(rec: ContainerRecord): void {
    this.#watch(rec);
  }

  #watch(rec: ContainerRecord): void {
    const id = rec.Id;
    this.#watchers.get(id)?.close();
    const p = this.paths(id);
    const exitFile = path.join(p.monitor, 'exit.json');
    const host = this.#o.host;
    const watcher = new ExitWatcher(
      p.monitor,
      {
        exited: () => {
          if (fs.existsSync(exitFile)) return true;
          const monitorPid = readPidFile(path.join(p.monitor, 'monitor.pid'));
          if (monitorPid !== undefined && host.pidAlive(monitorPid)) return false;
          // The monitor is gone without a word (SIGKILLed): the container counts as exited once its init is.
          return !host.pidAlive(rec.State.Pid);
        },
      },
      () => {
        this.#watchers.delete(id);
        void this.#lock.run(id, () => this.#onExit(id)).catch((e: unknown) => this.#o.logger.error(`container ${id}: exit handling: ${(e as Error).message}`));
      },
      this.#o.pollMs ?? 1000,
    );
    this.#watchers.set(id, watcher);
  }

  async #onExit(id: string): Promise<void> {
    const rec = this.store.get(id);
    if (!rec || !isRunning(rec.State)) return;
    this.health.stop(rec);
    const p = this.paths(id);
    const info = await readExit(path.join(p.monitor, 'exit.json'), this.#now());
    await this.#cleanupRun(id);
    // dockerd: `oom` before `die`; die carries the exit code and the run's length in whole seconds.
    if (info.oomKilled) this.events.container(rec, 'oom');
    const runSeconds = Math.max(0, Math.floor((Date.parse(info.finishedAt) - Date.parse(rec.State.StartedAt)) / 1000));
    this.events.container(rec, 'die', { exitCode: String(info.exitCode), execDuration: String(Number.isFinite(runSeconds) ? runSeconds : 0) });
    const tracker = this.#restarts.get(id) ?? newTracker();
    const decision = decideOnExit(rec.HostConfig.RestartPolicy, tracker, {
      exitCode: info.exitCode,
      restartCount: rec.RestartCount,
      manuallyStopped: rec.HasBeenManuallyStopped === true,
      runMs: this.#now().getTime() - Date.parse(rec.State.StartedAt),
    });
    this.#restarts.set(id, decision.tracker);
    if (decision.restart) {
      // dockerd's SetRestarting: still "running" for every guard, no pid, the exit recorded.
      rec.RestartCount++;
      Object.assign(rec.State, {
        Status: 'restarting',
        Running: true,
        Paused: false,
        Restarting: true,
        OOMKilled: info.oomKilled,
        Pid: 0,
        ExitCode: info.exitCode,
        FinishedAt: rfc3339Nano(this.#now()),
      });
      await this.persist(rec);
      this.#o.logger.info(`container ${id} exited with ${info.exitCode}; restart ${rec.RestartCount} in ${decision.delayMs} ms`);
      this.#notify(id, 'exit', info.exitCode);
      const timer = setTimeout(() => {
        this.#restartTimers.delete(id);
        void this.#lock.run(id, () => this.#autoRestart(id)).catch((e: unknown) => this.#o.logger.error(`container ${id}: restart: ${(e as Error).message}`));
      }, decision.delayMs);
      timer.unref();
      this.#restartTimers.set(id, timer);
      return;
    }
    Object.assign(rec.State, {
      Status: 'exited',
      Running: false,
      Paused: false,
      Restarting: false,
      OOMKilled: info.oomKilled,
      Pid: 0,
      ExitCode: info.exitCode,
      FinishedAt: info.finishedAt,
    });
    await this.persist(rec);
    this.#o.logger.info(`container ${id} exited with ${info.exitCode}`);
    this.#notify(id, 'exit', info.exitCode);
    if (rec.HostConfig.AutoRemove) {
      void this.remove(id, { force: false, volumes: true }).catch((e: unknown) => this.#o.logger.warn(`container ${id}: auto-remove: ${(e as Error).message}`));
    }
  }

  /** The back-off is over: start again, unless a user's stop/kill/remove came first. */
  async #autoRestart(id: string): Promise<void> {
    const rec = this.store.get(id);
    if (!rec || rec.State.Status !== 'restarting') return;
    if (this.#restarts.get(id)?.cancelled) {
      await this.#settleRestarting(rec);
      return;
    }
    const code = rec.State.ExitCode;
    try {
      await this.#startLocked(id, true);
    } catch (e) {
      // dockerd: a failed restart leaves the container stopped with the previous run's exit status.
      this.#o.logger.warn(`container ${id}: restart failed: ${(e as Error).message}`);
      rec.State.ExitCode = code;
      await this.#settleRestarting(rec);
    }
  }

  /** A restarting container becomes exited (restart cancelled or failed); waiters on its exit are told. Lock held. */
  async #settleRestarting(rec: ContainerRecord): Promise<void> {
    this.#cancelRestartTimer(rec.Id);
    const code = rec.State.ExitCode;
    Object.assign(rec.State, { Status: 'exited', Running: false, Paused: false, Restarting: false, Pid: 0 });
    await this.persist(rec);
    this.#o.logger.info(`container ${rec.Id}: restart cancelled; exited with ${code}`);
    this.#notify(rec.Id, 'exit', code);
  }

  #cancelRestartTimer(id: string): void {
    const t = this.#restartTimers.get(id);
    if (t) clearTimeout(t);
    this.#restartTimers.delete(id);
  }

  /** After a run: the runtime's state, the cgroup (runtime delete), the network and the overlay go. */
  async #cleanupRun(id: string): Promise<void> {
    const p = this.paths(id);
    const rec = this.store.get(id);
    if (rec && this.#net) await this.#net.tearDown(rec).catch((e: unknown) => this.#o.logger.warn(`container ${id}: network teardown: ${(e as Error).message}`));
    const r = await this.#o.host.runtime(this.#o.bins.runtime, ['--root', this.runtimeRoot, 'delete', '--force', id]);
    if (r.code !== 0) this.#o.logger.warn(`container ${id}: runtime delete: ${r.stderr.trim()}`);
    if (this.#o.host.isMounted(p.merged)) await this.#o.host.unmount(p.merged).catch((e: unknown) => this.#o.logger.warn(`container ${id}: ${(e as Error).message}`));
  }

  /** Tells exit and removal waiters. */
  #notify(id: string, event: 'exit' | 'removed', code: number): void {
    for (const l of this.#exitListeners.get(id) ?? []) l();
    const set = this.#waiters.get(id);
    if (!set) return;
    for (const w of [...set]) {
      if (event === 'exit' && w.condition === 'removed') continue;
      set.delete(w);
      w.resolve(code);
    }
    if (set.size === 0 || event === 'removed') this.#waiters.delete(id);
  }

  // ---- stop / kill / restart -----------------------------------------

  /** Resolves once the container is not running, or after `ms` (false then). */
  #waitExit(id: string, ms: number): Promise<boolean> {
    if (!this.isRunning(id)) return Promise.resolve(true);
    return new Promise((resolve) => {
      let set = this.#exitListeners.get(id);
      if (!set) this.#exitListeners.set(id, (set = new Set()));
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        set.delete(listener);
        resolve(ok);
      };
      const listener = (): void => done(true);
      const timer = setTimeout(() => done(!this.isRunning(id)), ms);
      set.add(listener);
    });
  }

  async #signal(id: string, signal: string): Promise<void> {
    const rec = this.#mustGet(id);
    // dockerd's killWithSignal: a user's signal marks the container manually stopped; SIGKILL
    // or the stop signal also cancels restarts; a restarting container gets no signal at all.
    let stopSignal: string | undefined;
    try {
      stopSignal = rec.Config.StopSignal ? parseSignal(rec.Config.StopSignal) : undefined;
    } catch {
      stopSignal = undefined;
    }
    const cancels = signalCancelsRestart(signal, stopSignal);
    if (cancels) this.#restarts.set(id, { ...(this.#restarts.get(id) ?? newTracker()), cancelled: true });
    if (rec.HasBeenManuallyStopped !== true) {
      rec.HasBeenManuallyStopped = true;
      await this.persist(rec);
    }
    if (rec.State.Status === 'restarting') {
      if (cancels) await this.#settleRestarting(rec);
      return;
    }
    this.events.container(rec, 'kill', { signal: String(signalNumber(signal)) });
    const r = await this.#o.host.runtime(this.#o.bins.runtime, ['--root', this.runtimeRoot, 'kill', id, signal]);
    if (r.code !== 0) {
      // The process may have exited between our check and the signal.
      if (!this.#o.host.pidAlive(rec.State.Pid)) return;
      throw new ApiError(500, `cannot kill container ${id}: ${r.stderr.trim()}`);
    }
    // A frozen container cannot act on the signal until thawed (dockerd resumes it after SIGKILL too).
    if (rec.State.Status === 'paused' && (signal === 'SIGKILL' || signal === '9' || signal === 'KILL')) {
      await this.#o.host.runtime(this.#o.bins.runtime, ['--root', this.runtimeRoot, 'resume', id]);
      rec.State.Status = 'running';
      rec.State.Paused = false;
      await this.persist(rec);
    }
  }

  async stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    const rec = this.store.find(ref);
    const id = rec.Id;
    canStop(rec.State);
    const signal = parseSignal(opts.signal || rec.Config.StopSignal || 'SIGTERM');
    const timeout = opts.timeout ?? (typeof rec.Config.StopTimeout === 'number' ? rec.Config.StopTimeout : DEFAULT_STOP_TIMEOUT);
    // A negative timeout waits forever (dockerd).
    if (timeout !== 0) {
      await this.#lock.run(id, async () => {
        if (this.isRunning(id)) await this.#signal(id, signal);
      });
      if (await this.#waitExit(id, timeout < 0 ? 2 ** 31 - 1 : timeout * 1000)) {
        this.events.container(rec, 'stop');
        return;
      }
    }
    await this.#lock.run(id, async () => {
      if (this.isRunning(id)) await this.#signal(id, 'SIGKILL');
    });
    if (!(await this.#waitExit(id, 30_000))) throw new ApiError(500, `container ${id} did not exit after SIGKILL`);
    this.events.container(rec, 'stop');
  }

  async kill(ref: string, signal?: string): Promise<void> {
    const id = this.store.find(ref).Id;
    const sig = parseSignal(signal || 'SIGKILL');
    await this.#lock.run(id, async () => {
      canKill(this.#mustGet(id).State, id);
      await this.#signal(id, sig);
    });
    // dockerd returns from SIGKILL only once the container is gone.
    if (sig === 'SIGKILL') await this.#waitExit(id, 10_000);
  }

  async restart(ref: string, timeout?: number, signal?: string): Promise<void> {
    const id = this.store.find(ref).Id;
    if (this.isRunning(id)) {
      await this.stop(id, { ...(timeout !== undefined ? { timeout } : {}), ...(signal ? { signal } : {}) });
    }
    // A user's start: RestartCount back to 0.
    await this.start(id);
    this.events.container(this.#mustGet(id), 'restart');
  }

  async pause(ref: string): Promise<void> {
    const id = this.store.find(ref).Id;
    await this.#lock.run(id, async () => {
      const rec = this.#mustGet(id);
      canPause(rec.State, id);
      const r = await this.#o.host.runtime(this.#o.bins.runtime, ['--root', this.runtimeRoot, 'pause', id]);
      if (r.code !== 0) throw new ApiError(500, `cannot pause container ${id}: ${r.stderr.trim()}`);
      rec.State.Status = 'paused';
      rec.State.Paused = true;
      this.health.stop(rec);
      await this.persist(rec);
      this.events.container(rec, 'pause');
    });
  }

  async unpause(ref: string): Promise<void> {
    const id = this.store.find(ref).Id;
    await this.#lock.run(id, async () => {
      const rec = this.#mustGet(id);
      canUnpause(rec.State, id);
      const r = await this.#o.host.runtime(this.#o.bins.runtime, ['--root', this.runtimeRoot, 'resume', id]);
      if (r.code !== 0) throw new ApiError(500, `cannot unpause container ${id}: ${r.stderr.trim()}`);
      rec.State.Status = 'running';
      rec.State.Paused = false;
      this.health.resume(rec);
      await this.persist(rec);
      this.events.container(rec, 'unpause');
    });
  }

  // ---- wait -----------------------------------------------------------

  wait(ref: string, condition: WaitCondition = 'not-running'): Promise<number> {
    const rec = this.store.find(ref);
    if (condition === 'not-running' && !isRunning(rec.State)) return Promise.resolve(rec.State.ExitCode);
    return new Promise((resolve) => {
      let set = this.#waiters.get(rec.Id);
      if (!set) this.#waiters.set(rec.Id, (set = new Set()));
      set.add({ condition, resolve });
    });
  }

  // ---- remove / rename ---------------------------------------------------

  async remove(ref: string, opts: { force: boolean; volumes: boolean }): Promise<void> {
    const rec = this.store.find(ref);
    const id = rec.Id;
    canRemove(rec.State, id, opts.force);
    if (isRunning(rec.State)) {
      await this.#lock.run(id, async () => {
        if (this.isRunning(id)) await this.#signal(id, 'SIGKILL');
      });
      if (!(await this.#waitExit(id, 30_000))) throw new ApiError(500, `cannot remove container ${id}: it did not exit after SIGKILL`);
    }
    await this.#lock.run(id, async () => {
      const current = this.store.get(id);
      if (!current) return;
      canRemove(current.State, id, false);
      const previous = current.State.Status;
      current.State.Status = 'removing';
      try {
        await this.#cleanupRun(id);
      } catch (e) {
        current.State.Status = previous;
        throw e;
      }
      this.#watchers.get(id)?.close();
      this.#watchers.delete(id);
      this.health.forget(id);
      this.#cancelRestartTimer(id);
      this.#restarts.delete(id);
      this.store.forget(id);
      await this.#persistQueue.get(id);
      this.#persistQueue.delete(id);
      // Renamed aside first, so a crash mid-removal never leaves a half-deleted container with a record.
      const p = this.paths(id);
      const aside = path.join(this.store.dir, `.removing-${id}`);
      await fs.promises.rename(p.dir, aside).catch(() => undefined);
      await fs.promises.rm(aside, { recursive: true, force: true });
      await fs.promises.rm(p.dir, { recursive: true, force: true });
      await fs.promises.rm(p.monitor, { recursive: true, force: true });
      // The per-root run dir goes with its last container (rmdir refuses while others use it).
      await fs.promises.rmdir(this.store.runDir).catch(() => undefined);
      if (opts.volumes) {
        for (const v of current.AnonymousVolumes) {
          await this.#o.volumes.remove(v, { force: true }).catch((e: unknown) => this.#o.logger.warn(`container ${id}: volume ${v}: ${(e as Error).message}`));
        }
      }
      this.#o.logger.info(`container ${id} removed`);
      this.events.container(current, 'destroy');
      this.#notify(id, 'removed', current.State.ExitCode);
    });
  }

  async rename(ref: string, newName: string): Promise<void> {
    const id = this.store.find(ref).Id;
    if (newName === '') throw new BadRequestError('Neither old nor new names may be empty');
    const name = normalizeName(newName);
    await this.#lock.run(id, async () => {
      const rec = this.#mustGet(id);
      if (rec.Name === `/${name}`) throw new ConflictError(`Renaming a container with the same name as its current name`);
      this.#claimName(name, id);
      try {
        const oldName = rec.Name.slice(1);
        rec.Name = `/${name}`;
        await this.persist(rec);
        this.events.container(rec, 'rename', { oldName });
      } finally {
        this.#reservedNames.delete(name);
      }
    });
  }

  // ---- networks -----------------------------------------------------------

  async connect(network: string, ref: string, config: EndpointConfigBody): Promise<void> {
    const net = this.#networking();
    const id = this.store.find(ref).Id;
    await this.#lock.run(id, async () => {
      const rec = this.#mustGet(id);
      await net.connect(rec, network, config);
      await this.persist(rec);
    });
    const n = net.manager.store.find(network);
    this.events.publish('network', 'connect', { ID: n.Id, Attributes: { container: id, name: n.Name, type: n.Driver } });
  }

  async disconnect(network: string, ref: string, _force: boolean): Promise<void> {
    const net = this.#networking();
    const id = this.store.find(ref).Id;
    await this.#lock.run(id, async () => {
      const rec = this.#mustGet(id);
      await net.disconnect(rec, network);
      await this.persist(rec);
    });
    const n = net.manager.store.find(network);
    this.events.publish('network', 'disconnect', { ID: n.Id, Attributes: { container: id, name: n.Name, type: n.Driver } });
  }

  #networking(): ContainerNetworking {
    if (!this.#net) throw new ApiError(501, 'networking is not available in this engine');
    return this.#net;
  }

  // ---- queries ----------------------------------------------------------

  list(q: ListQuery, withSize: boolean): Promise<Record<string, unknown>[]> {
    const now = this.#now().getTime();
    return Promise.all(
      selectContainers(this.store.all(), q).map(async (rec) => {
        if (!withSize) return containerSummary(rec, now);
        return containerSummary(rec, now, { sizeRw: await diskUsage(this.paths(rec.Id).upper) });
      }),
    );
  }

  async inspect(ref: string, withSize: boolean): Promise<Record<string, unknown>> {
    const rec = this.store.find(ref);
    const lowers = await this.#images()
      .layerDirs(rec.Image)
      .catch(() => [] as string[]);
    const size = withSize ? { rw: await diskUsage(this.paths(rec.Id).upper), rootFs: 0 } : undefined;
    if (size) {
      let total = size.rw;
      for (const l of lowers) total += await diskUsage(l);
      size.rootFs = total;
    }
    return containerInspect(rec, this.paths(rec.Id), lowers, size);
  }

  /** Docker's top: host `ps` (default -ef), rows kept for the container's pids (runtime ps). */
  async top(ref: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const rec = this.store.find(ref);
    if (!isRunning(rec.State)) throw new ConflictError(`Container ${rec.Id} is not running`);
    const r = await this.#o.host.runtime(this.#o.bins.runtime, ['--root', this.runtimeRoot, 'ps', '--format', 'json', rec.Id]);
    if (r.code !== 0) throw new ApiError(500, `cannot list processes of ${rec.Id}: ${r.stderr.trim()}`);
    const pids = JSON.parse(r.stdout) as number[];
    const args = psArgs.trim() === '' ? ['-ef'] : psArgs.trim().split(/\s+/);
    const ps = await this.#o.host.ps(args);
    if (ps.code !== 0) throw new ApiError(500, `Error running ps: ${ps.stderr.trim()}`);
    return parsePsTable(ps.stdout, pids);
  }

  // ---- shutdown -----------------------------------------------------------

  /** The daemon is stopping: stop watching, leave containers to their monitors (live restore). */
  close(): void {
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
    for (const t of this.#restartTimers.values()) clearTimeout(t);
    this.#restartTimers.clear();
    this.health.close();
  }

  /** Daemon start: a container left restarting (the daemon died during its back-off) is exited with its last code. */
  async settleRestarting(id: string): Promise<void> {
    await this.#lock.run(id, async () => {
      const rec = this.store.get(id);
      if (rec && rec.State.Status === 'restarting') await this.#settleRestarting(rec);
    });
  }

  #mustGet(id: string): ContainerRecord {
    const rec = this.store.get(id);
    if (!rec) throw new NotFoundError(`No such container: ${id}`);
    return rec;
  }
}

class StartFailure extends Error {}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The container's cgroup, relative to the hierarchy root (what the runtime is given). */
export function cgroupPath(rec: ContainerRecord): string {
  return rec.HostConfig.CgroupParent ? path.posix.join(rec.HostConfig.CgroupParent, rec.Id) : `/tscompose/${rec.Id}`;
}

export function readPidFile(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** exit.json, or what can be said without it (the monitor was killed before writing it). */
export async function readExit(file: string, now: Date): Promise<ExitInfo> {
  try {
    const j = JSON.parse(await fs.promises.readFile(file, 'utf8')) as Partial<ExitInfo>;
    return {
      exitCode: typeof j.exitCode === 'number' ? j.exitCode : 255,
      signal: typeof j.signal === 'number' ? j.signal : null,
      oomKilled: j.oomKilled === true,
      finishedAt: typeof j.finishedAt === 'string' ? j.finishedAt : rfc3339Nano(now),
    };
  } catch {
    // No exit status survived (the monitor was killed): dockerd reports 255 for a task it lost.
    return { exitCode: 255, signal: null, oomKilled: false, finishedAt: rfc3339Nano(now) };
  }
}

/** Inspect's Mounts from the spec: volumes by their mountpoints, user binds and tmpfs by their requests. */
export function mountPoints(
  spec: OciSpec,
  named: ReadonlySet<string>,
  anonymous: ReadonlyMap<string, string>,
  mountpoint: (v: string) => string,
  p: ContainerPaths,
): MountPoint[] {
  const byPath = new Map<string, string>();
  for (const v of [...named, ...anonymous.values()]) byPath.set(mountpoint(v), v);
  const own = new Set([p.hosts, p.hostname, p.resolvConf]);
  const out: MountPoint[] = [];
  for (const m of spec.mounts) {
    const opts = m.options ?? [];
    const rw = !opts.includes('ro');
    const src = m.source ?? '';
    const volume = byPath.get(src);
    if (volume !== undefined) {
      out.push({ Type: 'volume', Name: volume, Source: src, Destination: m.destination, Driver: 'local', Mode: 'z', RW: rw, Propagation: '' });
    } else if (m.type === 'bind' && src.startsWith('/') && !own.has(src) && m.destination !== '/dev/shm' && m.destination !== '/sbin/docker-init') {
      const propagation = opts.find((o) => /^r?(private|shared|slave)$/.test(o)) ?? 'rprivate';
      out.push({ Type: 'bind', Source: src, Destination: m.destination, Mode: '', RW: rw, Propagation: propagation });
    }
  }
  return out;
}

/** Keeps the ps rows whose PID column is one of `pids`; Docker's error when there is no PID column. */
export function parsePsTable(output: string, pids: readonly number[]): { Titles: string[]; Processes: string[][] } {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0] ?? '';
  const titles = header.trim().split(/\s+/);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new BadRequestError(`Couldn't find PID field in ps output`);
  const want = new Set(pids);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const pid = Number(fields[pidIndex]);
    if (!want.has(pid)) continue;
    // The last column (the command) may contain spaces: everything after the other titles.
    const head = fields.slice(0, titles.length - 1);
    head.push(fields.slice(titles.length - 1).join(' '));
    processes.push(head);
  }
  return { Titles: titles, Processes: processes };
}

async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else {
        try {
          total += (await fs.promises.lstat(full)).size;
        } catch {
          // Gone meanwhile.
        }
      }
    }
  };
  await walk(dir);
  return total;
}

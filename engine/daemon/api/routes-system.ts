/**
 * System routes: `/_ping`, `/version`, `/info` — what clients call first to
 * negotiate (docker CLI and Docker Compose ping; docker-py asks /version) and
 * what `docker info` prints. Field names and defaults follow dockerd so Docker's
 * clients find everything where they look for it.
 */
import type { ServerResponse } from 'node:http';
import type { Router } from '../server/router.js';
import { sendJson } from '../server/respond.js';
import type { EngineContext } from './engine-context.js';

function pingHeaders(res: ServerResponse, ctx: EngineContext): void {
  res.setHeader('API-Version', ctx.build.apiVersion);
  res.setHeader('OS-Type', 'linux');
  res.setHeader('Docker-Experimental', 'false');
  // Classic builder: there is no BuildKit session endpoint here.
  res.setHeader('Builder-Version', '1');
  res.setHeader('Swarm', 'inactive');
  res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
  res.setHeader('Pragma', 'no-cache');
}

export function versionBody(ctx: EngineContext): Record<string, unknown> {
  const { build, facts } = ctx;
  return {
    Platform: { Name: 'tscompose engine' },
    Components: [
      {
        Name: 'Engine',
        Version: build.version,
        Details: {
          ApiVersion: build.apiVersion,
          Arch: facts.goArch,
          BuildTime: build.buildTime,
          Experimental: 'false',
          GitCommit: build.gitCommit,
          GoVersion: 'n/a',
          KernelVersion: facts.kernelVersion,
          MinAPIVersion: build.minApiVersion,
          Os: 'linux',
        },
      },
    ],
    Version: build.version,
    ApiVersion: build.apiVersion,
    MinAPIVersion: build.minApiVersion,
    GitCommit: build.gitCommit,
    GoVersion: 'n/a',
    Os: 'linux',
    Arch: facts.goArch,
    KernelVersion: facts.kernelVersion,
    BuildTime: build.buildTime,
  };
}

export async function infoBody(ctx: EngineContext): Promise<Record<string, unknown>> {
  const { facts, build } = ctx;
  let images = 0;
  if (ctx.images) {
    try {
      images = (await ctx.images.list()).length;
    } catch (e) {
      ctx.logger.error(`info: listing images: ${(e as Error).message}`);
    }
  }
  const securityOptions = ['name=seccomp,profile=builtin'];
  if (facts.cgroupVersion === '2') securityOptions.push('name=cgroupns');
  const warnings: string[] = [];
  if (ctx.imagesError) warnings.push(`WARNING: image store unavailable: ${ctx.imagesError}`);
  return {
    ID: ctx.id,
    Containers: 0,
    ContainersRunning: 0,
    ContainersPaused: 0,
    ContainersStopped: 0,
    Images: images,
    Driver: 'overlay2',
    DriverStatus: [['Backing Filesystem', 'unknown']],
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    OomKillDisable: facts.cgroupVersion === '1',
    IPv4Forwarding: true,
    Debug: ctx.debug,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: facts.cgroupVersion,
    NEventsListener: 0,
    KernelVersion: facts.kernelVersion,
    OperatingSystem: facts.operatingSystem,
    OSVersion: facts.osVersion,
    OSType: 'linux',
    Architecture: facts.machine,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'],
      IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
      Mirrors: [],
    },
    NCPU: facts.ncpu,
    MemTotal: facts.memTotal,
    GenericResources: null,
    DockerRootDir: ctx.root,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: facts.hostname,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: build.version,
    Runtimes: { tscompose: { path: 'tscompose-runtime' }, runc: { path: 'runc' } },
    DefaultRuntime: 'tscompose',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    // Containers outlive the daemon: their monitors own them (ARCHITECTURE.md, seam 4).
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: 'tscompose-init',
    ContainerdCommit: { ID: 'n/a' },
    RuncCommit: { ID: 'n/a' },
    InitCommit: { ID: 'n/a' },
    SecurityOptions: securityOptions,
    CDISpecDirs: [],
    Warnings: warnings,
  };
}

export function registerSystemRoutes(router: Router, ctx: EngineContext): void {
  const ping = (res: ServerResponse, body: string): void => {
    pingHeaders(res, ctx);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  router.get('/_ping', ({ res }) => ping(res, 'OK'));
  // HEAD carries the same headers; Content-Length of the GET body, as net/http sends.
  router.head('/_ping', ({ res }) => ping(res, 'OK'));
  router.get('/version', ({ res }) => sendJson(res, 200, versionBody(ctx)));
  router.get('/info', async ({ res }) => sendJson(res, 200, await infoBody(ctx)));
}

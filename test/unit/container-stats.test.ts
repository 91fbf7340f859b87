/**
 * Container stats without root: the cgroup v1 and v2 file parsers, both
 * readers over fake cgroup trees, /proc/stat and net/dev, the assembled body
 * in dockerd's shape and JSON text, what the docker CLI computes from two
 * samples (its formulas restated here from docker/cli's stats_helpers.go),
 * and the order of samples a stats response sends.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseFlatKeyed, parseLimit, parsePids, parseU64List, U64_MAX } from '../../engine/daemon/containers/stats-cgroup-parse.js';
import { parseBlkioV1, readCgroupV1, v1ControllerDir } from '../../engine/daemon/containers/stats-cgroup-v1.js';
import { parseIoStat, V2_MEMORY_KEYS } from '../../engine/daemon/containers/stats-cgroup-v2.js';
import { cgroupVersionAt, readCgroupStats } from '../../engine/daemon/containers/stats-cgroup.js';
import { containerCgroupPath, sampleStats } from '../../engine/daemon/containers/stats-collect.js';
import type { StatsHost, StatsTarget } from '../../engine/daemon/containers/stats-collect.js';
import { statsJson } from '../../engine/daemon/containers/stats-json.js';
import { parseNetDev, parseProcStat } from '../../engine/daemon/containers/stats-proc.js';
import { statsFrames } from '../../engine/daemon/containers/stats-stream.js';
import { zeroStats } from '../../engine/daemon/containers/stats-types.js';
import type { CpuStats, MemoryStats, StatsResponse } from '../../engine/daemon/containers/stats-types.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-stats-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let trees = 0;

/** A directory of plain files standing in for /sys/fs/cgroup or /proc. */
function tree(files: Record<string, string>): string {
  const root = path.join(tmp, `t${trees++}`);
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  fs.mkdirSync(root, { recursive: true });
  return root;
}

// ---- what the docker CLI computes (docker/cli stats_helpers.go, restated) ----

function cliCpuPercent(s: StatsResponse): number {
  const cpuDelta = Number(s.cpu_stats.cpu_usage.total_usage) - Number(s.precpu_stats.cpu_usage.total_usage);
  const systemDelta = Number(s.cpu_stats.system_cpu_usage ?? 0n) - Number(s.precpu_stats.system_cpu_usage ?? 0n);
  const cpus = s.cpu_stats.online_cpus || (s.cpu_stats.cpu_usage.percpu_usage ?? []).length;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
}

function cliMemUsage(m: MemoryStats): number {
  const usage = m.usage ?? 0n;
  const v1 = m.stats?.['total_inactive_file'];
  if (v1 !== undefined && v1 < usage) return Number(usage - v1);
  const v2 = m.stats?.['inactive_file'] ?? 0n;
  return Number(v2 < usage ? usage - v2 : usage);
}

function cliBlockIo(s: StatsResponse): [number, number] {
  let r = 0;
  let w = 0;
  for (const e of s.blkio_stats.io_service_bytes_recursive ?? []) {
    if (/^r/i.test(e.op)) r += Number(e.value);
    else if (/^w/i.test(e.op)) w += Number(e.value);
  }
  return [r, w];
}

// ---- fixtures -------------------------------------------------------------

const ID = 'c'.repeat(64);
const CG = `/tscompose/${ID}`;
const MiB = 1024n * 1024n;

const V1_MEMORY_STAT = [
  'cache 1052672', 'rss 20123648', 'rss_huge 0', 'shmem 0', 'mapped_file 0', 'dirty 4096', 'writeback 0',
  'workingset_refault_anon 0', 'pgpgin 10114', 'pgpgout 5200', 'pgfault 10264', 'pgmajfault 0',
  'inactive_anon 20119552', 'active_anon 4096', 'inactive_file 1048576', 'active_file 4096', 'unevictable 0',
  'hierarchical_memory_limit 67108864', 'hierarchical_memsw_limit 9223372036854771712',
  'total_cache 1052672', 'total_rss 20123648', 'total_rss_huge 0', 'total_shmem 0', 'total_mapped_file 0', 'total_dirty 4096',
  'total_writeback 0', 'total_pgpgin 10114', 'total_pgpgout 5200', 'total_pgfault 10264', 'total_pgmajfault 0',
  'total_inactive_anon 20119552', 'total_active_anon 4096', 'total_inactive_file 1048576', 'total_active_file 4096', 'total_unevictable 0',
].join('\n');

const THROTTLE_BYTES = '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 12288\n8:0 Async 0\n8:0 Discard 0\n8:0 Total 12288\n253:1 Read 100\n253:1 Write 0\n253:1 Total 100\nTotal 12388\n';

/** A v1 hierarchy as this kind of host has it: one mount per controller. */
function v1Tree(over: { cpuacctUsage?: string; limit?: string; cpuCombined?: boolean } = {}): string {
  const cpuDir = over.cpuCombined ? 'cpu,cpuacct' : 'cpu';
  const acctDir = over.cpuCombined ? 'cpu,cpuacct' : 'cpuacct';
  return tree({
    [`${acctDir}${CG}/cpuacct.usage`]: over.cpuacctUsage ?? '4086790357\n',
    [`${acctDir}${CG}/cpuacct.usage_percpu`]: '2360541795 1726248562 \n',
    [`${acctDir}${CG}/cpuacct.stat`]: 'user 404\nsystem 3\n',
    [`${cpuDir}${CG}/cpu.stat`]: 'nr_periods 10\nnr_throttled 2\nthrottled_time 5000000\nnr_bursts 0\nburst_time 0\n',
    [`memory${CG}/memory.stat`]: V1_MEMORY_STAT,
    [`memory${CG}/memory.usage_in_bytes`]: '21626880\n',
    [`memory${CG}/memory.max_usage_in_bytes`]: '40841216\n',
    [`memory${CG}/memory.failcnt`]: '0\n',
    [`memory${CG}/memory.limit_in_bytes`]: over.limit ?? '67108864\n',
    [`blkio${CG}/blkio.throttle.io_service_bytes_recursive`]: THROTTLE_BYTES,
    [`blkio${CG}/blkio.throttle.io_serviced_recursive`]: '8:0 Read 1\n8:0 Write 2\n8:0 Total 3\nTotal 3\n',
    // BFQ files are there too on such kernels; containerd (and so dockerd) does not read them.
    [`blkio${CG}/blkio.bfq.io_service_bytes_recursive`]: '8:0 Read 999999\nTotal 999999\n',
    [`pids${CG}/pids.current`]: '3\n',
    [`pids${CG}/pids.max`]: 'max\n',
    // The hybrid layout's cgroup2 mount beside the v1 ones: not a controller of ours.
    'unified/cgroup.controllers': '',
  });
}

function v2Tree(over: { usage?: string; max?: string } = {}): string {
  return tree({
    'cgroup.controllers': 'cpuset cpu io memory pids\n',
    [`${CG.slice(1)}/cpu.stat`]: `usage_usec ${over.usage ?? '2500000'}\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 4\nnr_throttled 1\nthrottled_usec 300\n`,
    [`${CG.slice(1)}/memory.current`]: '10485760\n',
    [`${CG.slice(1)}/memory.max`]: over.max ?? 'max\n',
    [`${CG.slice(1)}/memory.stat`]: 'anon 8388608\nfile 2097152\nkernel_stack 16384\ninactive_file 1048576\nactive_file 1048576\nworkingset_refault_anon 0\npgfault 100\n',
    [`${CG.slice(1)}/memory.events`]: 'low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n',
    [`${CG.slice(1)}/io.stat`]: '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=100 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n',
    [`${CG.slice(1)}/pids.current`]: '2\n',
    [`${CG.slice(1)}/pids.max`]: '100\n',
  });
}

const PROC_STAT = 'cpu  100 0 50 1000 10 0 5 7 0 0\ncpu0 50 0 25 500 5 0 3 4 0 0\ncpu1 50 0 25 500 5 0 2 3 0 0\nintr 12345\nctxt 999\n';
const NET_DEV_LO_ONLY = 'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo:     840      10    0    0    0     0          0         0      840      10    0    0    0     0       0          0\n';
const NET_DEV = `${NET_DEV_LO_ONLY}  eth1: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n  eth0: 1296 16 1 2 0 0 0 0 656 8 3 4 0 0 0 0\n`;

function procTree(pid: number, netDev: string, stat = PROC_STAT): string {
  return tree({ stat, [`${pid}/net/dev`]: netDev });
}

function host(cgroupRoot: string, procRoot: string, over: Partial<StatsHost> = {}): StatsHost {
  return { cgroupRoot, procRoot, machineMemory: 2048n * MiB, now: () => new Date('2026-01-02T03:04:05.678Z'), ...over };
}

const target = (over: Partial<StatsTarget> = {}): StatsTarget => ({ id: ID, name: '/web', live: true, pid: 4242, cgroupPath: CG, hostNetwork: false, ...over });

// ---- tests ---------------------------------------------------------------

describe('cgroup file parsers', () => {
  it('reads flat-keyed files, number lists and limits', () => {
    const m = parseFlatKeyed('nr_periods 10\nnr_throttled 2\n\nbogus line here\nthrottled_time 18446744073709551615\n');
    assert.deepEqual([...m], [['nr_periods', 10n], ['nr_throttled', 2n], ['throttled_time', 18446744073709551615n]]);
    assert.deepEqual(parseU64List('2360541795 1726248562 \n'), [2360541795n, 1726248562n]);
    assert.equal(parseLimit('max\n'), 'max');
    assert.equal(parseLimit('67108864\n'), 67108864n);
    assert.equal(parseLimit(undefined), undefined);
    assert.deepEqual(parsePids('3\n', 'max\n'), { current: 3n });
    assert.deepEqual(parsePids('3\n', '100\n'), { current: 3n, limit: 100n });
    assert.equal(parsePids(undefined, '100'), undefined);
  });

  it('parses the v1 blkio lists, skipping the Total line', () => {
    const e = parseBlkioV1(THROTTLE_BYTES);
    assert.equal(e.length, 9);
    assert.deepEqual(e[0], { major: 8, minor: 0, op: 'Read', value: 4096n });
    assert.deepEqual(e[8], { major: 253, minor: 1, op: 'Total', value: 100n });
    // sectors_recursive and time_recursive have no op column.
    assert.deepEqual(parseBlkioV1('8:0 512\nTotal 512\n'), [{ major: 8, minor: 0, op: '', value: 512n }]);
    assert.deepEqual(parseBlkioV1(''), []);
  });

  it('parses io.stat into a read and a write entry per device', () => {
    assert.deepEqual(parseIoStat('8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n259:0 rbytes=1 wbytes=2\n'), [
      { major: 8, minor: 0, op: 'read', value: 4096n },
      { major: 8, minor: 0, op: 'write', value: 8192n },
      { major: 259, minor: 0, op: 'read', value: 1n },
      { major: 259, minor: 0, op: 'write', value: 2n },
    ]);
  });

  it('takes the host CPU time from the first seven fields of /proc/stat, in ns, and counts the cpuN lines', () => {
    // (100+0+50+1000+10+0+5) ticks of 10 ms; steal (7) is not counted, as dockerd does not.
    assert.deepEqual(parseProcStat(PROC_STAT), { systemUsage: 11_650_000_000n, onlineCpus: 2 });
    assert.equal(parseProcStat('intr 1\n'), undefined);
    assert.equal(parseProcStat('cpu 1 2 3\n'), undefined);
  });

  it('reads net/dev without loopback, sorted by name', () => {
    assert.deepEqual(parseNetDev(NET_DEV_LO_ONLY), {});
    const n = parseNetDev(NET_DEV);
    assert.deepEqual(Object.keys(n), ['eth0', 'eth1']);
    assert.deepEqual(n['eth0'], { rx_bytes: 1296n, rx_packets: 16n, rx_errors: 1n, rx_dropped: 2n, tx_bytes: 656n, tx_packets: 8n, tx_errors: 3n, tx_dropped: 4n });
  });
});

describe('cgroup v1 reader over a fake tree', () => {
  it('is told apart from v2 by cgroup.controllers at the root', () => {
    assert.equal(cgroupVersionAt(v1Tree()), 1);
    assert.equal(cgroupVersionAt(v2Tree()), 2);
  });

  it('reads cpuacct, cpu.stat, memory, the throttle blkio files and pids', () => {
    const s = readCgroupStats(v1Tree(), CG);
    assert.ok(s);
    assert.deepEqual(s.cpu, {
      usage: { total_usage: 4086790357n, percpu_usage: [2360541795n, 1726248562n], usage_in_kernelmode: 30_000_000n, usage_in_usermode: 4_040_000_000n },
      throttling: { periods: 10n, throttled_periods: 2n, throttled_time: 5_000_000n },
    });
    assert.equal(s.memory?.usage, 21626880n);
    assert.equal(s.memory?.max_usage, 40841216n);
    assert.equal(s.memory?.failcnt, undefined);
    assert.equal(s.memory?.limit, 64n * MiB);
    const keys = Object.keys(s.memory?.stats ?? {});
    assert.equal(keys.length, 32);
    assert.deepEqual(keys, [...keys].sort());
    assert.equal(s.memory?.stats?.['total_inactive_file'], 1048576n);
    assert.equal(s.memory?.stats?.['hierarchical_memsw_limit'], 9223372036854771712n);
    assert.equal(s.memory?.stats?.['shmem'], undefined, 'only Docker\'s keys');
    assert.equal(s.blkio?.io_service_bytes_recursive?.length, 9);
    assert.deepEqual(s.blkio?.io_serviced_recursive?.map((e) => [e.op, e.value]), [['Read', 1n], ['Write', 2n], ['Total', 3n]]);
    assert.deepEqual(s.blkio?.sectors_recursive, []);
    assert.deepEqual(s.pids, { current: 3n });
  });

  it('finds controllers mounted together (cpu,cpuacct)', () => {
    const root = v1Tree({ cpuCombined: true });
    assert.equal(v1ControllerDir(root, 'cpuacct'), path.join(root, 'cpu,cpuacct'));
    const s = readCgroupV1(root, CG);
    assert.equal(s?.cpu?.usage.total_usage, 4086790357n);
    assert.equal(s?.cpu?.throttling.periods, 10n);
  });

  it('prefers the CFQ lists when the kernel has them', () => {
    const root = v1Tree();
    const dir = path.join(root, 'blkio', CG);
    fs.writeFileSync(path.join(dir, 'blkio.io_serviced_recursive'), '8:0 Read 7\nTotal 7\n');
    fs.writeFileSync(path.join(dir, 'blkio.io_service_bytes_recursive'), '8:0 Read 70\n8:0 Write 7\nTotal 77\n');
    fs.writeFileSync(path.join(dir, 'blkio.time_recursive'), '8:0 123\n');
    const s = readCgroupV1(root, CG);
    assert.deepEqual(s?.blkio?.io_service_bytes_recursive?.map((e) => e.value), [70n, 7n]);
    assert.deepEqual(s?.blkio?.io_time_recursive, [{ major: 8, minor: 0, op: '', value: 123n }]);
    assert.deepEqual(s?.blkio?.io_queue_recursive, []);
  });

  it('says nothing for a cgroup that does not exist', () => {
    assert.equal(readCgroupStats(v1Tree(), '/tscompose/gone'), undefined);
  });
});

describe('cgroup v2 reader over a fake tree', () => {
  it('reads cpu.stat in ns, memory with max → unlimited, oom as failcnt, io.stat and pids', () => {
    const s = readCgroupStats(v2Tree(), CG);
    assert.ok(s);
    assert.deepEqual(s.cpu, {
      usage: { total_usage: 2_500_000_000n, usage_in_kernelmode: 500_000_000n, usage_in_usermode: 2_000_000_000n },
      throttling: { periods: 4n, throttled_periods: 1n, throttled_time: 300_000n },
    });
    assert.equal(s.memory?.usage, 10485760n);
    assert.equal(s.memory?.limit, U64_MAX);
    assert.equal(s.memory?.failcnt, 2n);
    assert.equal(s.memory?.max_usage, undefined);
    assert.deepEqual(Object.keys(s.memory?.stats ?? {}), [...V2_MEMORY_KEYS].sort());
    assert.equal(s.memory?.stats?.['inactive_file'], 1048576n);
    assert.equal(s.memory?.stats?.['total_inactive_file'], undefined, 'no v1 keys: the CLI tells the versions apart by them');
    assert.deepEqual(s.blkio?.io_service_bytes_recursive?.map((e) => `${e.major}:${e.minor} ${e.op} ${e.value}`), ['8:0 read 4096', '8:0 write 8192', '253:1 read 100', '253:1 write 0']);
    assert.equal(s.blkio?.io_serviced_recursive, null);
    assert.deepEqual(s.pids, { current: 2n, limit: 100n });
  });

  it('keeps a memory.max limit and says nothing for a missing cgroup', () => {
    assert.equal(readCgroupStats(v2Tree({ max: '67108864\n' }), CG)?.memory?.limit, 64n * MiB);
    assert.equal(readCgroupStats(v2Tree(), '/tscompose/gone'), undefined);
  });
});

describe('a stats sample in dockerd\'s shape', () => {
  it('writes dockerd\'s zeroed body for a container without numbers, byte for byte', () => {
    // What dockerd (20.10.24, API 1.41) answered for a created container, captured on this kind of host.
    const dockerd =
      '{"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},"blkio_stats":{"io_service_bytes_recursive":null,"io_serviced_recursive":null,"io_queue_recursive":null,"io_service_time_recursive":null,"io_wait_time_recursive":null,"io_merged_recursive":null,"io_time_recursive":null,"sectors_recursive":null},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"memory_stats":{},"name":"/stopped","id":"8e75d8885ee14f840f651da1acddd609e44d0d9f7a0934f3585dc78c821eb03f"}';
    assert.equal(statsJson(zeroStats('/stopped', '8e75d8885ee14f840f651da1acddd609e44d0d9f7a0934f3585dc78c821eb03f')), dockerd);
    const h = host(v1Tree(), procTree(4242, NET_DEV));
    assert.deepEqual(sampleStats(target({ live: false }), h), zeroStats('/web', ID));
    assert.deepEqual(sampleStats(target({ cgroupPath: '/tscompose/gone' }), h), zeroStats('/web', ID));
  });

  it('assembles a v1 sample: fields in Go\'s order, limit as set, host CPU beside it, no networks for loopback only', () => {
    const s = sampleStats(target(), host(v1Tree(), procTree(4242, NET_DEV_LO_ONLY)));
    assert.deepEqual(Object.keys(s), ['read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id']);
    assert.equal(s.read, '2026-01-02T03:04:05.678Z');
    assert.equal(s.preread, '0001-01-01T00:00:00Z');
    assert.deepEqual(Object.keys(s.cpu_stats), ['cpu_usage', 'system_cpu_usage', 'online_cpus', 'throttling_data']);
    assert.deepEqual(Object.keys(s.cpu_stats.cpu_usage), ['total_usage', 'percpu_usage', 'usage_in_kernelmode', 'usage_in_usermode']);
    assert.equal(s.cpu_stats.system_cpu_usage, 11_650_000_000n);
    assert.equal(s.cpu_stats.online_cpus, 2);
    assert.deepEqual(Object.keys(s.memory_stats), ['usage', 'max_usage', 'stats', 'limit']);
    assert.equal(s.memory_stats.limit, 64n * MiB);
    const text = statsJson(s);
    assert.match(text, /"hierarchical_memsw_limit":9223372036854771712,/, 'uint64 written exactly');
    assert.match(text, /"pids_stats":\{"current":3\},/);
    assert.doesNotMatch(text, /networks/);
    assert.deepEqual(JSON.parse(text).memory_stats.limit, 67108864);
  });

  it('caps an unlimited memory limit at the host\'s memory (v1 and v2), and reports the namespace\'s interfaces', () => {
    const v1 = sampleStats(target(), host(v1Tree({ limit: '9223372036854771712\n' }), procTree(4242, NET_DEV)));
    assert.equal(v1.memory_stats.limit, 2048n * MiB);
    assert.deepEqual(Object.keys(v1.networks ?? {}), ['eth0', 'eth1']);
    assert.deepEqual(Object.keys(v1).slice(-3), ['name', 'id', 'networks']);
    const v2 = sampleStats(target(), host(v2Tree(), procTree(4242, NET_DEV)));
    assert.equal(v2.memory_stats.limit, 2048n * MiB);
    assert.equal(v2.cpu_stats.cpu_usage.percpu_usage, undefined);
    // Host networking: the interfaces are the host's, which dockerd does not report.
    assert.equal(sampleStats(target({ hostNetwork: true }), host(v1Tree(), procTree(4242, NET_DEV))).networks, undefined);
  });

  it('gives the docker CLI what it needs for CPU %, memory, block and network I/O', () => {
    const proc = procTree(4242, NET_DEV);
    const before = sampleStats(target(), host(v1Tree({ cpuacctUsage: '1000000000\n' }), proc));
    // One second later on 2 CPUs (200 ticks of host time), the container used 0.5 s of CPU: 50 % of one CPU.
    fs.writeFileSync(path.join(proc, 'stat'), PROC_STAT.replace('cpu  100 0 50 1000', 'cpu  100 0 50 1200'));
    const now = sampleStats(target(), host(v1Tree({ cpuacctUsage: '1500000000\n' }), proc));
    now.precpu_stats = before.cpu_stats;
    assert.equal(cliCpuPercent(now), 50);
    // v1: usage minus total_inactive_file; 19.6 MiB of 64 MiB.
    assert.equal(cliMemUsage(now.memory_stats), 21626880 - 1048576);
    assert.equal(Math.round((cliMemUsage(now.memory_stats) / Number(now.memory_stats.limit)) * 10000) / 100, 30.66);
    assert.deepEqual(cliBlockIo(now), [4196, 8192]);
    assert.equal(Object.values(now.networks ?? {}).reduce((a, n) => a + Number(n.rx_bytes), 0), 1306);
    // v2: usage minus inactive_file.
    const v2 = sampleStats(target(), host(v2Tree(), proc));
    assert.equal(cliMemUsage(v2.memory_stats), 10485760 - 1048576);
    assert.deepEqual(cliBlockIo(v2), [4196, 8192]);
  });
});

describe('the samples of a stats response', () => {
  /** A sampler whose CPU counter grows by 1 s of CPU and 2 s of host time per sample. */
  function counter(limit = Infinity): { sample: () => StatsResponse | undefined; calls: () => number } {
    let n = 0;
    return {
      calls: () => n,
      sample: () => {
        if (n >= limit) return undefined;
        n++;
        const s = zeroStats('/web', ID);
        s.read = `2026-01-02T03:04:0${n}Z`;
        s.cpu_stats.cpu_usage.total_usage = BigInt(n) * 1_000_000_000n;
        s.cpu_stats.system_cpu_usage = BigInt(n) * 2_000_000_000n;
        s.cpu_stats.online_cpus = 2;
        return s;
      },
    };
  }
  const take = async (it: AsyncGenerator<StatsResponse>, max: number): Promise<StatsResponse[]> => {
    const out: StatsResponse[] = [];
    for await (const f of it) {
      out.push(f);
      if (out.length >= max) break;
    }
    return out;
  };
  const total = (c: CpuStats): bigint => c.cpu_usage.total_usage;

  it('streams every sample, each with the previous one as precpu_stats and preread', async () => {
    const c = counter();
    const frames = await take(statsFrames(c.sample, { stream: true, oneShot: false, intervalMs: 0 }), 3);
    assert.deepEqual(frames.map((f) => [f.read, f.preread]), [
      ['2026-01-02T03:04:01Z', '0001-01-01T00:00:00Z'],
      ['2026-01-02T03:04:02Z', '2026-01-02T03:04:01Z'],
      ['2026-01-02T03:04:03Z', '2026-01-02T03:04:02Z'],
    ]);
    assert.deepEqual(frames.map((f) => total(f.precpu_stats)), [0n, 1_000_000_000n, 2_000_000_000n]);
    assert.equal(cliCpuPercent(frames[1] as StatsResponse), 100);
  });

  it('stream=false answers with the second sample, primed by the first', async () => {
    const c = counter();
    const frames = await take(statsFrames(c.sample, { stream: false, oneShot: false, intervalMs: 0 }), 5);
    assert.equal(frames.length, 1);
    assert.equal(c.calls(), 2);
    assert.equal(total((frames[0] as StatsResponse).precpu_stats), 1_000_000_000n);
    assert.equal((frames[0] as StatsResponse).preread, '2026-01-02T03:04:01Z');
  });

  it('one-shot answers with one sample at once, precpu empty', async () => {
    const c = counter();
    const frames = await take(statsFrames(c.sample, { stream: false, oneShot: true, intervalMs: 60_000 }), 5);
    assert.equal(frames.length, 1);
    assert.equal(c.calls(), 1);
    assert.equal(total((frames[0] as StatsResponse).precpu_stats), 0n);
  });

  it('ends when the container is removed or the client goes', async () => {
    assert.equal((await take(statsFrames(counter(2).sample, { stream: true, oneShot: false, intervalMs: 0 }), 10)).length, 2);
    assert.equal((await take(statsFrames(counter(1).sample, { stream: false, oneShot: false, intervalMs: 0 }), 10)).length, 0);
    const gone = new AbortController();
    const c = counter();
    const it = statsFrames(c.sample, { stream: true, oneShot: false, intervalMs: 60_000, signal: gone.signal });
    const first = await it.next();
    assert.equal(first.done, false);
    const next = it.next();
    gone.abort();
    assert.equal((await next).done, true);
    assert.equal(c.calls(), 1);
  });
});

describe('the container\'s cgroup path', () => {
  it('is /tscompose/<id>, or <CgroupParent>/<id> rooted at the hierarchy', () => {
    assert.equal(containerCgroupPath({ Id: ID, HostConfig: {} }), `/tscompose/${ID}`);
    assert.equal(containerCgroupPath({ Id: ID, HostConfig: { CgroupParent: '/custom/parent' } }), `/custom/parent/${ID}`);
    assert.equal(containerCgroupPath({ Id: ID, HostConfig: { CgroupParent: 'relative' } }), `/relative/${ID}`);
  });
});

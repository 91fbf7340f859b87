/**
 * The network data plane on the real kernel, without a daemon: bridges,
 * named netns, veths, addresses, routes and our iptables chains. Namespaces
 * stand in for containers (busybox runs in them with `ip netns exec`).
 * Checked: two endpoints on one network reach each other; none reaches a
 * network it is not on; an endpoint on two networks reaches both; an
 * internal network keeps its traffic in; a published port answers on
 * 127.0.0.1 and is hairpinned; teardown leaves no link, netns or rule.
 * Traffic goes only to loopback and to the namespaces made here.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataPlane, macFor } from '../../engine/daemon/network/dataplane.js';
import { chainsFor, hostVethName, netnsName, peerVethName } from '../../engine/daemon/network/names.js';
import { realNetHost } from '../../engine/daemon/network/net-host.js';
import type { RuleNetwork, RulePort } from '../../engine/daemon/network/rules.js';

const skip = process.getuid?.() !== 0 ? 'needs root (netns, bridges, iptables)' : !fs.existsSync('/bin/busybox') ? 'busybox-static not installed' : spawnSync('iptables', ['-V']).status !== 0 ? 'iptables not installed' : false;

const ids = { a1: 'f1a1'.padEnd(64, '0'), a2: 'f1a2'.padEnd(64, '0'), b1: 'f1b1'.padEnd(64, '0'), ab: 'f1ab'.padEnd(64, '0'), i1: 'f1c1'.padEnd(64, '0') };
const nets = {
  A: { id: 'e1a'.padEnd(64, '0'), bridge: 'tsc-test-a', subnet: '10.213.1.0/24', gw: '10.213.1.1' },
  B: { id: 'e1b'.padEnd(64, '0'), bridge: 'tsc-test-b', subnet: '10.213.2.0/24', gw: '10.213.2.1' },
  I: { id: 'e1c'.padEnd(64, '0'), bridge: 'tsc-test-i', subnet: '10.213.3.0/24', gw: '10.213.3.1' },
};

function inNs(id: string, cmd: string[]): { code: number; out: string } {
  const r = spawnSync('ip', ['netns', 'exec', netnsName(id), ...cmd], { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}
const pings = (from: string, ip: string): boolean => inNs(from, ['busybox', 'ping', '-c', '1', '-W', '1', ip]).code === 0;

/** This test's own objects only (an engine elsewhere on the host may have its own). */
function leftovers(): string[] {
  const out: string[] = [];
  const vethNames = Object.values(ids).flatMap((cid) => Object.values(nets).flatMap((n) => [hostVethName(cid, n.id), peerVethName(cid, n.id)]));
  const links = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => /: tsc-test/.test(l) || vethNames.some((v) => l.includes(`: ${v}@`) || l.includes(`: ${v}:`)));
  out.push(...links);
  const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => Object.values(ids).some((id) => l.startsWith(netnsName(id))));
  out.push(...ns);
  const rules = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes('TSC-t0test-'));
  out.push(...rules);
  return out;
}

describe('network data plane', { skip }, () => {
  const dp = new DataPlane(realNetHost, chainsFor('t0test'));
  let www: string;
  let httpd: ChildProcess | undefined;
  const ports: RulePort[] = [];
  const networks: RuleNetwork[] = [
    { bridge: nets.A.bridge, subnet: nets.A.subnet, internal: false },
    { bridge: nets.B.bridge, subnet: nets.B.subnet, internal: false },
    { bridge: nets.I.bridge, subnet: nets.I.subnet, internal: true },
  ];

  const join = async (cid: string, n: (typeof nets)[keyof typeof nets], host: number, ifname: string, defaultRoute: boolean): Promise<string> => {
    await dp.ensureSandbox(cid);
    const ip = n.subnet.replace(/0\/24$/, String(host));
    await dp.attach({ containerId: cid, networkId: n.id, bridge: n.bridge, ifname, ip, prefix: 24, gateway: n.gw, mtu: 1500, mac: macFor(ip), defaultRoute });
    return ip;
  };

  before(async () => {
    assert.deepEqual(leftovers(), [], 'test objects left from an earlier run');
    for (const n of Object.values(nets)) await dp.ensureBridge({ bridge: n.bridge, gateway: n.gw, prefix: 24, mtu: 1500 });
    await join(ids.a1, nets.A, 2, 'eth0', true);
    await join(ids.a2, nets.A, 3, 'eth0', true);
    await join(ids.b1, nets.B, 2, 'eth0', true);
    await join(ids.ab, nets.A, 9, 'eth0', true);
    await join(ids.ab, nets.B, 9, 'eth1', false);
    await join(ids.i1, nets.I, 2, 'eth0', true);
    await dp.applyRules(networks, ports);
  });

  after(async () => {
    httpd?.kill('SIGKILL');
    for (const id of Object.values(ids)) await dp.removeSandbox(id).catch(() => undefined);
    for (const n of Object.values(nets)) await dp.removeBridge(n.bridge).catch(() => undefined);
    await dp.removeRules().catch(() => undefined);
    if (www) fs.rmSync(www, { recursive: true, force: true });
    assert.deepEqual(leftovers(), [], 'left behind on the host');
  });

  it('gives each endpoint its address, MAC and default route', () => {
    const addr = inNs(ids.a1, ['ip', '-o', '-4', 'addr', 'show', 'eth0']).out;
    assert.match(addr, /inet 10\.213\.1\.2\/24/);
    assert.match(inNs(ids.a1, ['ip', 'link', 'show', 'eth0']).out, /link\/ether 02:42:0a:d5:01:02/);
    assert.match(inNs(ids.a1, ['ip', 'route']).out, /default via 10\.213\.1\.1 dev eth0/);
    assert.match(inNs(ids.ab, ['ip', 'route']).out, /^default via 10\.213\.1\.1 dev eth0/m);
  });

  it('connects endpoints of one network, and a two-network endpoint to both', () => {
    assert.ok(pings(ids.a1, '10.213.1.3'), 'a1 → a2');
    assert.ok(pings(ids.ab, '10.213.1.2'), 'ab → a1');
    assert.ok(pings(ids.ab, '10.213.2.2'), 'ab → b1');
  });

  it('isolates networks from each other', () => {
    assert.equal(pings(ids.a1, '10.213.2.2'), false, 'a1 must not reach b1');
    assert.equal(pings(ids.b1, '10.213.1.2'), false, 'b1 must not reach a1');
  });

  it('keeps an internal network in: its gateway answers, other networks do not', () => {
    assert.ok(pings(ids.i1, '10.213.3.1'), 'the gateway (the host) is reachable');
    assert.equal(pings(ids.i1, '10.213.1.2'), false);
    assert.equal(pings(ids.a1, '10.213.3.2'), false);
  });

  it('publishes a port on 127.0.0.1, reachable from the host and hairpinned from the container itself', async () => {
    www = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-www-'));
    fs.writeFileSync(path.join(www, 'index.html'), 'hello from a1\n');
    httpd = spawn('ip', ['netns', 'exec', netnsName(ids.a1), 'busybox', 'httpd', '-f', '-p', '80', '-h', www], { stdio: 'ignore' });
    ports.push({ bridge: nets.A.bridge, containerIp: '10.213.1.2', proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 18480 });
    await dp.applyRules(networks, ports);
    let body = '';
    for (let i = 0; i < 50 && body === ''; i++) {
      body = await new Promise<string>((resolve) => {
        http.get({ host: '127.0.0.1', port: 18480, path: '/', agent: false }, (res) => {
          let t = '';
          res.on('data', (c: Buffer) => (t += c.toString()));
          res.on('end', () => resolve(t));
        }).on('error', () => setTimeout(() => resolve(''), 100));
      });
    }
    assert.equal(body, 'hello from a1\n');
    // From a2 to a1's port on the gateway address (the host), DNATed back into the same bridge.
    const viaHost = inNs(ids.a2, ['busybox', 'wget', '-q', '-O', '-', 'http://10.213.1.1:80/']);
    assert.notEqual(viaHost.out, 'hello from a1\n', 'port 80 is not published on the gateway address');
    ports.splice(0, 1, { bridge: nets.A.bridge, containerIp: '10.213.1.2', proto: 'tcp', containerPort: 80, hostIp: '', hostPort: 18481 });
    await dp.applyRules(networks, ports);
    const hairpin = inNs(ids.a1, ['busybox', 'wget', '-q', '-O', '-', 'http://10.213.1.1:18481/']);
    assert.equal(hairpin.out, 'hello from a1\n', `hairpin: ${hairpin.out}`);
    const rules = spawnSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).stdout;
    assert.equal(rules.match(/--dport 18480/g), null, 'the old port rule is gone after the refill');
    assert.match(rules, /--dport 18481 .*DNAT --to-destination 10\.213\.1\.2:80/);
  });

  it('removes an endpoint with its namespace, and the rules of ours exactly', async () => {
    await dp.removeSandbox(ids.b1);
    assert.equal(pings(ids.ab, '10.213.2.2'), false);
    const before = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.split('\n').filter((l) => !/TSC-t0test-|^#|^:|^\*|^COMMIT/.test(l));
    await dp.removeRules();
    const afterRules = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.split('\n').filter((l) => !/^#|^:|^\*|^COMMIT/.test(l));
    assert.deepEqual(afterRules.filter((l) => l.includes('TSC-t0test-')), []);
    assert.deepEqual(afterRules, before, "every other rule is untouched");
  });
});

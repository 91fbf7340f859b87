/**
 * Network bookkeeping without a host: CIDR arithmetic, Docker's default
 * pools and address allocation, the iptables rules as text, the records
 * store (predefined networks, create validation, lookup order, removal).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatCidr, overlaps, parseCidr, parseIPv4 } from '../../engine/daemon/network/cidr.js';
import { checkStaticAddress, completeConfig, nextAddress, pickSubnet } from '../../engine/daemon/network/ipam.js';
import { chainsFor } from '../../engine/daemon/network/names.js';
import { rulesDiff } from '../../engine/daemon/network/rules-diff.js';
import { restoreInput } from '../../engine/daemon/network/rules.js';
import { NetworkStore, readHostRoutes } from '../../engine/daemon/network/store.js';

const cidr = (s: string) => parseCidr(s) ?? assert.fail(s);

describe('CIDR', () => {
  it('parses, masks host bits and tells overlaps', () => {
    assert.equal(formatCidr(cidr('172.18.5.9/16')), '172.18.0.0/16');
    assert.equal(parseCidr('300.1.1.1/8'), undefined);
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseIPv4('1.2.3'), undefined);
    assert.equal(overlaps(cidr('10.0.0.0/8'), cidr('10.200.0.0/16')), true);
    assert.equal(overlaps(cidr('10.0.0.0/16'), cidr('10.1.0.0/16')), false);
  });
  it('reads the host routes from /proc/net/route', () => {
    const text = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n';
    assert.deepEqual(readHostRoutes(text).map(formatCidr), ['0.0.0.0/0', '192.0.2.0/24']);
  });
});

describe('IPAM', () => {
  it('picks the first default-pool subnet free of networks and routes', () => {
    assert.equal(formatCidr(pickSubnet([]) ?? assert.fail()), '172.17.0.0/16');
    assert.equal(formatCidr(pickSubnet([cidr('172.17.0.0/16'), cidr('172.18.3.0/24')]) ?? assert.fail()), '172.19.0.0/16');
    const all172 = [cidr('172.16.0.0/12')];
    assert.equal(formatCidr(pickSubnet(all172) ?? assert.fail()), '192.168.0.0/20');
    assert.equal(formatCidr(pickSubnet([...all172, cidr('192.168.0.0/20')]) ?? assert.fail()), '192.168.16.0/20');
  });
  it('completes and checks a user configuration with Docker-like errors', () => {
    assert.deepEqual(completeConfig({ Subnet: '10.9.0.0/16' }, []), { Subnet: '10.9.0.0/16', Gateway: '10.9.0.1' });
    assert.deepEqual(completeConfig({ Subnet: '10.9.0.0/16', Gateway: '10.9.0.254', IPRange: '10.9.1.0/24' }, []), { Subnet: '10.9.0.0/16', Gateway: '10.9.0.254', IPRange: '10.9.1.0/24' });
    assert.throws(() => completeConfig({ Subnet: '10.9.0.0/16' }, [cidr('10.9.3.0/24')]), /overlaps/);
    assert.throws(() => completeConfig({ Subnet: '10.9.0.0/16', Gateway: '10.8.0.1' }, []), /no matching subnet for gateway/);
    assert.throws(() => completeConfig({ Subnet: '10.9.0.0/16', IPRange: '10.10.0.0/24' }, []), /no matching subnet for range/);
    assert.throws(() => completeConfig({ Subnet: 'banana' }, []), /invalid subnet/);
  });
  it('hands out addresses in order after the last one, skipping the gateway and those in use, wrapping round', () => {
    const cfg = { Subnet: '10.1.0.0/29', Gateway: '10.1.0.1' };
    assert.equal(nextAddress(cfg, new Set()), '10.1.0.2');
    assert.equal(nextAddress(cfg, new Set(['10.1.0.2']), '10.1.0.2'), '10.1.0.3');
    assert.equal(nextAddress(cfg, new Set(), '10.1.0.6'), '10.1.0.2', 'wraps; .7 is the broadcast address');
    assert.equal(nextAddress(cfg, new Set(['10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6'])), undefined);
    assert.equal(nextAddress({ ...cfg, Subnet: '10.1.0.0/24', IPRange: '10.1.0.128/25' }, new Set()), '10.1.0.128');
  });
  it('checks static addresses', () => {
    const cfg = { Subnet: '10.1.0.0/24', Gateway: '10.1.0.1' };
    checkStaticAddress(cfg, '10.1.0.50', new Set());
    assert.throws(() => checkStaticAddress(cfg, '10.2.0.50', new Set()), /no configured subnet/);
    assert.throws(() => checkStaticAddress(cfg, '10.1.0.1', new Set()), /in use/);
    assert.throws(() => checkStaticAddress(cfg, '10.1.0.50', new Set(['10.1.0.50'])), /in use/);
  });
});

describe('iptables rules', () => {
  it('are named per engine instance, within iptables limits', () => {
    assert.equal(chainsFor('').forward, 'TSC-FORWARD');
    const tagged = chainsFor('a1b2c3');
    assert.equal(tagged.isolation1, 'TSC-a1b2c3-ISOLATION-1');
    for (const name of Object.values(tagged)) assert.ok(name.length <= 28, name);
  });
  it('declare our chains (a refill), isolate networks, keep internal ones in, publish ports', () => {
    const text = restoreInput(
      chainsFor(''),
      [
        { bridge: 'tsc-a', subnet: '10.1.0.0/24', internal: false },
        { bridge: 'tsc-i', subnet: '10.2.0.0/24', internal: true },
      ],
      [
        { bridge: 'tsc-a', containerIp: '10.1.0.2', proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 8080 },
        { bridge: 'tsc-i', containerIp: '10.2.0.2', proto: 'udp', containerPort: 53, hostIp: '', hostPort: 5353 },
      ],
    );
    const lines = text.split('\n');
    assert.ok(lines.includes(':TSC-FORWARD - [0:0]'));
    assert.ok(lines.includes('-A TSC-ISOLATION-2 -o tsc-i -j DROP -m comment --comment tscompose'));
    assert.ok(lines.includes('-A TSC-FORWARD -i tsc-i ! -o tsc-i -j DROP -m comment --comment tscompose'));
    assert.ok(lines.includes('-A TSC-POSTROUTING -s 10.1.0.0/24 ! -o tsc-a -j MASQUERADE -m comment --comment tscompose'));
    assert.equal(lines.some((l) => l.includes('-s 10.2.0.0/24 ! -o tsc-i -j MASQUERADE')), false, 'no way out of an internal network');
    assert.ok(lines.includes('-A TSC-DNAT -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80 -m comment --comment tscompose'));
    assert.equal(lines.some((l) => l.includes('--dport 5353')), false, 'ports of internal networks are not published');
    assert.ok(text.endsWith('COMMIT\n'));
  });
});

describe('network records', () => {
  const open = async (routes = ['192.0.2.0/24']) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsc-net-'));
    const store = new NetworkStore(dir, { hostRoutes: () => routes.map(cidr), defaultBridge: 'tsc0' });
    await store.open();
    return { dir, store };
  };
  it('has the predefined networks, made once', async () => {
    const { dir, store } = await open(['172.17.0.0/16']);
    assert.deepEqual(store.all().map((n) => `${n.Name} ${n.Driver}`).sort(), ['bridge bridge', 'host host', 'none null']);
    assert.equal(store.byName('bridge')?.IPAM.Config[0]?.Subnet, '172.18.0.0/16', 'a routed subnet is skipped');
    const again = new NetworkStore(dir, { hostRoutes: () => [], defaultBridge: 'tsc0' });
    await again.open();
    assert.equal(again.byName('bridge')?.Id, store.byName('bridge')?.Id);
    fs.rmSync(dir, { recursive: true });
  });
  it('creates, finds and removes user networks as dockerd does', async () => {
    const { dir, store } = await open();
    const n = await store.create({ Name: 'front', Labels: { a: 'b' }, Internal: true });
    assert.equal(n.IPAM.Config[0]?.Subnet, '172.18.0.0/16');
    assert.equal(n.bridge, `tsc-${n.Id.slice(0, 11)}`);
    assert.equal(store.find(n.Id.slice(0, 6)).Name, 'front');
    await assert.rejects(store.create({ Name: 'front' }), (e: { status: number; message: string }) => e.status === 409 && /already exists/.test(e.message));
    await assert.rejects(store.create({ Name: 'x', Driver: 'host' }), (e: { status: number }) => e.status === 403);
    await assert.rejects(store.create({ Name: 'x', Driver: 'overlay' }), (e: { status: number }) => e.status === 400);
    await assert.rejects(store.create({ Name: 'x', EnableIPv6: true }), /IPv6/);
    await assert.rejects(store.create({ Name: 'x', Options: { 'com.docker.network.bridge.name': 'much-too-long-bridge-name' } }), /invalid bridge name/);
    await assert.rejects(store.remove('bridge', () => 0), (e: { status: number }) => e.status === 403);
    await assert.rejects(store.remove('front', () => 1), /has active endpoints/);
    await store.remove('front', () => 0);
    assert.throws(() => store.find('front'), (e: { status: number }) => e.status === 404);
    assert.equal(fs.readdirSync(path.join(dir, 'network')).length, 3);
    fs.rmSync(dir, { recursive: true });
  });
  it('allocates addresses per network and remembers the last one', async () => {
    const { dir, store } = await open();
    const n = await store.create({ Name: 'a', IPAM: { Config: [{ Subnet: '10.5.0.0/24' }] } });
    assert.equal(await store.allocate(n.Id, new Set()), '10.5.0.2');
    assert.equal(await store.allocate(n.Id, new Set()), '10.5.0.3', 'a released address is not handed out again at once');
    assert.equal(await store.allocate(n.Id, new Set(), '10.5.0.77'), '10.5.0.77');
    await assert.rejects(store.allocate(n.Id, new Set(['10.5.0.77']), '10.5.0.77'), (e: { status: number }) => e.status === 400);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('rule updates', () => {
  const nets = (n: number) => Array.from({ length: n }, (_, i) => ({ bridge: `tsc-n${i}`, subnet: `10.${i}.0.0/24`, internal: i === 2 }));
  const port = (i: number, net = 0) => ({ bridge: `tsc-n${net}`, containerIp: `10.${net}.0.${i + 2}`, proto: 'tcp' as const, containerPort: 80, hostIp: '', hostPort: 18000 + i });

  /** What iptables would hold after applying `delta` to `applied` (only -D / -I lines). */
  function apply(applied: string, delta: string): Map<string, string[]> {
    const chains = new Map<string, string[]>();
    let table = '';
    for (const line of applied.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1);
      else if (line.startsWith(':')) chains.set(`${table}/${line.slice(1).split(' ')[0]}`, []);
      else if (line.startsWith('-A ')) {
        const [, chain = '', ...rest] = line.split(' ');
        chains.get(`${table}/${chain}`)?.push(rest.join(' '));
      }
    }
    for (const line of delta.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1);
      else if (line.startsWith('-D ')) {
        const [, chain = '', ...rest] = line.split(' ');
        const list = chains.get(`${table}/${chain}`) ?? [];
        const at = list.indexOf(rest.join(' '));
        assert.ok(at >= 0, `delete of a missing rule: ${line}`);
        list.splice(at, 1);
      } else if (line.startsWith('-I ')) {
        const [, chain = '', pos = '1', ...rest] = line.split(' ');
        (chains.get(`${table}/${chain}`) ?? []).splice(Number(pos) - 1, 0, rest.join(' '));
      }
    }
    return chains;
  }
  const state = (input: string) => apply(input, '');

  it('turns one rule set into another with deletes and inserts only, exactly', () => {
    const ch = chainsFor('t1');
    const cases: [Parameters<typeof restoreInput>[1], Parameters<typeof restoreInput>[2], Parameters<typeof restoreInput>[1], Parameters<typeof restoreInput>[2]][] = [
      [nets(2), [], nets(2), [port(0)]],
      [nets(2), [port(0)], nets(2), [port(0), port(1)]],
      [nets(2), [port(0), port(1), port(2)], nets(2), [port(0), port(2)]],
      [nets(3), [port(0, 1)], nets(3), [port(3, 0), port(0, 1)]],
      [nets(1), [port(0)], nets(1), []],
    ];
    for (const [n1, p1, n2, p2] of cases) {
      const a = restoreInput(ch, n1, p1);
      const b = restoreInput(ch, n2, p2);
      const delta = rulesDiff(a, b);
      assert.ok(delta !== undefined, 'an update, not a refill');
      assert.doesNotMatch(delta, /^:/m, 'no chain re-declared (that would flush it)');
      assert.deepEqual(apply(a, delta), state(b));
    }
  });
  it('asks for a refill when the chains differ, and for nothing when nothing changed', () => {
    const a = restoreInput(chainsFor('t1'), nets(1), []);
    assert.equal(rulesDiff(a, a), '');
    assert.equal(rulesDiff(a, restoreInput(chainsFor('t2'), nets(1), [])), undefined);
  });
});

/**
 * Networking through our engine, driven by the docker CLI on busybox
 * containers: names, aliases and service names over the embedded DNS,
 * isolation between networks, a container on two networks, internal
 * networks, published ports (127.0.0.1, all addresses, UDP, a range, a
 * random port), host/none/container: modes, DNS forwarding to a resolver
 * this test runs on loopback, round-robin. Traffic goes only to loopback,
 * the host's own address and the containers made here. Teardown fails on
 * any bridge, veth, netns or iptables rule of ours left behind.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { engineSkipReason, startEngineFixture } from '../helpers/engine-fixture.js';
import type { EngineFixture } from '../helpers/engine-fixture.js';

const require = createRequire(import.meta.url);
const skip = engineSkipReason() || (spawnSync('iptables', ['-V']).status !== 0 ? 'iptables not installed' : false);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function get(host: string, port: number, p = '/'): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: p, agent: false, timeout: 3000 }, (res) => {
      let t = '';
      res.on('data', (c: Buffer) => (t += c.toString()));
      res.on('end', () => resolve(t));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(''));
  });
}

/** Polls until `fn` gives a non-empty answer (a server in a fresh container takes a moment). */
async function eventually(fn: () => Promise<string>, tries = 40): Promise<string> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== '') return v;
    await sleep(100);
  }
  return '';
}


/** A host address that is not loopback (the machine's own), if any. */
function hostAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

describe('networks through the engine, driven by the docker CLI', { skip }, () => {
  let fx: EngineFixture;
  let resolver: ChildProcess | undefined;
  const helpers: ChildProcess[] = [];
  /** Ids of the networks this test made (their bridges must go with them). */
  const madeNetworks = new Set<string>();

  before(async () => {
    // The test's own upstream resolver on loopback, in a child process (the docker CLI runs
    // synchronously here, which would stall a resolver in this one): every name is 192.0.2.123.
    const script = `
      const dgram = require('node:dgram');
      const dnsPacket = require(${JSON.stringify(require.resolve('dns-packet'))});
      const s = dgram.createSocket('udp4');
      s.on('message', (msg, r) => {
        const q = dnsPacket.decode(msg);
        const name = q.questions?.[0]?.name ?? '';
        const answers = q.questions?.[0]?.type === 'A' ? [{ type: 'A', name, ttl: 5, class: 'IN', data: '192.0.2.123' }] : [];
        s.send(dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions ?? [], answers }), r.port, r.address);
      });
      s.bind(0, '127.0.0.1', () => console.log(s.address().port));`;
    resolver = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve) => resolver?.stdout?.once('data', (c: Buffer) => resolve(c.toString().trim())));
    process.env['TSCOMPOSE_DNS_UPSTREAM'] = `127.0.0.1:${port}`;
    fx = await startEngineFixture('tsc-e2e-net-');
    delete process.env['TSCOMPOSE_DNS_UPSTREAM'];
  });

  after(async () => {
    for (const h of helpers) h.kill('SIGKILL');
    resolver?.kill('SIGKILL');
    if (!fx) return;
    // Containers first: a network with endpoints is not removed.
    const containers = fx.docker(['ps', '-aq']).out.trim();
    if (containers) fx.docker(['rm', '-f', ...containers.split('\n')]);
    for (const n of ['front', 'back', 'inner']) fx.docker(['network', 'rm', n]);
    // The fixture checks veths, netns and rules of this engine; the user networks' bridges are checked here.
    const bridges = [...madeNetworks].map((id) => `tsc-${id.slice(0, 11)}`);
    await fx.teardown();
    const left = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => bridges.some((b) => l.includes(`: ${b}:`)));
    assert.deepEqual(left, [], 'bridges of the test networks left behind');
  });

  const run = (...args: string[]): string => {
    const id = fx.ok(['run', '-d', ...args]);
    fx.track(id);
    return id;
  };
  const ip = (name: string, net: string): string => fx.ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, name]);

  it('creates, lists and inspects networks', () => {
    madeNetworks.add(fx.ok(['network', 'create', '--label', 'team=a', 'front']));
    madeNetworks.add(fx.ok(['network', 'create', '--subnet', '10.231.0.0/24', '--gateway', '10.231.0.1', 'back']));
    madeNetworks.add(fx.ok(['network', 'create', '--internal', 'inner']));
    const ls = fx.ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']).split('\n').sort();
    assert.deepEqual(ls, ['back bridge', 'bridge bridge', 'front bridge', 'host host', 'inner bridge', 'none null']);
    assert.equal(fx.ok(['network', 'ls', '-q', '--filter', 'label=team=a']).length, 12);
    const back = JSON.parse(fx.ok(['network', 'inspect', 'back']))[0];
    assert.deepEqual(back.IPAM.Config, [{ Subnet: '10.231.0.0/24', Gateway: '10.231.0.1' }]);
    assert.equal(fx.docker(['network', 'create', 'front']).code, 1);
    assert.match(fx.docker(['network', 'rm', 'bridge']).err, /pre-defined network/);
  });

  it('resolves container names, network aliases and service names on one network', () => {
    run('--name', 'web1', '--network', 'front', '--network-alias', 'www', '--label', 'com.docker.compose.service=websvc', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc');
    run('--name', 'client', '--network', 'front', 'busybox', 'sleep', '300');
    assert.match(fx.ok(['exec', 'client', 'nslookup', 'web1']), new RegExp(`Address: ${ip('web1', 'front').replace(/\./g, '\\.')}`));
    for (const name of ['web1', 'www', 'websvc']) {
      const r = fx.docker(['exec', 'client', 'wget', '-q', '-O', '-', `http://${name}/hostname`]);
      assert.equal(r.code, 0, `wget http://${name}: ${r.err}`);
      assert.equal(r.out.trim(), fx.ok(['inspect', '-f', '{{.Config.Hostname}}', 'web1']));
    }
    assert.match(fx.ok(['exec', 'client', 'cat', '/etc/resolv.conf']), /nameserver \d+\.\d+\.\d+\.1\b/);
    const net = JSON.parse(fx.ok(['network', 'inspect', 'front']))[0];
    assert.deepEqual(Object.values(net.Containers).map((c) => (c as { Name: string }).Name).sort(), ['client', 'web1']);
  });

  it('isolates networks, and connects a container to a second one', () => {
    run('--name', 'backweb', '--network', 'back', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc');
    const backIp = ip('backweb', 'back');
    assert.match(backIp, /^10\.231\.0\./);
    assert.notEqual(fx.docker(['exec', 'client', 'timeout', '3', 'wget', '-q', '-O', '-', `http://${backIp}/hostname`]).code, 0, 'front must not reach back');
    assert.notEqual(fx.docker(['exec', 'client', 'nslookup', 'backweb']).out.includes(backIp), true, 'nor resolve its names');
    fx.ok(['network', 'connect', '--alias', 'bridgehead', 'back', 'client']);
    const r = fx.docker(['exec', 'client', 'wget', '-q', '-O', '-', 'http://backweb/hostname']);
    assert.equal(r.code, 0, r.err);
    assert.equal(fx.docker(['exec', 'backweb', 'nslookup', 'bridgehead']).code, 0);
    fx.ok(['network', 'disconnect', 'back', 'client']);
    assert.notEqual(fx.docker(['exec', 'client', 'timeout', '3', 'wget', '-q', '-O', '-', `http://${backIp}/hostname`]).code, 0);
  });

  it('keeps an internal network in', () => {
    run('--name', 'hermit', '--network', 'inner', 'busybox', 'sleep', '300');
    assert.doesNotMatch(fx.ok(['exec', 'hermit', 'ip', 'route']), /default/);
    const webIp = ip('web1', 'front');
    assert.notEqual(fx.docker(['exec', 'hermit', 'timeout', '3', 'wget', '-q', '-O', '-', `http://${webIp}/hostname`]).code, 0);
    // Unknown names are not forwarded from an internal network.
    assert.notEqual(fx.docker(['exec', 'hermit', 'nslookup', 'example.test']).code, 0);
  });

  it('forwards other names to the upstream resolver', () => {
    const r = fx.ok(['exec', 'client', 'nslookup', 'anything.example.test']);
    assert.match(r, /Address: 192\.0\.2\.123/);
  });

  it('answers several containers behind one alias, round-robin', () => {
    run('--name', 'rr1', '--network', 'front', '--network-alias', 'pool', 'busybox', 'sleep', '300');
    run('--name', 'rr2', '--network', 'front', '--network-alias', 'pool', 'busybox', 'sleep', '300');
    const want = [ip('rr1', 'front'), ip('rr2', 'front')].sort();
    const probe = fx.docker(['exec', 'client', 'nslookup', '-type=a', 'pool']);
    assert.equal(probe.code, 0, `nslookup: ${probe.out} ${probe.err}\n${fx.d.logTail(40)}`);
    const out = probe.out;
    const got = [...out.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)$/gm)].map((m) => m[1]).filter((a) => a !== undefined && !a.endsWith('.1'));
    assert.deepEqual([...got].sort(), want);
    const firsts = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const o = fx.ok(['exec', 'client', 'nslookup', '-type=a', 'pool']);
      const f = [...o.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)$/gm)].map((m) => m[1]).filter((a) => a !== undefined && !a.endsWith('.1'))[0];
      if (f) firsts.add(f);
    }
    assert.equal(firsts.size, 2, 'the order rotates');
  });

  it('publishes ports on 127.0.0.1, on every address, a range, UDP and a random port', async () => {
    run('--name', 'p1', '-p', '127.0.0.1:18080:80', '-p', '18081:80/tcp', '-p', '18090-18091:8090-8091', '-p', '80', '-p', '15353:5353/udp', 'busybox', 'sh', '-c', 'httpd -p 8090 -h /etc; httpd -p 8091 -h /etc; exec httpd -f -p 80 -h /etc');
    const host = fx.ok(['inspect', '-f', '{{.Config.Hostname}}', 'p1']);
    assert.equal((await eventually(() => get('127.0.0.1', 18080, '/hostname'))).trim(), host);
    assert.equal((await eventually(() => get('127.0.0.1', 18081, '/hostname'))).trim(), host);
    const addr = hostAddress();
    if (addr) assert.equal((await eventually(() => get(addr, 18081, '/hostname'))).trim(), host, `via ${addr}`);
    assert.equal((await eventually(() => get(addr ?? '127.0.0.1', 18080, '/hostname'))).trim(), addr ? '' : host, '18080 is bound to 127.0.0.1 only');
    assert.equal((await eventually(() => get('127.0.0.1', 18091, '/hostname'))).trim(), host);
    const port = fx.ok(['port', 'p1', '80/tcp']).split('\n');
    const random = port.map((l) => /0\.0\.0\.0:(\d+)$/.exec(l)?.[1]).find((p) => p !== undefined && p !== '18081');
    assert.ok(random !== undefined, `random port in: ${port.join(' | ')}`);
    assert.equal((await eventually(() => get('127.0.0.1', Number(random), '/hostname'))).trim(), host);
    // UDP: an echo server in the container's own network namespace (the engine names it).
    const ns = `tsc-${fx.ok(['inspect', '-f', '{{.Id}}', 'p1']).slice(0, 12)}`;
    const echo = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('echo:'+m,r.port,r.address));s.bind(5353)"], { stdio: 'ignore' });
    helpers.push(echo);
    const reply = await new Promise<string>((resolve) => {
      const s = dgram.createSocket('udp4');
      const done = (text: string): void => {
        clearInterval(timer);
        clearTimeout(limit);
        s.close();
        resolve(text);
      };
      const timer = setInterval(() => s.send('ping', 15353, '127.0.0.1'), 200);
      const limit = setTimeout(() => done(''), 5000);
      s.on('message', (m) => done(m.toString()));
    });
    assert.equal(reply, 'echo:ping');
    echo.kill('SIGKILL');
  });

  it('gives a static address, publishes exposed ports with -P, honours the MTU option, prunes unused networks', () => {
    run('--name', 'fixed', '--network', 'back', '--ip', '10.231.0.50', 'busybox', 'sleep', '300');
    assert.equal(ip('fixed', 'back'), '10.231.0.50');
    // A failed start of a --rm container removes it (the CLI waits for that).
    assert.match(fx.docker(['run', '--rm', '--name', 'clash', '--network', 'back', '--ip', '10.231.0.50', 'busybox', 'true']).err, /in use/);
    assert.equal(fx.docker(['inspect', 'clash']).code, 1);
    run('--name', 'exposed', '--expose', '7070', '-P', 'busybox', 'sleep', '300');
    assert.match(fx.ok(['port', 'exposed', '7070']), /^0\.0\.0\.0:\d+$/m);
    madeNetworks.add(fx.ok(['network', 'create', '--opt', 'com.docker.network.driver.mtu=1400', 'small']));
    assert.match(fx.ok(['run', '--rm', '--network', 'small', 'busybox', 'ip', 'link', 'show', 'eth0']), /mtu 1400/);
    madeNetworks.add(fx.ok(['network', 'create', 'unused']));
    const pruned = fx.ok(['network', 'prune', '-f']);
    assert.match(pruned, /small/);
    assert.match(pruned, /unused/);
    assert.doesNotMatch(pruned, /front|back|inner/, 'networks with containers stay');
    fx.ok(['rm', '-f', 'fixed', 'exposed']);
  });

  it('refuses a port already taken with a clear error, and leaves nothing', () => {
    fx.ok(['create', '--name', 'p2', '-p', '127.0.0.1:18080:80', 'busybox', 'sleep', '300']);
    const r = fx.docker(['start', 'p2']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /port is already allocated/);
    assert.equal(fx.ok(['inspect', '-f', '{{.State.Status}}', 'p2']), 'created');
    fx.ok(['rm', 'p2']);
  });

  it('hairpins: a container reaches its own published port through the host', () => {
    const gw = fx.ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "bridge").Gateway}}', 'p1']);
    const r = fx.docker(['exec', 'p1', 'wget', '-q', '-O', '-', `http://${gw}:18081/hostname`]);
    assert.equal(r.code, 0, r.err);
  });

  it('runs with network_mode host, none and container:<id> as Docker does', () => {
    const hostIfaces = fx.ok(['run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', 'link']);
    assert.match(hostIfaces, /eth0|ens|enp/);
    const none = fx.ok(['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']);
    assert.deepEqual(none.split('\n').map((l) => l.split(':')[1]?.trim()), ['lo']);
    const joined = fx.ok(['run', '--rm', '--network', 'container:client', 'busybox', 'ip', '-o', '-4', 'addr']);
    assert.match(joined, new RegExp(ip('client', 'front').replace(/\./g, '\\.')));
  });

  it('removes networks, refusing while containers use them', () => {
    assert.match(fx.docker(['network', 'rm', 'front']).err, /active endpoints/);
    for (const c of ['web1', 'client', 'rr1', 'rr2']) fx.ok(['rm', '-f', c]);
    fx.ok(['network', 'rm', 'front']);
    assert.equal(fx.docker(['network', 'inspect', 'front']).code, 1);
  });
});

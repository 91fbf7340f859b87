/**
 * The embedded DNS without containers: the name table's rules (networks of
 * the asker only, names/aliases/service, round-robin, reverse lookups,
 * internal networks) and the server on loopback, answering its own names
 * and forwarding the rest to a test resolver on loopback (never further).
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { DnsTable } from '../../engine/daemon/network/dns-names.js';
import { DnsServer, parseUpstreams, resolvConfUpstreams } from '../../engine/daemon/network/dns-server.js';
import { silentLogger } from '../../engine/daemon/server/logger.js';

const table = (): DnsTable => {
  const t = new DnsTable();
  t.replace([
    { containerId: 'w1', networkId: 'A', ip: '10.0.0.2', names: ['web-1', 'abc123abc123', 'web'] },
    { containerId: 'w2', networkId: 'A', ip: '10.0.0.3', names: ['web-2', 'def456def456', 'web'] },
    { containerId: 'c', networkId: 'A', ip: '10.0.0.4', names: ['client', 'client.alias'] },
    { containerId: 'db', networkId: 'B', ip: '10.1.0.2', names: ['db'] },
    { containerId: 'c2', networkId: 'B', ip: '10.1.0.3', names: ['client'] },
    { containerId: 'l', networkId: 'I', ip: '10.2.0.2', names: ['lonely'] },
  ]);
  return t;
};
const never = (): boolean => false;
const data = (a: Answer): unknown => ('data' in a ? a.data : undefined);

describe('DNS name table', () => {
  it('answers names on the asking container’s networks only', () => {
    const t = table();
    assert.deepEqual(t.answer('10.0.0.4', 'web-1', 'A', never), { kind: 'A', values: ['10.0.0.2'] });
    assert.deepEqual(t.answer('10.0.0.4', 'WEB-1.', 'A', never), { kind: 'A', values: ['10.0.0.2'] }, 'case and the root dot do not matter');
    assert.equal(t.answer('10.0.0.4', 'db', 'A', never), undefined, 'db is on another network: forwarded, not answered');
    assert.deepEqual(t.answer('10.1.0.3', 'db', 'A', never)?.values, ['10.1.0.2']);
    assert.equal(t.answer('192.0.2.9', 'web', 'A', never), undefined, 'a stranger gets nothing of ours');
  });
  it('answers a container on two networks from both', () => {
    const t = new DnsTable();
    t.replace([
      { containerId: 'both', networkId: 'A', ip: '10.0.0.9', names: ['both'] },
      { containerId: 'both', networkId: 'B', ip: '10.1.0.9', names: ['both'] },
      { containerId: 'db', networkId: 'B', ip: '10.1.0.2', names: ['db'] },
    ]);
    assert.deepEqual(t.answer('10.0.0.9', 'db', 'A', never)?.values, ['10.1.0.2']);
  });
  it('rotates several addresses behind one name', () => {
    const t = table();
    const first = t.answer('10.0.0.4', 'web', 'A', never)?.values;
    const second = t.answer('10.0.0.4', 'web', 'A', never)?.values;
    assert.deepEqual(new Set(first), new Set(['10.0.0.2', '10.0.0.3']));
    assert.notDeepEqual(first, second);
    assert.deepEqual(t.answer('10.0.0.4', 'web', 'AAAA', never), { kind: 'NODATA', values: [] });
  });
  it('answers reverse lookups with the container name', () => {
    assert.deepEqual(table().answer('10.0.0.4', '2.0.0.10.in-addr.arpa', 'PTR', never), { kind: 'PTR', values: ['web-1'] });
  });
  it('says NXDOMAIN for unknown names on internal networks instead of forwarding', () => {
    assert.deepEqual(table().answer('10.2.0.2', 'example.org', 'A', (n) => n === 'I'), { kind: 'NXDOMAIN', values: [] });
  });
  it('knows which containers forward to their own dns servers', () => {
    const t = new DnsTable();
    t.replace([
      { containerId: 'a', networkId: 'A', ip: '10.0.0.2', names: ['a'], upstreams: ['192.0.2.53'] },
      { containerId: 'b', networkId: 'A', ip: '10.0.0.3', names: ['b'] },
    ]);
    assert.deepEqual(t.upstreamsOf('10.0.0.2'), ['192.0.2.53']);
    assert.equal(t.upstreamsOf('10.0.0.3'), undefined);
  });
  it('reads upstreams', () => {
    assert.deepEqual(parseUpstreams('127.0.0.1:5300, 10.0.0.1'), [
      { host: '127.0.0.1', port: 5300 },
      { host: '10.0.0.1', port: 53 },
    ]);
    assert.throws(() => parseUpstreams('resolver.example'), /invalid DNS upstream/);
    assert.deepEqual(resolvConfUpstreams('search x\nnameserver 192.0.2.1\nnameserver ::1\n'), [{ host: '192.0.2.1', port: 53 }]);
  });
});

describe('DNS server on loopback', () => {
  // The server listens on 127.0.0.1; the table treats 127.0.0.1 as a container on network A.
  const t = new DnsTable();
  t.replace([
    { containerId: 'self', networkId: 'A', ip: '127.0.0.1', names: ['self'] },
    { containerId: 'web', networkId: 'A', ip: '10.0.0.2', names: ['web'] },
  ]);
  let upstream: dgram.Socket;
  let server: DnsServer;
  let port = 0;
  let upstreamPort = 0;

  before(async () => {
    upstream = dgram.createSocket('udp4');
    upstream.on('message', (msg, r) => {
      const q = dnsPacket.decode(msg);
      const name = q.questions?.[0]?.name ?? '';
      upstream.send(dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions ?? [], answers: [{ type: 'A', name, ttl: 5, class: 'IN', data: '192.0.2.77' }] }), r.port, r.address);
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
    upstreamPort = upstream.address().port;
    // A free port for the server: the kernel picks one, then the server takes it.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    port = probe.address().port;
    probe.close();
    server = new DnsServer({ table: t, upstreams: () => [{ host: '127.0.0.1', port: upstreamPort }], internal: () => false, logger: silentLogger, port });
    await server.listen('127.0.0.1');
  });
  after(async () => {
    await server.close();
    upstream.close();
  });

  const ask = (name: string, type: 'A' | 'AAAA' = 'A'): Promise<Packet> =>
    new Promise((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      const timer = setTimeout(() => reject(new Error('no answer')), 3000);
      s.on('message', (m) => {
        clearTimeout(timer);
        s.close();
        resolve(dnsPacket.decode(m));
      });
      s.send(dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] }), port, '127.0.0.1');
    });

  it('answers its own names over UDP', async () => {
    const r = await ask('web');
    assert.equal(r.id, 4242);
    assert.deepEqual(r.answers?.map((a) => [a.type, data(a)]), [['A', '10.0.0.2']]);
  });
  it('forwards other names to the upstream and relays the answer', async () => {
    const r = await ask('example.test');
    assert.deepEqual(r.answers?.map((a) => [a.name, data(a)]), [['example.test', '192.0.2.77']]);
  });
  it('answers over TCP too', async () => {
    const reply = await new Promise<Packet>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      const q = dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'web', class: 'IN' }] });
      let buf = Buffer.alloc(0);
      s.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          s.destroy();
          resolve(dnsPacket.streamDecode(buf));
        }
      });
      s.on('error', reject);
      s.write(q);
    });
    assert.deepEqual(reply.answers?.map(data), ['10.0.0.2']);
  });
});

/**
 * `docker cp` both ways through our engine with Docker's own CLI, on
 * busybox: files and directories into a running and a stopped container,
 * files, directories, a symlink (as a link, and followed with -L) and `-` (a
 * tar on stdout) out of them, Docker's error for a missing path, a copy into
 * a volume landing in the volume, a read-only rootfs refused. Then hostile
 * archives PUT over raw HTTP: `..` entries, a symlink to `/` written
 * through, a hard link climbing out; none of them may leave a file on the
 * host. Root only (containers). Teardown removes the containers and volumes
 * and checks that no mount of the test is left.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { tarHeader } from '../../engine/daemon/containers/archive-get.js';
import { startTestDaemon, tempDir } from '../helpers/daemon.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { tarBuffer } from '../helpers/image-tar.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { engineSkipReason } from '../helpers/engine-fixture.js';

const skip = engineSkipReason();
if (skip) console.log(`skipping engine-archive e2e: ${skip}`);

function request(socketPath: string, method: string, p: string, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Type': 'application/x-tar' };
    if (body) headers['Content-Length'] = body.length;
    const req = http.request({ socketPath, path: p, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Tar entry names (GNU tar reads what the CLI wrote to stdout). */
function tarNames(archive: Buffer): string[] {
  const r = spawnSync('tar', ['-t', '-f', '-'], { input: archive, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

describe('docker cp through the engine', { skip }, () => {
  let d: TestDaemon;
  let work: string;
  const marker = `tsc-e2e-archive-${process.pid}`;

  const docker = (args: string[], opts: { input?: string | Buffer; binary?: boolean } = {}): { out: string; raw: Buffer; err: string; code: number } => {
    const r = spawnSync('docker', ['-H', d.host, ...args], { env: d.env, timeout: 60_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });
    return { out: r.stdout.toString(), raw: r.stdout, err: r.stderr.toString(), code: r.status ?? -1 };
  };
  const ok = (args: string[], input?: string | Buffer): string => {
    const r = docker(args, input !== undefined ? { input } : {});
    assert.equal(r.code, 0, `docker ${args.join(' ')} failed: ${r.err}\nengine log:\n${d.logTail(40)}`);
    return r.out;
  };
  const host = (...p: string[]): string => path.join(work, ...p);

  before(async () => {
    work = tempDir('tsc-e2e-cp-');
    const rootfsTar = host('busybox.tar');
    const r = spawnSync('bash', [path.join(REPO_ROOT, 'engine/images/busybox-rootfs.sh'), host('rootfs'), '--tar', rootfsTar], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    d = await startTestDaemon();
    ok(['import', '--change', 'CMD ["sh"]', rootfsTar, 'busybox:latest']);
    // What gets copied in.
    fs.writeFileSync(host('hello.txt'), 'hello\n');
    fs.mkdirSync(host('tree/sub'), { recursive: true });
    fs.writeFileSync(host('tree/a'), 'a\n');
    fs.writeFileSync(host('tree/sub/b'), 'b\n');
    fs.symlinkSync('a', host('tree/link'));
    fs.mkdirSync(host('out'));
  });

  after(async () => {
    if (!d) return;
    docker(['rm', '-f', 'run1', 'stopped1', 'vol1c', 'ro1']);
    docker(['volume', 'rm', '-f', 'cpvol']);
    const dir = d.dir;
    await d.stop();
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir));
    const leaked = [`/${marker}`, `/tmp/${marker}`, `/tmp/${marker}-2`, `/tmp/${marker}-3`, path.join(path.dirname(work), marker)].filter((p) => fs.existsSync(p));
    for (const p of leaked) fs.rmSync(p, { recursive: true, force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
    assert.deepEqual(mounts, [], 'mounts left behind');
    assert.deepEqual(leaked, [], 'files written outside a container');
  });

  it('copies a file and a directory into a running container', () => {
    ok(['run', '-d', '--name', 'run1', 'busybox', 'sleep', '300']);
    ok(['cp', host('hello.txt'), 'run1:/tmp/']);
    assert.equal(ok(['exec', 'run1', 'cat', '/tmp/hello.txt']), 'hello\n');
    ok(['cp', host('hello.txt'), 'run1:/tmp/renamed.txt']);
    assert.equal(ok(['exec', 'run1', 'cat', '/tmp/renamed.txt']), 'hello\n');
    ok(['cp', host('tree'), 'run1:/opt']);
    assert.equal(ok(['exec', 'run1', 'cat', '/opt/sub/b']), 'b\n');
    assert.equal(ok(['exec', 'run1', 'readlink', '/opt/link']), 'a\n');
    // Into an existing directory: the tree goes inside it.
    ok(['cp', host('tree'), 'run1:/opt']);
    assert.equal(ok(['exec', 'run1', 'cat', '/opt/tree/a']), 'a\n');
  });

  it('copies a file, a directory and a symlink out, and a tar to stdout', () => {
    ok(['cp', 'run1:/etc/passwd', host('out', 'passwd')]);
    assert.match(fs.readFileSync(host('out', 'passwd'), 'utf8'), /^root:x:0:0:/);
    ok(['cp', 'run1:/opt', host('out', 'opt')]);
    assert.equal(fs.readFileSync(host('out', 'opt', 'sub', 'b'), 'utf8'), 'b\n');
    assert.equal(fs.readlinkSync(host('out', 'opt', 'link')), 'a');
    // A symlink stays a symlink; -L copies what it points to.
    ok(['cp', 'run1:/bin/sh', host('out', 'sh')]);
    assert.equal(fs.readlinkSync(host('out', 'sh')), 'busybox');
    ok(['cp', '-L', 'run1:/bin/sh', host('out', 'sh-followed')]);
    const st = fs.lstatSync(host('out', 'sh-followed'));
    assert.ok(st.isFile() && st.size > 100_000, 'the busybox binary');
    const r = docker(['cp', 'run1:/opt/.', '-']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(tarNames(r.raw).sort(), ['./', './a', './link', './sub/', './sub/b', './tree/', './tree/a', './tree/link', './tree/sub/', './tree/sub/b']);
  });

  it("fails on a missing path with Docker's message", () => {
    const r = docker(['cp', 'run1:/no/such/file', host('out', 'x')]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /Could not find the file \/no\/such\/file in container run1/);
    const into = docker(['cp', host('hello.txt'), 'run1:/no/such/dir/x']);
    assert.notEqual(into.code, 0);
    assert.match(into.err, /Could not find the file \/no\/such\/dir in container run1/);
  });

  it('copies into and out of a stopped container, and leaves nothing mounted', async () => {
    const id = ok(['create', '--name', 'stopped1', 'busybox', 'cat', '/copied/hello.txt']).trim();
    const merged = path.join(d.root, 'containers', id, 'rootfs', 'merged');
    ok(['cp', host('tree'), 'stopped1:/copied']);
    ok(['cp', host('hello.txt'), 'stopped1:/copied/']);
    assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(merged), 'the rootfs is unmounted again');
    const r = docker(['cp', 'stopped1:/copied/sub/b', '-']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(tarNames(r.raw), ['b']);
    assert.equal(ok(['start', '-a', 'stopped1']), 'hello\n');
    // Exited (and its run cleaned up) once wait returns: still readable and writable.
    assert.equal(ok(['wait', 'stopped1']).trim(), '0');
    ok(['cp', host('hello.txt'), 'stopped1:/copied/again.txt']);
    ok(['cp', 'stopped1:/copied/again.txt', host('out', 'again.txt')]);
    assert.equal(fs.readFileSync(host('out', 'again.txt'), 'utf8'), 'hello\n');
    assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(merged));
  });

  it('copies into a volume-mounted directory: the file lands in the volume', () => {
    ok(['volume', 'create', 'cpvol']);
    ok(['run', '-d', '--name', 'vol1c', '-v', 'cpvol:/data', 'busybox', 'sleep', '300']);
    ok(['cp', host('hello.txt'), 'vol1c:/data/']);
    const mountpoint = ok(['volume', 'inspect', '--format', '{{.Mountpoint}}', 'cpvol']).trim();
    assert.equal(fs.readFileSync(path.join(mountpoint, 'hello.txt'), 'utf8'), 'hello\n');
    assert.equal(ok(['exec', 'vol1c', 'cat', '/data/hello.txt']), 'hello\n');
    fs.writeFileSync(path.join(mountpoint, 'from-host'), 'h\n');
    ok(['cp', 'vol1c:/data/from-host', host('out', 'from-host')]);
    assert.equal(fs.readFileSync(host('out', 'from-host'), 'utf8'), 'h\n');
  });

  it('refuses to write into a read-only rootfs', () => {
    ok(['run', '-d', '--name', 'ro1', '--read-only', 'busybox', 'sleep', '300']);
    const r = docker(['cp', host('hello.txt'), 'ro1:/tmp/']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /container rootfs is marked read-only/);
  });

  it('answers HEAD with the stat header and 404 for a missing path', async () => {
    const head = await request(d.socketPath, 'HEAD', '/containers/run1/archive?path=/bin/sh');
    assert.equal(head.status, 200);
    const stat = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString()) as Record<string, unknown>;
    assert.equal(stat['name'], 'sh');
    assert.equal(stat['linkTarget'], '/bin/busybox');
    assert.equal(stat['mode'], 2 ** 27 + 0o777);
    assert.equal((await request(d.socketPath, 'HEAD', '/containers/run1/archive?path=/nope')).status, 404);
    assert.equal((await request(d.socketPath, 'HEAD', '/containers/run1/archive?path=')).status, 400);
    assert.equal((await request(d.socketPath, 'HEAD', '/containers/none-such/archive?path=/')).status, 404);
  });

  it('lands nothing outside the container from hostile archives', async () => {
    ok(['exec', 'run1', 'mkdir', '-p', '/w/a/b']);
    const put = (entries: Parameters<typeof tarBuffer>[0], dest = '/w/a/b'): Promise<{ status: number; body: Buffer }> =>
      request(d.socketPath, 'PUT', `/containers/run1/archive?path=${encodeURIComponent(dest)}`, tarBuffer(entries));
    const climb = `${'../'.repeat(40)}tmp/${marker}`;

    const dotdot = await put([{ path: climb, body: 'x' }]);
    assert.equal(dotdot.status, 400, dotdot.body.toString());
    assert.match(dotdot.body.toString(), /is outside of/);

    const symRoot = await put([
      { path: 'evil', type: 'SymbolicLink', linkpath: '/' },
      { path: `evil/tmp/${marker}`, body: 'inside' },
    ]);
    assert.equal(symRoot.status, 200, symRoot.body.toString());
    assert.equal(ok(['exec', 'run1', 'cat', `/tmp/${marker}`]), 'inside');
    // Docker refuses a link whose target, joined to where it is, climbs out, even an absolute one.
    const symRootUp = await put([{ path: 'evil2', type: 'SymbolicLink', linkpath: `/${'../'.repeat(20)}` }]);
    assert.equal(symRootUp.status, 400);

    const symUp = await put([{ path: 'up', type: 'SymbolicLink', linkpath: '../../../../..' }]);
    assert.equal(symUp.status, 400);
    assert.match(symUp.body.toString(), /invalid symlink/);

    const hard = await put([{ path: 'hl', type: 'Link', linkpath: '../../../../etc/passwd' }]);
    assert.equal(hard.status, 400);
    assert.match(hard.body.toString(), /invalid hardlink/);

    // A hard link to an absolute name is taken from the destination: /etc/passwd of the host is not reachable.
    const passwdLinks = fs.statSync('/etc/passwd').nlink;
    const hardAbs = await put([{ path: 'hl2', type: 'Link', linkpath: '/etc/passwd' }]);
    assert.equal(hardAbs.status, 400);
    assert.equal(fs.statSync('/etc/passwd').nlink, passwdLinks);

    // Symlinks the container itself made, climbing far enough to reach the host's / if they were followed there.
    ok(['exec', 'run1', 'ln', '-s', `${'../'.repeat(40)}tmp`, '/w/hostlink']);
    ok(['exec', 'run1', 'ln', '-s', `/${'../'.repeat(40)}`, '/w/rootup']);
    const viaContainerLink = await put(
      [
        { path: `hostlink/${marker}-2`, body: 'x' },
        { path: `rootup/${marker}`, body: 'inside too' },
      ],
      '/w',
    );
    assert.equal(viaContainerLink.status, 200, viaContainerLink.body.toString());
    assert.equal(ok(['exec', 'run1', 'cat', `/tmp/${marker}-2`]), 'x');
    assert.equal(ok(['exec', 'run1', 'cat', `/${marker}`]), 'inside too');
    // As a destination too.
    const intoLink = await put([{ path: `${marker}-3`, body: 'y' }], '/w/hostlink');
    assert.equal(intoLink.status, 200, intoLink.body.toString());
    assert.equal(ok(['exec', 'run1', 'cat', `/tmp/${marker}-3`]), 'y');

    // A name longer than ustar allows goes through PAX headers.
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
    const h = new Header({ path: long, type: 'File', size: 1, mode: 0o644, mtime: new Date() });
    assert.ok(h.encode(), 'the test name needs PAX');
    const longPut = await request(d.socketPath, 'PUT', '/containers/run1/archive?path=/w', gzipSync(paxTar(long)));
    assert.equal(longPut.status, 200, longPut.body.toString());
    assert.equal(ok(['exec', 'run1', 'cat', `/w/${long}`]), 'L');

    for (const p of [`/tmp/${marker}`, `/${marker}`, `/tmp/${marker}-2`, `/tmp/${marker}-3`]) assert.equal(fs.existsSync(p), false, `${p} must not exist on the host`);
  });

  it('does not follow a symlink the running container swaps in mid-copy (CVE-2018-15664)', async () => {
    // The host has a secret where the container's symlinks point; the container flips a directory
    // and such a symlink as fast as it can while we copy in and out through that name.
    const secretDir = `/tmp/${marker}-secret`;
    fs.mkdirSync(secretDir);
    fs.writeFileSync(path.join(secretDir, 'secret'), 'host only');
    try {
      ok(['exec', 'run1', 'mkdir', '-p', '/sw']);
      ok([
        'exec', '-d', 'run1', 'sh', '-c',
        `while :; do rm -rf /sw/x; mkdir /sw/x; echo c > /sw/x/inside; rm -rf /sw/x; ln -s ${secretDir} /sw/x; done`,
      ]);
      let reads = 0;
      for (let i = 0; i < 150; i++) {
        await request(d.socketPath, 'PUT', '/containers/run1/archive?path=/sw', tarBuffer([{ path: `x/${marker}-race`, body: 'r' }]));
        await request(d.socketPath, 'PUT', `/containers/run1/archive?path=${encodeURIComponent('/sw/x')}`, tarBuffer([{ path: `${marker}-race2`, body: 'r' }]));
        const got = await request(d.socketPath, 'GET', `/containers/run1/archive?path=${encodeURIComponent('/sw/x/')}`);
        if (got.status === 200) {
          reads++;
          assert.ok(!got.body.includes(Buffer.from('host only')), 'the host secret must never be archived');
        }
      }
      assert.ok(reads > 0, 'some reads went through');
      assert.deepEqual(fs.readdirSync(secretDir), ['secret'], 'nothing may be written into the host dir the symlink names');
    } finally {
      docker(['exec', 'run1', 'pkill', '-f', 'while :']);
      fs.rmSync(secretDir, { recursive: true, force: true });
    }
  });
});

/** A one-file archive with a long name: a PAX header, as the engine's own archive writer makes it. */
function paxTar(name: string): Buffer {
  const header = tarHeader({ path: name, type: 'File', size: 1, mode: 0o644, mtime: new Date(), uid: 0, gid: 0 });
  return Buffer.concat([header, Buffer.from('L'), Buffer.alloc(511), Buffer.alloc(1024)]);
}

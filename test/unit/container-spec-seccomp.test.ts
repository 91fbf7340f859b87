/**
 * Docker's default seccomp profile (engine/daemon/containers/seccomp-default.ts)
 * against moby's published default.json, and its conversion to an OCI
 * linux.seccomp per architecture, capability set and kernel, as dockerd does.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_CAPABILITIES } from '../../engine/daemon/containers/defaults.js';
import { buildOciSpec } from '../../engine/daemon/containers/oci-spec.js';
import { convertSeccompProfile } from '../../engine/daemon/containers/seccomp-convert.js';
import { CLONE_NAMESPACE_FLAGS, defaultSeccompProfile } from '../../engine/daemon/containers/seccomp-default.js';
import type { KernelVersion, OciSeccomp, OciSyscall } from '../../engine/daemon/containers/types.js';
import { NO_SHARED, SHARED_DIR } from '../helpers/paths.js';

const REFERENCE = path.join(SHARED_DIR, 'reference', 'moby', 'seccomp-default.json');
const KERNEL: KernelVersion = { major: 6, minor: 1 };

function convert(caps: readonly string[], arch: 'amd64' | 'arm64' = 'amd64', kernel = KERNEL): OciSeccomp {
  const s = convertSeccompProfile(defaultSeccompProfile(), { arch, capabilities: caps, kernel });
  assert.ok(s);
  return s;
}
const rulesFor = (s: OciSeccomp, name: string): OciSyscall[] => (s.syscalls ?? []).filter((r) => r.names.includes(name));
/** Allowed with no argument filter. */
const allowedPlain = (s: OciSeccomp, name: string): boolean =>
  rulesFor(s, name).some((r) => r.action === 'SCMP_ACT_ALLOW' && (r.args ?? []).length === 0);

describe("Docker's default profile", () => {
  it('equals moby default.json as data', { skip: fs.existsSync(REFERENCE) ? false : NO_SHARED }, () => {
    const reference: unknown = JSON.parse(fs.readFileSync(REFERENCE, 'utf8'));
    assert.deepStrictEqual(JSON.parse(JSON.stringify(defaultSeccompProfile())), reference);
  });

  it('is a fresh copy each time', () => {
    const first = defaultSeccompProfile().syscalls?.[0];
    assert.ok(first?.names);
    first.names.push('reboot');
    assert.equal(defaultSeccompProfile().syscalls?.[0]?.names?.includes('reboot'), false);
  });
});

describe('conversion for amd64 with the default capabilities', () => {
  const s = convert(DEFAULT_CAPABILITIES);

  it('keeps defaultAction EPERM and the x86 family of architectures', () => {
    assert.equal(s.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(s.defaultErrnoRet, 1);
    assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });

  it('unshare, mount, setns, bpf are not allowed at all', () => {
    for (const name of ['unshare', 'mount', 'umount2', 'setns', 'bpf', 'reboot', 'open_by_handle_at']) {
      assert.deepEqual(rulesFor(s, name), [], name);
    }
  });

  it('clone only without namespace flags (masked-eq filter on arg 0); clone3 answers ENOSYS', () => {
    assert.deepEqual(rulesFor(s, 'clone'), [
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, op: 'SCMP_CMP_MASKED_EQ' }] },
    ]);
    assert.equal(CLONE_NAMESPACE_FLAGS, 2114060288);
    assert.deepEqual(rulesFor(s, 'clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  });

  it('arch and capability rules: arch_prctl, modify_ldt and chroot in; arm, s390, ptrace-cap rules out', () => {
    assert.ok(allowedPlain(s, 'arch_prctl'));
    assert.ok(allowedPlain(s, 'modify_ldt'));
    assert.ok(allowedPlain(s, 'chroot'));
    assert.deepEqual(rulesFor(s, 'set_tls'), []);
    assert.deepEqual(rulesFor(s, 's390_runtime_instr'), []);
    assert.deepEqual(rulesFor(s, 'kcmp'), []);
  });

  it('socket by address family and personality by argument, as in the profile', () => {
    assert.deepEqual(rulesFor(s, 'socket').map((r) => r.args), [
      [{ index: 0, value: 38, op: 'SCMP_CMP_LT' }],
      [{ index: 0, value: 39, op: 'SCMP_CMP_EQ' }],
      [{ index: 0, value: 40, op: 'SCMP_CMP_GT' }],
    ]);
    assert.equal(rulesFor(s, 'personality').length, 5);
  });

  it('ptrace and process_vm_* from kernel 4.8 on', () => {
    assert.ok(allowedPlain(s, 'ptrace'));
    const old = convert(DEFAULT_CAPABILITIES, 'amd64', { major: 4, minor: 4 });
    assert.deepEqual(rulesFor(old, 'ptrace'), []);
  });

  it('no rule keeps Docker-only fields (includes, excludes, comment)', () => {
    for (const r of s.syscalls ?? []) assert.deepEqual(Object.keys(r).filter((k) => !['names', 'action', 'errnoRet', 'args'].includes(k)), []);
  });
});

describe('conversion with CAP_SYS_ADMIN', () => {
  const s = convert([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);

  it('unshare, mount, setns and clone become allowed without filters; the clone filter and clone3 ENOSYS go', () => {
    for (const name of ['unshare', 'mount', 'umount2', 'setns', 'clone', 'clone3']) assert.ok(allowedPlain(s, name), name);
    assert.equal(rulesFor(s, 'clone').length, 1);
    assert.deepEqual(rulesFor(s, 'clone3').map((r) => r.action), ['SCMP_ACT_ALLOW']);
  });

  it('through buildOciSpec: CapAdd SYS_ADMIN shows in the spec seccomp', () => {
    const ctx = {
      id: 'c'.repeat(64), name: 'x', rootfs: '/nonexistent-rootfs', hostname: 'h',
      hostsPath: '/h', resolvConfPath: '/r', hostnamePath: '/n', cgroupsPath: '/tscompose/x',
      volumePath: (n: string) => `/v/${n}`, kernel: KERNEL, arch: 'amd64' as const,
    };
    const plain = buildOciSpec({ Cmd: ['sh'] }, {}, ctx).linux.seccomp;
    const admin = buildOciSpec({ Cmd: ['sh'], HostConfig: { CapAdd: ['SYS_ADMIN'] } }, {}, ctx).linux.seccomp;
    assert.ok(plain && admin);
    assert.equal(allowedPlain(plain, 'mount'), false);
    assert.equal(allowedPlain(admin, 'mount'), true);
    assert.deepEqual(plain, convert(DEFAULT_CAPABILITIES));
  });
});

describe('conversion for arm64 and custom profiles', () => {
  it('arm64: aarch64 + arm, the arm rules in, the x86 ones out', () => {
    const s = convert(DEFAULT_CAPABILITIES, 'arm64');
    assert.deepEqual(s.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.ok(allowedPlain(s, 'set_tls'));
    assert.deepEqual(rulesFor(s, 'arch_prctl'), []);
    assert.deepEqual(rulesFor(s, 'modify_ldt'), []);
  });

  it('`name` and `architectures` forms; excludes by minKernel; Docker errors for conflicting forms', () => {
    const target = { arch: 'amd64' as const, capabilities: [], kernel: KERNEL };
    const s = convertSeccompProfile(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { name: 'mkdir', action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
          { names: ['old'], action: 'SCMP_ACT_ERRNO', excludes: { minKernel: '5.0' } },
        ],
      },
      target,
    );
    assert.deepEqual(s, { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] });
    assert.equal(convertSeccompProfile({ defaultAction: '' as 'SCMP_ACT_ALLOW' }, target), undefined);
    assert.throws(
      () => convertSeccompProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }] }, target),
      /both 'name' and 'names'/,
    );
    assert.throws(
      () => convertSeccompProfile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: null }] }, target),
      /both 'architectures' and 'archMap'/,
    );
  });
});

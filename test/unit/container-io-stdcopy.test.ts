import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameReader, STDERR, STDOUT, demultiplex, frame } from '../../engine/daemon/containers/io-stdcopy.js';

describe('stdcopy framing', () => {
  it('prefixes [stream,0,0,0,size BE]', () => {
    const f = frame(STDERR, Buffer.from('hi\n'));
    assert.deepEqual([...f.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 3]);
    assert.equal(f.subarray(8).toString(), 'hi\n');
  });

  it('gives no frame for an empty chunk', () => {
    assert.equal(frame(STDOUT, Buffer.alloc(0)).length, 0);
  });

  it('splits payloads over 1 MiB into several frames', () => {
    const big = Buffer.alloc((1 << 20) + 5, 0x61);
    const frames = new FrameReader().push(frame(STDOUT, big));
    assert.deepEqual(frames.map((x) => x.payload.length), [1 << 20, 5]);
  });

  it('reads frames split at any byte', () => {
    const data = Buffer.concat([frame(STDOUT, Buffer.from('out')), frame(STDERR, Buffer.from('err')), frame(STDOUT, Buffer.from('!'))]);
    for (let cut = 0; cut <= data.length; cut++) {
      const r = new FrameReader();
      const got = [...r.push(data.subarray(0, cut)), ...r.push(data.subarray(cut))];
      assert.deepEqual(
        got.map((x) => [x.stream, x.payload.toString()]),
        [
          [1, 'out'],
          [2, 'err'],
          [1, '!'],
        ],
      );
      assert.equal(r.pendingBytes, 0);
    }
  });

  it('demultiplexes into stdout and stderr', () => {
    const { stdout, stderr } = demultiplex(Buffer.concat([frame(STDOUT, Buffer.from('a')), frame(STDERR, Buffer.from('b')), frame(STDOUT, Buffer.from('c'))]));
    assert.equal(stdout.toString(), 'ac');
    assert.equal(stderr.toString(), 'b');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComposeError } from '../../src/model/errors.js';
import { formatDuration, parseBytes, parseDuration } from '../../src/loader/units.js';

const S = 1e9;

describe('parseDuration (compose-go str2duration)', () => {
  it('parses Go units and combinations', () => {
    assert.equal(parseDuration('10s'), 10 * S);
    assert.equal(parseDuration('1m30s'), 90 * S);
    assert.equal(parseDuration('1h'), 3600 * S);
    assert.equal(parseDuration('500ms'), 0.5 * S);
    assert.equal(parseDuration('2us'), 2000);
    assert.equal(parseDuration('2µs'), 2000);
    assert.equal(parseDuration('7ns'), 7);
  });

  it('accepts days and weeks like str2duration', () => {
    assert.equal(parseDuration('1d'), 86400 * S);
    assert.equal(parseDuration('1w'), 7 * 86400 * S);
  });

  it('parses fractions and signs', () => {
    assert.equal(parseDuration('1.5s'), 1.5 * S);
    assert.equal(parseDuration('.5s'), 0.5 * S);
    assert.equal(parseDuration('-1.5h'), -5400 * S);
    assert.equal(parseDuration('+2s'), 2 * S);
  });

  it('accepts a bare 0, as string or number', () => {
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration(0), 0);
  });

  it('rejects a number without unit like Go', () => {
    assert.throws(() => parseDuration(10), /missing unit in duration "10"/);
    assert.throws(() => parseDuration('10'), (e: unknown) => e instanceof ComposeError && e.code === 'E_INVALID');
  });

  it('rejects unknown units and garbage', () => {
    assert.throws(() => parseDuration('10x'), /unknown unit "x" in duration "10x"/);
    assert.throws(() => parseDuration(''), /invalid duration ""/);
    assert.throws(() => parseDuration('abc'), /invalid duration "abc"/);
    assert.throws(() => parseDuration('.s'), /invalid duration/);
  });

  it('rejects overflow beyond int64 nanoseconds', () => {
    assert.throws(() => parseDuration('9999999999h'), /invalid duration/);
  });
});

describe('formatDuration (Go time.Duration.String)', () => {
  it('prints minutes and hours with zero seconds', () => {
    assert.equal(formatDuration(60 * S), '1m0s');
    assert.equal(formatDuration(90 * S), '1m30s');
    assert.equal(formatDuration(3600 * S), '1h0m0s');
    assert.equal(formatDuration(120 * S), '2m0s');
  });

  it('prints seconds with fractions', () => {
    assert.equal(formatDuration(10 * S), '10s');
    assert.equal(formatDuration(1.5 * S), '1.5s');
    assert.equal(formatDuration(3661.25 * S), '1h1m1.25s');
  });

  it('prints sub-second values in ms, µs, ns', () => {
    assert.equal(formatDuration(0.5 * S), '500ms');
    assert.equal(formatDuration(1_500_000), '1.5ms');
    assert.equal(formatDuration(2000), '2µs');
    assert.equal(formatDuration(7), '7ns');
  });

  it('prints 0s and negatives', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(-90 * S), '-1m30s');
  });

  it('round-trips parsed values', () => {
    for (const s of ['1m0s', '20s', '2h30m0s', '1.5s', '100ms']) assert.equal(formatDuration(parseDuration(s)), s);
  });
});

describe('parseBytes (docker/go-units RAMInBytes)', () => {
  it('uses binary multipliers, case-insensitive, optional b/ib', () => {
    assert.equal(parseBytes('1kb'), 1024);
    assert.equal(parseBytes('1k'), 1024);
    assert.equal(parseBytes('1KiB'), 1024);
    assert.equal(parseBytes('50M'), 52428800);
    assert.equal(parseBytes('2gb'), 2147483648);
    assert.equal(parseBytes('1t'), 1024 ** 4);
  });

  it('reads plain numbers and a b suffix as bytes', () => {
    assert.equal(parseBytes('512'), 512);
    assert.equal(parseBytes('512b'), 512);
    assert.equal(parseBytes('10000'), 10000);
  });

  it('accepts fractions and a space before the unit', () => {
    assert.equal(parseBytes('1.5k'), 1536);
    assert.equal(parseBytes('2 m'), 2 * 1024 * 1024);
  });

  it('passes numbers through, negative included (memswap_limit: -1)', () => {
    assert.equal(parseBytes(10000), 10000);
    assert.equal(parseBytes(-1), -1);
  });

  it('rejects bad suffixes and garbage', () => {
    assert.throws(() => parseBytes('1x'), /invalid suffix: 'x'/);
    assert.throws(() => parseBytes('1kbb'), /invalid suffix/);
    assert.throws(() => parseBytes('1mx'), /invalid suffix: 'mx'/);
    assert.throws(() => parseBytes('abc'), /invalid size: 'abc'/);
    assert.throws(() => parseBytes('-1k'), (e: unknown) => e instanceof ComposeError && e.code === 'E_INVALID');
  });
});

import { describe, expect, it } from 'vitest';
import { formatDuration, parseGoDuration } from '../../src/base/duration.js';

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1m30.5s', 90_500],
    ['.5s', 500],
    ['300ms', 300],
    ['1500us', 2],
    ['', undefined],
    ['5', undefined],
    ['5 m', undefined],
    ['m5', undefined],
    ['-1s', undefined],
    ['1d', undefined],
  ])('%j -> %s', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });
});

describe('formatDuration', () => {
  it.each([
    [250, '250ms'],
    [1000, '1s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [3_661_000, '1h1m1s'],
  ])('%d -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

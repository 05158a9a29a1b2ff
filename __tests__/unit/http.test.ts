import { describe, expect, it } from 'vitest';
import { bodyExcerpt, bypassesProxy, proxyFor, retryAfterMs, withRetries } from '../../src/http.js';
import { recordingLogger } from '../../src/logger.js';

describe('proxyFor / bypassesProxy (the rules of @actions/http-client)', () => {
  it.each([
    ['https://sts.amazonaws.com/', { HTTPS_PROXY: 'http://proxy:3128' }, 'http://proxy:3128/'],
    [
      'https://sts.amazonaws.com/',
      { https_proxy: 'proxy:3128', HTTPS_PROXY: 'http://other' },
      'http://proxy:3128/',
    ],
    ['http://issuer.example/', { HTTPS_PROXY: 'http://proxy:3128' }, undefined],
    ['http://issuer.example/', { HTTP_PROXY: 'http://proxy:8080' }, 'http://proxy:8080/'],
    ['https://127.0.0.1:6443/', { HTTPS_PROXY: 'http://proxy' }, undefined],
    ['https://localhost/', { HTTPS_PROXY: 'http://proxy' }, undefined],
    ['https://[::1]:8443/', { HTTPS_PROXY: 'http://proxy' }, undefined],
    ['https://a.internal.corp/', { HTTPS_PROXY: 'http://proxy', NO_PROXY: '.corp' }, undefined],
    [
      'https://internal.corp/',
      { HTTPS_PROXY: 'http://proxy', NO_PROXY: 'internal.corp' },
      undefined,
    ],
    [
      'https://x.internal.corp/',
      { HTTPS_PROXY: 'http://proxy', NO_PROXY: 'internal.corp' },
      undefined,
    ],
    [
      'https://notinternal.corp/',
      { HTTPS_PROXY: 'http://proxy', NO_PROXY: 'internal.corp' },
      'http://proxy/',
    ],
    [
      'https://k8s.corp:6443/',
      { HTTPS_PROXY: 'http://proxy', NO_PROXY: 'k8s.corp:6443' },
      undefined,
    ],
    [
      'https://k8s.corp/',
      { HTTPS_PROXY: 'http://proxy', NO_PROXY: 'k8s.corp:6443' },
      'http://proxy/',
    ],
    ['https://anything/', { HTTPS_PROXY: 'http://proxy', no_proxy: '*' }, undefined],
    ['https://STS.Example/', { HTTPS_PROXY: 'http://proxy', NO_PROXY: 'sts.example' }, undefined],
  ])('%s with %j -> %s', (url, env, proxy) => {
    expect(proxyFor(new URL(url), env)?.href).toBe(proxy);
  });
});

describe('bypassesProxy', () => {
  it.each([
    ['https://127.0.0.5/', '', true],
    ['https://a.b.corp/', 'b.corp', true],
    ['https://a.b.corp/', 'c.corp', false],
    ['https://a.b.corp/', ' c.corp , b.corp ', true],
    ['http://a.b.corp/', 'a.b.corp:80', true],
    ['https://a.b.corp/', 'a.b.corp:80', false],
    ['https://a.b.corp/', '', false],
  ])('%s with NO_PROXY=%j: %s', (url, noProxy, bypass) => {
    expect(bypassesProxy(new URL(url), { NO_PROXY: noProxy })).toBe(bypass);
  });
});

describe('retryAfterMs', () => {
  it.each([
    ['3', 3000],
    [' 0 ', 0],
    [undefined, undefined],
    ['soon', undefined],
  ])('%j -> %j', (header, ms) => {
    expect(retryAfterMs(header)).toBe(ms);
  });

  it('reads an HTTP date', () => {
    const ms = retryAfterMs(new Date(Date.now() + 5000).toUTCString()) as number;
    expect(ms).toBeGreaterThan(3000);
    expect(ms).toBeLessThanOrEqual(5000);
  });
});

describe('withRetries', () => {
  const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, deadlineMs: 60_000 };

  it('retries until success, waiting with bounded exponential backoff and Retry-After', async () => {
    const waits: number[] = [];
    let calls = 0;
    const value = await withRetries(
      'x',
      async () =>
        ++calls < 4
          ? {
              ok: false,
              error: new Error(`fail ${calls}`),
              retryAfterMs: calls === 3 ? 900 : undefined,
            }
          : { ok: true, value: 'done' },
      policy,
      recordingLogger(),
      async (ms) => {
        waits.push(ms);
      },
    );
    expect(value).toBe('done');
    expect(waits).toHaveLength(3);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
    expect(waits[2]).toBe(900);
  });

  it('throws the last error when the attempts run out', async () => {
    let calls = 0;
    await expect(
      withRetries(
        'x',
        async () => ({ ok: false, error: new Error(`fail ${++calls}`) }),
        policy,
        recordingLogger(),
        async () => {},
      ),
    ).rejects.toThrow('fail 4');
  });

  it('stops before a wait would pass the deadline', async () => {
    let calls = 0;
    await expect(
      withRetries(
        'x',
        async () => ({ ok: false, error: new Error(`fail ${++calls}`), retryAfterMs: 5000 }),
        { ...policy, maxDelayMs: 10_000, deadlineMs: 1000 },
        recordingLogger(),
        async () => {},
      ),
    ).rejects.toThrow('fail 1');
  });
});

describe('bodyExcerpt', () => {
  it('keeps one bounded line and hides anything JWT-shaped', () => {
    expect(bodyExcerpt('a\n  b\tc')).toBe('a b c');
    expect(bodyExcerpt('token eyJhbGciOi.eyJzdWIi.c2ln rest')).toBe('token <jwt> rest');
    expect(bodyExcerpt('x'.repeat(300))).toHaveLength(203);
  });
});

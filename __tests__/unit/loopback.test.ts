import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/net/loopback.js';

// The one loopback rule: plain http is accepted for these hosts, and every client (the toolkit's,
// the cluster's) reaches them directly, never through a proxy.
describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.0', true],
    ['127.255.255.255', true],
    ['localhost', true],
    ['LocalHost', true],
    ['::1', true],
    ['[::1]', true],
    ['127.5.6.7', true],
    ['LOCALHOST', true],
    ['[::ffff:7f00:1]', true], // ::ffff:127.0.0.1, as the URL parser writes it
    ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false],
    ['::2', false],
    ['127.attacker.example', false],
    ['127.0.0.1.example', false],
    ['127', false],
    ['126.255.255.255', false],
    ['128.0.0.0', false],
    ['0.0.0.0', false],
    ['localhost.', false],
    ['localhost.example', false],
    ['[::]', false],
    ['[::2]', false],
    ['[::ffff:a00:1]', false],
    ['', false],
  ])('%j: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

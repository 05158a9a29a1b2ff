import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/loopback.js';

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.0', true],
    ['127.255.255.255', true],
    ['localhost', true],
    ['LocalHost', true],
    ['::1', true],
    ['[::1]', true],
    ['[::ffff:7f00:1]', true], // ::ffff:127.0.0.1, as the URL parser writes it
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

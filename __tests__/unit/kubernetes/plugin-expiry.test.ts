// The expiry a source's plugin hands its token out with (sources/contract.ts handOutUntil): GKE's
// and AKS's tokens are reported a minute early, a fifth early when they live under five minutes,
// and never already expired.
import { describe, expect, it } from 'vitest';
import { handOutUntil } from '../../../src/kubernetes/sources/contract.js';

const minted = Date.UTC(2026, 11, 7, 12, 0, 0);
const s = (seconds: number) => seconds * 1000;

describe('handOutUntil', () => {
  it.each([
    ['an hour: a minute early', s(3600), s(3540)],
    ['five minutes: a minute early', s(300), s(240)],
    ['two minutes: a fifth early', s(120), s(96)],
    ['one second: a second after minting, not before', s(1), s(1)],
    ['already expired: a second after minting', -s(10), s(1)],
  ])('%s', (_title, life, handedOut) => {
    expect(handOutUntil(minted + life, minted).getTime() - minted).toBe(handedOut);
  });
});

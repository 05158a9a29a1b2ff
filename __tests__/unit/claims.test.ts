import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionError } from '../../src/base/errors.js';
import { createHttpClient } from '../../src/net/http.js';
import { claimRows, decodeClaims, expiresIn, verifyIdToken } from '../../src/oidc/claims.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';

describe('claims', () => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer({ shape: 'github', claims: { environment: 'production' } });
  });
  afterAll(() => issuer.close());

  it('decodes iss, sub, aud (string or list) and exp', async () => {
    const single = decodeClaims(await issuer.mint({ aud: 'a' }));
    expect(single).toMatchObject({ iss: issuer.issuer, sub: issuer.subject, aud: ['a'] });
    expect(decodeClaims(await issuer.mint({ aud: ['a', 'b'] })).aud).toEqual(['a', 'b']);
  });

  it('refuses a token without sub', async () => {
    expect(() => decodeClaims('x.y.z')).toThrow(ActionError);
    expect(() => decodeClaims('not-a-jwt')).toThrow('not a readable JWT');
    const noSub = await issuer.mint({ sub: undefined });
    expect(() => decodeClaims(noSub)).toThrow('lacks one of the claims iss, sub and exp');
  });

  it('shows the platform claims in a fixed order, never the token', async () => {
    const token = await issuer.mint({ aud: 'x' });
    const rows = claimRows(decodeClaims(token), Date.now());
    expect(rows.map(([name]) => name)).toEqual([
      'iss',
      'sub',
      'aud',
      'exp',
      'repository',
      'ref',
      'ref_type',
      'environment',
      'event_name',
      'workflow',
      'workflow_ref',
      'run_id',
      'run_attempt',
      'actor',
      'sha',
    ]);
    expect(JSON.stringify(rows)).not.toContain(token.split('.')[2]);
  });

  it.each([
    [1000, 'in 17 min'],
    [60, 'in 60s'],
    [-5, 'expired 5s ago'],
  ])('expiresIn(now%+ds)', (delta, text) => {
    const now = 1_700_000_000_000;
    expect(expiresIn(now / 1000 + delta, now)).toBe(text);
  });

  it('verifies a good token and names the reason a bad one fails', async () => {
    const good = await issuer.mint({ aud: 'deploy' });
    await expect(verifyIdToken(good, decodeClaims(good), 'deploy')).resolves.toBeUndefined();
    await expect(verifyIdToken(good, decodeClaims(good), undefined)).resolves.toBeUndefined();

    const cases: Array<[string, string | undefined, RegExp]> = [
      [
        await issuer.mint({ aud: 'other' }),
        'deploy',
        /aud does not contain the requested audience "deploy"/,
      ],
      [await issuer.mint({ exp: Math.floor(Date.now() / 1000) - 120 }), undefined, /expired/],
      [await issuer.mint({}, 'foreign'), undefined, /signature does not match/],
      [
        await issuer.mint({ iss: 'http://127.0.0.1:1/nowhere' }),
        undefined,
        /could not fetch the discovery document/,
      ],
    ];
    for (const [token, audience, reason] of cases) {
      await expect(verifyIdToken(token, decodeClaims(token), audience)).rejects.toThrow(reason);
    }
  });

  it('ends discovery against an issuer that trickles it, and escapes what the issuer names', async () => {
    const trickler = createServer((req, res) => {
      if (req.url?.startsWith('/hostile')) {
        res.end(JSON.stringify({ issuer: '::add-mask::x\n::set-env name=A::b', jwks_uri: 'x' }));
        return;
      }
      res.writeHead(200);
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickler.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(trickler.address() as AddressInfo).port}`;
    try {
      const slow = await issuer.mint({ iss: origin });
      const started = Date.now();
      await expect(
        verifyIdToken(slow, decodeClaims(slow), undefined, createHttpClient(1000, 300)),
      ).rejects.toThrow(
        `verify-token: could not fetch the discovery document from ${origin}/.well-known/openid-configuration: no complete answer from ${origin} within 300ms.`,
      );
      expect(Date.now() - started).toBeLessThan(1500);

      const hostile = await issuer.mint({ iss: `${origin}/hostile` });
      const error = await verifyIdToken(hostile, decodeClaims(hostile), undefined).catch(
        (e: unknown) => e as ActionError,
      );
      expect((error as ActionError).message).toContain(
        'names issuer "\\u003a:add-mask::x\\n::set-env name=A::b"',
      );
    } finally {
      trickler.closeAllConnections();
      trickler.close();
    }
  });

  it('fetches keys only over https, or plain http on loopback', async () => {
    let origin = '';
    const keys = createServer((req, res) => {
      // A discovery document that sends the keys to plain http on another host.
      res.end(JSON.stringify({ issuer: origin, jwks_uri: 'http://keys.example/jwks.json' }));
    });
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
    try {
      const token = await issuer.mint({ iss: origin });
      await expect(verifyIdToken(token, decodeClaims(token), undefined)).rejects.toThrow(
        'verify-token: the JWKS is at http://keys.example/jwks.json, which is not an https:// URL (plain http is accepted only for a loopback address).',
      );
    } finally {
      keys.close();
    }
  });
});

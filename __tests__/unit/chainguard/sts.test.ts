import { SignJWT } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeToken, parseExchange } from '../../../src/chainguard/sts.js';
import { ActionError } from '../../../src/base/errors.js';
import { createHttpClient } from '../../../src/net/http.js';
import { recordingLogger } from '../../helpers/logger.js';
import { decodeClaims } from '../../../src/oidc/claims.js';
import { startChainguardSts, type ChainguardSts } from '../../fixtures/chainguard-sts.js';
import { startIssuer, type Issuer } from '../../fixtures/issuer.js';

const IDENTITY = `${'a'.repeat(40)}/${'b'.repeat(16)}`;

async function jwt(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode('k'.repeat(32)));
}

describe('parseExchange', () => {
  it.each([
    [
      'expiry given (RFC 3339 with offset)',
      { expiry: '2030-01-01T01:00:00+01:00' },
      2_000_000_000,
      '2030-01-01T00:00:00.000Z',
    ],
    ['no expiry: the JWT exp', {}, 2_000_000_000, '2033-05-18T03:33:20.000Z'],
    [
      'an unreadable expiry: the JWT exp',
      { expiry: 'soon' },
      2_000_000_000,
      '2033-05-18T03:33:20.000Z',
    ],
  ])('%s', async (_name, extra, exp, expiration) => {
    const token = await jwt({ exp });
    const masked: string[] = [];
    const result = parseExchange(
      JSON.stringify({ token, refreshToken: 'refresh-secret', ...extra }),
      (s) => masked.push(s),
    );
    expect(result).toEqual({ token, refreshToken: 'refresh-secret', expiration });
    expect(masked).toEqual([token, token.split('.')[2], 'refresh-secret']);
  });

  it.each([
    ['not JSON', 'oops', /not JSON/],
    ['no token', '{"refreshToken":"r"}', /without a token/],
    ['an opaque token without expiry', '{"token":"opaque-token-value"}', /without a usable expiry/],
  ])('fails on %s', (_name, body, message) => {
    const masked: string[] = [];
    expect(() => parseExchange(body, (s) => masked.push(s))).toThrow(message);
    // Whatever arrived was masked before the failure.
    if (body.includes('opaque')) expect(masked).toContain('opaque-token-value');
    if (body.includes('"r"')) expect(masked).toContain('r');
  });
});

describe('exchangeToken against the local STS', () => {
  let issuer: Issuer;
  let sts: ChainguardSts;
  let idToken: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    sts = await startChainguardSts({
      identities: { [IDENTITY]: { issuer: issuer.issuer, subject: issuer.subject } },
    });
    idToken = await issuer.mint({ aud: 'issuer.enforce.dev' });
  });
  afterAll(async () => {
    await sts.close();
    await issuer.close();
  });

  const request = (overrides: Partial<Parameters<typeof exchangeToken>[0]> = {}) => ({
    issuer: sts.origin,
    idToken,
    claims: decodeClaims(idToken),
    identity: IDENTITY,
    audience: 'cgr.dev',
    logger: recordingLogger(),
    mask: () => {},
    policy: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 5000 },
    ...overrides,
  });

  it('the fixture drops a JSON body, as grpc-gateway does: "Audience must be specified"', async () => {
    const response = await fetch(`${sts.origin}/sts/exchange`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ aud: ['cgr.dev'], identity: IDENTITY }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 3, message: 'Audience must be specified' });
  });

  it('the fixture binds query parameters on GET too', async () => {
    const response = await fetch(
      `${sts.origin}/sts/exchange?aud=cgr.dev&identity=${encodeURIComponent(IDENTITY)}`,
      { headers: { authorization: `Bearer ${idToken}` } },
    );
    expect(response.status).toBe(200);
  });

  it('the fixture refuses a token signed by a key outside the issuer JWKS', async () => {
    const forged = await issuer.mint({ aud: 'issuer.enforce.dev' }, 'foreign');
    await expect(exchangeToken(request({ idToken: forged }))).rejects.toThrow(
      /HTTP 401, UNAUTHENTICATED.*JWT validation failed/,
    );
  });

  it.each([502, 503, 504])('retries %i', async (status) => {
    const before = sts.requests.length;
    sts.faults.push({ status }, { status });
    const result = await exchangeToken(request());
    expect(sts.requests.length - before).toBe(3);
    expect(result.token).toBe(sts.issued.at(-1));
  });

  it.each([500, 429])('does not retry %i', async (status) => {
    const before = sts.requests.length;
    sts.faults.push({ status, code: 13, message: 'boom' });
    await expect(exchangeToken(request())).rejects.toThrow(`HTTP ${status}`);
    expect(sts.requests.length - before).toBe(1);
  });

  it('gives up after the last retry with a hint', async () => {
    sts.faults.push({ status: 503 }, { status: 503 }, { status: 503 });
    const error = await exchangeToken(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toContain('HTTP 503');
    expect((error as ActionError).hint).toContain('re-run');
  });

  it('turns a redirect into an error and sends nothing to the other host', async () => {
    sts.faults.push({ kind: 'redirect' });
    await expect(exchangeToken(request())).rejects.toThrow(
      /HTTP 307, a redirect to http:\/\/127\.0\.0\.1:\d+; it was not followed/,
    );
    expect(sts.redirectTrap).toEqual([]);
  });

  it('gives up on a stalled STS after the socket timeout, without retrying', async () => {
    const before = sts.requests.length;
    sts.faults.push({ kind: 'stall' });
    const started = Date.now();
    const error = await exchangeToken(request({ http: createHttpClient(300) })).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect((error as ActionError).message).toMatch(
      /exchange at .* failed: no answer from http:\/\/127\.0\.0\.1:\d+ within 300ms/,
    );
    expect((error as ActionError).hint).toContain('chainguard-issuer');
    expect(sts.requests.length - before).toBe(1);
  });

  it('names an unreachable issuer', async () => {
    await expect(exchangeToken(request({ issuer: 'http://127.0.0.1:1' }))).rejects.toThrow(
      /exchange at http:\/\/127\.0\.0\.1:1\/sts\/exchange failed: .*ECONNREFUSED/,
    );
  });

  it('ends the exchange by the policy deadline against an STS that trickles its answer', async () => {
    const trickler = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickler.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(trickler.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      await expect(
        exchangeToken(
          request({
            issuer: origin,
            policy: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 400 },
          }),
        ),
      ).rejects.toThrow(`failed: no complete answer from ${origin} within 400ms`);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      trickler.closeAllConnections();
      trickler.close();
    }
  });

  it('escapes the gateway message in its retry line', async () => {
    const logger = recordingLogger();
    sts.faults.push({ status: 503, code: 14, message: 'down\n::set-env name=A::b' });
    await exchangeToken(request({ logger }));
    expect(logger.lines.join('\n')).toMatch(
      /^Chainguard token exchange: the STS answered HTTP 503 \(down ::set-env name=A::b\); retrying/m,
    );
    expect(logger.lines.some((line) => /^::/.test(line) || line.includes('\n'))).toBe(false);
  });
});

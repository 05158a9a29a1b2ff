import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionError } from '../../src/base/errors.js';
import { recordingLogger } from '../helpers/logger.js';
import { createHttpClient } from '../../src/net/http.js';
import { idTokenUrl, requestIdToken, tokenRequestEnv } from '../../src/oidc/token.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';

describe('idTokenUrl', () => {
  it.each([
    [
      'https://forge.example/api/actions/_apis/pipelines/workflows/7/idtoken?placeholder=true',
      'forgejo',
      'https://forge.example/api/actions/_apis/pipelines/workflows/7/idtoken?placeholder=true&audience=forgejo',
    ],
    [
      'https://pipelines.example/x/idtoken?api-version=2.0',
      'sts.amazonaws.com',
      'https://pipelines.example/x/idtoken?api-version=2.0&audience=sts.amazonaws.com',
    ],
    ['https://host/idtoken', 'cgr.dev', 'https://host/idtoken?audience=cgr.dev'],
    [
      'https://host/idtoken?api-version=2.0',
      'https://example.com/a/b',
      'https://host/idtoken?api-version=2.0&audience=https%3A%2F%2Fexample.com%2Fa%2Fb',
    ],
    [
      'https://host/idtoken?api-version=2.0',
      'a?b&c=d',
      'https://host/idtoken?api-version=2.0&audience=a%3Fb%26c%3Dd',
    ],
    [
      'https://host/idtoken?api-version=2.0',
      'with space:colon',
      'https://host/idtoken?api-version=2.0&audience=with+space%3Acolon',
    ],
    ['https://host/idtoken?api-version=2.0', undefined, 'https://host/idtoken?api-version=2.0'],
    ['https://host/idtoken?audience=old', 'new', 'https://host/idtoken?audience=new'],
  ])('%s + %s', (base, audience, expected) => {
    expect(idTokenUrl(base, audience)).toBe(expected);
    if (audience !== undefined)
      expect(new URL(expected).searchParams.get('audience')).toBe(audience);
  });
});

describe('tokenRequestEnv', () => {
  it.each([
    [{}, 'ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set'],
    [{ ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' }, 'are not set'],
    [
      { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x/y', ACTIONS_ID_TOKEN_REQUEST_TOKEN: ' ' },
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set',
    ],
    [
      { ACTIONS_ID_TOKEN_REQUEST_URL: 'not a url', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' },
      'is not a URL',
    ],
  ])('%j: %s', (env, message) => {
    try {
      tokenRequestEnv(env);
      expect.fail('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ActionError);
      expect((error as ActionError).message).toContain(message);
      expect((error as ActionError).hint).toContain('permissions: id-token: write');
      expect((error as ActionError).hint).toContain('enable-openid-connect: true');
    }
  });
});

describe('requestIdToken against the issuer fixture', () => {
  let issuer: Issuer;
  const policy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 5_000 };
  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => issuer.close());

  async function request(audience?: string) {
    const masked: string[] = [];
    const logger = recordingLogger();
    const before = issuer.requests.length;
    const result = await requestIdToken({
      audience,
      env: issuer.env(),
      logger,
      mask: (s) => masked.push(s),
      policy,
    }).then(
      (token) => ({ token }),
      (error: unknown) => ({ error: error as ActionError }),
    );
    return { ...result, masked, logger, attempts: issuer.requests.length - before };
  }

  it('masks the request token, the token and its signature', async () => {
    const r = await request('aud');
    expect('token' in r).toBe(true);
    const token = (r as { token: string }).token;
    expect(r.masked).toEqual([issuer.requestToken, token, token.split('.')[2]]);
  });

  it.each([
    [[{ status: 500 }], 2, 'ok'],
    [[{ status: 502 }, { status: 503 }, { status: 504 }], 4, 'ok'],
    [[{ status: 429 }], 2, 'ok'],
    [[{ kind: 'reset' as const }], 2, 'ok'],
    [[{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }], 4, 'HTTP 500'],
    [[{ status: 400, body: 'run-id does not match' }], 1, 'do not copy ACTIONS_ID_TOKEN_REQUEST_*'],
    [[{ status: 404 }], 1, 'HTTP 404'],
    [[{ kind: 'oidc-disabled' as const }], 1, 'enable-openid-connect'],
    [[{ status: 200, body: 'not json' }], 1, 'not JSON'],
    [[{ status: 200, body: '{"value":"abc"}' }], 1, 'not a JWT'],
  ])('faults %j: %d attempts, %s', async (faults, attempts, outcome) => {
    issuer.faults.push(...faults);
    const r = await request();
    expect(r.attempts).toBe(attempts);
    if (outcome === 'ok') {
      expect('token' in r).toBe(true);
    } else {
      expect('error' in r).toBe(true);
      const error = (r as { error: ActionError }).error;
      expect(`${error.message}\n${error.hint ?? ''}`).toContain(outcome);
    }
    issuer.faults.length = 0;
  });

  it('calls onSent once, when the first attempt has reached the endpoint, not per retry', async () => {
    issuer.faults.push({ status: 503 }, { status: 503 });
    const seenAtSent: number[] = [];
    const before = issuer.requests.length;
    const token = await requestIdToken({
      audience: 'aud',
      env: issuer.env(),
      logger: recordingLogger(),
      mask: () => {},
      policy,
      // What the issuer had received when onSent ran: the request is on the wire by then.
      onSent: () => seenAtSent.push(issuer.requests.length - before),
    });
    expect(token.split('.')).toHaveLength(3);
    expect(issuer.requests.length - before).toBe(3);
    expect(seenAtSent).toHaveLength(1);
    expect(seenAtSent[0]).toBeLessThanOrEqual(1);
  });

  it("escapes the endpoint's words in the error: no workflow command can start", async () => {
    issuer.faults.push({ status: 404, body: '::add-mask::x\n::set-env name=A::b' });
    const r = await request();
    const error = (r as { error: ActionError }).error;
    expect(error.message).toBe(
      'The ID token request was refused (HTTP 404: \\u003a:add-mask::x ::set-env name=A::b).',
    );
  });

  it('ends the whole request, retries included, by the policy deadline against a trickling endpoint', async () => {
    const trickler = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickler.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(trickler.address() as AddressInfo).port}/idtoken?api-version=2.0`;
    const started = Date.now();
    try {
      const error = await requestIdToken({
        audience: undefined,
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r' },
        logger: recordingLogger(),
        mask: () => {},
        policy: { attempts: 5, baseDelayMs: 10, maxDelayMs: 20, deadlineMs: 800 },
      }).catch((e: unknown) => e as ActionError);
      expect((error as ActionError).message).toMatch(
        /no complete answer from http:\/\/127\.0\.0\.1:\d+ within/,
      );
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      trickler.closeAllConnections();
      trickler.close();
    }
  });

  it('gives up on a stalled endpoint when the socket times out', async () => {
    issuer.faults.push({ kind: 'stall' }, { kind: 'stall' });
    const http = createHttpClient(200);
    const started = Date.now();
    const result = await requestIdToken({
      audience: undefined,
      env: issuer.env(),
      logger: recordingLogger(),
      mask: () => {},
      http,
      policy: { ...policy, attempts: 2 },
    }).catch((e: unknown) => e as ActionError);
    expect(typeof result).not.toBe('string');
    expect((result as ActionError).message).toMatch(
      /no answer from http:\/\/127\.0\.0\.1:\d+ within 200ms/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

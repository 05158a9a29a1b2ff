// The ID token, end to end: the bundled action against the local issuer, as a runner runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { findLeaks, jwtSecrets, maskedValues } from '../helpers/leaks.js';
import { errorAnnotations, runAction } from '../helpers/runner.js';

describe.each(['forgejo', 'github'] as const)('token mode on %s', (shape) => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer({ shape });
  });
  afterAll(() => issuer.close());

  it('outputs the masked token and its claims, with the platform default audience', async () => {
    const before = issuer.issued.length;
    const run = await runAction({ inputs: { mode: 'token' }, env: issuer.env() });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const token = issuer.issued[before] as string;
    expect(run.outputs['id-token']).toBe(token);
    expect(run.outputs['subject']).toBe(issuer.subject);
    expect(run.outputs['issuer']).toBe(issuer.issuer);
    expect(run.outputs['audience']).toBe(issuer.defaultAudience);
    // No audience parameter: the platform's default.
    expect(issuer.requests.at(-1)?.audience).toBeNull();
    // The token and its signature are masked before anything else is printed.
    const masks = maskedValues(run);
    expect(masks).toContain(token);
    expect(masks).toContain(token.split('.')[2]);
    expect(run.stdout.indexOf(`::add-mask::${token}`)).toBeLessThan(
      run.stdout.indexOf('ID token claims'),
    );
    expect(
      findLeaks(run, [...jwtSecrets(token), issuer.requestToken], { outputs: ['id-token'] }),
    ).toEqual([]);
    expect(run.stdout).toContain(`sub              ${issuer.subject}`);
    expect(run.summary).toContain('| sub | repo:org/app:ref:refs/heads/main |');
  });

  it('requests the audience given, encoded, on the platform URL', async () => {
    const audience = 'https://example.test/a b?c=d&e/f:g';
    const run = await runAction({ inputs: { mode: 'token', audience }, env: issuer.env() });
    expect(run.code, run.stdout).toBe(0);
    const request = issuer.requests.at(-1);
    expect(request?.audience).toBe(audience);
    expect(request?.path).toMatch(
      shape === 'forgejo' ? /\?placeholder=true&audience=/ : /\?api-version=2\.0&audience=/,
    );
    expect(run.outputs['audience']).toBe(audience);
  });

  it('verifies the token against discovery and JWKS with verify-token', async () => {
    const run = await runAction({
      inputs: { mode: 'token', 'verify-token': 'true', audience: 'deploy' },
      env: issuer.env(),
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('verify-token: signature, issuer, audience and expiry verified');
  });
});

describe('ID token failures', () => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => issuer.close());

  it.each([
    ['both missing', {}],
    [
      'both empty, as Forgejo sets them without OIDC',
      { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' },
    ],
  ])(
    'explains how to enable OIDC on both platforms when the variables are %s',
    async (_name, env) => {
      const run = await runAction({ inputs: { mode: 'token' }, env });
      expect(run.code).toBe(1);
      const errors = errorAnnotations(run);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('permissions: id-token: write');
      expect(errors[0]).toContain('enable-openid-connect: true');
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    },
  );

  it('gives the same hint for a Forgejo 403 "missing scp generate_id_token", without retrying', async () => {
    const before = issuer.requests.length;
    issuer.faults.push({ kind: 'oidc-disabled' });
    const run = await runAction({ inputs: { mode: 'token' }, env: issuer.env() });
    expect(run.code).toBe(1);
    expect(issuer.requests.length - before).toBe(1);
    expect(errorAnnotations(run)[0]).toContain('enable-openid-connect: true');
  });

  it('does not retry a 401 and explains the request token', async () => {
    const before = issuer.requests.length;
    const run = await runAction({
      inputs: { mode: 'token' },
      env: { ...issuer.env(), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' },
    });
    expect(run.code).toBe(1);
    expect(issuer.requests.length - before).toBe(1);
    expect(errorAnnotations(run)[0]).toMatch(/HTTP 401: .*Bad authorization header/);
  });

  it('retries 503, 429 and a reset connection, then succeeds', async () => {
    const before = issuer.requests.length;
    issuer.faults.push(
      { status: 503 },
      { status: 429, headers: { 'retry-after': '0' } },
      { kind: 'reset' },
    );
    const run = await runAction({ inputs: { mode: 'token' }, env: issuer.env() });
    expect(run.code, run.stdout).toBe(0);
    expect(issuer.requests.length - before).toBe(4);
    expect(run.stdout).toContain('retrying in');
  });

  it('fails on a 200 without "value"', async () => {
    issuer.faults.push({ status: 200, body: '{"nope":1}' });
    const run = await runAction({ inputs: { mode: 'token' }, env: issuer.env() });
    expect(run.code).toBe(1);
    expect(errorAnnotations(run)[0]).toContain('"value" is missing');
  });

  it('fails verify-token for a token signed by another key, naming the reason', async () => {
    // An endpoint that hands out a token the issuer's JWKS cannot verify.
    const forged = await issuer.mint({}, 'foreign');
    issuer.faults.push({ status: 200, body: JSON.stringify({ value: forged }) });
    const run = await runAction({
      inputs: { mode: 'token', 'verify-token': 'true' },
      env: issuer.env(),
    });
    expect(run.code).toBe(1);
    expect(errorAnnotations(run)[0]).toMatch(/verify-token: .*signature/);
    expect(findLeaks(run, jwtSecrets(forged))).toEqual([]);
  });

  it('fails verify-token when the audience does not match', async () => {
    const other = await issuer.mint({ aud: 'someone-else' });
    issuer.faults.push({ status: 200, body: JSON.stringify({ value: other }) });
    const run = await runAction({
      inputs: { mode: 'token', 'verify-token': 'true', audience: 'deploy' },
      env: issuer.env(),
    });
    expect(run.code).toBe(1);
    expect(errorAnnotations(run)[0]).toContain(
      'its aud does not contain the requested audience "deploy"',
    );
  });
});

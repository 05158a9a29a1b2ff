// dist/credential.js, the exec credential plugin kubectl runs in later steps: stdout carries
// only the ExecCredential, stderr one line of explanation, never the token.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { runAction } from '../helpers/runner.js';

describe('credential plugin', () => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer({ lifetimeSeconds: 300 });
  });
  afterAll(() => issuer.close());

  const plugin = (env: Record<string, string | undefined>) =>
    runAction({ entry: 'credential', env });

  it('prints exactly one ExecCredential whose expiry comes before the token expires', async () => {
    const run = await plugin({ ...issuer.env(), OIDC_DEPLOY_AUDIENCE: 'kubernetes' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const credential = JSON.parse(run.stdout) as {
      apiVersion: string;
      kind: string;
      status: { token: string; expirationTimestamp: string };
    };
    expect(credential.apiVersion).toBe('client.authentication.k8s.io/v1');
    expect(credential.kind).toBe('ExecCredential');
    expect(credential.status.token).toBe(issuer.issued.at(-1));
    expect(issuer.requests.at(-1)?.audience).toBe('kubernetes');
    const exp = decodeJwt(credential.status.token).exp as number;
    const expiry = Date.parse(credential.status.expirationTimestamp) / 1000;
    expect(expiry).toBeLessThan(exp);
    expect(expiry).toBeGreaterThan(exp - 60);
  });

  it('answers in the apiVersion the client asks for', async () => {
    const run = await plugin({
      ...issuer.env(),
      KUBERNETES_EXEC_INFO: JSON.stringify({
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        kind: 'ExecCredential',
        spec: {},
      }),
    });
    expect(JSON.parse(run.stdout).apiVersion).toBe('client.authentication.k8s.io/v1beta1');
  });

  it('says plainly, in one line, when the job cannot request a token (another job, a fork)', async () => {
    const run = await plugin({});
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(
      'oidc-deploy credential plugin: No OIDC ID token can be requested',
    );
    expect(run.stderr).toContain('permissions: id-token: write');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('never puts the token on stderr, even while retrying', async () => {
    issuer.faults.push({ status: 503 });
    const run = await plugin(issuer.env());
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('retrying');
    const token = issuer.issued.at(-1) as string;
    expect(run.stderr).not.toContain(token);
    expect(run.stderr).not.toContain(issuer.requestToken);
  });

  it('fails within 30 s, and exits, against an endpoint that trickles its answer', async () => {
    // Headers at once, then a byte every 2 s: no socket timeout ever fires.
    const trickler = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
      const timer = setInterval(() => res.write(' '), 2000);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickler.listen(0, '127.0.0.1', resolve));
    const port = (trickler.address() as AddressInfo).port;
    try {
      const run = await plugin({
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/idtoken?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
      });
      expect(run.code).toBe(1);
      // Process start to exit: kubectl gets its answer within 30 s.
      expect(run.seconds).toBeLessThan(30);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        /The ID token request failed: network error: no complete answer from http:\/\/127\.0\.0\.1:\d+ within/,
      );
    } finally {
      trickler.closeAllConnections();
      trickler.close();
    }
  }, 45_000);
});

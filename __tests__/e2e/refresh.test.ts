// Credentials that outlive the ID token: with 3-second tokens, the action runs, the test waits
// past the token's expiry, and real kubectl (a separate process, as a later step) still gets in
// with `refresh` credentials and is refused with `static` ones.
import { readFileSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { kubectl, UNAUTHORIZED_MESSAGES } from '../fixtures/kube/kubectl.js';
import { findLeaks, jwtSecrets } from '../helpers/leaks.js';
import { join } from 'node:path';
import { DIST, runAction, runPost, type RunResult } from '../helpers/runner.js';

const AUDIENCE = 'https://kubernetes.fixture';
const LIFETIME_SECONDS = 3;

let issuer: Issuer;
let server: KubeApiServer;

beforeAll(async () => {
  issuer = await startIssuer({ lifetimeSeconds: LIFETIME_SECONDS });
  server = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: [AUDIENCE],
    usernamePrefix: 'forgejo:',
  });
  server.addDeployment({ name: 'web', namespace: 'demo' });
});
afterAll(async () => {
  await server.close();
  await issuer.close();
});

async function deployStep(credentials: 'static' | 'refresh' | undefined): Promise<RunResult> {
  const inputs: Record<string, string> = {
    kubeconfig: server.kubeconfig(undefined, { namespace: 'demo' }),
    audience: AUDIENCE,
  };
  if (credentials) inputs['kubeconfig-credentials'] = credentials;
  const run = await runAction({ inputs, env: issuer.env() });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return run;
}

/** A later step of the job: kubectl in its own process, with the job's environment. */
function laterStep(run: RunResult) {
  return kubectl(['get', 'deployment', 'web', '-o', 'name'], {
    kubeconfigPath: run.exported['KUBECONFIG'] as string,
    env: issuer.env(),
  });
}

async function waitPastExpiry(tokens: string[]): Promise<void> {
  const latest = Math.max(...tokens.map((t) => decodeJwt(t).exp as number));
  const wait = latest * 1000 - Date.now() + 1500;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

describe('kubeconfig credentials after the ID token expired', () => {
  it('refresh (the default): kubectl in a later step mints a fresh token and gets in', async () => {
    const before = issuer.issued.length;
    const run = await deployStep(undefined);
    const actionTokens = issuer.issued.slice(before);
    const config = parse(readFileSync(run.exported['KUBECONFIG'] as string, 'utf8')) as {
      users: Array<{
        user: { exec?: { command: string; args: string[]; interactiveMode: string } };
      }>;
    };
    const exec = config.users[0]?.user.exec;
    expect(exec?.command).toBe(process.execPath);
    expect(exec?.args[0]).toBe(join(DIST, 'credential.js'));
    expect(exec?.interactiveMode).toBe('Never');
    expect(run.summary).toContain('refresh (re-minted by an exec plugin)');

    await waitPastExpiry(actionTokens);
    const minted = issuer.issued.length;
    const got = await laterStep(run);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout.trim()).toBe('deployment.apps/web');
    // kubectl ran the plugin, which asked for a token of the same audience.
    expect(issuer.issued.length).toBeGreaterThan(minted);
    expect(issuer.requests.at(-1)?.audience).toBe(AUDIENCE);
    // The token the server accepted is a new one, minted after the action's had expired.
    const fresh = issuer.issued.at(-1) as string;
    expect(actionTokens).not.toContain(fresh);
    expect(findLeaks(run, [...actionTokens.flatMap(jwtSecrets), issuer.requestToken])).toEqual([]);
    expect((await runPost(run)).code).toBe(0);
  });

  it('static: the same later step is refused once the token has expired', async () => {
    const before = issuer.issued.length;
    const run = await deployStep('static');
    const token = issuer.issued[before] as string;
    expect(readFileSync(run.exported['KUBECONFIG'] as string, 'utf8')).toContain(token);
    // Still valid right away...
    const early = await laterStep(run);
    expect(early.code, early.stderr).toBe(0);
    // ...and refused after expiry.
    await waitPastExpiry([token]);
    const late = await laterStep(run);
    expect(late.code).not.toBe(0);
    expect(UNAUTHORIZED_MESSAGES).toContain(late.stderr.trim().split('\n').at(-1));
    expect(server.authFailures.at(-1)).toMatch(/expired|exp/i);
    expect((await runPost(run)).code).toBe(0);
  });
});

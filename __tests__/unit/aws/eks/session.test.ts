// openEksSession: the role assumed (test STS), the cluster described (a loopback EKS stand-in),
// the first token masked; renewal presigns again, and assumes the role again (with a fresh ID
// token) only when the credentials are near their end.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openEksSession } from '../../../../src/kubernetes/sources/eks/session.js';
import { decodeEksToken } from '../../../../src/kubernetes/sources/eks/token.js';
import type { AwsSettings, EksSource } from '../../../../src/action/inputs.js';
import { recordingLogger } from '../../../../src/base/logger.js';
import type { ModeContext } from '../../../../src/modes/contract.js';
import { startSts, type TestSts } from '../../../fixtures/sts.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString(
  'base64',
);
const ROLE = 'arn:aws:iam::111122223333:role/deploy';

let sts: TestSts;
let eks: Server;
let eksUrl: string;
beforeAll(async () => {
  sts = await startSts();
  eks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        cluster: { endpoint: 'https://k8s.example', certificateAuthority: { data: CA } },
      }),
    );
  });
  await new Promise<void>((r) => eks.listen(0, '127.0.0.1', r));
  const address = eks.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  eksUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await sts.close();
  await new Promise<void>((r) => eks.close(() => r()));
});
beforeEach(() => {
  sts.requests.length = 0;
});

function source(durationSeconds: number): EksSource {
  const aws: AwsSettings = {
    mode: 'aws',
    audience: 'sts.amazonaws.com',
    showClaims: false,
    verifyToken: false,
    roleArn: ROLE,
    partition: 'aws',
    accountId: '111122223333',
    region: 'eu-west-1',
    roleSessionName: 'oidc-deploy-test',
    durationSeconds,
    stsEndpoint: sts.url,
    maskAccountId: false,
    outputCredentials: false,
  };
  return { kind: 'eks', cluster: 'demo', eksEndpoint: eksUrl, aws, exportAwsCredentials: true };
}

function context() {
  const masked: string[] = [];
  let renewals = 0;
  const ctx = {
    token: 'first.id.token',
    claims: {
      iss: 'https://ci.example',
      sub: 'repo:org/app',
      aud: ['sts.amazonaws.com'],
      exp: 2e9,
      extra: {},
    },
    audience: 'sts.amazonaws.com',
    renewToken: async () => `renewed.id.token${++renewals}`,
    logger: recordingLogger(),
    mask: (s: string) => masked.push(s),
    env: {},
    saveState: () => {},
  } as unknown as ModeContext;
  return { ctx, masked, renewals: () => renewals };
}

describe('openEksSession', () => {
  it('assumes the role, describes the cluster, masks the first token; renewal presigns with the same credentials', async () => {
    const { ctx, masked, renewals } = context();
    const session = await openEksSession(source(3600), ctx, 'web');
    expect(session.cluster.endpoint).toBe('https://k8s.example');
    expect(masked).toContain(session.auth.token);
    const first = decodeEksToken(session.auth.token);
    expect(first.searchParams.get('X-Amz-Credential')).toMatch(/\/eu-west-1\/sts\/aws4_request$/);
    // 14 minutes after X-Amz-Date (the credentials last an hour).
    expect(session.auth.tokenExp * 1000 - Date.now()).toBeGreaterThan(13 * 60_000);
    expect(session.auth.tokenExp * 1000 - Date.now()).toBeLessThanOrEqual(14 * 60_000);
    expect(session.auth.pluginEnv.map((e) => e.name)).toContain('OIDC_DEPLOY_EKS_STS_ENDPOINT');

    const renewed = await session.auth.renewToken();
    expect(masked).toContain(renewed.token);
    expect(sts.requests).toHaveLength(1);
    expect(renewals()).toBe(0);
    expect(decodeEksToken(renewed.token).searchParams.get('X-Amz-Credential')).toBe(
      first.searchParams.get('X-Amz-Credential'),
    );
  });

  it('credentials near their end: a fresh ID token assumes the role again before presigning', async () => {
    const { ctx, renewals } = context();
    // The test STS makes credentials that end after durationSeconds: 60 s is within the margin.
    // (The first presign already finds them within the 5-minute margin: assumed twice. The
    // action's shortest session, 900 s, never is.)
    const session = await openEksSession(source(60), ctx, undefined);
    expect(sts.requests).toHaveLength(2);
    expect(renewals()).toBe(1);
    expect(session.auth.tokenExp * 1000 - Date.now()).toBeLessThanOrEqual(60_000);
    const renewed = await session.auth.renewToken();
    expect(sts.requests).toHaveLength(3);
    expect(renewals()).toBe(2);
    expect(sts.requests.at(-1)?.params.get('WebIdentityToken')).toBe('renewed.id.token2');
    expect(decodeEksToken(renewed.token).searchParams.get('X-Amz-Credential')).not.toBe(
      decodeEksToken(session.auth.token).searchParams.get('X-Amz-Credential'),
    );
  });
});

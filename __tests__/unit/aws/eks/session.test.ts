// openEks (the EKS source's open): the role assumed (test STS), the cluster described (a loopback EKS stand-in),
// the first token masked; renewal presigns again, and assumes the role again (with a fresh ID
// token) only when the credentials are near their end.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openEks } from '../../../../src/kubernetes/sources/eks/driver.js';
import type { EksSettings } from '../../../../src/kubernetes/sources/eks/settings.js';
import type { SourceContext } from '../../../../src/kubernetes/sources/contract.js';
import { startSts, type TestSts } from '../../../fixtures/sts.js';
import { decodeEksToken } from '../../../helpers/eks.js';
import { recordingLogger } from '../../../helpers/logger.js';

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

function source(durationSeconds: number): EksSettings {
  const role = {
    audience: 'sts.amazonaws.com',
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
  return { cluster: 'demo', eksEndpoint: eksUrl, role, exportAwsCredentials: true };
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
    namespace: undefined,
  } satisfies SourceContext;
  return { ctx, masked, renewals: () => renewals };
}

describe('openEks', () => {
  it('assumes the role, describes the cluster, masks the first token; renewal presigns with the same credentials', async () => {
    const { ctx, masked, renewals } = context();
    const session = await openEks(source(3600), { ...ctx, namespace: 'web' });
    expect(session.described.endpoint).toBe('https://k8s.example');
    expect(masked).toContain(session.credential.token);
    const first = decodeEksToken(session.credential.token);
    expect(first.searchParams.get('X-Amz-Credential')).toMatch(/\/eu-west-1\/sts\/aws4_request$/);
    // 14 minutes after X-Amz-Date (the credentials last an hour).
    expect(session.credential.exp * 1000 - Date.now()).toBeGreaterThan(13 * 60_000);
    expect(session.credential.exp * 1000 - Date.now()).toBeLessThanOrEqual(14 * 60_000);
    expect(session.pluginEnv.map((e) => e.name)).toContain('OIDC_DEPLOY_EKS_STS_ENDPOINT');

    const renewed = await session.credential.renew();
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
    const session = await openEks(source(60), ctx);
    expect(sts.requests).toHaveLength(2);
    expect(renewals()).toBe(1);
    expect(session.credential.exp * 1000 - Date.now()).toBeLessThanOrEqual(60_000);
    const renewed = await session.credential.renew();
    expect(sts.requests).toHaveLength(3);
    expect(renewals()).toBe(2);
    expect(sts.requests.at(-1)?.params.get('WebIdentityToken')).toBe('renewed.id.token2');
    expect(decodeEksToken(renewed.token).searchParams.get('X-Amz-Credential')).not.toBe(
      decodeEksToken(session.credential.token).searchParams.get('X-Amz-Credential'),
    );
  });
});

// The evidence that the EKS test peers are faithful (docs/wire-formats.md, 2c): the real aws CLI's
// `eks get-token` tokens against the test API server's EKS authenticator (through real kubectl's
// exec plugin too), and `aws eks describe-cluster` against the EKS front, both over moto.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eksAuthenticator,
  startEksFront,
  type EksAuthenticator,
  type EksFront,
} from '../fixtures/eks.js';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { kubectl, rawRequest, UNAUTHORIZED_MESSAGES } from '../fixtures/kube/kubectl.js';
import { startMoto, type Moto } from '../fixtures/moto.js';
import { Sha256 } from '../fixtures/eks/moto-identity.js';
import { tempDir } from '../helpers/temp.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const CLUSTER = 'demo';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const USER = 'eks-deployer';
const UNAUTHORIZED_BODY =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';
/** The query of `aws eks get-token`'s URL, in its order (botocore 1.43, aws-cli 1.45). */
const AWS_CLI_PARAMETERS = [
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
];
const execFileAsync = promisify(execFile);

interface Credentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
}

let moto: Moto;
let server: KubeApiServer;
let authenticator: EksAuthenticator;
let front: EksFront;
let home: string;

beforeAll(async () => {
  moto = await startMoto();
  authenticator = eksAuthenticator({
    motoUrl: moto.url,
    region: REGION,
    clusterId: CLUSTER,
    accessEntries: { [ROLE]: { username: USER, groups: ['deployers'] } },
  });
  server = await startKubeApiServer({
    // No JWT is presented here: the EKS authenticator answers every token.
    issuer: 'https://issuer.invalid',
    audiences: ['unused'],
    eks: authenticator,
    authorize: (a) => a.user === USER,
  });
  front = await startEksFront({
    motoUrl: moto.url,
    region: REGION,
    account: ACCOUNT,
    clusters: { [CLUSTER]: { endpoint: server.url, caData: server.caData } },
  });
  home = tempDir('eks-fixture-home-');
});
afterAll(async () => {
  await Promise.all([front?.close(), server?.close()]);
  await moto?.stop();
});

/** The aws CLI with only these variables (no config or credential files). */
async function aws(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('aws', args, {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: home,
        AWS_CONFIG_FILE: join(home, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
        ...env,
      },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    };
  }
}

/** Web-identity credentials from moto, as the action gets them (moto accepts any JWT-ish token). */
async function assume(role: string, session: string): Promise<Credentials> {
  const token = [
    Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url'),
    Buffer.from(
      JSON.stringify({ iss: 'https://ci.example', sub: 'repo:org/app', aud: 'sts.amazonaws.com' }),
    ).toString('base64url'),
    'c2lnbmF0dXJl',
  ].join('.');
  const result = await aws(
    [
      'sts',
      'assume-role-with-web-identity',
      '--endpoint-url',
      moto.url,
      '--region',
      REGION,
      '--role-arn',
      role,
      '--role-session-name',
      session,
      '--web-identity-token',
      token,
      '--output',
      'json',
    ],
    // The call is unsigned; the CLI still wants a region and no credentials.
  );
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { Credentials: Credentials }).Credentials;
}

function keysOf(credentials: Credentials): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: credentials.SessionToken,
  };
}

interface ExecCredential {
  apiVersion: string;
  kind: string;
  status: { expirationTimestamp: string; token: string };
}

async function getToken(
  credentials: Credentials,
  env: Record<string, string> = {},
  cluster = CLUSTER,
): Promise<ExecCredential> {
  const result = await aws(['eks', 'get-token', '--cluster-name', cluster, '--region', REGION], {
    ...keysOf(credentials),
    ...env,
  });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ExecCredential;
}

function urlOf(token: string): URL {
  return new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
}

function tokenOf(url: URL | string): string {
  return `k8s-aws-v1.${Buffer.from(String(url)).toString('base64url')}`;
}

/** A token presigned with @smithy/signature-v4 (what the action does), with variations. */
async function smithyToken(
  credentials: Credentials,
  options: { host?: string; region?: string; payload?: string; cluster?: string } = {},
): Promise<string> {
  const region = options.region ?? REGION;
  const host = options.host ?? `sts.${region}.amazonaws.com`;
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
    },
    region,
    service: 'sts',
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: host,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: {
        host,
        'x-k8s-aws-id': options.cluster ?? CLUSTER,
        ...(options.payload ? { 'x-amz-content-sha256': options.payload } : {}),
      },
    },
    {
      expiresIn: 60,
      ...(options.payload
        ? {
            unhoistableHeaders: new Set(['x-amz-content-sha256']),
            unsignableHeaders: new Set(['x-amz-content-sha256']),
          }
        : {}),
    },
  );
  const url = new URL(`https://${host}/`);
  for (const [name, value] of Object.entries(presigned.query ?? {}))
    url.searchParams.set(name, String(value));
  return tokenOf(url);
}

/** GET /api/v1/namespaces with the token: the status, and the reason the server logged. */
async function probe(
  token: string,
): Promise<{ status: number; body: string; reason: string | undefined }> {
  const failures = server.authFailures.length;
  const response = await rawRequest(server.url, server.caData, '/api/v1/namespaces', { token });
  return { status: response.status, body: response.body, reason: server.authFailures[failures] };
}

describe('EKS tokens from `aws eks get-token` against the authenticator', () => {
  let deploy: Credentials;
  beforeAll(async () => {
    deploy = await assume(ROLE, 'ci-run-1');
  });

  it("real kubectl with the aws CLI as exec plugin gets in as the access entry's user", async () => {
    const accepted = authenticator.accepted.length;
    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'eks',
          cluster: { server: server.url, 'certificate-authority-data': server.caData },
        },
      ],
      contexts: [{ name: 'eks', context: { cluster: 'eks', user: 'aws' } }],
      'current-context': 'eks',
      users: [
        {
          name: 'aws',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1beta1',
              command: 'aws',
              args: ['eks', 'get-token', '--cluster-name', CLUSTER, '--region', REGION],
              env: [
                ...Object.entries(keysOf(deploy)).map(([name, value]) => ({ name, value })),
                { name: 'AWS_CONFIG_FILE', value: join(home, 'none') },
                { name: 'AWS_SHARED_CREDENTIALS_FILE', value: join(home, 'none') },
              ],
              interactiveMode: 'Never',
            },
          },
        },
      ],
    });
    const result = await kubectl(['get', 'ns', '-o', 'name'], { kubeconfig, timeoutMs: 60_000 });
    expect(result.code, result.stderr + server.authFailures.join('\n')).toBe(0);
    expect(result.stdout).toContain('namespace/default');
    const entry = authenticator.accepted[accepted];
    expect(entry).toMatchObject({
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/ci-run-1`,
      principalArn: ROLE,
      username: USER,
      groups: ['deployers'],
      accessKeyId: deploy.AccessKeyId,
      parameters: AWS_CLI_PARAMETERS,
    });
    expect(server.requests.filter((r) => r.at >= (entry?.at ?? 0) - 60_000).at(-1)?.user).toBe(
      USER,
    );
  });

  it("the aws CLI's token: k8s-aws-v1. + base64url of the presigned public STS URL", async () => {
    const before = Date.now();
    const credential = await getToken(deploy);
    expect(credential.apiVersion).toBe('client.authentication.k8s.io/v1beta1');
    expect(credential.kind).toBe('ExecCredential');
    const { token, expirationTimestamp } = credential.status;
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = urlOf(token);
    const names = [...url.searchParams.keys()];
    // Printed for the eks-action helper, who compares its own token with it.
    console.log(`aws eks get-token URL parameters: ${names.join('&')}`);
    expect(names).toEqual(AWS_CLI_PARAMETERS);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(
      `https://sts.${REGION}.amazonaws.com/`,
    );
    const q = Object.fromEntries(url.searchParams);
    const day = (q['X-Amz-Date'] ?? '').slice(0, 8);
    expect(q).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${deploy.AccessKeyId}/${day}/${REGION}/sts/aws4_request`,
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Security-Token': deploy.SessionToken,
    });
    expect(q['X-Amz-Date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(q['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    // The reported expiry: 14 minutes after the signing time (second precision).
    const expiresIn = Date.parse(expirationTimestamp) - before;
    expect(expiresIn).toBeGreaterThan(14 * 60_000 - 2_000);
    expect(expiresIn).toBeLessThanOrEqual(14 * 60_000 + 60_000);
    const response = await probe(token);
    expect(response.status, response.reason).toBe(200);
  });

  it('refuses a tampered signature, a token for another cluster, and extra parameters', async () => {
    const { token } = (await getToken(deploy)).status;
    expect((await probe(token)).status).toBe(200);

    const tampered = urlOf(token);
    const signature = tampered.searchParams.get('X-Amz-Signature') ?? '';
    tampered.searchParams.set(
      'X-Amz-Signature',
      `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
    );
    const bad = await probe(tokenOf(tampered));
    expect(bad.status).toBe(401);
    expect(bad.body).toBe(UNAUTHORIZED_BODY);
    expect(bad.reason).toMatch(/SignatureDoesNotMatch/);

    const other = await probe((await getToken(deploy, {}, 'other-cluster')).status.token);
    expect(other.status).toBe(401);
    expect(other.reason).toMatch(/SignatureDoesNotMatch.*x-k8s-aws-id: demo/);

    const extra = urlOf(token);
    extra.searchParams.append('X-Amz-Extra', '1');
    const refused = await probe(tokenOf(extra));
    expect(refused.status).toBe(401);
    expect(refused.reason).toBe('non-whitelisted query parameter "X-Amz-Extra"');

    const padded = await probe(`${token}==`);
    expect(padded.status).toBe(401);
  });

  it('refuses a token minted with AWS_ENDPOINT_URL_STS elsewhere (the host check)', async () => {
    const credential = await getToken(deploy, {
      AWS_ENDPOINT_URL_STS: 'https://sts.internal.example.com',
    });
    const url = urlOf(credential.status.token);
    expect(url.host).toBe('sts.internal.example.com');
    const response = await probe(credential.status.token);
    expect(response.status).toBe(401);
    expect(response.reason).toBe(
      'unexpected hostname "sts.internal.example.com" in pre-signed URL',
    );

    const local = await getToken(deploy, { AWS_ENDPOINT_URL_STS: moto.url });
    expect(urlOf(local.status.token).origin).toBe(moto.url);
    const plain = await probe(local.status.token);
    expect(plain.status).toBe(401);
    expect(plain.reason).toBe('unexpected scheme "http" in pre-signed URL');
  });

  it('refuses an unmapped role with a plain 401 naming the role ARN (also through kubectl)', async () => {
    const other = await assume(`arn:aws:iam::${ACCOUNT}:role/other`, 'ci-run-2');
    const { token } = (await getToken(other)).status;
    const response = await probe(token);
    expect(response.status).toBe(401);
    expect(response.body).toBe(UNAUTHORIZED_BODY);
    expect(response.reason).toBe(
      `ARN is not mapped: arn:aws:iam::${ACCOUNT}:role/other (caller arn:aws:sts::${ACCOUNT}:assumed-role/other/ci-run-2) has no access entry`,
    );
    const result = await kubectl(['get', 'ns'], { kubeconfig: server.kubeconfig(token) });
    expect(result.code).not.toBe(0);
    expect(UNAUTHORIZED_MESSAGES).toContain(result.stderr.trim().split('\n').at(-1));

    // The entry is looked up per request: mapping the role lets the same token in.
    authenticator.accessEntries[`arn:aws:iam::${ACCOUNT}:role/other`] = { groups: ['viewers'] };
    try {
      server.authorize = () => true;
      const mapped = await probe(token);
      expect(mapped.status, mapped.reason).toBe(200);
      // EKS's default username for a role: the session ARN.
      expect(authenticator.accepted.at(-1)?.username).toBe(
        `arn:aws:sts::${ACCOUNT}:assumed-role/other/ci-run-2`,
      );
    } finally {
      delete authenticator.accessEntries[`arn:aws:iam::${ACCOUNT}:role/other`];
      server.authorize = (a) => a.user === USER;
    }
  });

  it('refuses a token past its validity (shortened to seconds)', async () => {
    authenticator.validitySeconds = 4;
    try {
      const { token } = (await getToken(deploy)).status;
      const fresh = await probe(token);
      expect(fresh.status, fresh.reason).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      const expired = await probe(token);
      expect(expired.status).toBe(401);
      expect(expired.reason).toMatch(
        /^X-Amz-Date parameter is expired \(4 s expiration\) \d{8}T\d{6}Z$/,
      );
    } finally {
      authenticator.validitySeconds = 900;
    }
  });

  it('accepts a token presigned with @smithy/signature-v4 (other parameter order), also for the global host', async () => {
    const token = await smithyToken(deploy);
    const names = [...urlOf(token).searchParams.keys()];
    expect([...names].sort()).toEqual([...AWS_CLI_PARAMETERS].sort());
    const response = await probe(token);
    expect(response.status, response.reason).toBe(200);
    expect(authenticator.accepted.at(-1)?.parameters).toEqual(names);

    const global = await probe(
      await smithyToken(deploy, { host: 'sts.amazonaws.com', region: 'us-east-1' }),
    );
    expect(global.status, global.reason).toBe(200);
    const dualstack = await probe(await smithyToken(deploy, { host: `sts.${REGION}.api.aws` }));
    expect(dualstack.status, dualstack.reason).toBe(200);

    // The scope's region must be the host's, as STS checks it.
    const scoped = await probe(
      await smithyToken(deploy, { host: `sts.${REGION}.amazonaws.com`, region: 'us-east-1' }),
    );
    expect(scoped.status).toBe(401);
    expect(scoped.reason).toMatch(/credential should be scoped to a valid region/);

    // STS hashes the empty body of the GET: UNSIGNED-PAYLOAD does not verify.
    const unsigned = await probe(await smithyToken(deploy, { payload: 'UNSIGNED-PAYLOAD' }));
    expect(unsigned.status).toBe(401);
    expect(unsigned.reason).toMatch(/signed with UNSIGNED-PAYLOAD/);
  });

  it('refuses a token signed with a secret moto did not issue for the key', async () => {
    const { token } = (
      await getToken(deploy, { AWS_SECRET_ACCESS_KEY: `x${deploy.SecretAccessKey.slice(1)}` })
    ).status;
    const response = await probe(token);
    expect(response.status).toBe(401);
    expect(response.reason).toMatch(/SignatureDoesNotMatch/);

    const unknown = await getToken(deploy, { AWS_ACCESS_KEY_ID: 'ASIAUNKNOWNKEY000000' });
    const refused = await probe(unknown.status.token);
    expect(refused.status).toBe(401);
    expect(refused.reason).toBe('STS: the access key ASIAUNKNOWNKEY000000 was not issued (moto)');
  });
});

describe('`aws eks describe-cluster` against the EKS front', () => {
  let deploy: Credentials;
  beforeAll(async () => {
    deploy = await assume(ROLE, 'ci-run-3');
  });
  const describeCluster = (name: string, env: Record<string, string> = {}) =>
    aws(
      [
        'eks',
        'describe-cluster',
        '--name',
        name,
        '--endpoint-url',
        front.url,
        '--region',
        REGION,
        '--output',
        'json',
      ],
      { ...keysOf(deploy), ...env },
    );

  it("answers with moto's cluster and the test API server's endpoint and CA", async () => {
    const before = front.requests.length;
    const result = await describeCluster(CLUSTER);
    expect(result.code, result.stderr).toBe(0);
    const { cluster } = JSON.parse(result.stdout) as {
      cluster: {
        name: string;
        arn: string;
        endpoint: string;
        status: string;
        certificateAuthority: { data: string };
      };
    };
    expect(cluster.name).toBe(CLUSTER);
    expect(cluster.arn).toBe(`arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`);
    expect(front.clusterArn(CLUSTER)).toBe(cluster.arn);
    expect(cluster.status).toBe('ACTIVE');
    expect(cluster.endpoint).toBe(server.url);
    expect(cluster.certificateAuthority.data).toBe(server.caData);
    expect(Buffer.from(cluster.certificateAuthority.data, 'base64').toString()).toContain(
      '-----BEGIN CERTIFICATE-----',
    );
    expect(front.requests.slice(before)).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: `/clusters/${CLUSTER}`,
        cluster: CLUSTER,
        accessKeyId: deploy.AccessKeyId,
        callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/ci-run-3`,
        region: REGION,
        service: 'eks',
        status: 200,
      }),
    ]);
  });

  it("a missing cluster is ResourceNotFoundException, in moto's words", async () => {
    const result = await describeCluster('nope');
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe(
      'An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: nope.',
    );
    expect(front.requests.at(-1)).toMatchObject({
      status: 404,
      errorType: 'ResourceNotFoundException',
    });
  });

  it('a denied caller is AccessDeniedException naming the caller, the action and the cluster', async () => {
    front.deny = (caller) => caller.principalArn === ROLE && caller.cluster === CLUSTER;
    try {
      const result = await describeCluster(CLUSTER);
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim()).toBe(
        `An error occurred (AccessDeniedException) when calling the DescribeCluster operation: User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/ci-run-3 is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER} because no identity-based policy allows the eks:DescribeCluster action`,
      );
      expect(front.requests.at(-1)).toMatchObject({
        status: 403,
        errorType: 'AccessDeniedException',
      });
    } finally {
      front.deny = () => false;
    }
  });

  it('an unsigned request is MissingAuthenticationTokenException', async () => {
    const response = await fetch(`${front.url}/clusters/${CLUSTER}`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('a bad signature is InvalidSignatureException; an unknown key UnrecognizedClientException', async () => {
    const bad = await describeCluster(CLUSTER, { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe(
      'An error occurred (InvalidSignatureException) when calling the DescribeCluster operation: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
    expect(front.signatureFailures.at(-1)).toMatch(/^signature mismatch for ASIA/);

    const unknown = await describeCluster(CLUSTER, { AWS_ACCESS_KEY_ID: 'ASIAUNKNOWNKEY000000' });
    expect(unknown.stderr.trim()).toBe(
      'An error occurred (UnrecognizedClientException) when calling the DescribeCluster operation: The security token included in the request is invalid.',
    );

    const region = await aws(
      [
        'eks',
        'describe-cluster',
        '--name',
        CLUSTER,
        '--endpoint-url',
        front.url,
        '--region',
        'us-west-2',
      ],
      keysOf(deploy),
    );
    expect(region.stderr).toContain('(InvalidSignatureException)');
    expect(region.stderr).toContain('Credential should be scoped to a valid region.');
  });
});

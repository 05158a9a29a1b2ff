// aws mode end to end: the bundled action against the local issuer and a real STS peer (moto),
// then the real aws CLI with what it exported; refusals from the test STS; bad inputs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { startMoto, type Moto } from '../fixtures/moto.js';
import { policiesIn, startSts, type TestSts } from '../fixtures/sts.js';
import { findLeaks, jwtSecrets, maskedValues } from '../helpers/leaks.js';
import {
  DIST,
  ROOT,
  errorAnnotations,
  runAction,
  runPost,
  type RunResult,
} from '../helpers/runner.js';
import { AWS_VARIABLES } from '../../src/aws/report.js';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const SESSION = 'oidc-deploy-org-app-42'; // GITHUB_REPOSITORY org/app, GITHUB_RUN_ID 42 (runner.ts)
const run = promisify(execFile);

/** `aws sts get-caller-identity` with only the variables the action exported. */
async function callerIdentity(
  result: RunResult,
  endpoint: string,
): Promise<{ Arn: string; Account: string }> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: result.dirs.home,
    AWS_CONFIG_FILE: join(result.dirs.home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(result.dirs.home, 'none'),
  };
  for (const name of AWS_VARIABLES) env[name] = result.exported[name] ?? '';
  const { stdout } = await run(
    'aws',
    ['--endpoint-url', endpoint, 'sts', 'get-caller-identity', '--output', 'json'],
    { env },
  );
  return JSON.parse(stdout) as { Arn: string; Account: string };
}

function secretsOf(result: RunResult): string[] {
  return [
    result.exported['AWS_SECRET_ACCESS_KEY'] ?? '',
    result.exported['AWS_SESSION_TOKEN'] ?? '',
  ];
}

describe('aws mode against moto', () => {
  let issuer: Issuer;
  let moto: Moto;
  beforeAll(async () => {
    [issuer, moto] = await Promise.all([startIssuer({ shape: 'forgejo' }), startMoto()]);
  });
  afterAll(async () => {
    await Promise.all([issuer?.close(), moto?.stop()]);
  });

  it('exports credentials the aws CLI accepts, with sts-endpoint; post clears them', async () => {
    const before = issuer.issued.length;
    const main = await runAction({
      inputs: { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'sts-endpoint': moto.url },
      env: issuer.env(),
    });
    expect(main.code, main.stdout + main.stderr).toBe(0);
    expect(issuer.requests.at(-1)?.audience).toBe('sts.amazonaws.com');
    const token = issuer.issued[before] as string;

    const assumedArn = `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/${SESSION}`;
    expect(main.outputs['aws-account-id']).toBe(ACCOUNT);
    expect(main.outputs['aws-role-arn']).toBe(assumedArn);
    const expiresIn = Date.parse(main.outputs['aws-expiration'] ?? '') - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    for (const name of ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'])
      expect(main.outputs[name]).toBeUndefined();
    expect(main.exported['AWS_REGION']).toBe('eu-west-1');
    expect(main.exported['AWS_DEFAULT_REGION']).toBe('eu-west-1');
    expect(main.exported['AWS_ACCESS_KEY_ID']).toMatch(/^ASIA/);

    // The exported variables are working credentials for the assumed role.
    const identity = await callerIdentity(main, moto.url);
    expect(identity.Arn).toBe(assumedArn);
    expect(identity.Account).toBe(ACCOUNT);

    const masks = maskedValues(main);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      expect(masks).toContain(main.exported[name]);
    expect(
      findLeaks(main, [...secretsOf(main), ...jwtSecrets(token), issuer.requestToken], {
        exported: ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
      }),
    ).toEqual([]);
    expect(main.summary).toContain(`| role | ${assumedArn} |`);
    expect(main.summary).toContain(`| session name | ${SESSION} |`);
    expect(main.summary).toContain(`| account | ${ACCOUNT} |`);
    expect(main.summary).toContain(`| expires | ${main.outputs['aws-expiration']} |`);

    const post = await runPost(main);
    expect(post.code, post.stdout).toBe(0);
    // Every AWS_ variable main exported, found from main's own exports (not src's list).
    const exportedAws = Object.keys(main.exported).filter((n) => n.startsWith('AWS_'));
    expect(exportedAws.sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_DEFAULT_REGION',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
    ]);
    for (const name of exportedAws) expect(post.exported[name], name).toBe('');
    expect(post.stdout).toContain('Cleared the exported AWS credentials');
  });

  it('honours AWS_ENDPOINT_URL_STS, output-credentials, the session name and mask-aws-account-id', async () => {
    const main = await runAction({
      inputs: {
        'role-to-assume': ROLE,
        'aws-region': 'us-east-2',
        'role-session-name': 'release-7',
        'role-duration-seconds': '900',
        'output-credentials': 'true',
        'mask-aws-account-id': 'true',
      },
      env: { ...issuer.env(), AWS_ENDPOINT_URL_STS: moto.url },
    });
    expect(main.code, main.stdout + main.stderr).toBe(0);
    const assumedArn = `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/release-7`;
    expect(main.outputs['aws-role-arn']).toBe(assumedArn);
    expect(main.outputs['aws-access-key-id']).toBe(main.exported['AWS_ACCESS_KEY_ID']);
    expect(main.outputs['aws-secret-access-key']).toBe(main.exported['AWS_SECRET_ACCESS_KEY']);
    expect(main.outputs['aws-session-token']).toBe(main.exported['AWS_SESSION_TOKEN']);
    expect(Date.parse(main.outputs['aws-expiration'] ?? '') - Date.now()).toBeLessThanOrEqual(
      900_000,
    );
    expect((await callerIdentity(main, moto.url)).Arn).toBe(assumedArn);
    expect(
      findLeaks(main, secretsOf(main), {
        exported: ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
        outputs: ['aws-secret-access-key', 'aws-session-token'],
      }),
    ).toEqual([]);
    // The account id is masked before the first line that names it, and the summary hides it.
    const maskAt = main.stdout.indexOf(`::add-mask::${ACCOUNT}`);
    expect(maskAt).toBeGreaterThanOrEqual(0);
    const firstUse = main.stdout
      .split('\n')
      .findIndex((l) => l.includes(ACCOUNT) && !l.startsWith('::add-mask::'));
    expect(main.stdout.slice(0, maskAt).split('\n').length - 1).toBeLessThan(firstUse);
    expect(main.summary).not.toContain(ACCOUNT);
    expect(main.summary).toContain('| account | *** |');
  });

  // `npm test` provides Node 24 (runs.using: node24); Node 20 is what the other tests use.
  it.skipIf(!process.env['OIDC_DEPLOY_NODE24'])('runs the same on Node 24', async () => {
    const main = await runAction({
      node: process.env['OIDC_DEPLOY_NODE24'],
      inputs: { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'sts-endpoint': moto.url },
      env: issuer.env(),
    });
    expect(main.code, main.stdout + main.stderr).toBe(0);
    expect((await callerIdentity(main, moto.url)).Arn).toBe(main.outputs['aws-role-arn']);
  });

  it('never loads the Kubernetes client: the chunks an aws run loads hold none of its code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oidc-deploy-loads-'));
    const file = join(dir, 'loads.txt');
    try {
      const main = await runAction({
        inputs: { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'sts-endpoint': moto.url },
        env: {
          ...issuer.env(),
          NODE_OPTIONS: `--import=${join(ROOT, '__tests__', 'fixtures', 'record-loads.mjs')}`,
          RECORD_LOADS_FILE: file,
        },
      });
      expect(main.code, main.stdout + main.stderr).toBe(0);
      const loaded = readFileSync(file, 'utf8')
        .split('\n')
        .filter((u) => u.startsWith('file:'))
        .map((u) => new URL(u).pathname);
      const fromDist = loaded
        .filter((p) => p.startsWith(`${DIST}/`))
        .map((p) => p.slice(DIST.length + 1));
      // The recorder works: it saw the entry and the aws chunk (the one with runAws).
      expect(fromDist).toContain('index.js');
      const chunks = fromDist.filter((f) => f !== 'index.js');
      expect(
        chunks.some((f) =>
          readFileSync(join(DIST, f), 'utf8').includes('AssumeRoleWithWebIdentity'),
        ),
      ).toBe(true);
      for (const f of fromDist) {
        const code = readFileSync(join(DIST, f), 'utf8');
        for (const signature of CLIENT_NODE_SIGNATURES)
          expect(code, `${f} holds ${signature}`).not.toContain(signature);
      }
      // Everything loaded is the bundle: no module resolved from node_modules at run time.
      expect(loaded.filter((p) => !p.startsWith(`${DIST}/`))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * String literals of @kubernetes/client-node that survive minification: KubeConfig's errors
 * and a generated API path. The first test below proves they really are in the package.
 */
const CLIENT_NODE_SIGNATURES = [
  'No active cluster!',
  'HTTP protocol is not allowed when skipTLSVerify is not set or false',
  '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
];

describe('the Kubernetes client signatures', () => {
  it('are each found in @kubernetes/client-node', () => {
    const dist = join(ROOT, 'node_modules', '@kubernetes', 'client-node', 'dist');
    const sources = [join(dist, 'config.js'), join(dist, 'gen', 'apis', 'AppsV1Api.js')].map((f) =>
      readFileSync(f, 'utf8'),
    );
    for (const signature of CLIENT_NODE_SIGNATURES)
      expect(
        sources.some((s) => s.includes(signature)),
        signature,
      ).toBe(true);
    expect(readdirSync(DIST)).toContain('index.js');
  });
});

describe('aws mode against the test STS', () => {
  let issuer: Issuer;
  let sts: TestSts;
  beforeAll(async () => {
    [issuer, sts] = await Promise.all([startIssuer({ shape: 'forgejo' }), startSts()]);
  });
  afterAll(async () => {
    await Promise.all([issuer?.close(), sts?.close()]);
  });
  beforeEach(() => {
    sts.faults.length = 0;
    sts.always = undefined;
  });

  async function assume(inputs: Record<string, string> = {}) {
    const requestsBefore = sts.requests.length;
    const tokensBefore = issuer.issued.length;
    const result = await runAction({
      inputs: {
        'role-to-assume': ROLE,
        'aws-region': 'eu-west-1',
        'sts-endpoint': sts.url,
        ...inputs,
      },
      env: issuer.env(),
    });
    return {
      result,
      attempts: sts.requests.length - requestsBefore,
      sent: sts.requests.slice(requestsBefore),
      tokens: issuer.issued.slice(tokensBefore),
    };
  }

  it('AccessDenied: one attempt, exit 1, the token claims and a trust policy that admits it', async () => {
    sts.always = { code: 'AccessDenied' };
    const { result, attempts, tokens } = await assume();
    expect(result.code).toBe(1);
    expect(attempts).toBe(1);
    const errors = errorAnnotations(result);
    expect(errors).toHaveLength(1);
    const error = errors[0] as string;
    expect(error).toMatch(
      /^Input "role-to-assume": role arn:aws:iam::111122223333:role\/deploy does not trust this ID token \(STS: AccessDenied/,
    );
    const provider = issuer.issuer.replace('http://', '');
    expect(error).toContain(`iss  ${issuer.issuer}`);
    expect(error).toContain('aud  sts.amazonaws.com');
    expect(error).toContain(`sub  ${issuer.subject}`);
    const [exact, branches] = policiesIn(error);
    expect(exact?.Statement[0]?.Principal.Federated).toBe(
      `arn:aws:iam::${ACCOUNT}:oidc-provider/${provider}`,
    );
    expect(exact?.Statement[0]?.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(exact?.Statement[0]?.Condition).toEqual({
      StringEquals: {
        [`${provider}:aud`]: 'sts.amazonaws.com',
        [`${provider}:sub`]: issuer.subject,
      },
    });
    expect(branches?.Statement[0]?.Condition).toEqual({
      StringEquals: { [`${provider}:aud`]: 'sts.amazonaws.com' },
      StringLike: { [`${provider}:sub`]: 'repo:org/app:ref:refs/heads/*' },
    });
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    expect(findLeaks(result, jwtSecrets(tokens[0] as string))).toEqual([]);
    expect(result.exported).toEqual({});
  });

  it('InvalidIdentityToken: one attempt, says which OIDC provider to create', async () => {
    sts.always = {
      code: 'InvalidIdentityToken',
      message: `No OpenIDConnect provider found in your account for ${issuer.issuer}`,
    };
    const { result, attempts } = await assume();
    expect(result.code).toBe(1);
    expect(attempts).toBe(1);
    const errors = errorAnnotations(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      `AWS account ${ACCOUNT} does not accept ID tokens from ${issuer.issuer}`,
    );
    expect(errors[0]).toContain(
      `aws iam create-open-id-connect-provider --url ${issuer.issuer} --client-id-list sts.amazonaws.com`,
    );
    expect(errors[0]).toContain("Forgejo's provider URL is https://HOST/api/actions");
  });

  it('ExpiredTokenException: requests a fresh ID token once and succeeds with it', async () => {
    sts.faults.push({ code: 'ExpiredTokenException' });
    const { result, attempts, sent, tokens } = await assume();
    expect(result.code, result.stdout).toBe(0);
    expect(attempts).toBe(2);
    expect(tokens).toHaveLength(2);
    expect(sent.map((r) => r.params.get('WebIdentityToken'))).toEqual(tokens);
    expect(result.stdout).toContain('STS says the ID token expired; requesting a fresh one');
    expect(
      findLeaks(result, [...tokens.flatMap(jwtSecrets), ...secretsOf(result)], {
        exported: ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
      }),
    ).toEqual([]);
  });

  it('Throttling twice, then an HTML 500: retried, then succeeds', async () => {
    sts.faults.push({ code: 'Throttling' }, { code: 'Throttling' }, { kind: 'html500' });
    const { result, attempts } = await assume();
    expect(result.code, result.stdout).toBe(0);
    expect(attempts).toBe(4);
    expect(result.stdout).toMatch(
      /Throttling: Rate exceeded; retrying in \d+ ms \(attempt 2 of 5\)/,
    );
    expect(result.stdout).toMatch(/STS answered HTTP 500 .*retrying in/);
    expect(result.outputs['aws-role-arn']).toBe(sts.issued.at(-1)?.assumedRoleArn);
  });

  it('Throttling without end: gives up after 5 attempts, exit 1', async () => {
    sts.always = { code: 'Throttling' };
    const { result, attempts } = await assume();
    expect(result.code).toBe(1);
    expect(attempts).toBe(5);
    expect(errorAnnotations(result)[0]).toMatch(
      /^STS kept throttling the request \(.*; 5 attempts\)\./,
    );
  });

  it('a stalled STS ends by the default 20 s deadline with exit 1', async () => {
    sts.always = { kind: 'stall' };
    const { result, attempts } = await assume();
    expect(result.code).toBe(1);
    expect(attempts).toBeGreaterThanOrEqual(2);
    const errors = errorAnnotations(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^STS AssumeRoleWithWebIdentity at http:\/\/127\.0\.0\.1:\d+\/ failed: no answer within/,
    );
    expect(result.seconds).toBeGreaterThan(19);
    expect(result.seconds).toBeLessThan(23);
  }, 40_000);

  it.each([
    ['role-to-assume', { 'role-to-assume': 'arn:aws:iam::12345:role/deploy' }],
    ['aws-region', { 'aws-region': 'Europe' }],
    ['role-duration-seconds', { 'role-duration-seconds': '60' }],
    ['role-session-name', { 'role-session-name': 'no spaces allowed' }],
    ['chainguard-identity', { 'chainguard-identity': 'a'.repeat(40) }],
    ['aws-region', { 'aws-region': 'cn-north-1' }], // an aws-partition ARN in a China region
    ['sts-endpoint', { 'sts-endpoint': 'http://sts.example.com' }],
  ])('bad %s: exit 1, one error naming it, nothing requested', async (name, inputs) => {
    const tokenRequests = issuer.requests.length;
    const { result, attempts } = await assume(inputs);
    expect(result.code).toBe(1);
    const errors = errorAnnotations(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`"${name}"`);
    expect(attempts).toBe(0);
    expect(issuer.requests.length).toBe(tokenRequests);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActionError } from '../../src/errors.js';
import {
  defaultSessionName,
  parseImages,
  parseWorkloads,
  partitionOf,
  readSettings,
  type AwsSettings,
  type ChainguardSettings,
  type KubernetesSettings,
} from '../../src/inputs.js';

const KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n';
const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const IDENTITY = 'a'.repeat(40) + '/' + 'b'.repeat(16);

/** Sets INPUT_* as a runner does (upper case, hyphens kept) and reads the settings. */
function settingsFor(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  for (const [name, value] of Object.entries(inputs))
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, value);
  return readSettings(env);
}

function errorFor(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): ActionError {
  try {
    settingsFor(inputs, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ActionError);
    return error as ActionError;
  }
  throw new Error('readSettings accepted the inputs');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('mode', () => {
  it.each([
    [{ mode: 'token' }, 'token'],
    [{ mode: 'TOKEN' }, 'token'],
    [{ kubeconfig: KUBECONFIG }, 'kubernetes'],
    [{ server: 'https://k8s.example:6443' }, 'kubernetes'],
    [{ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' }, 'aws'],
    [{ 'chainguard-identity': IDENTITY }, 'chainguard'],
  ])('%j picks %s', (inputs, mode) => {
    expect(settingsFor(inputs).mode).toBe(mode);
  });

  it.each([
    [{}, 'Input "mode" is empty and no input picks one'],
    [{ mode: 'gcp' }, 'Input "mode" is "gcp", which is not a mode'],
    [
      { 'role-to-assume': ROLE, 'chainguard-identity': IDENTITY },
      '"role-to-assume" (aws mode) and "chainguard-identity" (chainguard mode)',
    ],
    [
      { kubeconfig: KUBECONFIG, 'role-to-assume': ROLE },
      '"role-to-assume" (aws mode) and "kubeconfig" (kubernetes mode)',
    ],
    [{ mode: 'token', workloads: 'web' }, 'Input "workloads" does not apply to token mode'],
    [
      { mode: 'aws', 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', kubeconfig: KUBECONFIG },
      '"kubeconfig" does not apply to aws mode',
    ],
  ])('%j is refused: %s', (inputs, message) => {
    expect(errorFor(inputs).message).toContain(message);
  });
});

describe('common inputs', () => {
  it.each([
    ['show-claims', 'yes', 'Input "show-claims" is "yes", which is not a boolean'],
    ['verify-token', 'on', 'Input "verify-token" is "on", which is not a boolean'],
    ['audience', 'a\nb', 'Input "audience" contains a line break'],
    ['audience', 'x'.repeat(513), 'Input "audience" is longer than 512 characters'],
  ])('%s=%j is refused', (name, value, message) => {
    expect(errorFor({ mode: 'token', [name]: value }).message).toContain(message);
  });

  it('empty booleans take the action.yml defaults', () => {
    const s = settingsFor({ mode: 'token', 'show-claims': '', 'verify-token': '' });
    expect(s.showClaims).toBe(true);
    expect(s.verifyToken).toBe(false);
  });

  it.each([
    ['token', { mode: 'token' }, undefined],
    ['aws', { 'role-to-assume': ROLE, 'aws-region': 'us-east-1' }, 'sts.amazonaws.com'],
    ['chainguard', { 'chainguard-identity': IDENTITY }, 'issuer.enforce.dev'],
    ['kubernetes', { kubeconfig: KUBECONFIG }, undefined],
  ])('%s mode requests audience %s by default', (_mode, inputs, audience) => {
    expect(settingsFor(inputs).audience).toBe(audience);
  });
});

describe('kubernetes inputs', () => {
  const kube = (extra: Record<string, string>) =>
    settingsFor({ kubeconfig: KUBECONFIG, ...extra }) as KubernetesSettings;

  it('reads defaults', () => {
    const s = kube({});
    expect(s).toMatchObject({
      mode: 'kubernetes',
      source: { kind: 'kubeconfig', text: KUBECONFIG },
      workloads: [],
      images: [],
      credentials: 'refresh',
      rolloutTimeoutMs: 300_000,
      rollbackOnFailure: false,
      insecureSkipTlsVerify: false,
    });
  });

  it('builds from server and CA', () => {
    const ca = Buffer.from(
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    ).toString('base64');
    const s = settingsFor({
      server: 'https://k8s.example:6443/',
      'certificate-authority-data': ca,
    }) as KubernetesSettings;
    expect(s.source).toEqual({
      kind: 'server',
      server: 'https://k8s.example:6443',
      certificateAuthorityData: ca,
    });
  });

  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['250ms', 250],
  ])('rollout-timeout %s is %d ms', (text, ms) => {
    expect(
      kube({ 'rollout-timeout': text, workloads: 'web', images: 'web=nginx' }).rolloutTimeoutMs,
    ).toBe(ms);
  });

  it.each([
    [
      { 'rollout-timeout': '5 minutes' },
      'Input "rollout-timeout" is "5 minutes", which is not a duration',
    ],
    [{ 'rollout-timeout': '-5m' }, 'not a duration'],
    [{ 'rollout-timeout': '7h' }, 'longer than 6h'],
    [{ workloads: 'web' }, 'Input "workloads" was given without "images"'],
    [{ images: 'web=nginx' }, 'Input "images" was given without "workloads"'],
    [{ namespace: 'Demo' }, 'Input "namespace" is "Demo"'],
    [{ 'kubeconfig-credentials': 'dynamic' }, 'Input "kubeconfig-credentials" is "dynamic"'],
    [{ server: 'https://x' }, 'Inputs "kubeconfig" and "server" were both given'],
    [{ 'certificate-authority-data': 'abc' }, '"certificate-authority-data" goes with "server"'],
    [{ 'insecure-skip-tls-verify': 'maybe' }, 'Input "insecure-skip-tls-verify"'],
    [{ context: 'a\nb' }, 'Input "context" contains a line break'],
  ])('%j is refused: %s', (extra, message) => {
    expect(errorFor({ kubeconfig: KUBECONFIG, ...extra }).message).toContain(message);
  });

  it.each([
    [{ server: 'http://k8s.example' }, 'Input "server" uses http, not https'],
    [{ server: 'not a url' }, 'Input "server" is not a URL'],
    [{ server: 'https://user:pw@k8s.example' }, 'must not carry a user name or password'],
    [
      { server: 'https://k8s.example', 'certificate-authority-data': 'bm90IGEgY2VydA==' },
      'is not base64 of a PEM certificate',
    ],
  ])('server inputs %j are refused: %s', (inputs, message) => {
    expect(errorFor(inputs).message).toContain(message);
  });

  it('refuses a kubeconfig over 1 MiB', () => {
    expect(errorFor({ kubeconfig: 'a: b\n'.repeat(300_000) }).message).toContain(
      'larger than 1 MiB',
    );
  });
});

describe('parseWorkloads', () => {
  it.each([
    ['web', { kind: 'deployment', name: 'web' }],
    ['deployment/web', { kind: 'deployment', name: 'web' }],
    ['deploy/web', { kind: 'deployment', name: 'web' }],
    ['Deployment.apps/web', { kind: 'deployment', name: 'web' }],
    ['statefulset/db', { kind: 'statefulset', name: 'db' }],
    ['sts/db', { kind: 'statefulset', name: 'db' }],
    ['daemonset/agent', { kind: 'daemonset', name: 'agent' }],
    ['ds/agent.v2', { kind: 'daemonset', name: 'agent.v2' }],
  ])('%s', (line, ref) => {
    expect(parseWorkloads([line])).toEqual([ref]);
  });

  it('skips blank and comment lines', () => {
    expect(parseWorkloads(['', '# web', ' web '])).toEqual([{ kind: 'deployment', name: 'web' }]);
  });

  it.each([
    [['pod/web'], 'kind "pod" is not deployment, statefulset or daemonset'],
    [['deployment/Web'], '"Web" is not a valid object name'],
    [['deployment/web;rm -rf /'], 'is not a valid object name'],
    [['deployment/'], '"" is not a valid object name'],
    [['web', 'deployment/web'], 'is listed twice'],
    [['pod/a', 'job/b'], '2 bad lines'],
  ])('%j is refused: %s', (lines, message) => {
    expect(() => parseWorkloads(lines)).toThrow(message);
  });
});

describe('parseImages', () => {
  it.each([
    ['web=nginx', { container: 'web', image: 'nginx' }],
    ['web = nginx:1.27', { container: 'web', image: 'nginx:1.27' }],
    [
      '*=registry.example:5000/team/app@sha256:' + 'a'.repeat(64),
      { container: '*', image: 'registry.example:5000/team/app@sha256:' + 'a'.repeat(64) },
    ],
    ['app=ghcr.io/org/app:v1.2.3-rc.1', { container: 'app', image: 'ghcr.io/org/app:v1.2.3-rc.1' }],
    ['app=localhost/app_x__y', { container: 'app', image: 'localhost/app_x__y' }],
  ])('%s', (line, assignment) => {
    expect(parseImages([line])).toEqual([assignment]);
  });

  it.each([
    [['nginx'], 'is not container=image'],
    [['=nginx'], 'is not container=image'],
    [['Web=nginx'], '"Web" is not a valid container name'],
    [['web=nginx;curl evil'], 'is not an image reference'],
    [['web=$(id)'], 'is not an image reference'],
    [['web=nginx latest'], 'is not an image reference'],
    [['web=NGINX'], 'is not an image reference'],
    [['web=nginx', 'web=redis'], 'container "web" is given twice'],
    [['*=nginx', 'web=redis'], 'cannot be mixed with named containers'],
  ])('%j is refused: %s', (lines, message) => {
    expect(() => parseImages(lines)).toThrow(message);
  });
});

describe('aws inputs', () => {
  const aws = (extra: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
    settingsFor(
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', ...extra },
      env,
    ) as AwsSettings;

  it('reads the role, account, partition and defaults', () => {
    expect(aws({}, { GITHUB_REPOSITORY: 'org/app', GITHUB_RUN_ID: '42' })).toMatchObject({
      roleArn: ROLE,
      accountId: '123456789012',
      partition: 'aws',
      region: 'eu-west-1',
      durationSeconds: 3600,
      roleSessionName: 'oidc-deploy-org-app-42',
      stsEndpoint: undefined,
    });
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_STS unless the input is set', () => {
    expect(aws({}, { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:5000' }).stsEndpoint).toBe(
      'http://127.0.0.1:5000',
    );
    expect(
      aws(
        { 'sts-endpoint': 'https://sts.vpce.example' },
        { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:5000' },
      ).stsEndpoint,
    ).toBe('https://sts.vpce.example');
  });

  it('accepts a China role in a China region', () => {
    expect(
      aws({
        'role-to-assume': 'arn:aws-cn:iam::123456789012:role/path/to/deploy',
        'aws-region': 'cn-north-1',
      }).partition,
    ).toBe('aws-cn');
  });

  it.each([
    [
      { 'role-to-assume': 'deploy' },
      'Input "role-to-assume" is "deploy", which is not an IAM role ARN',
    ],
    [{ 'role-to-assume': 'arn:aws:iam::12345:role/x' }, 'not an IAM role ARN'],
    [{ 'role-to-assume': 'arn:aws:iam::123456789012:user/x' }, 'not an IAM role ARN'],
    [{ 'aws-region': '' }, 'AWS mode needs input "aws-region"'],
    [{ 'aws-region': 'europe' }, 'Input "aws-region" is "europe"'],
    [
      { 'aws-region': 'cn-north-1' },
      'is in partition aws, but "aws-region" cn-north-1 is in aws-cn',
    ],
    [{ 'role-duration-seconds': '899' }, 'Input "role-duration-seconds" is "899"'],
    [{ 'role-duration-seconds': '43201' }, 'from 900 to 43200'],
    [{ 'role-duration-seconds': '1e4' }, 'from 900 to 43200'],
    [{ 'role-session-name': 'a' }, 'Input "role-session-name" is "a"'],
    [{ 'role-session-name': 'has space' }, 'Input "role-session-name"'],
    [{ 'sts-endpoint': 'http://sts.example.com' }, 'Input "sts-endpoint" must be an https:// URL'],
    [
      { 'sts-endpoint': 'https://sts.example.com/?x=1' },
      'must not carry credentials, a query or a fragment',
    ],
  ])('%j is refused: %s', (extra, message) => {
    expect(
      errorFor({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', ...extra }).message,
    ).toContain(message);
  });

  it('names AWS_ENDPOINT_URL_STS when that is the bad one', () => {
    expect(
      errorFor(
        { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' },
        { AWS_ENDPOINT_URL_STS: 'ftp://x' },
      ).message,
    ).toContain('Environment variable AWS_ENDPOINT_URL_STS');
  });

  it.each([
    ['us-east-1', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
  ])('region %s is in partition %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });

  it.each([
    [{ GITHUB_REPOSITORY: 'org/app', GITHUB_RUN_ID: '42' }, 'oidc-deploy-org-app-42'],
    [{}, 'oidc-deploy'],
    [
      { GITHUB_REPOSITORY: 'o/' + 'x'.repeat(80), GITHUB_RUN_ID: '123456789' },
      /^oidc-deploy-o-x+-123456789$/,
    ],
    [
      { GITHUB_REPOSITORY: 'org/app with spaces', GITHUB_RUN_ID: '1' },
      'oidc-deploy-org-app-with-spaces-1',
    ],
  ])('default session name for %j', (env, expected) => {
    const name = defaultSessionName(env);
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    if (typeof expected === 'string') expect(name).toBe(expected);
    else expect(name).toMatch(expected);
  });
});

describe('chainguard inputs', () => {
  it('reads the identity and defaults', () => {
    expect(settingsFor({ 'chainguard-identity': IDENTITY }) as ChainguardSettings).toMatchObject({
      identity: IDENTITY,
      issuer: 'https://issuer.enforce.dev',
      chainguardAudience: 'cgr.dev',
      registryLogin: true,
    });
  });

  it.each([
    [
      { 'chainguard-identity': 'abc' },
      'Input "chainguard-identity" is "abc", which is not an identity id',
    ],
    [{ 'chainguard-identity': 'A'.repeat(40) }, 'not an identity id'],
    [
      { 'chainguard-identity': IDENTITY, 'chainguard-issuer': 'http://issuer.example' },
      'Input "chainguard-issuer" must be an https:// URL',
    ],
    [
      { 'chainguard-identity': IDENTITY, 'chainguard-audience': 'cgr.dev extra' },
      'Input "chainguard-audience" must not contain spaces',
    ],
    [{ 'chainguard-identity': IDENTITY, 'registry-login': 'sure' }, 'Input "registry-login"'],
  ])('%j is refused: %s', (inputs, message) => {
    expect(errorFor(inputs).message).toContain(message);
  });
});

describe('plain http only on loopback (parsed as an address, never a text prefix)', () => {
  const cases: Array<[string, boolean]> = [
    ['http://127.0.0.1:5000', true],
    ['http://127.1.2.3', true],
    ['http://127.255.255.254:1', true],
    ['http://127.1', true], // the URL parser reads it as 127.0.0.1
    ['http://2130706433', true], // 127.0.0.1 as one number
    ['http://localhost:8080', true],
    ['http://LOCALHOST', true],
    ['http://[::1]:5000', true],
    ['http://[0:0:0:0:0:0:0:1]', true],
    ['http://[::ffff:127.0.0.1]', true],
    ['http://127.attacker.example', false],
    ['http://127.0.0.1.nip.io', false],
    ['http://127.0.0.1x', false],
    ['http://localhost.attacker.example', false],
    ['http://foo.localhost', false],
    ['http://128.0.0.1', false],
    ['http://10.0.0.1', false],
    ['http://[::2]', false],
    ['http://[::ffff:10.0.0.1]', false],
    ['https://127.attacker.example', true], // https is fine anywhere
  ];

  it.each(cases)('sts-endpoint %s accepted: %s', (url, accepted) => {
    const read = () =>
      settingsFor({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'sts-endpoint': url });
    if (accepted) expect(read()).toMatchObject({ mode: 'aws' });
    else expect(read).toThrow('Input "sts-endpoint" must be an https:// URL');
  });

  it.each(cases)('chainguard-issuer %s accepted: %s', (url, accepted) => {
    const read = () =>
      settingsFor({
        mode: 'chainguard',
        'chainguard-identity': IDENTITY,
        'chainguard-issuer': url,
      });
    if (accepted) expect(read()).toMatchObject({ mode: 'chainguard' });
    else expect(read).toThrow('Input "chainguard-issuer" must be an https:// URL');
  });

  it.each(cases)('AWS_ENDPOINT_URL_STS %s accepted: %s', (url, accepted) => {
    const read = () =>
      settingsFor(
        { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' },
        {
          AWS_ENDPOINT_URL_STS: url,
        },
      );
    if (accepted) expect(read()).toMatchObject({ mode: 'aws' });
    else expect(read).toThrow('Environment variable AWS_ENDPOINT_URL_STS must be an https:// URL');
  });
});

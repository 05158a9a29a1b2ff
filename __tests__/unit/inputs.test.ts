import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActionError } from '../../src/base/errors.js';
import { parseImageReference } from '../../src/kubernetes/image-reference.js';
import { readSettings } from '../../src/action/inputs.js';
import { defaultSessionName, partitionOf } from '../../src/aws/settings.js';
import { parseImages, parseWorkloads } from '../../src/kubernetes/workloads/refs.js';
import type { AwsSettings } from '../../src/modes/aws/index.js';
import type { ChainguardSettings } from '../../src/modes/chainguard/index.js';
import type { KubernetesSettings } from '../../src/modes/kubernetes/settings.js';

const KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n';
const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const IDENTITY = 'a'.repeat(40) + '/' + 'b'.repeat(16);

/** Sets INPUT_* as a runner does (upper case, hyphens kept) and reads the settings. */
function settingsFor(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  for (const [name, value] of Object.entries(inputs))
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, value);
  return readSettings(env).settings;
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
    [
      {},
      'Input "kubeconfig" is empty, and so is every other input that picks a mode: "server", "eks-cluster", "gke-cluster", "aks-cluster", "role-to-assume", "chainguard-identity", "mode".',
    ],
    [{ mode: 'gcp' }, 'Input "mode" is "gcp", which is not a mode'],
    [
      { 'role-to-assume': ROLE, 'chainguard-identity': IDENTITY },
      '"role-to-assume" (aws mode) and "chainguard-identity" (chainguard mode)',
    ],
    [
      { kubeconfig: KUBECONFIG, 'role-to-assume': ROLE },
      '"kubeconfig" (kubernetes mode) and "role-to-assume" (aws mode)',
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

// A runner passes every input action.yml declares, empty unless the step gives it (GitHub's
// actions/runner and act, which Forgejo's runner is built on): `kubeconfig: ${{ vars.X }}` with X
// undefined is an empty input, exactly like one not given. The messages say what is empty and
// ask about the variable.
describe('empty inputs (a variable that is not defined)', () => {
  it.each<[Record<string, string>, string]>([
    [
      { kubeconfig: '', audience: 'https://k8s.example' },
      'Input "kubeconfig" is empty, and so is every other input that picks a mode',
    ],
    [
      { mode: 'kubernetes', kubeconfig: '' },
      'Inputs "kubeconfig", "server", "eks-cluster", "gke-cluster" and "aks-cluster" are empty, and kubernetes mode needs one of them.',
    ],
    [
      { 'role-to-assume': '', 'aws-region': 'eu-west-1' },
      'Input "role-to-assume" is empty, and aws mode needs it ("aws-region" is an input of aws mode).',
    ],
    [
      { mode: 'aws', 'role-to-assume': '  ' },
      'Input "role-to-assume" is empty, and aws mode needs it.',
    ],
    [{ mode: 'chainguard' }, 'Input "chainguard-identity" is empty, and chainguard mode needs it.'],
    [
      { workloads: 'deployment/web', images: 'web=nginx:1.27', kubeconfig: '' },
      '"kubeconfig", "server", "eks-cluster", "gke-cluster" and "aks-cluster" are empty, and kubernetes mode needs one of them ("workloads" is an input of kubernetes mode).',
    ],
  ])('%j: %s', (inputs, message) => {
    const error = errorFor(inputs);
    expect(error.message).toContain(message);
    expect(error.hint).toContain(
      'is the variable defined for this repository/environment (a variable, not a secret)?',
    );
  });
});

describe('inputs the mode does not read', () => {
  /** The warnings of a run whose settings are read from these INPUT_* (as a runner sets them). */
  function warningsFor(inputs: Record<string, string>): readonly string[] {
    for (const [name, value] of Object.entries(inputs))
      vi.stubEnv(`INPUT_${name.toUpperCase()}`, value);
    return readSettings({}).warnings ?? [];
  }

  it.each<[Record<string, string>, string[]]>([
    [
      { kubeconfig: KUBECONFIG, 'role-duration-seconds': '7200' },
      [
        'Input "role-duration-seconds" has no effect: kubernetes mode with "kubeconfig" does not read it. Remove it, or check the name and the mode.',
      ],
    ],
    [
      { 'chainguard-identity': IDENTITY, 'rollout-timeout': '10m', 'registry-login': 'false' },
      [
        'Input "rollout-timeout" has no effect: chainguard mode with "chainguard-identity" does not read it. Remove it, or check the name and the mode.',
      ],
    ],
    [
      {
        mode: 'token',
        'registry-login': 'true',
        'mask-aws-account-id': 'true',
        'verify-access': 'false',
      },
      [
        'Inputs "registry-login", "mask-aws-account-id", "verify-access" have no effect: token mode does not read them. Remove them, or check the names and the mode.',
      ],
    ],
    // Read with EKS (its source reads the aws role inputs), and common inputs everywhere.
    [
      {
        'eks-cluster': 'demo',
        'role-to-assume': ROLE,
        'aws-region': 'eu-west-1',
        'role-duration-seconds': '7200',
        'show-claims': 'false',
        'verify-access': 'false',
      },
      [],
    ],
    // Not given: empty or white space, as a runner passes every input the step does not set.
    [{ kubeconfig: KUBECONFIG, 'role-duration-seconds': '', 'registry-login': ' ' }, []],
    // Not an input of the action at all (GitHub warns too; act does not).
    [
      { kubeconfig: KUBECONFIG, 'kube-config': 'x' },
      [
        'Input "kube-config" has no effect: kubernetes mode with "kubeconfig" does not read it. Remove it, or check the name and the mode.',
      ],
    ],
  ])('%j', (inputs, warnings) => {
    expect(warningsFor(inputs)).toEqual(warnings);
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
    expect(s.source).toMatchObject({ name: 'kubeconfig', hasPlugin: false });
    expect(s.source.settings).toEqual({ kind: 'kubeconfig', text: KUBECONFIG });
    expect(s).toMatchObject({
      mode: 'kubernetes',
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
    expect(s.source.settings).toEqual({
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
    [{ images: 'web=nginx' }, 'Input "images" was given without "workloads" or "manifests"'],
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
    expect(parseImages([line])).toEqual({ assignments: [assignment], replacements: [] });
  });

  it.each([
    [['=nginx'], 'line 1: "=nginx" is not container=image'],
    [['Web=nginx'], '"Web" is not a valid container name'],
    [['web=nginx;curl evil'], 'is not an image reference'],
    [['web=$(id)'], 'is not an image reference'],
    [['web=nginx latest'], 'is not an image reference'],
    [['web=NGINX'], 'is not an image reference'],
    [['web=nginx@sha256:' + 'A'.repeat(64)], 'is not an image reference'],
    [['web=nginx', 'web=redis'], 'container "web" is given twice'],
    [['*=nginx', 'web=redis'], 'cannot be mixed with named containers'],
  ])('%j is refused: %s', (lines, message) => {
    expect(() => parseImages(lines)).toThrow(message);
  });
});

const DIGEST = 'sha256:' + 'c'.repeat(64);

describe('bare image references (images lines without =)', () => {
  it.each([
    ['nginx', 'nginx', undefined, undefined],
    ['nginx:1.27', 'nginx', '1.27', undefined],
    ['library/nginx:1.27-alpine', 'library/nginx', '1.27-alpine', undefined],
    ['docker.io/library/nginx', 'docker.io/library/nginx', undefined, undefined],
    ['registry.example:5000/team/app', 'registry.example:5000/team/app', undefined, undefined],
    ['registry.example:5000/team/app:v2', 'registry.example:5000/team/app', 'v2', undefined],
    [`ghcr.io/org/app@${DIGEST}`, 'ghcr.io/org/app', undefined, DIGEST],
    [`ghcr.io/org/app:v1.2.3@${DIGEST}`, 'ghcr.io/org/app', 'v1.2.3', DIGEST],
    ['localhost:5000/app', 'localhost:5000/app', undefined, undefined],
    ['localhost/app_x__y', 'localhost/app_x__y', undefined, undefined],
    ['Registry.Example/app', 'Registry.Example/app', undefined, undefined],
    ['[::1]:5000/app:dev', '[::1]:5000/app', 'dev', undefined],
    ['registry:5000', 'registry', '5000', undefined], // no path: docker reads :5000 as a tag
    [`app@sha512:${'d'.repeat(128)}`, 'app', undefined, `sha512:${'d'.repeat(128)}`],
  ])('%s: repository %s, tag %s, digest %s', (text, repository, tag, digest) => {
    expect(parseImageReference(text)).toEqual({ repository, tag, digest });
    expect(parseImages([text])).toEqual({
      assignments: [],
      replacements: [{ repository, image: text }],
    });
  });

  it.each([
    ['NGINX', 'upper case in the path'],
    ['nginx:', 'empty tag'],
    ['nginx:-x', 'tag starting with -'],
    [`nginx:${'t'.repeat(129)}`, 'tag over 128 characters'],
    ['nginx@sha256:abc', 'short digest'],
    [`nginx@sha256:${'C'.repeat(64)}`, 'upper-case digest'],
    [`nginx@md5:${'c'.repeat(32)}`, 'unknown digest algorithm'],
    [`nginx@${'c'.repeat(64)}`, 'digest without algorithm'],
    ['registry.example:port/app', 'port that is not a number'],
    ['-registry.example/app', 'host starting with -'],
    ['org//app', 'empty path component'],
    ['org/app/', 'trailing slash'],
    ['org/-app', 'path component starting with -'],
    ['app;curl evil|sh', 'shell syntax'],
    ['$(id)', 'command substitution'],
    [`r.example/${'a'.repeat(260)}`, 'name over 255 characters'],
  ])('%s is refused (%s)', (text) => {
    expect(parseImageReference(text)).toBeUndefined();
    expect(() => parseImages([text])).toThrow(`"${text.slice(0, 20)}`);
  });

  it('names the line as written, blank and comment lines counted', () => {
    expect(() => parseImages(['web=nginx', '', '# app', 'App:1'])).toThrow(
      'Input "images" has a problem: line 4: "App:1" is not an image reference.',
    );
  });

  it('mixes CONTAINER=IMAGE and bare lines', () => {
    expect(parseImages(['web=nginx:1', 'ghcr.io/org/app:2'])).toEqual({
      assignments: [{ container: 'web', image: 'nginx:1' }],
      replacements: [{ repository: 'ghcr.io/org/app', image: 'ghcr.io/org/app:2' }],
    });
  });

  it('refuses a repository given twice, by repository', () => {
    expect(() => parseImages(['ghcr.io/org/app:1', `ghcr.io/org/app@${DIGEST}`])).toThrow(
      'line 2: repository "ghcr.io/org/app" is given twice',
    );
  });
});

describe('manifests, force-conflicts and dry-run', () => {
  const kube = (extra: Record<string, string>) =>
    settingsFor({ kubeconfig: KUBECONFIG, ...extra }) as KubernetesSettings;

  it('defaults: no manifests, no replacements, no force, no dry run', () => {
    expect(kube({ 'force-conflicts': 'false', 'dry-run': 'false' })).toMatchObject({
      manifests: [],
      imageReplacements: [],
      forceConflicts: false,
      dryRun: false,
    });
  });

  it('reads the manifests as given, one a line, blank lines and # comments skipped', () => {
    const s = kube({
      manifests: 'deploy/\n\n# not this\n  k8s/*.yaml  \n!k8s/skip.yaml\n',
      images: `ghcr.io/org/app@${DIGEST}\nweb=nginx:1.27`,
      workloads: 'deployment/web',
      'force-conflicts': 'true',
      'dry-run': 'TRUE',
    });
    expect(s).toMatchObject({
      manifests: ['deploy/', 'k8s/*.yaml', '!k8s/skip.yaml'],
      imageReplacements: [{ repository: 'ghcr.io/org/app', image: `ghcr.io/org/app@${DIGEST}` }],
      images: [{ container: 'web', image: 'nginx:1.27' }],
      workloads: [{ kind: 'deployment', name: 'web' }],
      forceConflicts: true,
      dryRun: true,
    });
  });

  it.each<[string, Record<string, string>]>([
    ['manifests alone', { manifests: 'deploy/' }],
    ['manifests with a bare image', { manifests: 'deploy/', images: 'app:2' }],
    ['manifests and workloads', { manifests: 'd/', workloads: 'web', images: 'web=a\napp:2' }],
  ])('accepts %s', (_title, extra) => {
    expect(kube(extra).mode).toBe('kubernetes');
  });

  it.each<[Record<string, string>, string]>([
    [
      { manifests: 'deploy/', images: 'web=a' },
      'Input "images" has CONTAINER=IMAGE lines, which set images on "workloads", but "workloads" was not given.',
    ],
    [
      { images: 'ghcr.io/org/app:2' },
      'Input "images" has a bare image reference ("ghcr.io/org/app:2"), which replaces images in "manifests", but "manifests" was not given.',
    ],
    [
      { workloads: 'web', images: 'nginx:1.27' },
      'Input "images" has a bare image reference ("nginx:1.27")',
    ],
    [
      { 'force-conflicts': 'true' },
      'Input "force-conflicts" is true, but "manifests" was not given.',
    ],
    [
      { 'dry-run': 'true', workloads: 'web', images: 'web=a' },
      'Input "dry-run" is true, but "manifests" was not given.',
    ],
    [{ 'dry-run': 'yes', manifests: 'd/' }, 'Input "dry-run" is "yes", which is not a boolean.'],
    [{ 'force-conflicts': '1' }, 'Input "force-conflicts" is "1", which is not a boolean.'],
    [
      { manifests: 'd/', workloads: 'web', images: 'app:2' },
      'Input "workloads" needs CONTAINER=IMAGE lines in "images"',
    ],
    [{ manifests: 'd/', workloads: 'web' }, 'Input "workloads" was given without "images".'],
    [
      { manifests: 'd/\ne/\u0007x' },
      'Input "manifests" contains a line break or control character.',
    ],
  ])('%j is refused: %s', (extra, message) => {
    expect(errorFor({ kubeconfig: KUBECONFIG, ...extra }).message).toContain(message);
  });

  it('manifests alone pick kubernetes mode, which then asks for the cluster', () => {
    expect(errorFor({ manifests: 'deploy/' }).message).toBe(
      'Inputs "kubeconfig", "server", "eks-cluster", "gke-cluster" and "aks-cluster" are empty, and kubernetes mode needs one of them ("manifests" is an input of kubernetes mode).',
    );
  });

  it.each<[Record<string, string>, string]>([
    [{ mode: 'token', manifests: 'deploy/' }, 'Input "manifests" does not apply to token mode'],
    [{ mode: 'token', 'dry-run': 'true' }, 'Input "dry-run" does not apply to token mode'],
    [
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'force-conflicts': 'true' },
      'Input "force-conflicts" does not apply to aws mode',
    ],
    [
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', manifests: 'k8s/' },
      'Input "manifests" does not apply to aws mode',
    ],
    [
      { 'chainguard-identity': IDENTITY, manifests: 'k8s/', 'dry-run': 'true' },
      'Inputs "manifests", "dry-run" do not apply to chainguard mode',
    ],
  ])('other modes refuse %j: %s', (inputs, message) => {
    expect(errorFor(inputs).message).toContain(message);
  });

  it.each(['false', 'False', 'FALSE', ''])(
    'other modes accept force-conflicts and dry-run at their default (%j), as a runner passes it',
    (value) => {
      expect(settingsFor({ mode: 'token', 'force-conflicts': value, 'dry-run': value }).mode).toBe(
        'token',
      );
    },
  );
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

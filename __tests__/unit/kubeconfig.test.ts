import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ActionError } from '../../src/errors.js';
import {
  planKubeconfig,
  renderKubeconfig,
  type KubeCredential,
  type KubeconfigRequest,
} from '../../src/kubernetes/kubeconfig.js';
import type { Logger } from '../../src/logger.js';
import { recordingLogger } from '../../src/logger.js';

const CA = Buffer.from(
  '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n',
).toString('base64');
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA';

function kubeconfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'prod',
        cluster: { server: 'https://prod.example:6443', 'certificate-authority-data': CA },
      },
      {
        name: 'staging',
        cluster: {
          server: 'https://staging.example:6443',
          'certificate-authority-data': CA,
          'tls-server-name': 'k8s',
        },
      },
    ],
    contexts: [
      { name: 'prod', context: { cluster: 'prod', user: 'deployer', namespace: 'web' } },
      { name: 'staging', context: { cluster: 'staging', user: 'other' } },
    ],
    users: [
      {
        name: 'deployer',
        user: {
          exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' },
          'client-certificate-data': 'Y2VydA==',
          'client-key-data': 'a2V5',
          username: 'admin',
          password: 'SECRET-PASSWORD',
          'auth-provider': { name: 'oidc' },
          as: 'impersonated',
        },
      },
      { name: 'other', user: { token: 'SECRET-OLD-TOKEN' } },
    ],
    'current-context': 'prod',
    ...overrides,
  };
}

type TestRequest = KubeconfigRequest & { credential: KubeCredential };

/** Plan then render, as the action does on both sides of the token request. */
function buildKubeconfig(req: TestRequest, logger: Logger) {
  const plan = planKubeconfig(req, logger);
  return { target: plan.target, yaml: renderKubeconfig(plan, req.credential) };
}

function request(text: string, extra: Partial<TestRequest> = {}): TestRequest {
  return {
    source: { kind: 'kubeconfig', text },
    context: undefined,
    namespace: undefined,
    user: undefined,
    insecureSkipTlsVerify: false,
    credential: { kind: 'static', token: TOKEN },
    ...extra,
  };
}

function build(req: TestRequest) {
  const logger = recordingLogger();
  const built = buildKubeconfig(req, logger);
  const kc = new KubeConfig();
  kc.loadFromString(built.yaml); // client-node (the deploy's client) must read what we write
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the written YAML is probed freely
  return { built, written: parse(built.yaml) as Record<string, any>, kc, logger };
}

describe('buildKubeconfig', () => {
  it('keeps only the current context, its cluster and its user, which carries only the token', () => {
    const { built, written, kc } = build(request(stringify(kubeconfig())));
    expect(built.target).toEqual({
      server: 'https://prod.example:6443',
      cluster: 'prod',
      context: 'prod',
      namespace: 'web',
      user: 'deployer',
      certificateAuthorityData: CA,
      insecureSkipTlsVerify: false,
      tlsServerName: undefined,
    });
    expect(written['clusters']).toHaveLength(1);
    expect(written['contexts']).toEqual([
      { name: 'prod', context: { cluster: 'prod', user: 'deployer', namespace: 'web' } },
    ]);
    expect(written['users']).toEqual([
      { name: 'deployer', user: { as: 'impersonated', token: TOKEN } },
    ]);
    expect(built.yaml).not.toContain('SECRET-');
    expect(kc.getCurrentUser()?.token).toBe(TOKEN);
    expect(kc.getCurrentCluster()?.server).toBe('https://prod.example:6443');
  });

  it('accepts base64 of the kubeconfig', () => {
    const b64 = Buffer.from(stringify(kubeconfig())).toString('base64');
    expect(build(request(b64)).built.target.context).toBe('prod');
    // Wrapped at 76 columns, as `base64` does without -w0.
    expect(build(request(b64.replace(/(.{76})/g, '$1\n'))).built.target.context).toBe('prod');
  });

  it.each([
    [
      { context: 'staging' },
      {
        context: 'staging',
        cluster: 'staging',
        user: 'other',
        namespace: 'default',
        tlsServerName: 'k8s',
      },
    ],
    [{ namespace: 'ops' }, { context: 'prod', namespace: 'ops', user: 'deployer' }],
    [{ user: 'ci' }, { context: 'prod', user: 'ci' }],
    [
      { context: 'staging', user: 'deployer', namespace: 'x' },
      { context: 'staging', user: 'deployer', namespace: 'x' },
    ],
  ])('inputs %j give %j', (inputs, target) => {
    const { built, kc, written } = build(request(stringify(kubeconfig()), inputs));
    expect(built.target).toMatchObject(target);
    expect(kc.getCurrentContext()).toBe(built.target.context);
    expect(kc.getContextObject(built.target.context)?.namespace).toBe(built.target.namespace);
    expect(written['users'][0].user.token).toBe(TOKEN);
    expect(Object.keys(written['users'][0].user).filter((k) => k !== 'as')).toEqual(['token']);
  });

  it('picks the only context when there is no current-context', () => {
    const config = kubeconfig({ 'current-context': undefined });
    (config['contexts'] as unknown[]).pop();
    expect(build(request(stringify(config))).built.target.context).toBe('prod');
  });

  it('creates the user when the context names none', () => {
    const config = kubeconfig({
      contexts: [{ name: 'prod', context: { cluster: 'prod' } }],
      users: undefined,
    });
    expect(build(request(stringify(config))).built.target.user).toBe('oidc');
  });

  it('builds from server and CA', () => {
    const { built } = build(
      request('', {
        source: { kind: 'server', server: 'https://k.example', certificateAuthorityData: CA },
      }),
    );
    expect(built.target).toMatchObject({
      server: 'https://k.example',
      context: 'oidc-deploy',
      user: 'oidc',
      namespace: 'default',
      certificateAuthorityData: CA,
    });
  });

  it('writes an exec credential plugin for refresh credentials', () => {
    const { written, kc } = build(
      request(stringify(kubeconfig()), {
        credential: {
          kind: 'refresh',
          command: '/usr/bin/node',
          args: ['/a/dist/credential.js'],
          env: [{ name: 'OIDC_DEPLOY_AUDIENCE', value: 'k8s' }],
        },
      }),
    );
    expect(written['users'][0].user).toEqual({
      as: 'impersonated',
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: '/usr/bin/node',
        args: ['/a/dist/credential.js'],
        env: [{ name: 'OIDC_DEPLOY_AUDIENCE', value: 'k8s' }],
        interactiveMode: 'Never',
        provideClusterInfo: false,
      },
    });
    expect(kc.getCurrentUser()?.exec?.command).toBe('/usr/bin/node');
  });

  it('turns TLS verification off only when the input says so, with a warning', () => {
    const { built, written, logger } = build(
      request(stringify(kubeconfig()), { insecureSkipTlsVerify: true }),
    );
    expect(built.target.insecureSkipTlsVerify).toBe(true);
    expect(written['clusters'][0].cluster).toEqual({
      server: 'https://prod.example:6443',
      'insecure-skip-tls-verify': true,
    });
    expect(logger.lines.join('\n')).toMatch(
      /warning: TLS verification of prod.example:6443 is off/,
    );
  });
});

describe('buildKubeconfig refuses', () => {
  const secretCluster = {
    name: 'prod',
    cluster: {
      server: 'https://prod.example',
      'certificate-authority-data': CA,
      token: 'SECRET-X',
    },
  };
  it.each([
    [
      'not YAML',
      'clusters: [\n  - SECRET-X: {',
      /Input "kubeconfig" is not valid YAML \(line \d+, column \d+\)/,
    ],
    ['a list', '- a: SECRET-X\n- b\n', /its top level is not a mapping/],
    ['a scalar', 'SECRET-X', /neither kubeconfig YAML nor base64|top level is not a mapping/],
    ['base64 garbage', 'bm90IHlhbWwgYXQgYWxs', /neither kubeconfig YAML nor base64/],
    ['another kind', stringify({ ...kubeconfig(), kind: 'Pod' }), /has kind "Pod", not Config/],
    ['no clusters', stringify(kubeconfig({ clusters: undefined })), /has no "clusters" list/],
    [
      'unnamed entry',
      stringify(kubeconfig({ clusters: [{ cluster: {} }] })),
      /entry 1 of "clusters" has no name/,
    ],
    [
      'unknown current-context',
      stringify(kubeconfig({ 'current-context': 'dev' })),
      /current-context "dev" is not among its contexts/,
    ],
    [
      'no current-context, many contexts',
      stringify(kubeconfig({ 'current-context': undefined })),
      /has no current-context/,
    ],
    [
      'a context without cluster',
      stringify(kubeconfig({ contexts: [{ name: 'prod', context: { user: 'x' } }] })),
      /context "prod" names no cluster/,
    ],
    [
      'a missing cluster',
      stringify(kubeconfig({ clusters: [] })),
      /names cluster "prod", which is not in clusters/,
    ],
    [
      'an http server',
      stringify(
        kubeconfig({ clusters: [{ name: 'prod', cluster: { server: 'http://prod.example' } }] }),
      ),
      /has server http:\/\/prod.example, not https/,
    ],
    [
      'a CA file on the runner',
      stringify(
        kubeconfig({
          clusters: [
            {
              name: 'prod',
              cluster: { server: 'https://p', 'certificate-authority': '/etc/shadow' },
            },
          ],
        }),
      ),
      /reads "certificate-authority" from a file on the runner/,
    ],
    [
      'bad CA data',
      stringify(
        kubeconfig({
          clusters: [
            {
              name: 'prod',
              cluster: { server: 'https://p', 'certificate-authority-data': 'U0VDUkVULVg=' },
            },
          ],
        }),
      ),
      /certificate-authority-data that is not base64 of a PEM/,
    ],
    [
      'silent insecure-skip-tls-verify',
      stringify(
        kubeconfig({
          clusters: [
            { name: 'prod', cluster: { server: 'https://p', 'insecure-skip-tls-verify': true } },
          ],
        }),
      ),
      /turns TLS verification off/,
    ],
    [
      'a YAML bomb',
      'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n',
      /expands to too much data/,
    ],
    ['duplicate keys', 'clusters: []\nclusters: []\n', /not valid YAML/],
    [
      'extra users with secrets in an unused cluster',
      stringify(kubeconfig({ clusters: [secretCluster] })),
      null,
    ],
  ])('%s', (_name, text, message) => {
    if (message === null) {
      // Accepted, and the unrelated secret does not travel into the written file.
      expect(buildKubeconfig(request(text), recordingLogger()).yaml).toContain('token: eyJ');
      return;
    }
    let error: unknown;
    try {
      buildKubeconfig(request(text), recordingLogger());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionError);
    const shown = `${(error as ActionError).message}\n${(error as ActionError).hint ?? ''}`;
    expect(shown).toMatch(message);
    expect(shown).not.toContain('SECRET');
  });

  it('refuses an unknown context input, listing the contexts', () => {
    expect(() =>
      buildKubeconfig(request(stringify(kubeconfig()), { context: 'dev' }), recordingLogger()),
    ).toThrow('Input "context" is "dev", which the kubeconfig does not have.');
  });
});

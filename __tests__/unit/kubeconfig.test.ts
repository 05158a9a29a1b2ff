import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ActionError } from '../../src/base/errors.js';
import {
  planKubeconfig,
  renderKubeconfig,
  type KubeCredential,
  type KubeconfigRequest,
} from '../../src/kubernetes/kubeconfig.js';
import type { Logger } from '../../src/base/logger.js';
import { recordingLogger } from '../helpers/logger.js';

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

/** A kubeconfig whose prod cluster has `line` (raw YAML) among its keys. */
function withClusterLine(line: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: prod',
    '    cluster:',
    '      server: https://prod.example:6443',
    `      ${line}`,
    'contexts:',
    '  - name: prod',
    '    context: { cluster: prod, user: deployer }',
    'current-context: prod',
    '',
  ].join('\n');
}

// kubectl reads a kubeconfig with go-yaml v2 (YAML 1.1): these are the spellings its resolve.go
// reads as booleans (checked against kubectl 1.33: `kubectl config view` shows true/false), and
// values it refuses ("json: cannot unmarshal string into ... of type bool").
describe('kubeconfig booleans, read as kubectl reads them', () => {
  const truths = ['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'y', 'Y', 'on', 'On', 'ON'];
  const lies = ['false', 'False', 'FALSE', 'no', 'No', 'NO', 'n', 'N', 'off', 'Off', 'OFF'];

  it.each(truths.map((v) => [v]))('insecure-skip-tls-verify: %s is refused', (value) => {
    const text = withClusterLine(`insecure-skip-tls-verify: ${value}`);
    expect(() => buildKubeconfig(request(text), recordingLogger())).toThrow(
      /turns TLS verification off/,
    );
  });

  it.each([...truths, ...lies].map((v) => [v]))(
    'insecure-skip-tls-verify: %s with the input opting in: written as a real true',
    (value) => {
      const text = withClusterLine(`insecure-skip-tls-verify: ${value}`);
      const { written } = build(request(text, { insecureSkipTlsVerify: true }));
      expect(written['clusters'][0].cluster['insecure-skip-tls-verify']).toBe(true);
    },
  );

  it.each([...lies, '~', 'null', ''].map((v) => [v]))(
    'insecure-skip-tls-verify: %s is false, and written as a real boolean or not at all',
    (value) => {
      const { built, written } = build(
        request(withClusterLine(`insecure-skip-tls-verify: ${value}`)),
      );
      expect(built.target.insecureSkipTlsVerify).toBe(false);
      expect([false, undefined]).toContain(
        written['clusters'][0].cluster['insecure-skip-tls-verify'],
      );
    },
  );

  it.each([
    ['insecure-skip-tls-verify: "yes"'],
    ["insecure-skip-tls-verify: 'true'"],
    ['insecure-skip-tls-verify: 1'],
    ['insecure-skip-tls-verify: yEs'],
    ['insecure-skip-tls-verify: [true]'],
    ['disable-compression: "no"'],
    ['disable-compression: 0'],
  ])('%s is not a boolean: refused, as kubectl refuses it', (line) => {
    expect(() => buildKubeconfig(request(withClusterLine(line)), recordingLogger())).toThrow(
      /which is not a boolean\./,
    );
  });

  it.each([
    ['disable-compression: yes', true],
    ['disable-compression: off', false],
  ])('%s is kept as a real boolean', (line, value) => {
    const { built } = build(request(withClusterLine(line)));
    expect(built.yaml).toContain(`disable-compression: ${String(value)}\n`);
  });
});

describe("the kubeconfig's namespace", () => {
  const withNamespace = (namespace: string) =>
    stringify(
      kubeconfig({
        contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'deployer', namespace } }],
      }),
    );

  it.each([['web'], ['a'], ['team-1'], ['x'.repeat(63)]])('%s is taken', (namespace) => {
    expect(build(request(withNamespace(namespace))).built.target.namespace).toBe(namespace);
  });

  it.each([
    ['Web'],
    ['web_1'],
    ['-web'],
    ['x'.repeat(64)],
    ['web\n::set-output name=x::y'],
    ['../kube-system'],
    ['web demo'],
  ])('%j is refused, naming the context', (namespace) => {
    let error: unknown;
    try {
      buildKubeconfig(request(withNamespace(namespace)), recordingLogger());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toMatch(
      /^Input "kubeconfig": context "prod" has namespace ".*", which is not a valid namespace name\.$/,
    );
    expect((error as ActionError).message).not.toMatch(/\n/);
  });

  it('a number or a boolean (YAML 1.1 `on`) is refused too', () => {
    for (const raw of ['on', '42']) {
      const text = stringify(kubeconfig()).replace('namespace: web', `namespace: ${raw}`);
      expect(() => buildKubeconfig(request(text), recordingLogger())).toThrow(
        /has namespace ".*", which is not a valid namespace name/,
      );
    }
  });

  it('the namespace input wins over a bad one, as kubectl --namespace would', () => {
    const { built } = build(request(withNamespace('Bad_Name'), { namespace: 'web' }));
    expect(built.target.namespace).toBe('web');
  });
});

describe('the written kubeconfig reads back the same in YAML 1.1 (kubectl)', () => {
  it('quotes strings kubectl would read as booleans or numbers', () => {
    const text = stringify(
      kubeconfig({
        contexts: [{ name: 'y', context: { cluster: 'prod', user: 'on', namespace: 'no' } }],
        'current-context': 'y',
      }),
      { version: '1.1' },
    );
    const { built } = build(request(text));
    const yaml11 = parse(built.yaml, { version: '1.1' }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(yaml11['current-context']).toBe('y');
    expect(yaml11['contexts'][0]).toEqual({
      name: 'y',
      context: { cluster: 'prod', user: 'on', namespace: 'no' },
    });
    expect(yaml11['users'][0].name).toBe('on');
  });
});

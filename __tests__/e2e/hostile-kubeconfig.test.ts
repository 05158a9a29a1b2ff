// Hostile kubeconfigs and addresses (issue 14, findings 1, 2, 3, 4, 7, 8): context/namespace/user
// names and a server input carrying command sequences; `insecure-skip-tls-verify: yes` (kubectl
// reads it as true: verified here); an API server addressed by IP, through a CONNECT proxy, whose
// certificate does not name that IP (kubectl refuses it: verified here); impersonation (`as`,
// `as-groups`), compared with what kubectl sends; "loopback" hosts that are not loopback; and
// what dist/credential.js prints.
import { readFileSync, rmSync } from 'node:fs';
import { stringify } from 'yaml';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLUSTER_AUDIENCE as AUDIENCE, withTrustingCluster } from '../helpers/cluster.js';
import { INJECTION, startHostileKube, type HostileKube } from '../fixtures/hostile/kube-front.js';
import { startHostilePeer, type HostilePeer } from '../fixtures/hostile/http-peer.js';
import type { Issuer } from '../fixtures/issuer.js';
import type { KubeApiServer } from '../fixtures/kube-apiserver.js';
import { kubectl } from '../fixtures/kube/kubectl.js';
import { startProxy, type TestProxy } from '../fixtures/proxy.js';
import { startChainguardSts } from '../fixtures/chainguard-sts.js';
import { startSts } from '../fixtures/sts.js';
import { expectClean, expectFailure, secretsOf } from '../helpers/hostile.js';
import { runAction, type RunResult } from '../helpers/runner.js';

let issuer: Issuer;
let kube: KubeApiServer;
let front: HostileKube;
let proxy: TestProxy;
let peer: HostilePeer;
const runs: RunResult[] = [];

withTrustingCluster({ stepMs: 20 }, async (started) => {
  ({ issuer, server: kube } = started);
  kube.addDeployment({ name: 'web', namespace: 'demo', replicas: 1 });
  kube.addDeployment({ name: 'imp', namespace: 'demo', replicas: 1 });
  front = await startHostileKube(kube.url);
  proxy = await startProxy();
  peer = await startHostilePeer();
});
afterAll(async () => {
  await Promise.all([front.close(), proxy.close(), peer.close()]);
});
afterEach(() => {
  for (const run of runs.splice(0)) rmSync(run.dirs.root, { recursive: true, force: true });
});

async function run(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const result = await runAction({ inputs, env: { ...issuer.env(), ...env }, timeoutMs: 60_000 });
  runs.push(result);
  return result;
}
const secrets = (extra: string[] = []) => secretsOf(issuer.issued, [issuer.requestToken, ...extra]);

/** A kubeconfig for `server` with the fixture's CA; `cluster`/`context`/`user` merged in. */
function kubeconfig(
  server: string,
  parts: {
    cluster?: Record<string, unknown>;
    context?: Record<string, unknown>;
    user?: Record<string, unknown>;
    names?: { cluster?: string; context?: string; user?: string };
  } = {},
): string {
  const names = { cluster: 'c', context: 'ctx', user: 'u', ...parts.names };
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: names.cluster,
          cluster: { server, 'certificate-authority-data': kube.caData, ...parts.cluster },
        },
      ],
      contexts: [
        {
          name: names.context,
          context: {
            cluster: names.cluster,
            user: names.user,
            namespace: 'demo',
            ...parts.context,
          },
        },
      ],
      users: [{ name: names.user, user: { ...parts.user } }],
      'current-context': names.context,
    },
    { lineWidth: 0 },
  );
}

describe('kubeconfig and input text (finding 1)', () => {
  it('context, cluster and user names with command sequences: nothing reaches the log as a command', async () => {
    const result = await run({
      kubeconfig: kubeconfig(kube.url, {
        names: {
          cluster: `c${INJECTION}`,
          context: `::set-env name=CTX::y\n::stop-commands::ctx`,
          user: `u\r::add-path::/tmp/hostile${INJECTION}`,
        },
      }),
      audience: AUDIENCE,
    });
    // Accepted or refused (names are not validated by kubectl), never a command.
    expectClean(result, secrets());
  });

  it("a kubeconfig namespace that is not a DNS label (with a command sequence) is refused like the input's", async () => {
    const before = issuer.requests.length;
    const result = await run({
      kubeconfig: kubeconfig(kube.url, { context: { namespace: `demo${INJECTION}` } }),
      audience: AUDIENCE,
    });
    const error = expectFailure(result);
    expect(error).toMatch(/kubeconfig/);
    expect(error).toMatch(/namespace/);
    expect(issuer.requests.length - before, 'refused before any token request').toBe(0);
    expectClean(result, secrets());
  });

  it('a server input with a line break and a command (URL parsing drops the newline, the log must not)', async () => {
    const result = await run({
      server: `https://k8s.example:6443/\n::set-output name=hostile::y`,
      'certificate-authority-data': kube.caData,
      audience: AUDIENCE,
    });
    expectClean(result, secrets());
  });
});

describe('insecure-skip-tls-verify spellings (finding 2)', () => {
  // Without a CA: kubectl (client-go, YAML 1.1 booleans) connects to the fixture only if it reads
  // the value as true. Every spelling kubectl reads as true must be refused like `true`.
  // kubectl gets a valid token (a user without credentials makes it prompt on stdin).
  const insecure = (spelling: string, user: Record<string, unknown> = {}) =>
    kubeconfig(kube.url, { cluster: { 'certificate-authority-data': undefined }, user }).replace(
      /^(\s+)server: (.*)$/m,
      `$1server: $2\n$1insecure-skip-tls-verify: ${spelling}`,
    );

  it('kubectl refuses the fixture without a CA, and connects with insecure-skip-tls-verify: yes', async () => {
    const token = await issuer.mint({ aud: AUDIENCE });
    const plain = await kubectl(['get', '--raw', '/version'], {
      kubeconfig: kubeconfig(kube.url, {
        cluster: { 'certificate-authority-data': undefined },
        user: { token },
      }),
    });
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/certificate|x509/);
    const yes = await kubectl(['get', '--raw', '/version'], {
      kubeconfig: insecure('yes', { token }),
    });
    // Reaching /version means TLS verification was off.
    expect(yes.stderr).not.toMatch(/certificate|x509/);
    expect(yes.code, yes.stderr).toBe(0);
  });

  it.each(['yes', 'on', 'y', 'True', 'TRUE', '"true"'])(
    'insecure-skip-tls-verify: %s is refused before any token request, or kubectl does not read it as true',
    async (spelling) => {
      const token = await issuer.mint({ aud: AUDIENCE });
      const oracle = await kubectl(['get', '--raw', '/version'], {
        kubeconfig: insecure(spelling, { token }),
        timeoutMs: 10_000,
      });
      const kubectlSkipsTls = oracle.code === 0;
      // The spellings client-go reads as true (YAML 1.1): the oracle must agree, or this test
      // would check nothing for them.
      if (['yes', 'on', 'y', 'True', 'TRUE'].includes(spelling)) {
        expect(kubectlSkipsTls, oracle.stderr).toBe(true);
      }
      const before = issuer.requests.length;
      const result = await run({ kubeconfig: insecure(spelling), audience: AUDIENCE });
      expectClean(result, secrets());
      if (kubectlSkipsTls) {
        const error = expectFailure(result);
        expect(error).toMatch(/insecure-skip-tls-verify/);
        expect(issuer.requests.length - before).toBe(0);
      }
    },
  );
});

describe('an API server addressed by IP through a CONNECT proxy (finding 3)', () => {
  // The fixture's certificate names 127.0.0.1 and localhost, not 10.0.0.1; the proxy tunnels
  // every CONNECT to 127.0.0.1, so only the certificate check stands between the token and it.
  const server = () => `https://10.0.0.1:${new URL(kube.url).port}`;

  it('kubectl refuses the certificate', async () => {
    const token = await issuer.mint({ aud: AUDIENCE });
    const result = await kubectl(['get', '--raw', '/version'], {
      kubeconfig: kubeconfig(server(), { user: { token } }),
      env: { HTTPS_PROXY: proxy.url },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/x509|certificate/);
    expect(result.stderr).toMatch(/10\.0\.0\.1/);
  });

  it('the action refuses it too: no request reaches the API server', async () => {
    const before = kube.requests.length;
    const tunnels = proxy.records.length;
    const result = await run(
      {
        kubeconfig: kubeconfig(server()),
        audience: AUDIENCE,
        workloads: 'deployment/web',
        images: 'web=nginx:1.27',
        'rollout-timeout': '10s',
      },
      { HTTPS_PROXY: proxy.url },
    );
    expect(proxy.records.length - tunnels, 'the action did use the proxy').toBeGreaterThan(0);
    const error = expectFailure(result);
    expect(error).toMatch(/certificate|TLS|x509/i);
    expect(kube.requests.length - before, 'no request (so no token) reached the server').toBe(0);
    expectClean(result, secrets());
  });
});

describe('impersonation (finding 7)', () => {
  const user = { as: 'deployer', 'as-groups': ['deployers'] };

  it('kubectl sends Impersonate-User and Impersonate-Group for as/as-groups', async () => {
    const token = await issuer.mint({ aud: AUDIENCE });
    const from = front.requests.length;
    const result = await kubectl(['get', 'deployment', 'web', '-n', 'demo', '-o', 'name'], {
      kubeconfig: kubeconfig(front.url, { user: { token, ...user } }),
    });
    expect(result.code, result.stderr).toBe(0);
    const seen = front.requests.slice(from).filter((r) => r.path.includes('/deployments/web'));
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) {
      expect(request.headers['impersonate-user']).toBe('deployer');
      expect(request.headers['impersonate-group']).toBe('deployers');
    }
  });

  it('the action either impersonates as kubectl does, or drops or refuses impersonation, consistently', async () => {
    const from = front.requests.length;
    const result = await run({
      kubeconfig: kubeconfig(front.url, { user }),
      audience: AUDIENCE,
      workloads: 'deployment/imp',
      images: 'imp=nginx:1.27',
      'rollout-timeout': '20s',
    });
    expectClean(result, secrets());
    const requests = front.requests.slice(from);
    const impersonating = requests.filter(
      (r) =>
        r.headers['impersonate-user'] === 'deployer' &&
        r.headers['impersonate-group'] === 'deployers',
    );
    const path = result.outputs['kubeconfig-path'];
    const written = path ? readFileSync(path, 'utf8') : '';
    const kept = /^\s*as:\s*deployer\s*$/m.test(written);
    if (result.code === 0) {
      // Deployed: as the kubeconfig's impersonated user on every request, with the written
      // kubeconfig keeping it for kubectl; or without impersonation on either side.
      expect(requests.length).toBeGreaterThan(0);
      // (The first test of this file deploys web, so this one deploys imp: a real rollout.)
      expect(requests.some((r) => r.method === 'PATCH')).toBe(true);
      if (kept) expect(impersonating).toHaveLength(requests.length);
      else expect(impersonating).toHaveLength(0);
    } else {
      // Refused: before any request to the cluster.
      expect(expectFailure(result)).toMatch(/imperson|as-groups|\bas\b/i);
      expect(requests).toHaveLength(0);
    }
  });
});

describe('loopback is exact (finding 4)', () => {
  // 127.attacker.example is not loopback: a name, resolved by DNS. The peer below stands for it
  // (the host name cannot be resolved here): no request may reach any token endpoint.
  it.each([
    [
      'chainguard-issuer',
      { 'chainguard-identity': 'f'.repeat(40), 'chainguard-issuer': 'http://127.attacker.example' },
      {},
    ],
    [
      'sts-endpoint',
      {
        'role-to-assume': 'arn:aws:iam::111122223333:role/deploy',
        'aws-region': 'eu-west-1',
        'sts-endpoint': 'http://127.attacker.example',
      },
      {},
    ],
    [
      'AWS_ENDPOINT_URL_STS',
      { 'role-to-assume': 'arn:aws:iam::111122223333:role/deploy', 'aws-region': 'eu-west-1' },
      { AWS_ENDPOINT_URL_STS: 'http://127.attacker.example' },
    ],
    [
      'chainguard-issuer',
      {
        'chainguard-identity': 'f'.repeat(40),
        'chainguard-issuer': 'http://127.0.0.1.attacker.example',
      },
      {},
    ],
    [
      'chainguard-issuer',
      {
        'chainguard-identity': 'f'.repeat(40),
        'chainguard-issuer': 'http://localhost.attacker.example',
      },
      {},
    ],
  ] as Array<[string, Record<string, string>, Record<string, string>]>)(
    '%s: %j %j is refused before the ID token is requested',
    async (name, inputs, env) => {
      const before = issuer.requests.length;
      const result = await run(inputs, env);
      const error = expectFailure(result);
      expect(error).toContain(name);
      expect(error).toMatch(/https|loopback/);
      expect(issuer.requests.length - before, 'no ID token requested').toBe(0);
      expectClean(result, secrets());
    },
  );

  it('an https "127." name is not loopback: it goes through HTTPS_PROXY, never direct', async () => {
    // Loopback is exempt from proxying; a name that begins with 127. is not loopback, so the
    // exchange must ask the proxy for a tunnel (which here leads to a peer that speaks no TLS).
    const port = new URL(peer.origin).port;
    const tunnels = proxy.records.length;
    const result = await run(
      {
        'chainguard-identity': 'f'.repeat(40),
        'chainguard-issuer': `https://127.attacker.example:${port}`,
      },
      { HTTPS_PROXY: proxy.url },
    );
    expectFailure(result);
    const asked = proxy.records.slice(tunnels).map((r) => `${r.method} ${r.target}`);
    expect(asked).toContain(`CONNECT 127.attacker.example:${port}`);
    expectClean(result, secrets());
  });
});

describe('IPv4-mapped loopback goes direct (issue 22, defect 4)', () => {
  // http://[::ffff:127.0.0.1]:P is this machine, as net/loopback.ts decides: plain http is
  // accepted for it, so it must be reached directly, never handed to HTTPS_PROXY / HTTP_PROXY
  // (a proxy would see the ID token or the session token in clear).
  const mapped = (url: string) => url.replace('//127.0.0.1:', '//[::ffff:127.0.0.1]:');
  const proxies = () => ({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url });
  const role = {
    'role-to-assume': 'arn:aws:iam::111122223333:role/deploy',
    'aws-region': 'eu-west-1',
  };

  it.each(['sts-endpoint', 'AWS_ENDPOINT_URL_STS'])(
    '%s: AssumeRoleWithWebIdentity reaches the STS directly, nothing reaches the proxy',
    async (name) => {
      const sts = await startSts();
      try {
        const before = proxy.records.length;
        const endpoint = mapped(sts.url);
        const result = await run(
          name === 'sts-endpoint' ? { ...role, 'sts-endpoint': endpoint } : role,
          name === 'sts-endpoint' ? proxies() : { ...proxies(), AWS_ENDPOINT_URL_STS: endpoint },
        );
        expect(result.code, result.stdout).toBe(0);
        expect(sts.requests).toHaveLength(1);
        expect(proxy.records.slice(before)).toEqual([]);
        const issued = sts.issued.flatMap((c) => [
          c.accessKeyId,
          c.secretAccessKey,
          c.sessionToken,
        ]);
        expectClean(result, secrets(issued), {
          exported: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
        });
      } finally {
        await sts.close();
      }
    },
  );

  it('chainguard-issuer: the exchange reaches the Chainguard STS directly', async () => {
    const identity = 'e'.repeat(40);
    const chainguard = await startChainguardSts({
      identities: { [identity]: { issuer: issuer.issuer, subject: issuer.subject } },
    });
    try {
      const before = proxy.records.length;
      const result = await run(
        {
          'chainguard-identity': identity,
          'chainguard-issuer': mapped(chainguard.origin),
          'registry-login': 'false',
          audience: 'issuer.enforce.dev',
        },
        proxies(),
      );
      expect(result.code, result.stdout).toBe(0);
      expect(chainguard.requests).toHaveLength(1);
      expect(proxy.records.slice(before)).toEqual([]);
    } finally {
      await chainguard.close();
    }
  });

  it('eks-endpoint: DescribeCluster reaches the EKS endpoint directly', async () => {
    const sts = await startSts();
    try {
      const before = proxy.records.length;
      const asked = peer.requests.length;
      const result = await run(
        {
          ...role,
          'eks-cluster': 'demo',
          'sts-endpoint': mapped(sts.url),
          'eks-endpoint': mapped(peer.origin),
        },
        proxies(),
      );
      // The peer is no EKS: the run fails after DescribeCluster reached it (and was retried).
      expectFailure(result);
      const reached = peer.requests.slice(asked).map((r) => `${r.method} ${r.url}`);
      expect(reached.length).toBeGreaterThan(0);
      expect(new Set(reached)).toEqual(new Set(['GET /clusters/demo']));
      expect(proxy.records.slice(before)).toEqual([]);
    } finally {
      await sts.close();
    }
  });
});

describe('dist/credential.js (finding 8)', () => {
  it('writes only the ExecCredential JSON to stdout, and never the token to stderr', async () => {
    const result = await runAction({
      entry: 'credential',
      env: { ...issuer.env(), OIDC_DEPLOY_AUDIENCE: AUDIENCE },
    });
    runs.push(result);
    expect(result.code, result.stderr).toBe(0);
    const token = issuer.issued.at(-1) as string;
    const lines = result.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const credential = JSON.parse(lines[0] as string) as {
      kind: string;
      status: { token: string };
    };
    expect(credential.kind).toBe('ExecCredential');
    expect(credential.status.token).toBe(token);
    for (const secret of secretsOf([token], [issuer.requestToken])) {
      expect(result.stderr).not.toContain(secret);
    }
    // Whatever it prints on stderr is no workflow command either (kubectl shows a plugin's stderr).
    expect(result.stderr).not.toMatch(/^\s*(::|##\[)/m);
  });

  it('a trickling token endpoint: the plugin answers or fails within 30 s + slack', async () => {
    const token = await issuer.mint({ aud: AUDIENCE });
    peer.answer = () => ({
      kind: 'trickle',
      status: 200,
      body: JSON.stringify({ value: token }),
      intervalMs: 1000,
    });
    const result = await runAction({
      entry: 'credential',
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: `${peer.origin}/idtoken?placeholder=true`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken,
        OIDC_DEPLOY_AUDIENCE: AUDIENCE,
      },
      timeoutMs: 60_000,
    });
    runs.push(result);
    expect(result.seconds).toBeLessThan(35);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toContain(token);
    expect(result.stderr).not.toMatch(/^\s*(::|##\[)/m);
  });
});

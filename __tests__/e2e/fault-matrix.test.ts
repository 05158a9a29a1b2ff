// The fault matrix: each peer misbehaves in one way, the bundled action runs against it, and
// the outcome (exit code, attempts, what the log says) is asserted. A flaky peer must cost a
// retry, not a failed deploy; a final refusal must cost exactly one request. The matrix is
// printed as a table at the end.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChainguardSts, type ChainguardSts } from '../fixtures/chainguard-sts.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import {
  startKubeApiServer,
  type KubeApiServer,
  type KubeFault,
} from '../fixtures/kube-apiserver.js';
import { startSts, type TestSts } from '../fixtures/sts.js';
import { startHostileKube, type HostileKube } from '../fixtures/hostile/kube-front.js';
import {
  startHostilePeer,
  stsSuccessXml,
  type HostilePeer,
  type PeerAnswer,
} from '../fixtures/hostile/http-peer.js';
import { expectClean, expectFailure, secretsOf } from '../helpers/hostile.js';
import { peakMemoryRunner } from '../helpers/peak-memory.js';
import { errorAnnotations, runAction, type RunResult } from '../helpers/runner.js';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const IDENTITY = 'c'.repeat(40);
const AUDIENCE = 'https://kubernetes.fixture';

interface Row {
  peer: string;
  fault: string;
  attempts: number;
  outcome: string;
  seconds: number;
}
const rows: Row[] = [];

function record(peer: string, fault: string, attempts: number, run: RunResult): void {
  const outcome =
    run.code === 0
      ? 'success'
      : `exit ${run.code}: ${(errorAnnotations(run)[0] ?? '').split('\n')[0]?.slice(0, 70)}`;
  rows.push({ peer, fault, attempts, outcome, seconds: run.seconds });
}

describe('fault matrix', () => {
  let issuer: Issuer;
  let sts: TestSts;
  let chainguard: ChainguardSts;
  let kube: KubeApiServer;
  beforeAll(async () => {
    issuer = await startIssuer();
    kube = await startKubeApiServer({
      issuer: issuer.issuer,
      audiences: [AUDIENCE],
      usernamePrefix: 'forgejo:',
      stepMs: 20,
    });
    sts = await startSts();
    chainguard = await startChainguardSts();
    chainguard.identities.set(IDENTITY, { issuer: issuer.issuer, subject: issuer.subject });
  });
  afterAll(async () => {
    await Promise.all([issuer.close(), sts.close(), chainguard.close(), kube.close()]);
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    console.log(
      [
        '',
        line(['peer', 'fault', 'attempts', 'outcome', 'seconds']),
        line(['---', '---', '---', '---', '---']),
      ]
        .concat(
          rows.map((r) =>
            line([r.peer, r.fault, String(r.attempts), r.outcome, r.seconds.toFixed(2)]),
          ),
        )
        .join('\n'),
    );
  });

  describe('ID-token endpoint', () => {
    it.each([
      ['500 then success', [{ status: 500 }], 2, 0],
      ['502 then success', [{ status: 502 }], 2, 0],
      ['503 twice then success', [{ status: 503 }, { status: 503 }], 3, 0],
      [
        '429 (Retry-After: 1) then success',
        [{ status: 429, headers: { 'retry-after': '1' } }],
        2,
        0,
      ],
      ['connection reset then success', [{ kind: 'reset' as const }], 2, 0],
      ['stalled (no answer in 10 s) then success', [{ kind: 'stall' as const }], 2, 0],
      ['non-JSON body', [{ status: 200, body: '<html>proxy login</html>' }], 1, 1],
      ['JSON without "value"', [{ status: 200, body: '{"count":0}' }], 1, 1],
      ['401 Bad authorization header', [{ status: 401, body: 'Bad authorization header' }], 1, 1],
      ['Forgejo 403 missing scp generate_id_token', [{ kind: 'oidc-disabled' as const }], 1, 1],
      ['500 five times', Array.from({ length: 5 }, () => ({ status: 500 })), 5, 1],
    ])('%s', async (fault, faults, attempts, code) => {
      const before = issuer.requests.length;
      issuer.faults.push(...faults);
      const run = await runAction({ inputs: { mode: 'token' }, env: issuer.env() });
      const made = issuer.requests.length - before;
      record('ID token', fault, made, run);
      expect(run.code, run.stdout).toBe(code);
      expect(made).toBe(attempts);
      if (code === 0) expect(run.outputs['id-token']).toBe(issuer.issued.at(-1));
      issuer.faults.length = 0;
    });
  });

  describe('AWS STS', () => {
    const aws = { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' };
    it.each([
      ['Throttling then success', [{ code: 'Throttling' as const }], 2, 0],
      ['IDPCommunicationError then success', [{ code: 'IDPCommunicationError' as const }], 2, 0],
      ['HTML 500 then success', [{ kind: 'html500' as const }], 2, 0],
      ['connection reset then success', [{ kind: 'reset' as const }], 2, 0],
      ['AccessDenied', [{ code: 'AccessDenied' as const }], 1, 1],
      ['InvalidIdentityToken', [{ code: 'InvalidIdentityToken' as const }], 1, 1],
      [
        'ExpiredTokenException then success (token renewed)',
        [{ code: 'ExpiredTokenException' as const }],
        2,
        0,
      ],
    ])('%s', async (fault, faults, attempts, code) => {
      const before = sts.requests.length;
      sts.faults.push(...faults);
      const run = await runAction({
        inputs: { ...aws, 'sts-endpoint': sts.url },
        env: issuer.env(),
      });
      const made = sts.requests.length - before;
      record('AWS STS', fault, made, run);
      expect(run.code, run.stdout).toBe(code);
      expect(made).toBe(attempts);
      if (code === 0)
        expect(run.exported['AWS_ACCESS_KEY_ID']).toBe(sts.issued.at(-1)?.accessKeyId);
      sts.faults.length = 0;
    });

    it('a stalled connection ends by the 20 s deadline', async () => {
      sts.always = { kind: 'stall' };
      try {
        const before = sts.requests.length;
        const run = await runAction({
          inputs: { ...aws, 'sts-endpoint': sts.url },
          env: issuer.env(),
        });
        record('AWS STS', 'stalls on every attempt', sts.requests.length - before, run);
        expect(run.code).toBe(1);
        expect(run.seconds).toBeLessThan(25);
        expect(errorAnnotations(run)[0]).toMatch(/no (complete )?answer/);
      } finally {
        sts.always = undefined;
      }
    });
  });

  describe('Kubernetes API during a deploy', () => {
    let seq = 0;
    /** A fresh deployment per row, so rows never see each other's rollouts. */
    function seed(): string {
      const name = `web-${++seq}`;
      kube.addDeployment({ name, namespace: 'demo', replicas: 2 });
      return name;
    }
    function deploy(name: string) {
      return runAction({
        inputs: {
          kubeconfig: kube.kubeconfig(undefined, { namespace: 'demo' }),
          audience: AUDIENCE,
          workloads: `deployment/${name}`,
          images: `${name}=nginx:1.27`,
          'rollout-timeout': '60s',
        },
        env: issuer.env(),
      });
    }
    const count = (
      from: number,
      name: string,
      test: (path: string, query: Record<string, string>, method: string) => boolean,
    ) =>
      kube.requests
        .slice(from)
        .filter(
          (r) =>
            (r.path.endsWith(`/${name}`) || r.query['fieldSelector'] === `metadata.name=${name}`) &&
            test(r.path, r.query, r.method),
        ).length;
    const imageOf = (name: string) => {
      const object = kube.get('apps/deployments', 'demo', name) as
        { spec: { template: { spec: { containers: Array<{ image: string }> } } } } | undefined;
      return object?.spec.template.spec.containers[0]?.image;
    };
    const isWatch = (_p: string, q: Record<string, string>) =>
      q['watch'] === 'true' || q['watch'] === '1';
    const isGet = (p: string, _q: Record<string, string>, m: string) =>
      m === 'GET' && !p.endsWith('/deployments');
    const isPatch = (_p: string, _q: Record<string, string>, m: string) => m === 'PATCH';

    it.each<
      [
        string,
        (name: string) => KubeFault,
        (p: string, q: Record<string, string>, m: string) => boolean,
        number,
      ]
    >([
      [
        '429 with Retry-After on the first GET',
        (n) => ({
          status: 429,
          retryAfterSeconds: 1,
          match: { method: 'GET', path: new RegExp(`/deployments/${n}$`) },
        }),
        isGet,
        2,
      ],
      [
        '503 on the PATCH',
        (n) => ({
          status: 503,
          match: { method: 'PATCH', path: new RegExp(`/deployments/${n}$`) },
        }),
        isPatch,
        2,
      ],
      [
        'watch stream cut after the first event',
        () => ({ kind: 'drop', afterEvents: 1, match: { watch: true } }),
        isWatch,
        2,
      ],
      ['410 Gone on the watch', () => ({ kind: 'gone', match: { watch: true } }), isWatch, 2],
      [
        'ERROR event (410) on the watch',
        () => ({ kind: 'gone-event', match: { watch: true } }),
        isWatch,
        2,
      ],
    ])('%s', async (fault, makeFault, counted, attempts) => {
      const name = seed();
      const from = kube.requests.length;
      kube.faults.push(makeFault(name));
      const run = await deploy(name);
      const made = count(from, name, counted);
      record('Kubernetes API', fault, made, run);
      expect(run.code, run.stdout).toBe(0);
      expect(made).toBeGreaterThanOrEqual(attempts);
      expect(JSON.parse(run.outputs['workloads'] as string)[0].result).toBe('rolled-out');
      expect(imageOf(name)).toBe('nginx:1.27');
      kube.faults.length = 0;
    });

    it('workload deleted mid-rollout', async () => {
      const name = seed();
      kube.pause();
      const from = kube.requests.length;
      const running = deploy(name);
      await kube.waitForRequest(
        (r) => r.query['watch'] === 'true' && r.query['fieldSelector'] === `metadata.name=${name}`,
        { from, timeoutMs: 20_000 },
      );
      kube.deleteWorkload('Deployment', 'demo', name);
      kube.resume();
      const run = await running;
      record('Kubernetes API', 'workload deleted mid-rollout', count(from, name, isWatch), run);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/has been deleted/);
    });

    it('the token expires mid-wait and the API answers 401 on the re-watch', async () => {
      const name = seed();
      issuer.setLifetime(3);
      kube.pause();
      try {
        const tokens = issuer.issued.length;
        const from = kube.requests.length;
        const running = deploy(name);
        await kube.waitForRequest(
          (r) =>
            r.query['watch'] === 'true' && r.query['fieldSelector'] === `metadata.name=${name}`,
          { from, timeoutMs: 20_000 },
        );
        await new Promise((resolve) => setTimeout(resolve, 4000)); // past the token's exp
        kube.dropWatches();
        await kube.waitForRequest((r) => r.status === 401, { from, timeoutMs: 20_000 });
        kube.resume();
        const run = await running;
        record(
          'Kubernetes API',
          '401 after the token expired mid-wait',
          issuer.issued.length - tokens,
          run,
        );
        expect(run.code, run.stdout).toBe(0);
        expect(issuer.issued.length - tokens).toBe(2);
        expect(run.stdout).toMatch(/The ID token expired .* requested a new one/);
      } finally {
        issuer.setLifetime(3600);
        kube.resume();
      }
    });
  });

  describe('Chainguard STS', () => {
    const inputs = () => ({
      'chainguard-identity': IDENTITY,
      'chainguard-issuer': chainguard.origin,
      'registry-login': 'false',
    });
    it.each([
      ['503 then success', [{ status: 503, code: 14 }], 2, 0],
      ['502, 504 then success', [{ status: 502 }, { status: 504, code: 4 }], 3, 0],
      ['500 (not retried)', [{ status: 500, code: 13 }], 1, 1],
      ['redirect to another host (not followed)', [{ kind: 'redirect' as const }], 1, 1],
    ])('%s', async (fault, faults, attempts, code) => {
      const before = chainguard.requests.length;
      const trapped = chainguard.redirectTrap.length;
      chainguard.faults.push(...faults);
      const run = await runAction({ inputs: inputs(), env: issuer.env() });
      const made = chainguard.requests.length - before;
      record('Chainguard STS', fault, made, run);
      expect(run.code, run.stdout).toBe(code);
      expect(made).toBe(attempts);
      expect(chainguard.redirectTrap.length).toBe(trapped);
      chainguard.faults.length = 0;
    });
  });

  // Issue 14, findings 5 and 6: peers that answer at a trickle, answer 80 MB, or never end a watch
  // line. Every exchange has a deadline and a size bound, so each row ends with exit 1 and an
  // ::error:: naming the peer within a bound, and leaves no foreign command or secret in the log.
  describe('hostile pace and size', () => {
    let peer: HostilePeer;
    let front: HostileKube;
    const HUGE = 80 << 20;
    beforeAll(async () => {
      peer = await startHostilePeer();
      front = await startHostileKube(kube.url);
    });
    afterAll(async () => {
      await Promise.all([peer.close(), front.close()]);
    });
    const secrets = (extra: string[] = []) =>
      secretsOf(issuer.issued, [issuer.requestToken, ...extra]);
    const tokenEnv = () => ({
      ACTIONS_ID_TOKEN_REQUEST_URL: `${peer.origin}/api/actions/_apis/pipelines/workflows/42/idtoken?placeholder=true`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken,
    });
    const stsCredentials = {
      accessKeyId: 'ASIAHOSTILE0000000001',
      secretAccessKey: 'hostile/secret/access/key/0000000000000000',
      sessionToken: `FwoGZXIvYXdzE${'h'.repeat(160)}`,
    };

    it.each<[string, string, () => Promise<PeerAnswer>, number]>([
      [
        'ID token',
        'token trickled, one byte a second',
        async () => ({
          kind: 'trickle',
          status: 200,
          body: JSON.stringify({ value: await issuer.mint() }),
          intervalMs: 1000,
        }),
        // The token request, retries included, ends 60 s after it starts (src/oidc/token.ts).
        70,
      ],
      [
        'ID token',
        '80 MB body',
        async () => ({ kind: 'huge', status: 200, head: '{"value":"', tail: '"}', bytes: HUGE }),
        30,
      ],
      [
        'AWS STS',
        'success trickled, one byte every 100 ms',
        async () => ({
          kind: 'trickle',
          status: 200,
          contentType: 'text/xml',
          body: stsSuccessXml('arn:aws:sts::111122223333:assumed-role/deploy/s', stsCredentials),
          intervalMs: 100,
        }),
        45,
      ],
      [
        'AWS STS',
        '80 MB error body',
        async () => ({
          kind: 'huge',
          status: 400,
          contentType: 'text/xml',
          head: '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>',
          tail: '</Message></Error></ErrorResponse>',
          bytes: HUGE,
        }),
        30,
      ],
      [
        'Chainguard STS',
        'token trickled, one byte a second',
        async () => ({
          kind: 'trickle',
          status: 200,
          body: JSON.stringify({ token: await issuer.mint({ aud: 'cgr.dev' }) }),
          intervalMs: 1000,
        }),
        40,
      ],
      [
        'Chainguard STS',
        '80 MB body',
        async () => ({ kind: 'huge', status: 200, head: '{"token":"', tail: '"}', bytes: HUGE }),
        30,
      ],
    ])('%s: %s', async (name, fault, answer, bound) => {
      const before = peer.requests.length;
      peer.answer = answer;
      const inputs: Record<string, string> =
        name === 'ID token'
          ? { mode: 'token' }
          : name === 'AWS STS'
            ? { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'sts-endpoint': peer.origin }
            : {
                'chainguard-identity': IDENTITY,
                'chainguard-issuer': peer.origin,
                'registry-login': 'false',
              };
      const run = await runAction({
        inputs,
        env: name === 'ID token' ? tokenEnv() : issuer.env(),
        timeoutMs: (bound + 30) * 1000,
      });
      try {
        record(name, fault, peer.requests.length - before, run);
        expect(run.seconds).toBeLessThan(bound);
        expect(expectFailure(run)).toContain(peer.host);
        expect(run.stdout + run.stderr).not.toContain('ERR_STRING_TOO_LONG');
        expectClean(
          run,
          secrets([
            stsCredentials.secretAccessKey,
            stsCredentials.sessionToken,
            stsCredentials.accessKeyId,
          ]),
        );
      } finally {
        rmSync(run.dirs.root, { recursive: true, force: true });
      }
    });

    let seq = 0;
    const deployThroughFront = (
      name: string,
      extra: Record<string, string>,
      node?: string,
      env: Record<string, string> = {},
    ) =>
      runAction({
        inputs: {
          kubeconfig: front.kubeconfig(kube.kubeconfig(undefined, { namespace: 'demo' })),
          audience: AUDIENCE,
          workloads: `deployment/${name}`,
          images: `${name}=nginx:1.27`,
          'rollback-on-failure': 'false',
          ...extra,
        },
        env: { ...issuer.env(), ...env },
        timeoutMs: 60_000,
        ...(node ? { node } : {}),
      });

    it('Kubernetes API: 80 MB answer to the GET of the workload', async () => {
      const name = `huge-${++seq}`;
      kube.addDeployment({ name, namespace: 'demo', replicas: 1 });
      const from = front.requests.length;
      front.behaviours.push({
        match: (r) => r.method === 'GET' && r.path.endsWith(`/deployments/${name}`),
        act: { kind: 'huge', bytes: HUGE },
        always: true,
      });
      const run = await deployThroughFront(name, { 'rollout-timeout': '20s' });
      try {
        record('Kubernetes API', '80 MB answer to a GET', front.requests.length - from, run);
        expect(run.seconds).toBeLessThan(30);
        // Nothing was deployed from an answer the client could not take whole.
        const stored = kube.get('apps/deployments', 'demo', name) as unknown as {
          spec: { template: { spec: { containers: Array<{ image: string }> } } };
        };
        expect(stored.spec.template.spec.containers[0]?.image).toBe('nginx:1.26');
        expectFailure(run);
        expect(run.stdout + run.stderr).not.toContain('ERR_STRING_TOO_LONG');
        expectClean(run, secrets());
      } finally {
        front.behaviours.length = 0;
        rmSync(run.dirs.root, { recursive: true, force: true });
      }
    });

    it('Kubernetes API: a watch line that never ends', async () => {
      const name = `endless-${++seq}`;
      kube.addDeployment({ name, namespace: 'demo', replicas: 1 });
      const from = front.requests.length;
      const peak = peakMemoryRunner();
      front.behaviours.push({
        match: (r) => r.query['watch'] === 'true' || r.query['watch'] === '1',
        act: { kind: 'endless-line' },
        always: true,
      });
      const run = await deployThroughFront(name, { 'rollout-timeout': '10s' }, peak.node, peak.env);
      try {
        record(
          'Kubernetes API',
          `endless watch line (peak ${peak.peakMiB()?.toFixed(0)} MiB)`,
          front.requests.length - from,
          run,
        );
        expect(run.seconds).toBeLessThan(25);
        expectFailure(run);
        // A polite deploy peaks at about 60 MiB; an unbounded line grew past 240 MiB in 10 s here.
        expect(peak.peakMiB()).toBeLessThan(150);
        expectClean(run, secrets());
      } finally {
        front.behaviours.length = 0;
        peak.cleanup();
        rmSync(run.dirs.root, { recursive: true, force: true });
      }
    });
  });
});

// The fault matrix: each peer misbehaves in one way, the bundled action runs against it, and
// the outcome (exit code, attempts, what the log says) is asserted. A flaky peer must cost a
// retry, not a failed deploy; a final refusal must cost exactly one request. The matrix is
// printed as a table at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChainguardSts, type ChainguardSts } from '../fixtures/chainguard-sts.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import {
  startKubeApiServer,
  type KubeApiServer,
  type KubeFault,
} from '../fixtures/kube-apiserver.js';
import { startSts, type TestSts } from '../fixtures/sts.js';
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
});

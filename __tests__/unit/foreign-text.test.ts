// Hostile text from every peer the action prints: a cluster, STS, Chainguard, the token's
// claims. Each place must keep it on its line and never let it start a workflow command
// (`::cmd::` at a line start, `##[cmd]` anywhere), and the summary must show it as literal text.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { explainRefusal as explainAws } from '../../src/aws/explain.js';
import { openAwsSession } from '../../src/aws/assume-role.js';
import { report } from '../../src/base/report.js';
import { awsReport } from '../../src/modes/aws/run.js';
import { kubernetesReport } from '../../src/modes/kubernetes/report.js';
import { StsRefusal } from '../../src/aws/sts.js';
import { explainRefusal as explainChainguard } from '../../src/chainguard/explain.js';
import { formatError } from '../../src/base/errors.js';
import { KubeApiError } from '../../src/kubernetes/api/client.js';
import { describePod, diagnose } from '../../src/kubernetes/workloads/diagnose.js';
import { explainForbidden } from '../../src/kubernetes/explain.js';
import { explainUnauthorized } from '../../src/kubernetes/sources/kubeconfig/explain.js';
import type { Workload } from '../../src/kubernetes/api/objects.js';
import { rolloutStatus } from '../../src/kubernetes/workloads/rollout.js';
import type { Claims } from '../../src/oidc/claims.js';
import { renderSummary } from '../../src/action/summary.js';
import { commandLines, HOSTILE } from '../helpers/commands.js';
import { printable } from '../../src/base/untrusted.js';

const hostile = Object.entries(HOSTILE);

const claims = (text: string): Claims => ({
  iss: `https://forge.example/api/actions${text}`,
  sub: `repo:org/app:ref:refs/heads/main${text}`,
  aud: [`sts.amazonaws.com${text}`],
  exp: 1_900_000_000,
  extra: { repository: `org/app${text}`, ref: `refs/heads/main${text}` },
});

/** One line per entry, and none a command. */
function expectInert(lines: string[]): void {
  for (const line of lines) expect(line).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
  expect(commandLines(lines.join('\n'))).toEqual([]);
}

describe.each(hostile)('foreign text (%s) from a cluster', (_, text) => {
  const pod = {
    metadata: { name: `web-1${text}` },
    status: {
      phase: text,
      reason: text,
      message: text,
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        {
          name: `web${text}`,
          ready: false,
          restartCount: text as unknown as number,
          state: { waiting: { reason: text, message: text } },
          lastState: { terminated: { exitCode: text as unknown as number, reason: text } },
        },
      ],
    },
  };

  it('a pod: name, phase, reason, message, container name, reasons, exit code, restarts', () => {
    const lines = describePod(pod);
    expect(lines).toHaveLength(2);
    expectInert(lines);
  });

  it('the diagnosis: pods and events, in the log lines and in the Markdown', async () => {
    const event = {
      type: 'Warning',
      reason: text,
      message: text,
      count: 3,
      involvedObject: { kind: `Pod${text}`, name: `web-1${text}` },
    };
    const found = await diagnose({
      client: {
        list: async <T>(path: string) =>
          ({ items: (path.endsWith('/events') ? [event] : [pod]) as T[] }) as never,
      },
      kind: 'statefulset',
      name: 'web',
      namespace: 'demo',
      workload: {
        metadata: { name: 'web' },
        spec: { selector: { matchLabels: { app: 'web' } } },
        status: { updateRevision: 'web-1' },
      },
      changes: [],
    });
    expect(found.lines.length).toBeGreaterThanOrEqual(4);
    expectInert(found.lines);
    // The event made it, escaped (the reason is not dropped).
    expect(found.lines.some((l) => l.includes('Recent warning events'))).toBe(true);
    expect(commandLines(found.markdown)).toEqual([]);
    expect(found.markdown).not.toMatch(/<(?!br>)/);
  });

  it('a rollout status line: the object name and the StatefulSet revisions', () => {
    const deployment: Workload = {
      metadata: { name: `web${text}`, generation: 1 },
      spec: { replicas: 2 },
      status: { observedGeneration: 1, updatedReplicas: 1, replicas: 2 },
    };
    const statefulSet: Workload = {
      metadata: { name: 'db', generation: 1 },
      spec: { replicas: 1, updateStrategy: { type: 'RollingUpdate' } },
      status: {
        observedGeneration: 1,
        readyReplicas: 1,
        updatedReplicas: text as unknown as number,
        currentReplicas: 1,
        updateRevision: `db-2${text}`,
        currentRevision: `db-1${text}`,
      },
    };
    // Both revisions equal: the "complete" line names the current one.
    const done: Workload = {
      ...statefulSet,
      status: { ...statefulSet.status, updateRevision: `db-1${text}` },
    };
    expectInert([
      rolloutStatus('deployment', deployment).message,
      rolloutStatus('daemonset', {
        ...deployment,
        spec: { updateStrategy: { type: 'RollingUpdate' } },
        status: { observedGeneration: 1, desiredNumberScheduled: 2 },
      }).message,
      rolloutStatus('statefulset', statefulSet).message,
      rolloutStatus('statefulset', done).message,
    ]);
    expect(rolloutStatus('statefulset', done)).toMatchObject({ done: true });
    expect(rolloutStatus('statefulset', statefulSet).message).toMatch(
      /^waiting for statefulset rolling update to complete 0 pods at revision db-2/,
    );
  });

  it('a 403: the user and the refusal in the message and hint; the Role YAML stays exact', () => {
    const message = `deployments.apps "web" is forbidden: User "ci${text.replace(/"/g, '\\"')}" cannot patch resource "deployments" in API group "apps" in the namespace "demo"`;
    const error = explainForbidden(
      new KubeApiError('PATCH', '/apis/apps/v1/x', 403, { message, code: 403 }),
      'patch deployment/web',
      'demo',
      ['deployment'],
    );
    expectInert(error.message.split('\n'));
    expect(commandLines(formatError(error))).toEqual([]);
    // The YAML must still grant exactly the user the cluster named.
    const yaml = (error.hint ?? '').split('\n').slice(3).join('\n').split('---\n')[1] ?? '';
    expect((parse(yaml) as { subjects: Array<{ name: string }> }).subjects[0]?.name).toBe(
      `ci${text}`,
    );
  });

  it("a 401: the token's claims in the explanation", () => {
    expect(commandLines(formatError(explainUnauthorized('get x', claims(text))))).toEqual([]);
  });
});

describe.each(hostile)('foreign text (%s) from STS, Chainguard and the claims', (_, text) => {
  it('AWS: the code, message and request id of a refusal, and the claims in its hint', () => {
    for (const code of ['AccessDenied', 'InvalidIdentityToken', `Weird${text}`]) {
      const error = explainAws(new StsRefusal(code, text, 400, text), {
        roleArn: 'arn:aws:iam::111122223333:role/deploy',
        partition: 'aws',
        accountId: '111122223333',
        region: 'eu-west-1',
        durationSeconds: 900,
        audience: 'sts.amazonaws.com',
        claims: claims(text),
      });
      expect(commandLines(formatError(error))).toEqual([]);
      expectInert([error.message]);
    }
  });

  it("Chainguard: the STS's message, and the claims in the hint", () => {
    const error = explainChainguard({
      status: 403,
      body: JSON.stringify({ code: 7, message: text }),
      identity: 'a1/b2',
      audience: 'cgr.dev',
      claims: claims(text),
    });
    expect(commandLines(formatError(error))).toEqual([]);
    expectInert([error.message]);
  });

  it('a bad input echoed by printable()', () => {
    expectInert([printable(text)]);
  });
});

describe('the job summary', () => {
  const evil =
    '<script>alert(1)</script> [click](https://evil.example) ![i](https://evil/i.png) a|b *x* `c`\n::set-output name=x::y ##[add-mask]z';
  const kubernetes = renderSummary(
    'kubernetes',
    claims(evil),
    kubernetesReport(
      {
        kubeconfigPath: '/tmp/run|ner/kube`config.yaml',
        target: {
          server: `https://k8s.example${evil}`,
          cluster: evil,
          context: evil,
          namespace: evil,
          user: evil,
          certificateAuthorityData: undefined,
          insecureSkipTlsVerify: false,
          tlsServerName: undefined,
        },
        credentials: 'static',
        workloads: [
          {
            kind: 'deployment',
            name: 'web',
            namespace: 'demo',
            containers: [{ name: evil, init: false, previousImage: evil, newImage: 'app:2' }],
            result: 'failed',
            seconds: 1,
            message: evil,
          },
        ],
        diagnosis: undefined,
        applied: [
          {
            kind: evil,
            apiVersion: evil,
            namespace: evil,
            name: evil,
            outcome: 'created',
            dryRun: false,
            file: evil,
          },
        ],
      },
      report(),
    ),
    true,
  );
  const aws = renderSummary(
    'aws',
    claims(''),
    awsReport({
      region: 'eu-west-1',
      assumedRoleArn: `arn:aws:sts::111122223333:assumed-role/deploy/s${evil}`,
      accountId: '111122223333',
      expiration: evil,
      roleSessionName: 's',
      credentials: { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' },
      maskAccountId: false,
      outputCredentials: false,
    }),
    false,
  );

  it.each([
    ['kubernetes', kubernetes],
    ['aws', aws],
  ])('%s: no command, tag, link or image from foreign text', (_, markdown) => {
    expect(commandLines(markdown)).toEqual([]);
    expect(markdown).not.toContain('<script');
    expect(markdown).not.toMatch(/[^\\]\]\(/);
    expect(markdown).not.toMatch(/(^|[^\\])!\[/m);
  });

  it('every table row keeps its columns: a | in a value does not end its cell', () => {
    const rows = kubernetes.split('\n').filter((l) => l.startsWith('| '));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      const cells = row.replace(/\\\|/g, '').split('|').length - 2;
      expect([2, 5], row).toContain(cells);
    }
  });

  it('shows the text literally (escaped, not dropped)', () => {
    expect(kubernetes).toContain('| context | &lt;script&gt;alert(1)&lt;/script&gt; \\[click\\]');
    expect(kubernetes).toContain('\\\\n::set-output');
    expect(kubernetes).toContain('#\\\\u0023\\[add-mask\\]z');
    // The applied-objects table is there, with the same value escaped in every cell.
    expect(kubernetes).toContain('#### Manifests (server-side apply)');
    expect(kubernetes).toContain('| created |');
  });
});

describe('an assumed-role ARN with a line break (STS answer)', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(`<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/deploy/s
::set-output name=x::y</Arn></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>secret</SecretAccessKey>
      <SessionToken>session</SessionToken>
      <Expiration>2030-01-01T00:00:00Z
##[add-mask]x</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is logged on one line, escaped', async () => {
    const lines: string[] = [];
    const log = (m: string) => lines.push(m);
    await openAwsSession(
      {
        audience: 'sts.amazonaws.com',
        roleArn: 'arn:aws:iam::111122223333:role/deploy',
        partition: 'aws',
        accountId: '111122223333',
        region: 'eu-west-1',
        roleSessionName: 's',
        durationSeconds: 900,
        stsEndpoint: url,
        maskAccountId: false,
        outputCredentials: false,
      },
      'header.payload.signature',
      claims(''),
      {
        renewToken: async () => 'fresh.token.here',
        logger: { debug: log, info: log, warning: log },
        mask: () => undefined,
      },
    );
    const assumed = lines.find((l) => l.startsWith('Assumed '));
    expect(assumed).toContain('deploy/s\\n::set-output name=x::y');
    expectInert(lines);
  });
});

// `npx tsx scripts/render-summaries.ts [OUT_DIR]`: runs the bundled action as a runner would, once
// per kind of job summary (token; kubernetes without and with a deploy; a deploy that fails and is
// rolled back; a deploy with rollout-timeout 0), against the test issuer and API server, and writes
// each summary as Markdown and as HTML (rendered with marked, GitHub-flavoured, as the job page
// renders it) so a person can review what users see. AWS and Chainguard summaries are in
// `npm run demo`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { marked } from 'marked';
import { startIssuer } from '../__tests__/fixtures/issuer.js';
import { startKubeApiServer } from '../__tests__/fixtures/kube-apiserver.js';
import { runAction, runPost } from '../__tests__/helpers/runner.js';

const out = process.argv[2] ?? join(process.cwd(), '.cache', 'summaries');
mkdirSync(out, { recursive: true });

const AUDIENCE = 'https://kubernetes.example.com';
const issuer = await startIssuer();
const server = await startKubeApiServer({
  issuer: issuer.issuer,
  audiences: [AUDIENCE],
  usernamePrefix: 'forgejo:',
  stepMs: 20,
});
server.addDeployment({ name: 'app', namespace: 'web' });
server.addDeployment({
  name: 'worker',
  namespace: 'web',
  containers: [
    { name: 'app', image: 'registry.example/app:1.0' },
    { name: 'sidecar', image: 'registry.example/proxy:2.1' },
  ],
});
server.addDeployment({ name: 'broken', namespace: 'web', progressDeadlineSeconds: 1 });

const scenes: Array<[string, Record<string, string>]> = [
  ['token', { mode: 'token', audience: 'demo' }],
  ['kubernetes', { kubeconfig: server.kubeconfig(undefined, { namespace: 'web' }) }],
  [
    'deploy',
    {
      kubeconfig: server.kubeconfig(undefined, { namespace: 'web' }),
      workloads: 'deployment/app\ndeployment/worker',
      images: `app=registry.example/app@sha256:${'a'.repeat(64)}`,
      'kubeconfig-credentials': 'refresh',
    },
  ],
  [
    'deploy-failed-rolled-back',
    {
      kubeconfig: server.kubeconfig(undefined, { namespace: 'web' }),
      workloads: 'deployment/broken',
      images: 'broken=registry.example/broken:does-not-exist',
      'rollout-timeout': '20s',
      'rollback-on-failure': 'true',
    },
  ],
  [
    'deploy-no-wait',
    {
      kubeconfig: server.kubeconfig(undefined, { namespace: 'web' }),
      workloads: 'deployment/app',
      images: 'app=registry.example/app:2.0',
      'rollout-timeout': '0',
      'show-claims': 'false',
    },
  ],
];

try {
  for (const [name, inputs] of scenes) {
    const run = await runAction({ inputs: { audience: AUDIENCE, ...inputs }, env: issuer.env() });
    await runPost(run);
    writeFileSync(join(out, `${name}.md`), run.summary);
    const html = await marked.parse(run.summary, { gfm: true });
    writeFileSync(join(out, `${name}.html`), html);
    console.log(`${name}: exit ${run.code}, ${join(out, `${name}.html`)}`);
    const failure = run.stdout.split('\n').find((line) => line.startsWith('::error::'));
    if (failure) console.log(`  ${failure.slice(0, 400)}`);
  }
} finally {
  await server.close();
  await issuer.close();
}

import { existsSync } from 'node:fs';
import { startIssuer } from '../../__tests__/fixtures/issuer.js';
import { startKubeApiServer } from '../../__tests__/fixtures/kube-apiserver.js';
import { runAction, runPost } from '../../__tests__/helpers/runner.js';
import { laterStep } from './job.js';
import { showRun, step } from './show.js';

export const title =
  'kubernetes mode: a kubeconfig whose user is the job, for kubectl in later steps';

const AUDIENCE = 'https://kubernetes.demo';

export async function run(): Promise<void> {
  const issuer = await startIssuer({ shape: 'forgejo' });
  const server = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: [AUDIENCE],
    usernamePrefix: 'forgejo:',
  });
  try {
    server.addDeployment({ name: 'web', namespace: 'demo' });
    server.addDeployment({ name: 'api', namespace: 'demo', replicas: 2 });
    step(
      `A test Kubernetes API server on ${server.url}: its AuthenticationConfiguration trusts ${issuer.issuer} for audience ${AUDIENCE}, users "forgejo:<sub>"`,
    );
    step(
      `uses: oidc-deploy-action  with: { kubeconfig: \${{ vars.KUBERNETES_CONFIG }}, namespace: demo, audience: ${AUDIENCE} }`,
    );
    const kubeconfig = Buffer.from(server.kubeconfig()).toString('base64');
    const main = await runAction({
      inputs: { kubeconfig, namespace: 'demo', audience: AUDIENCE },
      env: issuer.env(),
    });
    showRun(main);
    if (main.code !== 0) throw new Error('the kubernetes step failed');

    step('A later step: run: kubectl get deployments   (KUBECONFIG comes from GITHUB_ENV)');
    const got = await laterStep(main, issuer.env(), ['get', 'deployments']);
    if (got.code !== 0) throw new Error('kubectl could not use the written kubeconfig');
    const who = server.requests.at(-1)?.user;
    step(`The API server saw the user ${who ?? '(none)'}`);
    if (who !== `forgejo:${issuer.subject}`) throw new Error('the API server saw another user');
    step("Another later step rolls out a new image with kubectl, as the job's user");
    await laterStep(main, issuer.env(), ['set', 'image', 'deployment/web', 'web=nginx:1.27']);
    const rollout = await laterStep(main, issuer.env(), [
      'rollout',
      'status',
      'deployment/web',
      '--timeout=60s',
    ]);
    if (rollout.code !== 0) throw new Error('the rollout did not complete');

    step('The post step removes the kubeconfig');
    const post = await runPost(main);
    showRun(post);
    if (post.code !== 0 || existsSync(main.exported['KUBECONFIG'] ?? ''))
      throw new Error('the post step did not remove the kubeconfig');

    step(
      'The same step with audience: wrong: the step asks the cluster who the job is (verify-access), the cluster refuses the token, and the step fails with what to check',
    );
    const wrong = await runAction({
      inputs: { kubeconfig, namespace: 'demo', audience: 'wrong' },
      env: issuer.env(),
    });
    showRun({ ...wrong, summary: '' });
    if (wrong.code === 0) throw new Error('the step did not fail on a refused token');
    step(`The API server's log says why: ${server.authFailures.at(-1) ?? ''}`);
    await runPost(wrong);
  } finally {
    await server.close();
    await issuer.close();
  }
}

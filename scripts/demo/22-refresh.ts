import { decodeJwt } from 'jose';
import { startIssuer } from '../../__tests__/fixtures/issuer.js';
import { startKubeApiServer } from '../../__tests__/fixtures/kube-apiserver.js';
import { kubectl } from '../../__tests__/fixtures/kube/kubectl.js';
import { runAction, runPost, type RunResult } from '../../__tests__/helpers/runner.js';
import { expect, laterStepEnv } from './job.js';
import { showRun, step } from './show.js';

export const title =
  'kubernetes credentials that outlive the ID token: refresh (the default) against static';

const AUDIENCE = 'https://kubernetes.demo';
// GitHub's ID tokens live 5 minutes; the demo's live 4 seconds, so the wait stays short.
const LIFETIME_SECONDS = 4;

export async function run(): Promise<void> {
  const issuer = await startIssuer({ shape: 'github', lifetimeSeconds: LIFETIME_SECONDS });
  const server = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: [AUDIENCE],
    usernamePrefix: 'github:',
  });
  server.addDeployment({ name: 'web', namespace: 'demo' });
  const kubeconfig = server.kubeconfig(undefined, { namespace: 'demo' });
  try {
    step(
      `A GitHub-shaped issuer whose ID tokens live ${LIFETIME_SECONDS} s (GitHub's live 5 minutes), and a test API server that trusts it`,
    );

    const runs: Record<'refresh' | 'static', RunResult> = {
      refresh: await deployStep('refresh'),
      static: await deployStep('static'),
    };

    const latest = Math.max(...issuer.issued.map((t) => decodeJwt(t).exp ?? 0));
    const wait = latest * 1000 - Date.now() + 1500;
    step(
      `A long build step: ${(wait / 1000).toFixed(1)} s pass, every token minted so far expires`,
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 0)));

    step('A later step of the refresh job: run: kubectl get deployment web');
    const minted = issuer.issued.length;
    const fresh = await laterKubectl(runs.refresh);
    expect(fresh.code === 0, 'kubectl with refresh credentials was refused after the expiry');
    expect(
      issuer.issued.length > minted,
      "kubectl did not run the action's credential plugin for a fresh token",
    );
    step(
      `kubectl ran the action's credential plugin, which requested a fresh ID token from the job's endpoint`,
    );

    step('A later step of the static job: run: kubectl get deployment web');
    const stale = await laterKubectl(runs.static);
    expect(stale.code !== 0, 'kubectl with the expired static token was let in');
    step(`The API server's log says why: ${server.authFailures.at(-1) ?? ''}`);

    for (const run of Object.values(runs)) await runPost(run);
  } finally {
    await server.close();
    await issuer.close();
  }

  async function deployStep(credentials: 'refresh' | 'static'): Promise<RunResult> {
    step(
      `uses: oidc-deploy-action  with: { kubeconfig, audience: ${AUDIENCE}, kubeconfig-credentials: ${credentials}, show-claims: false }`,
    );
    const run = await runAction({
      inputs: {
        kubeconfig,
        audience: AUDIENCE,
        'kubeconfig-credentials': credentials,
        'show-claims': 'false',
      },
      env: issuer.env(),
    });
    showRun({ ...run, summary: '' });
    expect(run.code === 0, `the ${credentials} step failed`);
    return run;
  }

  async function laterKubectl(run: RunResult) {
    const args = ['get', 'deployment', 'web', '-o', 'name'];
    const result = await kubectl(args, {
      kubeconfigPath: run.exported['KUBECONFIG'] ?? '',
      env: laterStepEnv(run, issuer.env()),
    });
    console.log(`  $ kubectl ${args.join(' ')}`);
    for (const line of (result.stdout + result.stderr).trimEnd().split('\n'))
      console.log(`  │ ${line}`);
    console.log(`  └ exit code ${result.code}\n`);
    return result;
  }
}

import { startIssuer } from '../../__tests__/fixtures/issuer.js';
import { runAction } from '../../__tests__/helpers/runner.js';
import { showRun, step } from './show.js';

export const title = 'token mode: the job asks its CI for an OIDC ID token';

export async function run(): Promise<void> {
  const issuer = await startIssuer({ shape: 'forgejo' });
  try {
    step(
      `A Forgejo-shaped token endpoint and issuer on ${issuer.origin} (enable-openid-connect: true)`,
    );
    step('uses: oidc-deploy-action  with: { mode: token, audience: demo }');
    showRun(await runAction({ inputs: { mode: 'token', audience: 'demo' }, env: issuer.env() }));
    step('The same step in a job without OIDC enabled');
    showRun(await runAction({ inputs: { mode: 'token' } }));
  } finally {
    await issuer.close();
  }
}

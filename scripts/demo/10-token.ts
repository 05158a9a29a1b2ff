import { startIssuer } from '../../__tests__/fixtures/issuer.js';
import { runAction } from '../../__tests__/helpers/runner.js';
import { expect } from './job.js';
import { showRun, step } from './show.js';

export const title = 'token mode: the job asks its CI for an OIDC ID token';

export async function run(): Promise<void> {
  const issuer = await startIssuer({ shape: 'forgejo' });
  try {
    step(
      `A Forgejo-shaped token endpoint and issuer on ${issuer.origin} (enable-openid-connect: true)`,
    );
    step('uses: oidc-deploy-action  with: { mode: token, audience: demo }');
    const ok = await runAction({ inputs: { mode: 'token', audience: 'demo' }, env: issuer.env() });
    showRun(ok);
    expect(ok.code === 0 && ok.outputs['id-token'], 'the token step gave no id-token output');
    step(
      `outputs: subject = ${ok.outputs['subject'] ?? ''}, audience = ${ok.outputs['audience'] ?? ''}`,
    );
    expect(ok.outputs['subject'] === issuer.subject, "the subject output is not the token's sub");
    step('The same step in a job without OIDC enabled');
    const off = await runAction({ inputs: { mode: 'token' } });
    showRun(off);
    expect(off.code !== 0, 'the step without OIDC did not fail');
  } finally {
    await issuer.close();
  }
}

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChainguardSts } from '../../__tests__/fixtures/chainguard-sts.js';
import { startIssuer } from '../../__tests__/fixtures/issuer.js';
import { runAction, runPost } from '../../__tests__/helpers/runner.js';
import { expect, showsSubject } from './job.js';
import { masked, showRun, step } from './show.js';

export const title = 'chainguard mode: the ID token becomes a Chainguard token and a cgr.dev login';

const IDENTITY = `${'0123456789'.repeat(4)}/${'89abcdef'.repeat(2)}`;

export async function run(): Promise<void> {
  const issuer = await startIssuer({ shape: 'forgejo' });
  const sts = await startChainguardSts({
    identities: { [IDENTITY]: { issuer: issuer.issuer, subject: issuer.subject } },
  });
  // No docker on PATH: the action writes the login into a Docker config of the job.
  const noDocker = mkdtempSync(join(tmpdir(), 'oidc-deploy-demo-'));
  try {
    step(`A local Chainguard STS on ${sts.origin}; identity ${IDENTITY}`);
    step(
      `  its claim_match: issuer ${issuer.issuer}, subject ${issuer.subject}, audience issuer.enforce.dev`,
    );
    step('uses: oidc-deploy-action  with: { chainguard-identity, chainguard-issuer } (no docker)');
    const main = await runAction({
      inputs: { 'chainguard-identity': IDENTITY, 'chainguard-issuer': sts.origin },
      env: { ...issuer.env(), PATH: noDocker },
    });
    showRun(main);
    expect(main.code === 0, 'the chainguard step failed');
    const dockerConfig = main.exported['DOCKER_CONFIG'];
    expect(dockerConfig, 'the action exported no DOCKER_CONFIG');
    {
      step(`A later step sees DOCKER_CONFIG=${dockerConfig}; its config.json (auth masked):`);
      const text = readFileSync(join(dockerConfig, 'config.json'), 'utf8');
      const token = main.outputs['chainguard-token'] ?? '';
      const auth = Buffer.from(`_token:${token}`).toString('base64');
      console.log(
        masked(main, text.split(auth).join('***'))
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n'),
      );
      step('The post step');
      const post = await runPost(main, { env: { PATH: noDocker } });
      showRun(post);
      expect(post.code === 0 && !existsSync(dockerConfig), 'the post step left the Docker config');
    }

    step('The same step for an identity whose claim_match names another repository');
    const other = `${'0123456789'.repeat(4)}/${'fedcba98'.repeat(2)}`;
    sts.identities.set(other, {
      issuer: issuer.issuer,
      subject: 'repo:org/other:ref:refs/heads/main',
    });
    const refused = await runAction({
      inputs: {
        'chainguard-identity': other,
        'chainguard-issuer': sts.origin,
        'show-claims': 'false',
      },
      env: { ...issuer.env(), PATH: noDocker },
    });
    showRun(refused);
    expect(
      refused.code !== 0 && showsSubject(refused.stdout, issuer.subject),
      "the refusal does not print the token's sub",
    );
  } finally {
    await sts.close();
    await issuer.close();
    rmSync(noDocker, { recursive: true, force: true });
  }
}

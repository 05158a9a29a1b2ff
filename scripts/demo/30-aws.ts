import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startIssuer } from '../../__tests__/fixtures/issuer.js';
import { motoInstalled, startMoto } from '../../__tests__/fixtures/moto.js';
import { startSts } from '../../__tests__/fixtures/sts.js';
import { runAction } from '../../__tests__/helpers/runner.js';
import { expect, laterStepEnv, showsSubject } from './job.js';
import { masked, showRun, step } from './show.js';
import { AWS_VARIABLES } from '../../src/aws/report.js';

export const title = 'aws mode: the ID token becomes AWS credentials (AssumeRoleWithWebIdentity)';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';

export async function run(): Promise<void> {
  const issuer = await startIssuer({ shape: 'forgejo' });
  try {
    if (!motoInstalled()) {
      step(
        'moto_server is not installed: skipping the run against a real STS (pip install "moto[server]")',
      );
    } else {
      const moto = await startMoto();
      try {
        step(`moto_server (a real STS implementation) on ${moto.url}`);
        step(
          `uses: oidc-deploy-action  with: { role-to-assume: ${ROLE}, aws-region: eu-west-1, sts-endpoint: ${moto.url} }`,
        );
        const result = await runAction({
          inputs: { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'sts-endpoint': moto.url },
          env: issuer.env(),
        });
        showRun(result);
        expect(result.code === 0, 'the aws step failed against moto');
        step('GITHUB_ENV now holds (as the runner shows it, masked)');
        for (const name of AWS_VARIABLES)
          console.log(`  │ ${name}=${masked(result, result.exported[name] ?? '')}`);
        step(`A later step: aws --endpoint-url ${moto.url} sts get-caller-identity`);
        // The later step's environment: the job's, with what the action exported (the AWS_*
        // variables); no config or credentials file of the machine's user.
        const env: Record<string, string> = {
          PATH: process.env['PATH'] ?? '',
          HOME: result.dirs.home,
          AWS_CONFIG_FILE: join(result.dirs.home, 'none'),
          AWS_SHARED_CREDENTIALS_FILE: join(result.dirs.home, 'none'),
          ...laterStepEnv(result, issuer.env()),
        };
        for (const name of AWS_VARIABLES) expect(env[name], `the action exported no ${name}`);
        const { stdout } = await promisify(execFile)(
          'aws',
          ['--endpoint-url', moto.url, 'sts', 'get-caller-identity', '--output', 'json'],
          { env },
        );
        console.log(masked(result, stdout).replace(/^/gm, '  │ '));
        expect(stdout.includes('assumed-role/deploy/'), 'the aws CLI is not the assumed role');
      } finally {
        await moto.stop();
      }
    }

    const sts = await startSts();
    try {
      sts.always = { code: 'AccessDenied' };
      step(
        `A test STS on ${sts.url} that answers AccessDenied, as AWS does when the role's trust policy does not admit the token`,
      );
      const denied = await runAction({
        inputs: { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'sts-endpoint': sts.url },
        env: issuer.env(),
      });
      showRun(denied);
      expect(
        denied.code !== 0 && showsSubject(denied.stdout, issuer.subject),
        "the refusal does not print the token's sub",
      );
    } finally {
      await sts.close();
    }
  } finally {
    await issuer.close();
  }
}

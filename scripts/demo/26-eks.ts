import { eksAuthenticator, startEksFront } from '../../__tests__/fixtures/eks.js';
import { startIssuer } from '../../__tests__/fixtures/issuer.js';
import { startKubeApiServer } from '../../__tests__/fixtures/kube-apiserver.js';
import { motoInstalled, startMoto } from '../../__tests__/fixtures/moto.js';
import { runAction, runPost } from '../../__tests__/helpers/runner.js';
import { expect, laterStep } from './job.js';
import { showRun, step } from './show.js';

export const title =
  'kubernetes mode, eks-cluster: the ID token becomes an IAM role, the role an EKS token, for kubectl in later steps';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;

export async function run(): Promise<void> {
  if (!motoInstalled()) {
    step('moto_server is not installed: skipping the EKS scene (pip install "moto[server]")');
    return;
  }
  const [issuer, moto] = await Promise.all([startIssuer({ shape: 'forgejo' }), startMoto()]);
  // The cluster checks each EKS token's signature against STS (moto) and maps the role through an
  // access entry, as EKS does.
  const authenticator = eksAuthenticator({
    motoUrl: moto.url,
    region: REGION,
    clusterId: 'demo',
    accessEntries: { [ROLE]: { username: 'deployer', groups: ['deployers'] } },
  });
  const server = await startKubeApiServer({
    issuer: 'https://issuer.invalid',
    audiences: ['unused'],
    eks: authenticator,
  });
  const front = await startEksFront({
    motoUrl: moto.url,
    region: REGION,
    account: ACCOUNT,
    clusters: { demo: { endpoint: server.url, caData: server.caData } },
  });
  try {
    server.addDeployment({ name: 'web', namespace: 'demo' });
    step(
      `moto_server (STS) on ${moto.url}, a test EKS API (DescribeCluster, SigV4 checked) on ${front.url}, the cluster on ${server.url} with an access entry for ${ROLE}`,
    );
    const inputs = {
      'eks-cluster': 'demo',
      'role-to-assume': ROLE,
      'aws-region': REGION,
      namespace: 'demo',
      'sts-endpoint': moto.url,
      'eks-endpoint': front.url,
    };
    step(
      `uses: oidc-deploy-action  with: { eks-cluster: demo, role-to-assume: ${ROLE}, aws-region: ${REGION}, namespace: demo }   (+ the test endpoints)`,
    );
    const main = await runAction({ inputs, env: issuer.env() });
    showRun(main);
    expect(main.code === 0, 'the eks step failed');

    step(
      'A later step: kubectl get deployments. The kubeconfig runs the action as its credential plugin, which mints a fresh EKS token when the last one expires',
    );
    const got = await laterStep(main, issuer.env(), ['get', 'deployments']);
    expect(got.code === 0, 'kubectl could not use the written kubeconfig');
    const who = server.requests.at(-1)?.user;
    step(`The API server saw the user ${who ?? '(none)'} (the access entry's username)`);
    expect(who === 'deployer', 'the API server saw another user');
    await runPost(main);

    const other = `arn:aws:iam::${ACCOUNT}:role/other`;
    step(
      `The same step with role-to-assume: ${other}, a role the cluster has no access entry for: the step fails with the commands that map it`,
    );
    const refused = await runAction({
      inputs: { ...inputs, 'role-to-assume': other },
      env: issuer.env(),
    });
    showRun({ ...refused, summary: '' });
    expect(
      refused.code !== 0 && refused.stdout.includes('aws eks create-access-entry'),
      'the refusal does not print the access entry command',
    );
    await runPost(refused);
  } finally {
    await Promise.all([front.close(), server.close(), issuer.close()]);
    await moto.stop();
  }
}

// explain.ts: each refusal names what to fix, with the exact ARNs.
import { describe, expect, it } from 'vitest';
import { EksRefusal } from '../../../../src/kubernetes/sources/eks/describe-cluster.js';
import {
  clusterArn,
  describeClusterPolicy,
  explainDescribeCluster,
  explainEksUnauthorized,
  roleArnOfSession,
  type EksContext,
} from '../../../../src/kubernetes/sources/eks/explain.js';

const context = (overrides: Partial<EksContext> = {}): EksContext => ({
  cluster: 'demo',
  region: 'eu-west-1',
  partition: 'aws',
  accountId: '111122223333',
  roleArn: 'arn:aws:iam::111122223333:role/deploy',
  assumedRoleArn: 'arn:aws:sts::111122223333:assumed-role/deploy/oidc-deploy-org-app-42',
  namespace: 'demo',
  ...overrides,
});

describe('roleArnOfSession', () => {
  it.each([
    ['arn:aws:sts::111122223333:assumed-role/deploy/s', 'arn:aws:iam::111122223333:role/deploy'],
    ['arn:aws-cn:sts::111122223333:assumed-role/ci/s', 'arn:aws-cn:iam::111122223333:role/ci'],
    ['arn:aws:iam::111122223333:user/moto', 'FALLBACK'],
  ])('%s -> %s', (session, role) => {
    expect(roleArnOfSession(session, 'FALLBACK')).toBe(role);
  });
});

describe('DescribeCluster refusals', () => {
  it('ResourceNotFoundException names the cluster, region and the list-clusters command', () => {
    const error = explainDescribeCluster(
      new EksRefusal('ResourceNotFoundException', 'No cluster found for name: demo.', 404, 'r-1'),
      context(),
    );
    expect(error.message).toContain('Input "eks-cluster"');
    expect(error.message).toContain('"demo" in region eu-west-1');
    expect(error.message).toContain('request id r-1');
    expect(error.hint).toContain('aws eks list-clusters --region eu-west-1');
  });

  it('AccessDeniedException prints a policy statement for eks:DescribeCluster on the cluster ARN', () => {
    const error = explainDescribeCluster(
      new EksRefusal('AccessDeniedException', 'not authorized', 403, undefined),
      context({ partition: 'aws-cn', region: 'cn-north-1' }),
    );
    expect(error.message).toContain('may not describe EKS cluster "demo"');
    const json = /\{[\s\S]*\}/.exec(error.hint ?? '')?.[0] ?? '';
    expect(JSON.parse(json)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'eks:DescribeCluster',
          Resource: 'arn:aws-cn:eks:cn-north-1:111122223333:cluster/demo',
        },
      ],
    });
    expect(describeClusterPolicy(context())).toMatchObject({
      Statement: [{ Resource: clusterArn(context()) }],
    });
  });

  it('another code is said as EKS said it', () => {
    const error = explainDescribeCluster(
      new EksRefusal('ServerException', 'boom', 500, undefined),
      context(),
    );
    expect(error.message).toMatch(/ServerException, "boom"; HTTP 500/);
  });
});

describe('the cluster 401', () => {
  it('names both causes and the role ARN of the session, not the session ARN, in the commands', () => {
    const error = explainEksUnauthorized('get deployment/web', context());
    expect(error.message).toContain('arn:aws:iam::111122223333:role/deploy');
    expect(error.message).toContain('get deployment/web');
    const hint = error.hint ?? '';
    expect(hint).toContain(
      'aws eks create-access-entry --cluster-name demo --region eu-west-1 --principal-arn arn:aws:iam::111122223333:role/deploy --type STANDARD',
    );
    expect(hint).toContain('aws eks associate-access-policy');
    expect(hint).toContain('namespaces=demo');
    expect(hint).toContain('rolearn: arn:aws:iam::111122223333:role/deploy');
    expect(hint).toMatch(/1\. The role is not mapped/);
    expect(hint).toMatch(/2\. The token was refused/);
    expect(hint).not.toMatch(/--principal-arn arn:aws:sts/);
  });

  it('says how a role path is written', () => {
    const error = explainEksUnauthorized(
      'get deployment/web',
      context({ roleArn: 'arn:aws:iam::111122223333:role/ci/deploy' }),
    );
    expect(error.hint).toContain(
      'role-to-assume has a path (arn:aws:iam::111122223333:role/ci/deploy)',
    );
  });
});

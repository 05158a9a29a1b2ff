// What to fix when EKS or the cluster refuses: DescribeCluster's refusals, and the plain 401 an
// EKS cluster answers for a role it does not map (or a token it does not accept).
import { ActionError } from '../../../base/errors.js';
import { foreign, inertQuoted } from '../../../base/untrusted.js';
import type { EksRefusal } from './describe-cluster.js';

export interface EksContext {
  cluster: string;
  region: string;
  partition: string;
  accountId: string;
  /** role-to-assume, as given (may carry a path). */
  roleArn: string;
  /** The assumed-role session ARN STS returned. */
  assumedRoleArn: string;
  /** The namespace the deploy works in (for the access policy's scope). */
  namespace?: string;
}

export function clusterArn(context: EksContext): string {
  return `arn:${context.partition}:eks:${context.region}:${context.accountId}:cluster/${context.cluster}`;
}

/**
 * The IAM role ARN an access entry (or aws-auth) must name: from the session ARN
 * `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION` -> `arn:PARTITION:iam::ACCOUNT:role/NAME`,
 * as EKS maps it (the session ARN carries no role path). Falls back to role-to-assume.
 */
export function roleArnOfSession(assumedRoleArn: string, fallback: string): string {
  const m = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(assumedRoleArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : fallback;
}

/** A policy statement granting eks:DescribeCluster on exactly this cluster. */
export function describeClusterPolicy(context: EksContext): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: clusterArn(context) }],
  };
}

/** DescribeCluster's final refusal as what to fix. */
export function explainDescribeCluster(refusal: EksRefusal, context: EksContext): ActionError {
  const said = `EKS: ${refusal.code}${refusal.eksMessage ? `, "${foreign(refusal.eksMessage, 300)}"` : ''}${refusal.requestId ? `, request id ${refusal.requestId}` : ''}`;
  const cluster = foreign(context.cluster, 100);
  switch (refusal.code) {
    case 'ResourceNotFoundException':
      return new ActionError(
        `Input "eks-cluster": EKS has no cluster "${cluster}" in region ${context.region} of account ${foreign(context.accountId, 40)} (${said}).`,
        `Check the name and the region ("aws-region"): aws eks list-clusters --region ${context.region} lists the clusters there.`,
      );
    case 'AccessDeniedException':
    case 'UnauthorizedException':
    case 'UnrecognizedClientException':
      return new ActionError(
        `The role ${foreign(context.assumedRoleArn)} may not describe EKS cluster "${cluster}" (${said}).`,
        [
          `Allow eks:DescribeCluster on ${foreign(clusterArn(context))} in a policy of role ${foreign(context.roleArn)}, e.g. this statement (aws iam put-role-policy --role-name NAME --policy-name eks-describe --policy-document file://policy.json):`,
          inertQuoted(JSON.stringify(describeClusterPolicy(context), null, 2)),
          'That is all the IAM the action needs; what the role may do in the cluster comes from its access entry.',
        ].join('\n'),
      );
    case 'InvalidParameterException':
      return new ActionError(`EKS refused DescribeCluster for "${cluster}" as invalid (${said}).`);
    default:
      return new ActionError(
        `EKS refused DescribeCluster for "${cluster}" (${said}; HTTP ${refusal.status}).`,
      );
  }
}

/**
 * The cluster's 401 for an EKS token. EKS answers the same plain 401 for an unmapped role and a
 * bad token, so the hint names both, with the exact role ARN to map.
 */
export function explainEksUnauthorized(doing: string, context: EksContext): ActionError {
  const role = roleArnOfSession(context.assumedRoleArn, context.roleArn);
  const cluster = foreign(context.cluster, 100);
  const partition = context.partition;
  const namespace = context.namespace ?? 'default';
  const entry = `aws eks create-access-entry --cluster-name ${cluster} --region ${context.region} --principal-arn ${foreign(role)} --type STANDARD`;
  const policy = `aws eks associate-access-policy --cluster-name ${cluster} --region ${context.region} --principal-arn ${foreign(role)} --policy-arn arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy --access-scope type=namespace,namespaces=${foreign(namespace, 63)}`;
  const lines = [
    'EKS answers this same 401 for two causes and does not say which:',
    `1. The role is not mapped to a Kubernetes user. EKS maps the IAM role ${foreign(role)} (the role of session ${foreign(context.assumedRoleArn)}), not the session, with an access entry:`,
    `   ${entry}`,
    `   ${policy}`,
    "   (the cluster's authentication mode must include API: aws eks update-cluster-config --name CLUSTER --access-config authenticationMode=API_AND_CONFIG_MAP)",
    '   Or, in a cluster on the aws-auth ConfigMap (kubectl edit -n kube-system configmap/aws-auth), under mapRoles:',
    `     - rolearn: ${foreign(role)}`,
    '       username: oidc-deploy',
    '       groups: [oidc-deploy]   # bound to a Role with a RoleBinding',
  ];
  if (
    role !== context.roleArn &&
    context.roleArn.includes('/', context.roleArn.indexOf(':role/') + 6)
  ) {
    lines.push(
      `   role-to-assume has a path (${foreign(context.roleArn)}): an access entry takes that full ARN; aws-auth takes it without the path, as above.`,
    );
  }
  lines.push(
    `2. The token was refused: it is a presigned STS GetCallerIdentity URL for cluster "${cluster}" (x-k8s-aws-id) at sts.${context.region}, valid 15 minutes from its signing. Check that the cluster is "${cluster}" in ${context.region}, and the runner's clock.`,
  );
  return new ActionError(
    `The EKS cluster "${cluster}" did not accept the EKS token of role ${foreign(role)} (401 Unauthorized) when asked to ${doing}.`,
    lines.join('\n'),
  );
}

import { ActionError } from '../../../base/errors.js';
import type { InputReader } from '../../../base/input-reader.js';
import { printable } from '../../../base/untrusted.js';
import { serviceEndpoint } from '../../../aws/endpoints.js';
import { EMPTY_INPUT_HINT } from '../../../base/validate.js';
import { readAwsRole, type AwsRole } from '../../../aws/settings.js';

export interface EksSettings {
  cluster: string;
  /** Explicit EKS API endpoint (eks-endpoint, AWS_ENDPOINT_URL_EKS, AWS_ENDPOINT_URL: aws/endpoints.ts); undefined: the regional one. */
  eksEndpoint: string | undefined;
  /** The role the EKS token is made with, read as aws mode reads it. */
  role: AwsRole;
  /** `eks-export-aws-credentials`: export the AWS variables as aws mode does. */
  exportAwsCredentials: boolean;
}

// EKS's CreateCluster rule for a cluster name.
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** `eks-cluster` and what goes with it: the role (read as aws mode does) and the EKS endpoint. */
export function readEksSettings(input: InputReader, env: NodeJS.ProcessEnv): EksSettings {
  const cluster = input.text('eks-cluster');
  if (!EKS_CLUSTER_NAME.test(cluster)) {
    throw new ActionError(
      `Input "eks-cluster" is "${printable(cluster)}", which is not an EKS cluster name.`,
      'A cluster name is 1 to 100 letters, digits, "-" and "_", starting with a letter or digit (aws eks list-clusters lists them).',
    );
  }
  if (!input.text('role-to-assume')) {
    throw new ActionError(
      'Input "role-to-assume" is empty, and "eks-cluster" needs it.',
      `Give the ARN of the role the EKS token is made with, e.g. arn:aws:iam::123456789012:role/deploy (docs/aws.md, EKS).\n${EMPTY_INPUT_HINT}`,
    );
  }
  if (!input.text('aws-region')) {
    throw new ActionError(
      'Input "aws-region" is empty, and "eks-cluster" needs it.',
      `Give the cluster's region, e.g. eu-west-1.\n${EMPTY_INPUT_HINT}`,
    );
  }
  const role = readAwsRole(input, env, undefined);
  return {
    cluster,
    eksEndpoint: serviceEndpoint(input, 'eks-endpoint', env, 'EKS')?.url,
    role,
    exportAwsCredentials: input.boolean('eks-export-aws-credentials', true),
  };
}

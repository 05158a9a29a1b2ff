// The role inputs, read as aws mode reads them; the EKS cluster source reads the same.
import { ActionError } from '../base/errors.js';
import { partitionOf } from './partition.js';
import type { InputReader } from '../base/input-reader.js';
import { printable } from '../base/untrusted.js';
import { serviceEndpoint } from './endpoints.js';

export { partitionOf } from './partition.js';

/** Inputs only a role's reader reads (no default in action.yml): given means set. */
export const ROLE_INPUTS = ['role-to-assume', 'aws-region', 'role-session-name', 'sts-endpoint'];

/** A role to assume with the ID token, and what to do with its session. */
export interface AwsRole {
  /** The audience the ID token is requested for (STS checks it against the OIDC provider). */
  audience: string;
  roleArn: string;
  partition: string;
  accountId: string;
  region: string;
  roleSessionName: string;
  durationSeconds: number;
  /** Explicit endpoint (sts-endpoint, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL: endpoints.ts); undefined: the regional one. */
  stsEndpoint: string | undefined;
  maskAccountId: boolean;
  outputCredentials: boolean;
}

/** aws mode's default audience, as configure-aws-credentials requests it. */
export const AWS_AUDIENCE = 'sts.amazonaws.com';

const ROLE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::(\d{12}):role\/(?:[\x21-\x7e]{1,510}\/)?[\w+=,.@-]{1,64}$/;
// eusc-de-east-1 (the European Sovereign Cloud, partition aws-eusc) has a four-letter prefix.
const REGION = /^(?:[a-z]{2}|eusc)(?:-[a-z]+)+-\d{1,2}$/;

/** role-to-assume, aws-region, role-session-name, role-duration-seconds, sts-endpoint... */
export function readAwsRole(
  input: InputReader,
  env: NodeJS.ProcessEnv,
  audience: string | undefined,
): AwsRole {
  const roleArn = input.text('role-to-assume');
  if (!roleArn) {
    throw new ActionError(
      'AWS mode needs input "role-to-assume".',
      'Give the ARN of the role to assume, e.g. arn:aws:iam::123456789012:role/deploy.',
    );
  }
  const arn = ROLE_ARN.exec(roleArn);
  if (!arn) {
    throw new ActionError(
      `Input "role-to-assume" is "${printable(roleArn)}", which is not an IAM role ARN.`,
      'It looks like arn:aws:iam::123456789012:role/NAME (arn:aws-cn:... in China, arn:aws-us-gov:... in GovCloud).',
    );
  }
  const region = input.text('aws-region');
  if (!region) {
    throw new ActionError(
      'AWS mode needs input "aws-region".',
      'Give the region to use, e.g. eu-west-1; it picks the regional STS endpoint and is exported as AWS_REGION.',
    );
  }
  if (!REGION.test(region)) {
    throw new ActionError(
      `Input "aws-region" is "${printable(region)}", which is not an AWS region.`,
      'Regions look like us-east-1, eu-central-1 or cn-north-1.',
    );
  }
  const partition = arn[1] as string;
  if (partitionOf(region) !== partition) {
    throw new ActionError(
      `Input "role-to-assume" is in partition ${partition}, but "aws-region" ${region} is in ${partitionOf(region)}.`,
      'A role can only be assumed through an STS endpoint of its own partition: fix the ARN or the region.',
    );
  }

  const durationText = input.text('role-duration-seconds') || '3600';
  const durationSeconds = Number(durationText);
  if (!/^\d+$/.test(durationText) || durationSeconds < 900 || durationSeconds > 43200) {
    throw new ActionError(
      `Input "role-duration-seconds" is "${printable(durationText)}"; it must be a whole number from 900 to 43200.`,
      "The role's MaxSessionDuration may lower the upper bound (default 3600).",
    );
  }

  const sessionInput = input.text('role-session-name');
  let roleSessionName: string;
  if (sessionInput) {
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionInput)) {
      throw new ActionError(
        `Input "role-session-name" is "${printable(sessionInput)}".`,
        'A session name is 2 to 64 characters of letters, digits and _+=,.@-.',
      );
    }
    roleSessionName = sessionInput;
  } else {
    roleSessionName = defaultSessionName(env);
  }

  const stsEndpoint = serviceEndpoint(input, 'sts-endpoint', env, 'STS')?.url;

  return {
    audience: audience ?? AWS_AUDIENCE,
    roleArn,
    partition,
    accountId: arn[2] as string,
    region,
    roleSessionName,
    durationSeconds,
    stsEndpoint,
    maskAccountId: input.boolean('mask-aws-account-id', false),
    outputCredentials: input.boolean('output-credentials', false),
  };
}

/** `oidc-deploy-OWNER-REPO-RUNID`, reduced to what STS accepts. */
export function defaultSessionName(env: NodeJS.ProcessEnv): string {
  const repository = (env['GITHUB_REPOSITORY'] ?? '').replace(/\//g, '-');
  const runId = env['GITHUB_RUN_ID'] ?? '';
  const parts = ['oidc-deploy', repository, runId].filter(Boolean).join('-');
  const cleaned = parts.replace(/[^\w+=,.@-]/g, '-');
  if (cleaned.length <= 64) return cleaned;
  // Keep the run id, which tells sessions apart, and shorten the repository.
  const tail = runId ? `-${runId.replace(/[^\w+=,.@-]/g, '-')}` : '';
  return cleaned.slice(0, 64 - tail.length) + tail;
}

import { defineMode } from '../contract.js';
import { AWS_MODE_INPUTS, readAwsSettings, type AwsSettings } from './settings.js';

export type { AwsSettings } from './settings.js';

/**
 * aws: the ID token assumes a role (STS AssumeRoleWithWebIdentity), or with role-chaining the
 * credentials of an earlier step assume it (AssumeRole, no ID token); AWS_* are exported, a
 * profile written, ECR logged in to, as the inputs ask.
 */
export const awsMode = defineMode<AwsSettings>({
  name: 'aws',
  picks: ['role-to-assume'],
  owns: AWS_MODE_INPUTS,
  reads: ['role-duration-seconds', 'mask-aws-account-id', 'output-credentials'],
  read: readAwsSettings,
  load: () => import('./run.js'),
});

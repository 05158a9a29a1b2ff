import { ROLE_INPUTS, readAwsRole } from '../../aws/settings.js';
import { defineMode } from '../contract.js';
import type { AwsSettings } from './settings.js';

export type { AwsSettings } from './settings.js';

/** aws: the ID token assumes a role (STS AssumeRoleWithWebIdentity); AWS_* are exported. */
export const awsMode = defineMode<AwsSettings>({
  name: 'aws',
  picks: ['role-to-assume'],
  owns: ROLE_INPUTS,
  reads: ['role-duration-seconds', 'mask-aws-account-id', 'output-credentials'],
  read: (input, common, env) => ({
    ...common,
    ...readAwsRole(input, env, common.audience),
    mode: 'aws',
  }),
  load: () => import('./run.js'),
});

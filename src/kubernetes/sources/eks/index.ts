// EKS: the ID token assumes a role (as aws mode), DescribeCluster gives the server and CA, and
// the bearer is an EKS token presigned with the role's session, renewed by presigning again.
import { ROLE_INPUTS } from '../../../aws/settings.js';
import { defineSource } from '../contract.js';
import { readEksSettings, type EksSettings } from './settings.js';

export type { EksSettings } from './settings.js';

export const eksSource = defineSource<EksSettings>({
  name: 'eks',
  picks: ['eks-cluster'],
  owns: ['eks-cluster', 'eks-endpoint'],
  claims: ROLE_INPUTS,
  reads: [
    'eks-export-aws-credentials',
    'role-duration-seconds',
    'mask-aws-account-id',
    'output-credentials',
  ],
  origin: 'the server and its CA come from EKS (DescribeCluster)',
  read: readEksSettings,
  // The ID token goes to STS: aws mode's audience.
  audience: (settings) => settings.role.audience,
  load: () => import('./driver.js'),
  plugin: () => import('./plugin.js'),
  // The ID token within 15 s, so that with STS's 12 s (plugin.ts) the plugin still answers or
  // fails within the 30 s kubectl waits.
  pluginTokenDeadlineMs: 15_000,
});

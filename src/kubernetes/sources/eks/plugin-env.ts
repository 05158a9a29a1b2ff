/** The kubeconfig exec env that makes the credential plugin answer with EKS tokens. */
export const PLUGIN_ENV = {
  cluster: 'OIDC_DEPLOY_EKS_CLUSTER',
  roleArn: 'OIDC_DEPLOY_EKS_ROLE_ARN',
  region: 'OIDC_DEPLOY_EKS_REGION',
  sessionName: 'OIDC_DEPLOY_EKS_ROLE_SESSION_NAME',
  durationSeconds: 'OIDC_DEPLOY_EKS_ROLE_DURATION_SECONDS',
  stsEndpoint: 'OIDC_DEPLOY_EKS_STS_ENDPOINT',
} as const;

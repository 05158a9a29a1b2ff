/** The kubeconfig exec env that makes the credential plugin answer with Google access tokens. */
export const PLUGIN_ENV = {
  provider: 'OIDC_DEPLOY_GKE_PROVIDER',
  serviceAccount: 'OIDC_DEPLOY_GKE_SERVICE_ACCOUNT',
  stsEndpoint: 'OIDC_DEPLOY_GKE_STS_ENDPOINT',
  iamcredentialsEndpoint: 'OIDC_DEPLOY_GKE_IAMCREDENTIALS_ENDPOINT',
} as const;

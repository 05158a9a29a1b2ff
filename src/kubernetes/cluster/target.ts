import { ActionError } from '../../base/errors.js';
import type { KubeTarget } from '../kubeconfig.js';

/** What a request needs of the kubeconfig's cluster. */
export type ClusterTarget = Pick<
  KubeTarget,
  'server' | 'certificateAuthorityData' | 'insecureSkipTlsVerify' | 'tlsServerName'
>;

/** The server's URL; kubectl never sends a bearer token over plain http, and neither does this. */
export function requireHttps(server: string): URL {
  const url = new URL(server);
  if (url.protocol !== 'https:') {
    throw new ActionError(
      `The cluster's server ${url.protocol}//${url.host} is not https.`,
      'Use the https:// address of the API server.',
    );
  }
  return url;
}

// A cluster that trusts the CI issuer itself (Structured Authentication, or --oidc-* flags):
// its server and CA from the `kubeconfig` input or from `server` and `certificate-authority-data`;
// the ID token is the bearer.
import { ActionError } from '../../../base/errors.js';
import type { InputReader } from '../../../base/input-reader.js';
import type { ClusterSpec } from '../../kubeconfig.js';
import { defineSource } from '../contract.js';

const MAX_KUBECONFIG_BYTES = 1024 * 1024;

export const kubeconfigSource = defineSource<ClusterSpec>({
  name: 'kubeconfig',
  picks: ['kubeconfig', 'server'],
  owns: ['kubeconfig', 'server', 'certificate-authority-data'],
  origin: 'the server and its CA come from the kubeconfig',
  read: readClusterInputs,
  load: () => import('./driver.js'),
});

function readClusterInputs(input: InputReader): ClusterSpec {
  const kubeconfig = input.raw('kubeconfig');
  const server = input.text('server');
  const caData = input.text('certificate-authority-data');
  if (kubeconfig.trim() && server) {
    throw new ActionError(
      'Inputs "kubeconfig" and "server" were both given.',
      'Give a kubeconfig, or build one from "server" and "certificate-authority-data", not both.',
    );
  }
  if (kubeconfig.trim()) {
    if (caData) {
      throw new ActionError(
        'Input "certificate-authority-data" goes with "server", not with "kubeconfig".',
        'Put the CA in the kubeconfig\'s cluster (certificate-authority-data), or use "server".',
      );
    }
    if (Buffer.byteLength(kubeconfig) > MAX_KUBECONFIG_BYTES) {
      throw new ActionError('Input "kubeconfig" is larger than 1 MiB.');
    }
    return { kind: 'kubeconfig', text: kubeconfig };
  }
  return {
    kind: 'server',
    server: checkServerUrl(server),
    certificateAuthorityData: caData ? checkBase64Pem(caData) : undefined,
  };
}

function checkServerUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ActionError(
      'Input "server" is not a URL.',
      'Give the API server as https://HOST[:PORT], as in a kubeconfig.',
    );
  }
  if (url.protocol !== 'https:') {
    throw new ActionError(
      `Input "server" uses ${url.protocol.replace(':', '')}, not https.`,
      'Kubernetes clients send bearer tokens only over HTTPS: give the https:// address of the API server.',
    );
  }
  if (url.username || url.password) {
    throw new ActionError('Input "server" must not carry a user name or password.');
  }
  return server.replace(/\/+$/, '');
}

function checkBase64Pem(data: string): string {
  const compact = data.replace(/\s+/g, '');
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(compact)
    ? Buffer.from(compact, 'base64').toString('utf8')
    : '';
  if (!decoded.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ActionError(
      'Input "certificate-authority-data" is not base64 of a PEM certificate.',
      'Use the value of certificate-authority-data from a kubeconfig (base64 -w0 < ca.crt).',
    );
  }
  return compact;
}

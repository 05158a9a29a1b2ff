import { EKS_TOKEN_PREFIX } from '../../src/kubernetes/sources/eks/token.js';

/** The presigned URL inside an EKS token. */
export function decodeEksToken(token: string): URL {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) throw new Error('not an EKS token');
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}

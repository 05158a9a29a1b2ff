// SigV4 is @smithy/signature-v4 (AWS's own signer, the JS SDK v3's) with Node's SHA-256 from
// @smithy/hash-node: one constructor for the EKS token (presign) and DescribeCluster (sign).
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from './sts.js';

export function sigV4Signer(
  service: 'sts' | 'eks',
  region: string,
  credentials: AwsCredentials,
): SignatureV4 {
  return new SignatureV4({ service, region, credentials, sha256: Hash.bind(null, 'sha256') });
}

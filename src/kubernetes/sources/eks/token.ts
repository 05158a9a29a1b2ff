// The EKS token, as `aws eks get-token` and aws-iam-authenticator make it: a presigned STS
// GetCallerIdentity URL that the cluster calls to learn who the caller is. Signed by
// @smithy/signature-v4 (AWS's own SigV4), never by hand.
import { sigV4Signer } from '../../../aws/sigv4.js';
import { dnsSuffix, type AwsCredentials } from '../../../aws/sts.js';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** The header that binds a token to one cluster (aws-iam-authenticator's clusterIDHeader). */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** What the presigned URL itself says; the authenticator ignores it and applies its own 15 min. */
const PRESIGN_EXPIRES_S = 60;
/** The authenticator accepts a token for 15 minutes from X-Amz-Date; clients renew after 14. */
export const EKS_TOKEN_LIFETIME_MS = 14 * 60_000;

export interface EksTokenRequest {
  cluster: string;
  region: string;
  partition: string;
  credentials: AwsCredentials;
  /** The signing time (X-Amz-Date); now by default. */
  now?: Date;
}

export interface EksToken {
  /** `k8s-aws-v1.` + base64url (no padding) of the presigned URL: a secret. */
  token: string;
  /** X-Amz-Date + 14 minutes, as `aws eks get-token` reports it. */
  expiresAt: Date;
}

/**
 * The public regional STS host of the region's partition. Always this one, whatever
 * sts-endpoint says: the cluster calls the URL, and aws-iam-authenticator accepts only STS's
 * own hosts (`aws eks get-token` honours AWS_ENDPOINT_URL_STS and makes a token no cluster
 * accepts).
 */
export function stsHostFor(region: string, partition: string): string {
  return `sts.${region}.${dnsSuffix(region, partition)}`;
}

const BOTOCORE_ORDER = [
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
];

/** The presigned GetCallerIdentity URL, bound to the cluster by the signed x-k8s-aws-id. */
export async function presignCallerIdentity(request: EksTokenRequest): Promise<URL> {
  const hostname = stsHostFor(request.region, request.partition);
  const signer = await sigV4Signer('sts', request.region, request.credentials);
  // No body: the payload hash is the SHA-256 of the empty string, as botocore signs it.
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, [CLUSTER_ID_HEADER]: request.cluster },
    },
    { expiresIn: PRESIGN_EXPIRES_S, signingDate: request.now ?? new Date() },
  );
  const url = new URL(`https://${hostname}/`);
  const query = presigned.query as Record<string, string>;
  // botocore's order, so our URL reads like `aws eks get-token`'s (the signature does not care).
  const names = [
    ...BOTOCORE_ORDER,
    ...Object.keys(query).filter((n) => !BOTOCORE_ORDER.includes(n)),
  ];
  for (const name of names) {
    const value = query[name];
    if (typeof value === 'string') url.searchParams.append(name, value);
  }
  return url;
}

/** Encodes a presigned URL as an EKS bearer token. */
export function encodeEksToken(url: URL): string {
  return EKS_TOKEN_PREFIX + Buffer.from(url.href, 'utf8').toString('base64url');
}

/** `20260129T201500Z` -> a Date. */
export function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new Error('not an X-Amz-Date');
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
}

/** A fresh EKS token for the cluster, with the expiry clients renew at. */
export async function createEksToken(request: EksTokenRequest): Promise<EksToken> {
  const url = await presignCallerIdentity(request);
  const signedAt = parseAmzDate(url.searchParams.get('X-Amz-Date') ?? '');
  return {
    token: encodeEksToken(url),
    expiresAt: new Date(signedAt.getTime() + EKS_TOKEN_LIFETIME_MS),
  };
}

// SigV4 for every AWS call this action signs: @smithy/signature-v4 (AWS's own signer, the JS SDK
// v3's) with Node's SHA-256 from @smithy/hash-node. One constructor for the EKS token (presign,
// service sts), DescribeCluster (eks), the chained AssumeRole (sts) and ECR's
// GetAuthorizationToken (ecr); one place that signs a form or JSON POST to a service endpoint,
// with a session token signed as `x-amz-security-token` when there is one.
// The signer is imported when something is signed: it is 220 KiB of @smithy code that the aws
// mode's usual call (AssumeRoleWithWebIdentity, unsigned) does not need (docs/BENCHMARKS.md).
import type { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from './sts.js';

/** The SigV4 service names of the calls this action signs. */
export type SigningService = 'sts' | 'eks' | 'ecr';

/** Credentials to sign with; a session token is optional (an IAM user's long-term key). */
export type SigningCredentials = Omit<AwsCredentials, 'sessionToken'> & { sessionToken?: string };

export async function sigV4Signer(
  service: SigningService,
  region: string,
  credentials: SigningCredentials,
): Promise<SignatureV4> {
  const [{ SignatureV4 }, { Hash }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@smithy/hash-node'),
  ]);
  return new SignatureV4({
    service,
    region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    sha256: Hash.bind(null, 'sha256'),
  });
}

export interface SignedPost {
  service: SigningService;
  region: string;
  credentials: SigningCredentials;
  url: URL;
  /** The body's own headers (content-type, x-amz-target...); host and the SigV4 ones are added. */
  headers: Record<string, string>;
  body: string;
  now?: Date | undefined;
}

/**
 * The headers of a POST of `body` to `url`, signed: `host`, the caller's, `x-amz-date`,
 * `x-amz-content-sha256`, `x-amz-security-token` (with a session token) and `authorization`.
 * Signed per attempt (x-amz-date must be fresh).
 */
export async function signedPostHeaders(request: SignedPost): Promise<Record<string, string>> {
  const { url } = request;
  const signer = await sigV4Signer(request.service, request.region, request.credentials);
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname || '/',
      query: {},
      headers: { ...request.headers, host: url.host },
      body: request.body,
    },
    { signingDate: request.now ?? new Date() },
  );
  return signed.headers;
}

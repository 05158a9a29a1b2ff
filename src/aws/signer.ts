// SigV4 for the AWS calls made with credentials: @smithy/signature-v4 (the JS SDK v3's signer)
// with Node's SHA-256, as src/aws/sigv4.ts builds it for `sts` and `eks`, for every service this
// action signs for (`ecr` too). One place builds and signs a request: a form or JSON POST to a
// service endpoint, with the session token signed as `x-amz-security-token`.
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from './sts.js';

/** The SigV4 service names of the calls this action signs. */
export type SigningService = 'sts' | 'eks' | 'ecr';

/** Credentials to sign with; a session token is optional (an IAM user's long-term key). */
export type SigningCredentials = Omit<AwsCredentials, 'sessionToken'> & { sessionToken?: string };

export function awsSigner(
  service: SigningService,
  region: string,
  credentials: SigningCredentials,
): SignatureV4 {
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
  now?: Date;
}

/**
 * The headers of a POST of `body` to `url`, signed: `host`, the caller's, `x-amz-date`,
 * `x-amz-content-sha256`, `x-amz-security-token` (with a session token) and `authorization`.
 * Signed per attempt (x-amz-date must be fresh).
 */
export async function signedPostHeaders(request: SignedPost): Promise<Record<string, string>> {
  const { url } = request;
  const signed = await awsSigner(request.service, request.region, request.credentials).sign(
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

// Endpoint overrides for AWS services, as botocore and the JS SDK v3 read them from the
// environment ("service-specific endpoints"): AWS_ENDPOINT_URL_<SERVICE> (ECR, STS, EKS...),
// else AWS_ENDPOINT_URL for every service, neither when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is
// true. Credentials (a signed request, a web identity token) travel to the endpoint, so it must
// be https, or http on a loopback address (a local peer in tests).
import { ActionError } from '../base/errors.js';
import { isLoopbackHost } from '../net/loopback.js';
import { foreign } from '../base/untrusted.js';

export interface ConfiguredEndpoint {
  /** The variable it came from, for messages. */
  name: string;
  /** The checked URL, without a trailing slash. */
  url: string;
}

/** The endpoint the environment configures for `service` (upper case: ECR, STS, EKS), if any. */
export function configuredEndpoint(
  env: NodeJS.ProcessEnv,
  service: 'ECR' | 'STS' | 'EKS',
): ConfiguredEndpoint | undefined {
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS']?.trim().toLowerCase() === 'true') return undefined;
  for (const name of [`AWS_ENDPOINT_URL_${service}`, 'AWS_ENDPOINT_URL']) {
    const value = env[name]?.trim();
    if (value) return { name, url: checkEndpointUrl(name, value) };
  }
  return undefined;
}

/**
 * An https URL, or http on a loopback address, without credentials, query or fragment. `name`
 * is an input ("ecr-endpoint") or a variable (AWS_ENDPOINT_URL_ECR), for the message.
 */
export function checkEndpointUrl(name: string, value: string): string {
  const what = /^[A-Z0-9_]+$/.test(name) ? `Environment variable ${name}` : `Input "${name}"`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ActionError(`${what} ("${foreign(value, 200)}") is not a URL.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ActionError(
      `${what} must be an https:// URL (it is ${foreign(url.href, 200)}).`,
      'Signed requests and tokens travel to it; plain http is accepted only for a loopback address.',
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ActionError(`${what} must not carry credentials, a query or a fragment.`);
  }
  return url.href.replace(/\/+$/, '');
}

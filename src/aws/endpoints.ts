// Where each AWS service is reached, as botocore and the JS SDK v3 decide it ("service-specific
// endpoints"): the step's input (sts-endpoint, eks-endpoint: botocore's explicit endpoint_url),
// else AWS_ENDPOINT_URL_<SERVICE> (STS, EKS, ECR), else AWS_ENDPOINT_URL for every service; the
// variables are ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true (an input never is).
// The config file's `endpoint_url` / `services` sections are not read: this action reads no AWS
// config file. Credentials (a signed request, a web identity token) travel to the endpoint, so
// every one of them passes net/service-url.ts's rule: https, or http on a loopback address.
import type { InputReader } from '../base/input-reader.js';
import { checkServiceUrl } from '../net/service-url.js';

export type AwsService = 'STS' | 'EKS' | 'ECR';

export interface ConfiguredEndpoint {
  /** The input or variable it came from, for messages. */
  name: string;
  /** The checked URL, without a trailing slash. */
  url: string;
}

const CARRIES: Record<AwsService, string> = {
  STS: 'The ID token (or a signed request) travels to it',
  EKS: 'The session token travels to it',
  ECR: 'The session token travels to it, and the registry password comes back',
};

/** The endpoint the environment configures for `service`, if any (botocore's variables). */
export function configuredEndpoint(
  env: NodeJS.ProcessEnv,
  service: AwsService,
): ConfiguredEndpoint | undefined {
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS']?.trim().toLowerCase() === 'true') return undefined;
  for (const name of [`AWS_ENDPOINT_URL_${service}`, 'AWS_ENDPOINT_URL']) {
    const value = env[name]?.trim();
    if (value) return { name, url: checkServiceUrl(name, value, CARRIES[service]) };
  }
  return undefined;
}

/**
 * The endpoint of `service`: the input `inputName` when given, else the environment's
 * (configuredEndpoint); undefined for the regional endpoint.
 */
export function serviceEndpoint(
  input: InputReader,
  inputName: string,
  env: NodeJS.ProcessEnv,
  service: AwsService,
): ConfiguredEndpoint | undefined {
  const value = input.text(inputName);
  if (value) return { name: inputName, url: checkServiceUrl(inputName, value, CARRIES[service]) };
  return configuredEndpoint(env, service);
}

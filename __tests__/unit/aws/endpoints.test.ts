// Endpoint overrides as botocore reads them: the input, else AWS_ENDPOINT_URL_<SERVICE>, else
// AWS_ENDPOINT_URL, the variables not with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true; https, or
// http only on a loopback address.
import { describe, expect, it } from 'vitest';
import { configuredEndpoint, serviceEndpoint } from '../../../src/aws/endpoints.js';
import type { InputReader } from '../../../src/base/input-reader.js';

function inputs(values: Record<string, string>): InputReader {
  return {
    text: (name) => values[name]?.trim() ?? '',
    raw: (name) => values[name] ?? '',
    boolean: (_name, whenEmpty) => whenEmpty,
  };
}
const check = (name: string, value: string) =>
  serviceEndpoint(inputs({}), 'unused', { [name]: value }, 'ECR')?.url;

describe('configuredEndpoint', () => {
  it('takes the service variable, then the global one', () => {
    expect(configuredEndpoint({}, 'ECR')).toBeUndefined();
    expect(
      configuredEndpoint(
        { AWS_ENDPOINT_URL_ECR: 'http://127.0.0.1:5000/', AWS_ENDPOINT_URL: 'https://x.example' },
        'ECR',
      ),
    ).toEqual({ name: 'AWS_ENDPOINT_URL_ECR', url: 'http://127.0.0.1:5000' });
    expect(configuredEndpoint({ AWS_ENDPOINT_URL: 'https://local.example:4566' }, 'ECR')).toEqual({
      name: 'AWS_ENDPOINT_URL',
      url: 'https://local.example:4566',
    });
    expect(
      configuredEndpoint(
        { AWS_ENDPOINT_URL_ECR: 'https://x.example', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
        'ECR',
      ),
    ).toBeUndefined();
  });

  it('takes the input over both variables, even with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', () => {
    const env = {
      AWS_ENDPOINT_URL_STS: 'https://sts.vpce.example',
      AWS_ENDPOINT_URL: 'https://all.example',
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
    };
    expect(
      serviceEndpoint(
        inputs({ 'sts-endpoint': 'http://127.0.0.1:9/' }),
        'sts-endpoint',
        env,
        'STS',
      ),
    ).toEqual({ name: 'sts-endpoint', url: 'http://127.0.0.1:9' });
    expect(serviceEndpoint(inputs({}), 'sts-endpoint', env, 'STS')).toBeUndefined();
    expect(
      serviceEndpoint(
        inputs({}),
        'eks-endpoint',
        { AWS_ENDPOINT_URL: 'https://all.example/' },
        'EKS',
      ),
    ).toEqual({ name: 'AWS_ENDPOINT_URL', url: 'https://all.example' });
  });

  it('accepts http only on loopback', () => {
    expect(check('AWS_ENDPOINT_URL_ECR', 'http://[::1]:8080')).toBe('http://[::1]:8080');
    expect(check('AWS_ENDPOINT_URL_ECR', 'http://localhost:8080')).toBe('http://localhost:8080');
    expect(() => check('AWS_ENDPOINT_URL_ECR', 'http://ecr.internal.example')).toThrow(
      'Environment variable AWS_ENDPOINT_URL_ECR must be an https:// URL',
    );
    expect(() => check('AWS_ENDPOINT_URL_ECR', 'http://127.evil.example')).toThrow(/https:\/\//);
    expect(() =>
      serviceEndpoint(
        inputs({ 'sts-endpoint': 'https://u:p@x.example' }),
        'sts-endpoint',
        {},
        'STS',
      ),
    ).toThrow('Input "sts-endpoint" must not carry credentials, a query or a fragment.');
    expect(() => check('AWS_ENDPOINT_URL', 'not a url')).toThrow(/is not a URL/);
  });
});

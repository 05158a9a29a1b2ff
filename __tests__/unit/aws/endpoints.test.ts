// Endpoint overrides as botocore reads them: AWS_ENDPOINT_URL_<SERVICE>, else
// AWS_ENDPOINT_URL, neither with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true; https, or http only
// on a loopback address.
import { describe, expect, it } from 'vitest';
import { checkEndpointUrl, configuredEndpoint } from '../../../src/aws/endpoints.js';

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

  it('accepts http only on loopback', () => {
    expect(checkEndpointUrl('AWS_ENDPOINT_URL_ECR', 'http://[::1]:8080')).toBe('http://[::1]:8080');
    expect(checkEndpointUrl('AWS_ENDPOINT_URL_ECR', 'http://localhost:8080')).toBe(
      'http://localhost:8080',
    );
    expect(() => checkEndpointUrl('AWS_ENDPOINT_URL_ECR', 'http://ecr.internal.example')).toThrow(
      'Environment variable AWS_ENDPOINT_URL_ECR must be an https:// URL',
    );
    expect(() => checkEndpointUrl('AWS_ENDPOINT_URL_ECR', 'http://127.evil.example')).toThrow(
      /https:\/\//,
    );
    expect(() => checkEndpointUrl('ecr-endpoint', 'https://u:p@x.example')).toThrow(
      'Input "ecr-endpoint" must not carry credentials, a query or a fragment.',
    );
    expect(() => checkEndpointUrl('AWS_ENDPOINT_URL', 'not a url')).toThrow(/is not a URL/);
  });
});

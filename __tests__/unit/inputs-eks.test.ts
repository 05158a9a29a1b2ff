// eks-cluster in readSettings: kubernetes mode with an EKS source that carries aws mode's STS
// settings, and every cross-check named before any request.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActionError } from '../../src/base/errors.js';
import { readSettings } from '../../src/action/inputs.js';
import type { KubernetesSettings } from '../../src/modes/kubernetes/settings.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';

function settingsFor(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  for (const [name, value] of Object.entries(inputs))
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, value);
  return readSettings(env).settings;
}

function errorFor(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): ActionError {
  try {
    settingsFor(inputs, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ActionError);
    return error as ActionError;
  }
  throw new Error('readSettings accepted the inputs');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

const eks = (extra: Record<string, string> = {}) => ({
  'eks-cluster': 'demo',
  'role-to-assume': ROLE,
  'aws-region': 'eu-west-1',
  ...extra,
});

describe('eks-cluster', () => {
  it('picks kubernetes mode even with role-to-assume, with the STS settings and audience of aws mode', () => {
    const settings = settingsFor(
      eks({ 'role-session-name': 'ci', 'sts-endpoint': 'http://127.0.0.1:5000' }),
    ) as KubernetesSettings;
    expect(settings.mode).toBe('kubernetes');
    expect(settings.audience).toBe('sts.amazonaws.com');
    expect(settings.source.name).toBe('eks');
    expect(settings.source.settings).toMatchObject({
      cluster: 'demo',
      eksEndpoint: undefined,
      exportAwsCredentials: true,
      role: {
        roleArn: ROLE,
        region: 'eu-west-1',
        partition: 'aws',
        accountId: '123456789012',
        roleSessionName: 'ci',
        durationSeconds: 3600,
        stsEndpoint: 'http://127.0.0.1:5000',
      },
    });
  });

  it('keeps an audience given, takes AWS_ENDPOINT_URL_EKS, and eks-export-aws-credentials: false', () => {
    const settings = settingsFor(
      eks({ audience: 'custom', 'eks-export-aws-credentials': 'false', mode: 'kubernetes' }),
      { AWS_ENDPOINT_URL_EKS: 'http://localhost:8443/' },
    ) as KubernetesSettings;
    expect(settings.audience).toBe('custom');
    expect(settings.source.name).toBe('eks');
    expect(settings.source.settings).toMatchObject({
      eksEndpoint: 'http://localhost:8443',
      exportAwsCredentials: false,
    });
  });

  it.each([
    [
      'no role-to-assume',
      { 'eks-cluster': 'demo', 'aws-region': 'eu-west-1' },
      /Input "role-to-assume" is empty, and "eks-cluster" needs it/,
    ],
    [
      'no aws-region',
      { 'eks-cluster': 'demo', 'role-to-assume': ROLE },
      /Input "aws-region" is empty, and "eks-cluster" needs it/,
    ],
    ['with kubeconfig', eks({ kubeconfig: 'apiVersion: v1' }), /"eks-cluster" and "kubeconfig"/],
    ['with server', eks({ server: 'https://k8s.example' }), /"eks-cluster" and "server"/],
    [
      'with certificate-authority-data',
      eks({ 'certificate-authority-data': 'abc' }),
      /"eks-cluster" and "certificate-authority-data"/,
    ],
    ['a bad name', eks({ 'eks-cluster': 'my cluster' }), /not an EKS cluster name/],
    [
      'eks-endpoint over http to a remote host',
      eks({ 'eks-endpoint': 'http://eks.example' }),
      /"eks-endpoint" must be an https/,
    ],
    [
      'eks-endpoint in aws mode',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'eks-endpoint': 'https://eks.example' },
      /"eks-endpoint" does not apply to aws mode/,
    ],
    [
      'eks-cluster with chainguard-identity',
      eks({ 'chainguard-identity': 'a'.repeat(40) }),
      /"eks-cluster" \(kubernetes mode\) and "chainguard-identity" \(chainguard mode\) were both given/,
    ],
    [
      'eks-endpoint without eks-cluster',
      { server: 'https://k8s.example', 'eks-endpoint': 'https://eks.example' },
      /Inputs "server" and "eks-endpoint" were both given/,
    ],
  ])('refuses %s', (_title, inputs, message) => {
    expect(errorFor(inputs).message).toMatch(message);
  });

  it('refuses AWS_ENDPOINT_URL_EKS over http to a remote host, naming the variable', () => {
    expect(
      errorFor(eks(), { AWS_ENDPOINT_URL_EKS: 'http://127.attacker.example' }).message,
    ).toMatch(/Environment variable AWS_ENDPOINT_URL_EKS must be an https/);
  });
});

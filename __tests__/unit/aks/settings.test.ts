// aks-cluster in readSettings: kubernetes mode with the AKS source, Entra's audience, the cloud's
// hosts or the overrides, and every bad value refused naming its input before any request.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActionError } from '../../../src/base/errors.js';
import { readSettings } from '../../../src/action/inputs.js';
import type { KubernetesSettings } from '../../../src/modes/kubernetes/settings.js';
import type { AksSettings } from '../../../src/kubernetes/sources/aks/settings.js';

const SUB = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const CLIENT = 'c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b';
const TENANT = '4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6';

const aks = (extra: Record<string, string> = {}) => ({
  'aks-cluster': 'prod',
  'azure-resource-group': 'prod-rg',
  'azure-subscription-id': SUB,
  'azure-client-id': CLIENT,
  'azure-tenant-id': TENANT,
  ...extra,
});

function settingsFor(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  for (const [name, value] of Object.entries(inputs))
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, value);
  return readSettings(env).settings as KubernetesSettings;
}

function aksSettings(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): AksSettings {
  const settings = settingsFor(inputs, env);
  expect(settings.source.name).toBe('aks');
  return settings.source.settings as AksSettings;
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

describe('aks-cluster', () => {
  it("picks kubernetes mode with the AKS source, audience api://AzureADTokenExchange and the public cloud's hosts", () => {
    const settings = settingsFor(aks());
    expect(settings.mode).toBe('kubernetes');
    expect(settings.audience).toBe('api://AzureADTokenExchange');
    expect(settings.source).toMatchObject({ name: 'aks', hasPlugin: true });
    expect(settings.source.settings).toEqual({
      cluster: 'prod',
      resourceGroup: 'prod-rg',
      subscriptionId: SUB,
      clientId: CLIENT,
      tenantId: TENANT,
      environment: 'AzureCloud',
      authorityHost: 'https://login.microsoftonline.com',
      customAuthority: false,
      resourceManager: 'https://management.azure.com',
      resourceManagerScope: 'https://management.azure.com/.default',
    });
  });

  it('takes another audience when one is given', () => {
    expect(settingsFor(aks({ audience: 'api://Custom' })).audience).toBe('api://Custom');
  });

  it.each([
    [
      'AzureUSGovernment',
      'https://login.microsoftonline.us',
      'https://management.usgovcloudapi.net',
    ],
    ['azurechinacloud', 'https://login.chinacloudapi.cn', 'https://management.chinacloudapi.cn'],
    ['AZURECLOUD', 'https://login.microsoftonline.com', 'https://management.azure.com'],
  ])('azure-environment %s: its Entra and ARM hosts and ARM scope', (name, authority, arm) => {
    const settings = aksSettings(aks({ 'azure-environment': name }));
    expect(settings.authorityHost).toBe(authority);
    expect(settings.resourceManager).toBe(arm);
    expect(settings.resourceManagerScope).toBe(`${arm}/.default`);
  });

  it('endpoint overrides reroute the hosts and keep the cloud of azure-environment for the scopes', () => {
    const settings = aksSettings(
      aks({
        'azure-environment': 'AzureUSGovernment',
        'azure-authority-host': 'https://127.0.0.1:8443/',
        'azure-resource-manager-endpoint': 'http://127.0.0.1:8080/arm/',
      }),
    );
    expect(settings).toMatchObject({
      authorityHost: 'https://127.0.0.1:8443',
      customAuthority: true,
      resourceManager: 'http://127.0.0.1:8080/arm',
      resourceManagerScope: 'https://management.usgovcloudapi.net/.default',
    });
  });

  it('AZURE_AUTHORITY_HOST is honoured as @azure/identity honours it; the input wins', () => {
    const env = { AZURE_AUTHORITY_HOST: 'https://login.example.test' };
    expect(aksSettings(aks(), env).authorityHost).toBe('https://login.example.test');
    expect(
      aksSettings(aks({ 'azure-authority-host': 'https://login.other.test' }), env).authorityHost,
    ).toBe('https://login.other.test');
  });

  it('accepts a tenant domain name and a resource group with dots and parentheses', () => {
    const settings = aksSettings(
      aks({ 'azure-tenant-id': 'contoso.onmicrosoft.com', 'azure-resource-group': 'rg.(prod)_1' }),
    );
    expect(settings.tenantId).toBe('contoso.onmicrosoft.com');
    expect(settings.resourceGroup).toBe('rg.(prod)_1');
  });

  // Each bad value: the input the error must name, and what it must say.
  it.each<[string, Record<string, string>, NodeJS.ProcessEnv, string, RegExp]>([
    [
      'a cluster name with a space',
      aks({ 'aks-cluster': 'my cluster' }),
      {},
      'aks-cluster',
      /not an AKS cluster name/,
    ],
    [
      'a cluster name of 64 characters',
      aks({ 'aks-cluster': 'a'.repeat(64) }),
      {},
      'aks-cluster',
      /1 to 63/,
    ],
    [
      'a cluster name ending in -',
      aks({ 'aks-cluster': 'prod-' }),
      {},
      'aks-cluster',
      /not an AKS cluster name/,
    ],
    [
      'no resource group',
      aks({ 'azure-resource-group': '' }),
      {},
      'azure-resource-group',
      /needs input/,
    ],
    [
      'a resource group ending in .',
      aks({ 'azure-resource-group': 'rg.' }),
      {},
      'azure-resource-group',
      /not a resource group name/,
    ],
    [
      'a resource group with a slash',
      aks({ 'azure-resource-group': 'rg/../x' }),
      {},
      'azure-resource-group',
      /not a resource group name/,
    ],
    [
      'no subscription',
      aks({ 'azure-subscription-id': '' }),
      {},
      'azure-subscription-id',
      /needs input/,
    ],
    [
      'a subscription name, not an id',
      aks({ 'azure-subscription-id': 'Production' }),
      {},
      'azure-subscription-id',
      /GUID/,
    ],
    ['no client id', aks({ 'azure-client-id': '' }), {}, 'azure-client-id', /needs input/],
    [
      'a client id that is not a GUID',
      aks({ 'azure-client-id': 'deploy-app' }),
      {},
      'azure-client-id',
      /GUID/,
    ],
    ['no tenant', aks({ 'azure-tenant-id': '' }), {}, 'azure-tenant-id', /needs input/],
    [
      'a tenant with a path',
      aks({ 'azure-tenant-id': 'contoso/x' }),
      {},
      'azure-tenant-id',
      /not a tenant id/,
    ],
    [
      'an unknown cloud',
      aks({ 'azure-environment': 'AzureGermanCloud' }),
      {},
      'azure-environment',
      /AzureCloud, AzureUSGovernment, AzureChinaCloud/,
    ],
    [
      'an http authority host',
      aks({ 'azure-authority-host': 'http://login.example.test' }),
      {},
      'azure-authority-host',
      /https/,
    ],
    [
      'an http authority host on loopback (MSAL refuses it)',
      aks({ 'azure-authority-host': 'http://127.0.0.1:8080' }),
      {},
      'azure-authority-host',
      /https/,
    ],
    [
      'an authority host with a path',
      aks({ 'azure-authority-host': 'https://login.example.test/tenant' }),
      {},
      'azure-authority-host',
      /without a path/,
    ],
    [
      'AZURE_AUTHORITY_HOST over http',
      aks(),
      { AZURE_AUTHORITY_HOST: 'http://login.example.test' },
      'AZURE_AUTHORITY_HOST',
      /https/,
    ],
    [
      'an ARM endpoint over http to a remote host',
      aks({ 'azure-resource-manager-endpoint': 'http://management.example.test' }),
      {},
      'azure-resource-manager-endpoint',
      /https/,
    ],
    [
      'an ARM endpoint with credentials',
      aks({ 'azure-resource-manager-endpoint': 'https://u:p@management.example.test' }),
      {},
      'azure-resource-manager-endpoint',
      /credentials/,
    ],
    [
      'aks-cluster with kubeconfig',
      aks({ kubeconfig: 'apiVersion: v1' }),
      {},
      'kubeconfig',
      /aks-cluster/,
    ],
    [
      'aks-cluster with eks-cluster',
      aks({ 'eks-cluster': 'prod' }),
      {},
      'aks-cluster',
      /eks-cluster/,
    ],
    [
      'an AKS input without aks-cluster',
      { server: 'https://k8s.example', 'azure-client-id': CLIENT },
      {},
      'azure-client-id',
      /server/,
    ],
    [
      'an AKS input in aws mode',
      {
        'role-to-assume': 'arn:aws:iam::123456789012:role/x',
        'aws-region': 'eu-west-1',
        'azure-tenant-id': TENANT,
      },
      {},
      'azure-tenant-id',
      /aws mode/,
    ],
  ])('refuses %s', (_title, inputs, env, input, says) => {
    const error = errorFor(inputs, env);
    const named = /^[A-Z_]+$/.test(input) ? input : `"${input}"`;
    expect(error.message).toContain(named);
    expect(`${error.message}\n${error.hint ?? ''}`).toMatch(says);
  });
});

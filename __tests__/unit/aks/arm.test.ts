// ARM's listClusterUserCredential as the AKS source reads it: the URL, the kubeconfig AKS hands
// out (kubelogin exec, the azure auth-provider, a local account's token, a client certificate
// alone), ARM's error body, and the retries of the call against a local peer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ActionError } from '../../../src/base/errors.js';
import {
  ArmRefusal,
  listClusterUserCredential,
  listCredentialUrl,
  parseArmError,
  parseCredentialResults,
} from '../../../src/kubernetes/sources/aks/arm.js';
import { recordingLogger } from '../../helpers/logger.js';

const SUB = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const TENANT = '4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6';
const CA = Buffer.from(
  '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n',
).toString('base64');
const KUBELOGIN = {
  exec: {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'kubelogin',
    args: [
      'get-token',
      '--environment',
      'AzurePublicCloud',
      '--server-id',
      '6dae42f8-4368-4678-94ff-3960e28e3630',
      '--client-id',
      '80faf920-1908-4b52-b5ef-a8e7bedfc67a',
      '--tenant-id',
      TENANT,
      '--login',
      'devicecode',
    ],
  },
};

/** The kubeconfig AKS hands out (Go's YAML: sequences not indented), as base64 in the answer. */
function answer(
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {
    server: 'https://prod-dns-1.hcp.westeurope.azmk8s.io:443',
    'certificate-authority-data': CA,
  },
): string {
  const kubeconfig = stringify(
    {
      apiVersion: 'v1',
      clusters: [{ cluster, name: 'prod' }],
      contexts: [{ context: { cluster: 'prod', user: 'clusterUser_rg_prod' }, name: 'prod' }],
      'current-context': 'prod',
      kind: 'Config',
      users: [{ name: 'clusterUser_rg_prod', user }],
    },
    { indentSeq: false },
  );
  return JSON.stringify({
    kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(kubeconfig).toString('base64') }],
  });
}

describe('listCredentialUrl', () => {
  it('is the cluster resource path with the API version; names are encoded', () => {
    const url = listCredentialUrl({
      resourceManager: 'https://management.azure.com/',
      subscriptionId: SUB,
      resourceGroup: 'rg (prod)',
      cluster: 'prod',
    });
    expect(url.href).toBe(
      `https://management.azure.com/subscriptions/${SUB}/resourceGroups/rg%20(prod)/providers/Microsoft.ContainerService/managedClusters/prod/listClusterUserCredential?api-version=2024-08-01`,
    );
    const prefixed = listCredentialUrl({
      resourceManager: 'http://127.0.0.1:8080/arm',
      subscriptionId: SUB,
      resourceGroup: 'rg',
      cluster: 'c',
    });
    expect(prefixed.pathname).toMatch(/^\/arm\/subscriptions\//);
  });
});

describe('parseCredentialResults', () => {
  it('an Entra cluster (kubelogin exec): server, CA, the server application and tenant', () => {
    expect(parseCredentialResults(answer(KUBELOGIN), 'prod')).toEqual({
      server: 'https://prod-dns-1.hcp.westeurope.azmk8s.io:443',
      certificateAuthorityData: CA,
      kind: 'entra',
      serverId: '6dae42f8-4368-4678-94ff-3960e28e3630',
      tenantId: TENANT,
      localToken: undefined,
    });
  });

  it('the azure auth-provider (format=azure), with a legacy server application', () => {
    const legacy = {
      'auth-provider': {
        name: 'azure',
        config: { 'apiserver-id': 'AAAAAAAA-1111-4222-8333-444444444444', 'tenant-id': TENANT },
      },
    };
    expect(parseCredentialResults(answer(legacy), 'prod')).toMatchObject({
      kind: 'entra',
      serverId: 'aaaaaaaa-1111-4222-8333-444444444444',
      tenantId: TENANT,
    });
  });

  it("a kubelogin without a GUID server id falls back to AKS's", () => {
    const odd = { exec: { command: 'kubelogin', args: ['get-token', '--server-id', 'nope'] } };
    expect(parseCredentialResults(answer(odd), 'prod')).toMatchObject({
      kind: 'entra',
      serverId: '6dae42f8-4368-4678-94ff-3960e28e3630',
      tenantId: undefined,
    });
  });

  it("a cluster without Entra integration: the local account's token", () => {
    const local = {
      'client-certificate-data': CA,
      'client-key-data': 'a2V5',
      token: 'f'.repeat(64),
    };
    expect(parseCredentialResults(answer(local), 'prod')).toMatchObject({
      kind: 'local',
      localToken: 'f'.repeat(64),
    });
  });

  it.each<[string, string, RegExp]>([
    [
      'a client certificate alone',
      answer({ 'client-certificate-data': CA, 'client-key-data': 'a2V5' }),
      /client certificate without a token/,
    ],
    [
      'an unknown user',
      answer({ username: 'x', password: 'y' }),
      /has a user this action does not know/,
    ],
    [
      'no kubeconfigs',
      '{"kubeconfigs":[]}',
      /^ARM listClusterUserCredential answered 200 for cluster "prod", but without a kubeconfig/,
    ],
    ['not JSON', '<html>', /without a kubeconfig/],
    [
      'base64 of something else',
      JSON.stringify({
        kubeconfigs: [{ name: 'clusterUser', value: Buffer.from('[a, b').toString('base64') }],
      }),
      /is not YAML/,
    ],
    [
      'a list, not a kubeconfig',
      JSON.stringify({
        kubeconfigs: [{ name: 'clusterUser', value: Buffer.from('- a').toString('base64') }],
      }),
      /is not a kubeconfig/,
    ],
    ['no server', answer(KUBELOGIN, { 'certificate-authority-data': CA }), /has no server/],
    [
      'an http server',
      answer(KUBELOGIN, { server: 'http://prod:80', 'certificate-authority-data': CA }),
      /not an https URL/,
    ],
    ['no CA', answer(KUBELOGIN, { server: 'https://prod:443' }), /no certificate-authority-data/],
  ])('refuses %s', (_name, body, says) => {
    let error: unknown;
    try {
      parseCredentialResults(body, 'prod');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toMatch(says);
  });
});

describe('parseArmError', () => {
  it("reads ARM's code, message and request id", () => {
    const refusal = parseArmError({
      status: 403,
      headers: { 'x-ms-request-id': 'req-1' },
      body: JSON.stringify({
        error: {
          code: 'AuthorizationFailed',
          message: "The client 'x' with object id 'x' does not have authorization",
        },
      }),
    });
    expect(refusal).toBeInstanceOf(ArmRefusal);
    expect(refusal?.said).toBe(
      `ARM: AuthorizationFailed, "The client 'x' with object id 'x' does not have authorization", request id req-1`,
    );
  });

  it.each([['<html>502</html>'], ['{}'], ['{"error":"x"}'], ['{"error":{"message":"no code"}}']])(
    'is no ARM error for %s',
    (body) => {
      expect(parseArmError({ status: 502, headers: {}, body })).toBeUndefined();
    },
  );
});

describe('listClusterUserCredential against a local peer', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  async function peer(answers: Array<(req: IncomingMessage, res: ServerResponse) => void>) {
    const seen: Array<{ method: string; url: string; authorization: string | undefined }> = [];
    const server = createServer((req, res) => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
      });
      (answers.shift() ?? ((_q, r) => r.writeHead(500).end()))(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    };
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }
  const request = (resourceManager: string) => ({
    resourceManager,
    subscriptionId: SUB,
    resourceGroup: 'rg',
    cluster: 'prod',
    token: 'arm-token',
  });
  const fast = { baseDelayMs: 1, maxDelayMs: 5 };

  it('POSTs with the bearer, retries 429 and 5xx, and reads the answer', async () => {
    const { url, seen } = await peer([
      (_q, r) => r.writeHead(429, { 'retry-after': '0' }).end(),
      (_q, r) =>
        r
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":{"code":"ServiceUnavailable","message":"busy"}}'),
      (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(answer(KUBELOGIN)),
    ]);
    const logger = recordingLogger();
    const got = await listClusterUserCredential(request(url), { logger, timing: fast });
    expect(got.kind).toBe('entra');
    expect(seen.map((s) => [s.method, s.authorization])).toEqual(
      Array(3).fill(['POST', 'Bearer arm-token']),
    );
    expect(logger.lines.filter((l) => l.includes('retrying'))).toHaveLength(2);
  });

  it("throws ARM's final refusal as it is, without retrying it", async () => {
    const { url, seen } = await peer([
      (_q, r) =>
        r
          .writeHead(403, { 'content-type': 'application/json' })
          .end('{"error":{"code":"AuthorizationFailed","message":"no"}}'),
    ]);
    await expect(
      listClusterUserCredential(request(url), { logger: recordingLogger(), timing: fast }),
    ).rejects.toMatchObject({ name: 'ArmRefusal', code: 'AuthorizationFailed', status: 403 });
    expect(seen).toHaveLength(1);
  });

  it('says what failed when ARM keeps failing, and when a peer is not ARM', async () => {
    const { url } = await peer([]);
    await expect(
      listClusterUserCredential(request(url), {
        logger: recordingLogger(),
        timing: { ...fast, attempts: 2 },
      }),
    ).rejects.toThrow(
      /^ARM listClusterUserCredential at http:\/\/127.0.0.1:\d+ failed: ARM answered HTTP 500 \(2 attempts in [\d.]+ s\)\.$/,
    );
    await close?.();
    const other = await peer([
      (_q, r) => r.writeHead(404, { 'content-type': 'text/html' }).end('<h1>nope</h1>'),
    ]);
    await expect(
      listClusterUserCredential(request(other.url), { logger: recordingLogger(), timing: fast }),
    ).rejects.toThrow(/answered HTTP 404 without an ARM error \(<h1>nope<\/h1>\)/);
  });
});

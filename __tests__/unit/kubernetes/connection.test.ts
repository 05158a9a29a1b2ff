import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient, KubeNetworkError } from '../../../src/kubernetes/client.js';
import { ClusterConnection, type ClusterTarget } from '../../../src/kubernetes/connection.js';
import { recordingLogger } from '../../../src/logger.js';
import { fakeToken, sendJson, startLoopback, type Loopback } from './loopback.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const exp = Math.floor(Date.now() / 1000) + 3600;

function target(url: string, caData: string | undefined): ClusterTarget {
  return {
    server: url,
    certificateAuthorityData: caData,
    insecureSkipTlsVerify: false,
    tlsServerName: undefined,
  };
}

function clientOver(connection: ClusterConnection, t: ClusterTarget): KubeClient {
  return new KubeClient({
    target: t,
    connection,
    token: fakeToken(exp),
    tokenExp: exp,
    logger: recordingLogger(),
  });
}

/** The first request over a fresh connection to `t`: what it rejects with. */
async function firstRequestError(t: ClusterTarget): Promise<unknown> {
  const connection = new ClusterConnection(t);
  try {
    return await clientOver(connection, t)
      .get('/api')
      .catch((e: unknown) => e);
  } finally {
    connection.close();
  }
}

describe('ClusterConnection', () => {
  it("sends every request over one keep-alive connection made from the KubeConfig's TLS settings", async () => {
    server = await startLoopback((_, res) => sendJson(res, 200, { kind: 'Deployment' }));
    const t = target(server.url, server.caData);
    const connection = new ClusterConnection(t);
    const client = clientOver(connection, t);
    await client.get('/apis/apps/v1/namespaces/demo/deployments/web');
    await client.get('/apis/apps/v1/namespaces/demo/deployments/web');
    expect(server.requests).toHaveLength(2);
    expect(server.connections()).toBe(1);
    connection.close();
  });

  it('refuses a certificate the kubeconfig does not trust, before any request reaches the server', async () => {
    server = await startLoopback((_, res) => sendJson(res, 200, {}));
    // No CA: the self-signed server certificate is not trusted.
    const error = await firstRequestError(target(server.url, undefined));
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as KubeNetworkError).tls).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('reports a server that is not listening', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((r) => closed.close(() => r()));
    const error = await firstRequestError(target(`https://127.0.0.1:${port}`, undefined));
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe("HttpsLibrary at client-node's httpApi extension point", () => {
  it('serves a typed AppsV1Api call over the same keep-alive agent, with the KubeConfig credentials', async () => {
    const { AppsV1Api, ServerConfiguration, createConfiguration, wrapHttpLibrary } =
      await import('@kubernetes/client-node');
    server = await startLoopback((_, res) =>
      sendJson(res, 200, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'demo' },
      }),
    );
    const connection = new ClusterConnection(target(server.url, server.caData));
    connection.setToken('typed-token');
    const apps = new AppsV1Api(
      createConfiguration({
        baseServer: new ServerConfiguration(server.url, {}),
        authMethods: { default: connection.kubeConfig },
        httpApi: wrapHttpLibrary(await connection.library()),
      }),
    );
    const first = await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' });
    await apps.readNamespacedDeployment({ name: 'web', namespace: 'demo' });
    expect(first.metadata?.name).toBe('web');
    expect(server.requests.map((r) => r.path)).toEqual([
      '/apis/apps/v1/namespaces/demo/deployments/web',
      '/apis/apps/v1/namespaces/demo/deployments/web',
    ]);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer typed-token');
    // One TLS connection for both: the agent client-node would make per request is not used.
    expect(server.connections()).toBe(1);
    connection.close();
  });
});

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

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

/**
 * Preconnects to `t`, lets that connection fail (on the client's side, so the server never
 * counts it), then sends the first request: what it rejects with.
 */
async function afterFailedPreconnect(t: ClusterTarget): Promise<unknown> {
  const connection = new ClusterConnection(t);
  connection.preconnect();
  await new Promise((r) => setTimeout(r, 50));
  return clientOver(connection, t)
    .get('/api')
    .catch((e: unknown) => e);
}

describe('ClusterConnection.preconnect', () => {
  it('opens the connection before any request, and the first request uses it', async () => {
    server = await startLoopback((_, res) => sendJson(res, 200, { kind: 'Deployment' }));
    const t = target(server.url, server.caData);
    const connection = new ClusterConnection(t);
    connection.preconnect();
    const s = server;
    await until(() => s.connections() === 1);
    expect(server.connections()).toBe(1);
    expect(server.requests).toHaveLength(0);

    const client = clientOver(connection, t);
    await client.get('/apis/apps/v1/namespaces/demo/deployments/web');
    expect(server.requests).toHaveLength(1);
    expect(server.connections()).toBe(1);
  });

  it('drops a connection whose certificate is refused; the first request reports it', async () => {
    server = await startLoopback((_, res) => sendJson(res, 200, {}));
    // No CA: the self-signed server certificate is not trusted.
    const error = await afterFailedPreconnect(target(server.url, undefined));
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as KubeNetworkError).tls).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('survives a server that is not listening; the first request reports it', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((r) => closed.close(() => r()));
    const error = await afterFailedPreconnect(target(`https://127.0.0.1:${port}`, undefined));
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('is a no-op through a proxy: the proxy agent opens its tunnel at the first request', async () => {
    const proxy = createServer();
    let connections = 0;
    proxy.on('connection', (socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const { port } = proxy.address() as { port: number };
    const connection = new ClusterConnection(
      target('https://127.0.0.1:1', undefined),
      new URL(`http://127.0.0.1:${port}`),
    );
    expect(() => connection.preconnect()).not.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(connections).toBe(0);
    connection.close();
    await new Promise<void>((r) => proxy.close(() => r()));
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
        httpApi: wrapHttpLibrary(connection.library),
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

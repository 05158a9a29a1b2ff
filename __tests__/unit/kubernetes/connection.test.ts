import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient, KubeNetworkError } from '../../../src/kubernetes/api/client.js';
import {
  ClusterConnection,
  type ClusterTarget,
} from '../../../src/kubernetes/cluster/connection.js';
import { recordingLogger } from '../../helpers/logger.js';
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

describe('the credentials of every request', () => {
  it('sends the bearer from the KubeConfig, a renewed one after setToken, and every Impersonate-* header', async () => {
    server = await startLoopback((_, res) => sendJson(res, 200, {}));
    const t = target(server.url, server.caData);
    const connection = new ClusterConnection(t, undefined, {
      user: 'deployer',
      groups: ['a', 'b'],
      extra: { 'acme.com/project': ['x'] },
    });
    const request = { verb: 'GET' as const, path: '/api', headers: { Accept: 'application/json' } };
    connection.setToken('first-token');
    await connection.send(request, { deadlineMs: 5000 });
    connection.setToken('second-token');
    await connection.send(request, { deadlineMs: 5000 });
    connection.close();
    const [first, second] = server.requests.map((r) => r.headers);
    expect(first?.authorization).toBe('Bearer first-token');
    expect(second?.authorization).toBe('Bearer second-token');
    expect(first?.['impersonate-user']).toBe('deployer');
    expect(first?.['impersonate-group']).toBe('a, b');
    expect(first?.['impersonate-extra-acme.com%2fproject']).toBe('x');
    expect(first?.accept).toBe('application/json');
    // One TLS connection for both, although the token changed.
    expect(server.connections()).toBe(1);
  });
});

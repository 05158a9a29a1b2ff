import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ActionError } from '../../../src/base/errors.js';
import { KubeClient, KubeNetworkError } from '../../../src/kubernetes/api/client.js';
import { exempt, proxyFor } from '../../../src/kubernetes/cluster/proxy.js';
import { recordingLogger } from '../../helpers/logger.js';
import { startProxy, type TestProxy } from '../../fixtures/proxy.js';
import { sendJson, startLoopback, type Loopback } from './loopback.js';

describe('proxyFor (as Go net/http, i.e. kubectl)', () => {
  const server = new URL('https://kube.example.com:6443');
  it.each([
    ['no proxy set', {}, undefined],
    ['HTTPS_PROXY', { HTTPS_PROXY: 'http://proxy:3128' }, 'http://proxy:3128/'],
    ['https_proxy', { https_proxy: 'http://proxy:3128' }, 'http://proxy:3128/'],
    ['HTTP_PROXY alone does not apply to https', { HTTP_PROXY: 'http://proxy:3128' }, undefined],
    ['a bare host:port means http', { HTTPS_PROXY: 'proxy:3128' }, 'http://proxy:3128/'],
    ['NO_PROXY *', { HTTPS_PROXY: 'proxy:1', NO_PROXY: '*' }, undefined],
    ['NO_PROXY the domain', { HTTPS_PROXY: 'proxy:1', NO_PROXY: 'example.com' }, undefined],
    ['NO_PROXY the host', { HTTPS_PROXY: 'proxy:1', no_proxy: 'kube.example.com' }, undefined],
    [
      'NO_PROXY another port',
      { HTTPS_PROXY: 'proxy:1', NO_PROXY: 'kube.example.com:443' },
      'http://proxy:1/',
    ],
    [
      'NO_PROXY the right port',
      { HTTPS_PROXY: 'proxy:1', NO_PROXY: 'kube.example.com:6443' },
      undefined,
    ],
    [
      'NO_PROXY another domain',
      { HTTPS_PROXY: 'proxy:1', NO_PROXY: 'other.com, ample.com' },
      'http://proxy:1/',
    ],
  ])('%s', (_, env, expected) => {
    expect(proxyFor(server, env)?.url.href).toBe(expected);
  });

  it("prefers the kubeconfig cluster's proxy-url, as kubectl does", () => {
    expect(
      proxyFor(server, { HTTPS_PROXY: 'http://env:1', NO_PROXY: '*' }, 'http://kube-proxy:8080'),
    ).toEqual({ url: new URL('http://kube-proxy:8080'), source: 'proxy-url' });
    expect(() => proxyFor(server, {}, 'socks5://p:1080')).toThrow(/proxy-url uses socks5:/);
  });

  it('never proxies loopback', () => {
    expect(proxyFor(new URL('https://127.0.0.1:6443'), { HTTPS_PROXY: 'proxy:1' })).toBeUndefined();
    expect(proxyFor(new URL('https://localhost'), { HTTPS_PROXY: 'proxy:1' })).toBeUndefined();
    expect(proxyFor(new URL('https://[::1]:1'), { HTTPS_PROXY: 'proxy:1' })).toBeUndefined();
  });

  it('refuses a proxy scheme it cannot tunnel through', () => {
    expect(() => proxyFor(server, { HTTPS_PROXY: 'socks5://proxy:1080' })).toThrow(ActionError);
  });
});

describe('exempt (NO_PROXY)', () => {
  it.each([
    ['10.1.2.3', '443', '10.0.0.0/8', true],
    ['10.1.2.3', '443', '192.168.0.0/16', false],
    ['10.1.2.3', '443', '10.1.2.3', true],
    ['a.b.example.com', '443', '.example.com', true],
    ['example.com', '443', '.example.com', false],
    ['example.com', '443', 'example.com', true],
    ['badexample.com', '443', 'example.com', false],
    ['x.example.com', '443', '*.example.com', true],
  ])('%s:%s with %s', (host, port, noProxy, expected) => {
    expect(exempt(host, port, noProxy)).toBe(expected);
  });
});

describe('KubeClient through a CONNECT proxy', () => {
  let api: Loopback | undefined;
  let proxy: Server | undefined;
  // Tunnelled sockets leave the server's bookkeeping: close them here.
  const tunnels: Array<{ destroy(): void }> = [];
  afterEach(async () => {
    for (const socket of tunnels.splice(0)) socket.destroy();
    await api?.close();
    proxy?.closeAllConnections();
    await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    api = undefined;
    proxy = undefined;
  });

  it('tunnels TLS to the API server and verifies it with the kubeconfig CA', async () => {
    api = await startLoopback((_, res) => sendJson(res, 200, { kind: 'Deployment' }));
    const apiPort = new URL(api.url).port;
    const connects: Array<{ target: string; auth: string | undefined }> = [];
    proxy = createServer();
    proxy.on('connect', (req, socket) => {
      connects.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
      // The proxy resolves kube.test to the loopback API server.
      const upstream = connect(Number(apiPort), '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      tunnels.push(socket, upstream);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as AddressInfo).port;

    const client = (ca: string | undefined) =>
      new KubeClient({
        target: {
          server: `https://kube.test:${apiPort}`,
          certificateAuthorityData: ca,
          insecureSkipTlsVerify: false,
          tlsServerName: undefined,
        },
        proxy: new URL(`http://user:p%40ss@127.0.0.1:${proxyPort}`),
        token: 't',
        tokenExp: Date.now() / 1000 + 3600,
        logger: recordingLogger(),
      });
    await expect(
      client(api.caData).get('/apis/apps/v1/namespaces/demo/deployments/web'),
    ).resolves.toEqual({
      kind: 'Deployment',
    });
    expect(connects[0]).toEqual({
      target: `kube.test:${apiPort}`,
      auth: `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
    });
    expect(api.requests[0]?.headers.authorization).toBe('Bearer t');
    expect(api.requests[0]?.headers.host).toBe(`kube.test:${apiPort}`);

    // Without the CA, the tunnel's TLS refuses the server as a direct connection would.
    const error = await client(undefined)
      .get('/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as KubeNetworkError).tls).toBe(true);
  });

  it('reports a proxy that refuses the tunnel', async () => {
    proxy = createServer();
    proxy.on('connect', (_, socket) => {
      tunnels.push(socket);
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as AddressInfo).port;
    const client = new KubeClient({
      target: {
        server: 'https://kube.test:1',
        certificateAuthorityData: undefined,
        insecureSkipTlsVerify: false,
        tlsServerName: undefined,
      },
      proxy: new URL(`http://127.0.0.1:${proxyPort}`),
      token: 't',
      tokenExp: Date.now() / 1000 + 3600,
      logger: recordingLogger(),
      requestTimeoutMs: 2000,
    });
    const error = await client.get('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as Error).message).toContain('answered CONNECT with HTTP 407');
    expect((error as KubeNetworkError).permanent).toBe(true);
  });
});

describe('KubeClient through the fixture CONNECT proxy (client-node proxy agent)', () => {
  let api: Loopback | undefined;
  let fixture: TestProxy | undefined;
  afterEach(async () => {
    await api?.close();
    await fixture?.close();
    api = undefined;
    fixture = undefined;
  });

  const through = (server: string, ca: string, proxyUrl: string) =>
    new KubeClient({
      target: {
        server,
        certificateAuthorityData: ca,
        insecureSkipTlsVerify: false,
        tlsServerName: undefined,
      },
      proxy: new URL(proxyUrl),
      token: 't',
      tokenExp: Date.now() / 1000 + 3600,
      logger: recordingLogger(),
      requestTimeoutMs: 5000,
    });

  it('verifies an API server addressed by IP against that IP, not the proxy (kubectl refuses too)', async () => {
    // The certificate names 127.0.0.1 (the proxy's address) and kube.test, not 192.0.2.10 (a
    // documentation address: the proxy fixture connects every tunnel to 127.0.0.1).
    api = await startLoopback((_, res) => sendJson(res, 200, { kind: 'Deployment' }));
    fixture = await startProxy();
    const port = new URL(api.url).port;
    const error = await through(`https://192.0.2.10:${port}`, api.caData, fixture.url)
      .get('/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as KubeNetworkError).tls).toBe(true);
    expect((error as Error).message).toMatch(/192\.0\.2\.10/);
    expect(api.requests).toHaveLength(0);
    expect(fixture.records.map((r) => r.target)).toContain(`192.0.2.10:${port}`);
    // The same server under a name its certificate has is accepted through the same proxy.
    await expect(
      through(`https://kube.test:${port}`, api.caData, fixture.url).get('/x'),
    ).resolves.toEqual({ kind: 'Deployment' });
  });

  it('reuses one tunnel for several requests (one keep-alive agent)', async () => {
    api = await startLoopback((_, res) => sendJson(res, 200, {}));
    fixture = await startProxy();
    const port = new URL(api.url).port;
    const c = through(`https://kube.test:${port}`, api.caData, fixture.url);
    for (let i = 0; i < 8; i++) await c.get('/x');
    c.close();
    expect(api.requests).toHaveLength(8);
    expect(fixture.records.filter((r) => r.method === 'CONNECT')).toHaveLength(1);
  });
});

describe('the loopback rule (net/loopback.ts) in the proxy choice', () => {
  it('proxies a host name that merely starts with 127.', () => {
    expect(
      proxyFor(new URL('https://127.attacker.example:6443'), { HTTPS_PROXY: 'proxy:1' })?.url.href,
    ).toBe('http://proxy:1/');
  });
});

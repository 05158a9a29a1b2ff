// HTTPS_PROXY / HTTP_PROXY / NO_PROXY and NODE_EXTRA_CA_CERTS, as runners behind a corporate
// proxy set them, for the ID-token request (the client every mode but the deploy shares).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { startProxy, type TestProxy } from '../fixtures/proxy.js';
import { errorAnnotations, runAction } from '../helpers/runner.js';
import { tempDir } from '../helpers/temp.js';

describe('proxies and private CAs', () => {
  let issuer: Issuer;
  let proxy: TestProxy;
  let tls: Server;
  let tlsPort: number;
  let caFile: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    proxy = await startProxy();
    // A TLS front for the issuer under a name that is not loopback, with a private CA.
    const dir = tempDir('proxy-tls-');
    caFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=issuer.test',
        '-addext',
        'subjectAltName=DNS:issuer.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        caFile,
      ],
      { stdio: 'ignore' },
    );
    const issuerPort = Number(new URL(issuer.origin).port);
    tls = createTlsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(caFile) },
      (socket) => {
        const upstream = connect(issuerPort, '127.0.0.1');
        socket.pipe(upstream).pipe(socket);
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
      },
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    tlsPort = (tls.address() as AddressInfo).port;
  });
  afterAll(async () => {
    tls.close();
    await proxy.close();
    await issuer.close();
  });

  const viaName = (scheme: 'http' | 'https') => {
    const url = new URL(issuer.requestUrl);
    url.protocol = `${scheme}:`;
    url.hostname = 'issuer.test';
    if (scheme === 'https') url.port = String(tlsPort);
    return { ...issuer.env(), ACTIONS_ID_TOKEN_REQUEST_URL: url.href };
  };

  it('tunnels https through HTTPS_PROXY with CONNECT and trusts NODE_EXTRA_CA_CERTS', async () => {
    const before = proxy.records.length;
    const run = await runAction({
      inputs: { mode: 'token' },
      env: { ...viaName('https'), HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: caFile },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['id-token']).toBe(issuer.issued.at(-1));
    expect(proxy.records.slice(before)).toEqual([
      { method: 'CONNECT', target: `issuer.test:${tlsPort}`, proxyAuthorization: undefined },
    ]);
  });

  it('refuses a certificate from an unknown CA, through the proxy too', async () => {
    const run = await runAction({
      inputs: { mode: 'token' },
      env: { ...viaName('https'), HTTPS_PROXY: proxy.url },
    });
    expect(run.code).toBe(1);
    expect(errorAnnotations(run)[0]).toMatch(/self-signed certificate/);
  });

  it('tunnels plain http through HTTP_PROXY (CONNECT, as @actions/http-client does), with the proxy credentials', async () => {
    const before = proxy.records.length;
    const withAuth = proxy.url.replace('http://', 'http://ci%40corp:p%3Ass@');
    const run = await runAction({
      inputs: { mode: 'token', audience: 'a b' },
      env: { ...viaName('http'), HTTP_PROXY: withAuth },
    });
    expect(run.code, run.stdout).toBe(0);
    const [record] = proxy.records.slice(before);
    expect(record?.method).toBe('CONNECT');
    expect(record?.target).toBe(`issuer.test:${new URL(issuer.origin).port}`);
    expect(issuer.requests.at(-1)?.audience).toBe('a b');
    expect(record?.proxyAuthorization).toBe(
      `Basic ${Buffer.from('ci@corp:p:ss').toString('base64')}`,
    );
  });

  it('goes direct for hosts in NO_PROXY (and so fails to resolve issuer.test)', async () => {
    const before = proxy.records.length;
    const run = await runAction({
      inputs: { mode: 'token' },
      env: {
        ...viaName('https'),
        HTTPS_PROXY: proxy.url,
        NO_PROXY: 'example.com,.test',
        NODE_EXTRA_CA_CERTS: caFile,
      },
    });
    expect(run.code).toBe(1);
    expect(proxy.records.length).toBe(before);
    expect(errorAnnotations(run)[0]).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });
});

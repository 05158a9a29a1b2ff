import { afterEach, describe, expect, it } from 'vitest';
import { ActionError } from '../../../src/errors.js';
import {
  KubeApiError,
  KubeClient,
  KubeNetworkError,
  retryDelay,
} from '../../../src/kubernetes/client.js';
import { recordingLogger } from '../../../src/logger.js';
import { fakeToken, sendJson, startLoopback, status, type Loopback } from './loopback.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const exp = Math.floor(Date.now() / 1000) + 3600;

function client(s: Loopback, ca: string | null = s.caData, insecure = false): KubeClient {
  return new KubeClient({
    target: {
      server: s.url,
      certificateAuthorityData: ca ?? undefined,
      insecureSkipTlsVerify: insecure,
      tlsServerName: undefined,
    },
    token: fakeToken(exp),
    tokenExp: exp,
    logger: recordingLogger(),
  });
}

describe('KubeClient', () => {
  it('sends the bearer token, Accept JSON and its user agent', async () => {
    server = await startLoopback((_, res) => sendJson(res, 200, { kind: 'Deployment' }));
    await expect(
      client(server).get('/apis/apps/v1/namespaces/demo/deployments/web'),
    ).resolves.toEqual({
      kind: 'Deployment',
    });
    const [r] = server.requests;
    expect(r?.headers.authorization).toBe(`Bearer ${fakeToken(exp)}`);
    expect(r?.headers.accept).toBe('application/json');
    expect(r?.headers['user-agent']).toBe('oidc-deploy-action');
  });

  it('patches with a strategic merge patch and its field manager', async () => {
    server = await startLoopback((_, res) => sendJson(res, 200, {}));
    await client(server).patch('/apis/apps/v1/namespaces/demo/deployments/web', { spec: {} });
    const [r] = server.requests;
    expect(r?.method).toBe('PATCH');
    expect(r?.headers['content-type']).toBe('application/strategic-merge-patch+json');
    expect(r?.query.get('fieldManager')).toBe('oidc-deploy-action');
    expect(r?.body).toBe('{"spec":{}}');
  });

  it("verifies the server against the kubeconfig's CA, not the system's", async () => {
    server = await startLoopback((_, res) => sendJson(res, 200, {}));
    const error = await client(server, null)
      .get('/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as KubeNetworkError).tls).toBe(true);
    expect(server.requests).toHaveLength(0);
    // insecure-skip-tls-verify is the explicit opt-out.
    await expect(client(server, null, true).get('/x')).resolves.toEqual({});
  });

  it('retries a GET answered 503, then gives the Status error', async () => {
    let n = 0;
    server = await startLoopback((_, res) =>
      ++n < 3
        ? sendJson(res, 503, status(503, 'ServiceUnavailable', 'busy'))
        : sendJson(res, 200, { ok: 1 }),
    );
    await expect(client(server).get('/x')).resolves.toEqual({ ok: 1 });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 404, and keeps its Status', async () => {
    server = await startLoopback((_, res) =>
      sendJson(res, 404, status(404, 'NotFound', 'deployments.apps "web" not found')),
    );
    const error = (await client(server)
      .get('/x')
      .catch((e: unknown) => e)) as KubeApiError;
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.statusCode).toBe(404);
    expect(error.message).toBe('deployments.apps "web" not found');
    expect(server.requests).toHaveLength(1);
  });

  it('renews an expired token at most once per request', async () => {
    server = await startLoopback((_, res) =>
      sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized')),
    );
    let renewals = 0;
    const logger = recordingLogger();
    const expired = Math.floor(Date.now() / 1000) - 10;
    const c = new KubeClient({
      target: {
        server: server.url,
        certificateAuthorityData: server.caData,
        insecureSkipTlsVerify: false,
        tlsServerName: undefined,
      },
      token: fakeToken(expired),
      tokenExp: expired,
      // A renewal that yields another expired token must not loop.
      renewToken: async () => {
        renewals++;
        return fakeToken(expired);
      },
      logger,
    });
    const error = (await c.get('/x').catch((e: unknown) => e)) as KubeApiError;
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.statusCode).toBe(401);
    expect(renewals).toBe(1);
    expect(server.requests).toHaveLength(2);
    expect(logger.lines.join('\n')).toContain('requested a new one');
  });

  it('refuses a plain-http server: the token only travels over TLS', () => {
    expect(
      () =>
        new KubeClient({
          target: {
            server: 'http://127.0.0.1:1',
            certificateAuthorityData: undefined,
            insecureSkipTlsVerify: false,
            tlsServerName: undefined,
          },
          token: 't',
          tokenExp: exp,
          logger: recordingLogger(),
        }),
    ).toThrow(ActionError);
  });
});

describe('retryDelay', () => {
  it.each([
    ['1', 1, 1000],
    ['0', 2, 0],
    ['2.5', 1, 2500],
    ['3600', 1, 10_000],
    [['2', '7'], 1, 2000],
    [undefined, 1, 500],
    [undefined, 2, 1000],
    ['', 1, 500],
    ['soon', 1, 500],
    ['-1', 1, 500],
  ] as Array<[string | string[] | undefined, number, number]>)(
    'Retry-After %j on attempt %i waits %i ms',
    (header, attempt, ms) => {
      expect(retryDelay(header, attempt)).toBe(ms);
    },
  );
});

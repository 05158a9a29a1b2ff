import { afterEach, describe, expect, it } from 'vitest';
import { ActionError } from '../../../src/base/errors.js';
import { KubeApiError, KubeClient, KubeNetworkError } from '../../../src/kubernetes/api/client.js';
import { impersonationOf } from '../../../src/kubernetes/cluster/impersonation.js';
import { recordingLogger } from '../../helpers/logger.js';
import {
  event,
  fakeToken,
  sendJson,
  startLoopback,
  startStream,
  status,
  type Loopback,
} from './loopback.js';

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

  it('a 401 that answers a token another request renewed since: retried with the new one, not renewed again', async () => {
    const expired = Math.floor(Date.now() / 1000) - 10;
    const fresh = fakeToken(exp);
    // The old token is refused: at once on /fast, 300 ms late on /slow (after /fast's renewal).
    server = await startLoopback((req, res) => {
      if (req.headers.authorization === `Bearer ${fresh}`) return sendJson(res, 200, { ok: 1 });
      const refuse = () => sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      if (req.path === '/slow') setTimeout(refuse, 300);
      else refuse();
    });
    let renewals = 0;
    const c = new KubeClient({
      target: {
        server: server.url,
        certificateAuthorityData: server.caData,
        insecureSkipTlsVerify: false,
        tlsServerName: undefined,
      },
      token: fakeToken(expired),
      tokenExp: expired,
      renewToken: () => {
        renewals++;
        return Promise.resolve({ token: fresh, exp });
      },
      logger: recordingLogger(),
    });
    const slow = c.get('/slow');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(c.get('/fast')).resolves.toEqual({ ok: 1 });
    await expect(slow).resolves.toEqual({ ok: 1 });
    expect(renewals).toBe(1);
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

describe('KubeClient bounds (hostile API server)', () => {
  it('cuts off a server that trickles its answer at the deadline, and destroys the request', async () => {
    let closed = 0;
    server = await startLoopback((_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"items":[');
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => {
        clearInterval(timer);
        closed++;
      });
    });
    const c = new KubeClient({
      target: {
        server: server.url,
        certificateAuthorityData: server.caData,
        insecureSkipTlsVerify: false,
        tlsServerName: undefined,
      },
      token: fakeToken(exp),
      tokenExp: exp,
      logger: recordingLogger(),
      requestTimeoutMs: 1000,
    });
    const started = Date.now();
    const error = await c.get('/x').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as Error).message).toContain('no complete answer within 1 s');
    // The deadline covers the retries too: one request, then no time left for another.
    expect(server.requests).toHaveLength(1);
    const s = server;
    await new Promise((r) => setTimeout(r, 200));
    expect(closed, `${s.requests.length} requests`).toBe(1);
  });

  it('refuses an answer over 64 MiB with an error naming the API server', async () => {
    server = await startLoopback((_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 70 && res.write(chunk)) sent++;
        if (sent < 70) res.once('drain', pump);
        else res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    const error = await client(server)
      .list('/api/v1/namespaces/demo/pods')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toBe(
      `The API server ${server.url} sent an answer of more than 64 MiB for GET /api/v1/namespaces/demo/pods: refused.`,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a declared Content-Length over 64 MiB before reading it', async () => {
    server = await startLoopback((_, res) => {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': 80 * 1024 * 1024,
      });
      res.write('{');
      res.on('error', () => undefined);
    });
    const error = await client(server)
      .get('/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toContain('more than 64 MiB');
  });

  it('ends a watch whose event line never ends, past 16 MiB, naming the API server', async () => {
    server = await startLoopback((_, res) => {
      startStream(res);
      event(res, 'ADDED', { metadata: { name: 'web' } });
      const chunk = Buffer.alloc(1024 * 1024, 0x41);
      let sent = 0;
      const pump = () => {
        while (sent < 40 && res.write(chunk)) sent++;
        if (sent < 40) res.once('drain', pump);
      };
      res.on('error', () => undefined);
      pump();
    });
    const events: unknown[] = [];
    const error = await client(server)
      .watch(
        '/apis/apps/v1/namespaces/demo/deployments',
        { timeoutSeconds: 60 },
        (e) => {
          events.push(e);
          return 'continue';
        },
        new AbortController().signal,
      )
      .catch((e: unknown) => e);
    expect(events).toHaveLength(1);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toBe(
      `The API server ${server.url} sent a watch event line of more than 16 MiB for GET /apis/apps/v1/namespaces/demo/deployments: refused.`,
    );
  });

  it('reports a watch event that is not JSON as a broken stream', async () => {
    server = await startLoopback((_, res) => {
      startStream(res);
      res.write('{"type":"ADDED",\n');
    });
    const error = await client(server)
      .watch('/w', { timeoutSeconds: 60 }, () => 'continue', new AbortController().signal)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as Error).message).toContain('a watch event is not JSON');
  });

  it('gives up on a watch whose headers never come, within the request deadline', async () => {
    server = await startLoopback(() => undefined);
    const c = new KubeClient({
      target: {
        server: server.url,
        certificateAuthorityData: server.caData,
        insecureSkipTlsVerify: false,
        tlsServerName: undefined,
      },
      token: fakeToken(exp),
      tokenExp: exp,
      logger: recordingLogger(),
      requestTimeoutMs: 500,
    });
    const started = Date.now();
    const error = await c
      .watch('/w', { timeoutSeconds: 60 }, () => 'continue', new AbortController().signal)
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(KubeNetworkError);
    expect((error as Error).message).toContain('no complete answer within 0.5 s');
  });

  it('close() destroys a request under way', async () => {
    let closed = false;
    server = await startLoopback((_, res) => {
      res.on('close', () => (closed = true));
    });
    const c = client(server);
    const pending = c.get('/x').catch((e: unknown) => e);
    const s = server;
    for (let i = 0; i < 200 && s.requests.length === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    c.close();
    expect(await pending).toBeInstanceOf(KubeNetworkError);
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(true);
  });
});

describe('KubeClient impersonation', () => {
  it("sends the kubeconfig user's as, as-groups, as-uid and as-user-extra as kubectl does", async () => {
    server = await startLoopback((_, res) => sendJson(res, 200, {}));
    const c = new KubeClient({
      target: {
        server: server.url,
        certificateAuthorityData: server.caData,
        insecureSkipTlsVerify: false,
        tlsServerName: undefined,
      },
      token: fakeToken(exp),
      tokenExp: exp,
      logger: recordingLogger(),
      impersonation: impersonationOf({
        as: 'deployer',
        'as-groups': ['team-a', 'team-b'],
        'as-uid': '1234',
        'as-user-extra': { 'acme.com/project': ['web', 'api'], scopes: ['view'] },
      }),
    });
    await c.get('/x');
    const [r] = server.requests;
    expect(r?.headers['impersonate-user']).toBe('deployer');
    // One header line per group (node joins repeated request headers with ", " when reading).
    expect(r?.headers['impersonate-group']).toBe('team-a, team-b');
    expect(r?.headers['impersonate-uid']).toBe('1234');
    expect(r?.headers['impersonate-extra-acme.com%2fproject']).toBe('web, api');
    expect(r?.headers['impersonate-extra-scopes']).toBe('view');
    expect(r?.headers.authorization).toBe(`Bearer ${fakeToken(exp)}`);
  });

  it('sends no Impersonate-* header without impersonation', async () => {
    server = await startLoopback((_, res) => sendJson(res, 200, {}));
    await client(server).get('/x');
    const [r] = server.requests;
    expect(Object.keys(r?.headers ?? {}).filter((h) => h.startsWith('impersonate-'))).toEqual([]);
  });
});

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient, MAX_BODY_BYTES } from '../../src/net/http.js';
import { recordingLogger } from '../helpers/logger.js';
import { startProxy, type TestProxy } from '../fixtures/proxy.js';
import { bodyExcerpt } from '../../src/base/untrusted.js';
import { retryAfterMs, retryDelay, withRetries } from '../../src/net/retry.js';

/** A local server whose answers each test picks; it records every request it gets. */
async function startPeer(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const requests: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }> = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Peer = Awaited<ReturnType<typeof startPeer>>;

describe('createHttpClient (on @actions/http-client)', () => {
  const peers: Peer[] = [];
  const peer = async (handle: Parameters<typeof startPeer>[0]) => {
    const p = await startPeer(handle);
    peers.push(p);
    return p;
  };
  afterEach(async () => {
    vi.unstubAllEnvs();
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('sends the headers and body, and returns status, headers and body', async () => {
    const p = await peer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(201, { 'x-echo': body }).end(`got ${body}`));
    });
    const response = await createHttpClient(1000).post(`${p.origin}/x?y=1`, 'a=b', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(response).toMatchObject({ status: 201, body: 'got a=b' });
    expect(response.headers['x-echo']).toBe('a=b');
    expect(p.requests[0]).toMatchObject({ method: 'POST', url: '/x?y=1' });
    expect(p.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(p.requests[0]?.headers['user-agent']).toMatch(/^oidc-deploy-action/);
  });

  it('never follows a redirect: the bearer token stays with the first host', async () => {
    const other = await peer((_req, res) => res.end('trap'));
    const p = await peer((_req, res) =>
      res.writeHead(307, { location: `${other.origin}/steal` }).end(),
    );
    const response = await createHttpClient(1000).get(`${p.origin}/token`, {
      authorization: 'Bearer secret',
    });
    expect(response.status).toBe(307);
    expect(response.headers['location']).toBe(`${other.origin}/steal`);
    expect(other.requests).toEqual([]);
  });

  it('does not retry by itself (withRetries does, by our policy)', async () => {
    const p = await peer((_req, res) => res.writeHead(503).end());
    expect((await createHttpClient(1000).get(p.origin)).status).toBe(503);
    expect(p.requests).toHaveLength(1);
  });

  it('ends a peer that trickles its answer at the deadline, naming the peer', async () => {
    const p = await peer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    // The socket is never silent for 1 s, so only the deadline can end this.
    await expect(createHttpClient(1000).get(p.origin, {}, 400)).rejects.toThrow(
      `no complete answer from ${p.origin} within 400ms`,
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('ends a silent peer by the socket timeout', async () => {
    const p = await peer(() => undefined);
    await expect(createHttpClient(200, 5000).get(p.origin)).rejects.toThrow(
      `no answer from ${p.origin} within 200ms`,
    );
  });

  it('ends a peer that trickles its status line and headers at the deadline', async () => {
    const sockets: Socket[] = [];
    const server = createNetServer((socket) => {
      sockets.push(socket);
      const text = 'HTTP/1.1 200 OK\r\nx-slow: ' + 'y'.repeat(1000);
      let i = 0;
      const timer = setInterval(() => socket.write(text[i++ % text.length] as string), 50);
      socket.on('close', () => clearInterval(timer));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await expect(createHttpClient(1000).get(origin, {}, 400)).rejects.toThrow(
        `no complete answer from ${origin} within 400ms`,
      );
      // The client closed its end: the server's socket is gone.
      await vi.waitFor(() => expect(sockets[0]?.destroyed).toBe(true), { timeout: 2000 });
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  it('gives every call a deadline, the client default when the call names none', async () => {
    const p = await peer((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    await expect(createHttpClient(1000, 300).get(p.origin)).rejects.toThrow(
      `no complete answer from ${p.origin} within 300ms`,
    );
  });

  it('destroys an abandoned request: the peer sees its connection closed', async () => {
    let closed = false;
    const p = await peer((req, res) => {
      res.writeHead(200);
      res.write('x');
      req.socket.on('close', () => (closed = true));
    });
    await expect(createHttpClient(1000, 200).get(p.origin)).rejects.toThrow(/within 200ms/);
    await vi.waitFor(() => expect(closed).toBe(true), { timeout: 2000 });
  });

  it.each([
    ['announced by Content-Length', true],
    ['sent without a length', false],
  ])('refuses a body over 4 MiB %s, naming the peer', async (_name, announce) => {
    const p = await peer((_req, res) => {
      res.writeHead(200, announce ? { 'content-length': String(MAX_BODY_BYTES + 1) } : {});
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent <= MAX_BODY_BYTES) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    await expect(createHttpClient(2000).get(p.origin)).rejects.toThrow(
      `the answer from ${p.origin} is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`,
    );
  });

  it('accepts a body of exactly 4 MiB', async () => {
    const p = await peer((_req, res) => res.end(Buffer.alloc(MAX_BODY_BYTES, 'b')));
    expect((await createHttpClient(2000).get(p.origin)).body).toHaveLength(MAX_BODY_BYTES);
  });

  it('calls onSent once the request is on the wire', async () => {
    let received = 0;
    let receivedAtSent = -1;
    const p = await peer((_req, res) => {
      received++;
      setTimeout(() => res.end('ok'), 100);
    });
    const done = createHttpClient(1000).get(p.origin, {}, 1000, () => {
      receivedAtSent = received;
    });
    await vi.waitFor(() => expect(receivedAtSent).toBeGreaterThanOrEqual(0));
    expect((await done).body).toBe('ok');
    expect(receivedAtSent).toBeLessThanOrEqual(1);
  });

  describe('proxies: the library reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY from process.env', () => {
    let proxy: TestProxy;
    afterEach(async () => {
      await proxy.close();
    });

    it('tunnels plain http through HTTP_PROXY (the library CONNECTs for http too), with its credentials', async () => {
      proxy = await startProxy();
      const p = await peer((_req, res) => res.end('via proxy'));
      vi.stubEnv('HTTP_PROXY', proxy.url.replace('http://', 'http://ci%40corp:p%3Ass@'));
      vi.stubEnv('NO_PROXY', '');
      vi.stubEnv('no_proxy', '');
      const response = await createHttpClient(1000).get(`http://issuer.test:${p.port}/idtoken`);
      expect(response.body).toBe('via proxy');
      expect(proxy.records).toEqual([
        {
          method: 'CONNECT',
          target: `issuer.test:${p.port}`,
          proxyAuthorization: `Basic ${Buffer.from('ci@corp:p:ss').toString('base64')}`,
        },
      ]);
    });

    it.each([
      ['IPv4-mapped loopback', '[::ffff:127.0.0.1]', true],
      ['IPv6 loopback without a peer there', '[::1]', false],
    ])(
      'goes direct to %s (%s), never through HTTP_PROXY or HTTPS_PROXY',
      async (_name, host, answers) => {
        proxy = await startProxy();
        const p = await peer((_req, res) => res.end('direct'));
        vi.stubEnv('HTTP_PROXY', proxy.url);
        vi.stubEnv('HTTPS_PROXY', proxy.url);
        vi.stubEnv('NO_PROXY', '');
        vi.stubEnv('no_proxy', '');
        const call = createHttpClient(1000).post(`http://${host}:${p.port}/sts`, 'Action=x');
        if (answers) {
          expect((await call).body).toBe('direct');
          expect(p.requests).toHaveLength(1);
          // Node writes the IPv6 literal's brackets back into the Host header.
          expect(p.requests[0]?.headers['host']).toBe(
            `${host.replace('::ffff:127.0.0.1', '::ffff:7f00:1')}:${p.port}`,
          );
        } else {
          // The peer listens on 127.0.0.1 only: refused at ::1 itself, not a name lookup.
          await expect(call).rejects.toThrow(/ECONNREFUSED ::1/);
        }
        expect(proxy.records).toEqual([]);
      },
    );

    it('tunnels https through HTTPS_PROXY with CONNECT', async () => {
      proxy = await startProxy();
      const p = await peer((_req, res) => res.end());
      vi.stubEnv('HTTPS_PROXY', proxy.url);
      vi.stubEnv('NO_PROXY', '');
      vi.stubEnv('no_proxy', '');
      // The peer speaks plain http, so TLS fails inside the tunnel: the CONNECT is the point.
      await expect(createHttpClient(1000).get(`https://sts.test:${p.port}/`)).rejects.toThrow();
      expect(proxy.records).toEqual([
        { method: 'CONNECT', target: `sts.test:${p.port}`, proxyAuthorization: undefined },
      ]);
    });

    it.each([
      ['a NO_PROXY domain suffix', 'example.com,.test'],
      ['a NO_PROXY host:port', 'issuer.test:PORT'],
      ['NO_PROXY=*', '*'],
    ])('goes direct for %s', async (_name, noProxy) => {
      proxy = await startProxy();
      const p = await peer((_req, res) => res.end());
      vi.stubEnv('HTTP_PROXY', proxy.url);
      vi.stubEnv('no_proxy', '');
      vi.stubEnv('NO_PROXY', noProxy.replace('PORT', String(p.port)));
      // Direct, issuer.test does not resolve.
      await expect(createHttpClient(1000).get(`http://issuer.test:${p.port}/`)).rejects.toThrow(
        /ENOTFOUND|EAI_AGAIN/,
      );
      expect(proxy.records).toEqual([]);
    });

    it('ends the tunnel too when the proxy never answers the CONNECT', async () => {
      proxy = await startProxy(); // closed by afterEach; the silent one below is the one used
      const sockets: Socket[] = [];
      let closed = 0;
      const silent = createNetServer((socket) => {
        sockets.push(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => closed++);
        socket.resume(); // reads the CONNECT, answers nothing
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      vi.stubEnv('HTTPS_PROXY', `http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
      vi.stubEnv('NO_PROXY', '');
      vi.stubEnv('no_proxy', '');
      try {
        const started = Date.now();
        await expect(createHttpClient(1000).get('https://sts.test/', {}, 300)).rejects.toThrow(
          'no complete answer from https://sts.test within 300ms',
        );
        expect(Date.now() - started).toBeLessThan(1500);
        // The CONNECT's socket is closed by the client, not left to keep the process alive.
        await vi.waitFor(() => expect(closed).toBe(1), { timeout: 2000 });
      } finally {
        for (const socket of sockets) socket.destroy();
        silent.close();
      }
    });

    it('never proxies loopback', async () => {
      proxy = await startProxy();
      const p = await peer((_req, res) => res.end('direct'));
      vi.stubEnv('HTTP_PROXY', proxy.url);
      expect((await createHttpClient(1000).get(p.origin)).body).toBe('direct');
      expect(proxy.records).toEqual([]);
    });
  });
});

describe('retryAfterMs', () => {
  it.each([
    ['3', 3000],
    [' 0 ', 0],
    [undefined, undefined],
    ['soon', undefined],
  ])('%j -> %j', (header, ms) => {
    expect(retryAfterMs(header)).toBe(ms);
  });

  it('reads an HTTP date', () => {
    const ms = retryAfterMs(new Date(Date.now() + 5000).toUTCString()) as number;
    expect(ms).toBeGreaterThan(3000);
    expect(ms).toBeLessThanOrEqual(5000);
  });
});

describe('retryDelay: the one rule for every client (the cluster client backs off from 500 ms, at most 10 s)', () => {
  const cluster = { baseDelayMs: 500, maxDelayMs: 10_000 };
  it.each([
    ['1', 1, 1000, 1000],
    ['0', 2, 500, 1000],
    ['3600', 1, 10_000, 10_000],
    [['2', '7'], 1, 2000, 2000],
    [undefined, 1, 250, 500],
    [undefined, 2, 500, 1000],
    [undefined, 9, 5000, 10_000],
    ['', 1, 250, 500],
    ['soon', 1, 250, 500],
    ['-1', 1, 250, 500],
    ['2.5', 1, 250, 500],
  ] as Array<[string | string[] | undefined, number, number, number]>)(
    'Retry-After %j after try %i waits %i to %i ms',
    (header, attempt, min, max) => {
      const ms = retryDelay(cluster, attempt, retryAfterMs(header));
      expect(ms).toBeGreaterThanOrEqual(min);
      expect(ms).toBeLessThanOrEqual(max);
    },
  );
});

describe('withRetries', () => {
  const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, deadlineMs: 60_000 };

  it('retries until success, waiting with bounded exponential backoff and Retry-After', async () => {
    const waits: number[] = [];
    let calls = 0;
    const value = await withRetries(
      'x',
      async () =>
        ++calls < 4
          ? {
              ok: false,
              error: new Error(`fail ${calls}`),
              retryAfterMs: calls === 3 ? 900 : undefined,
            }
          : { ok: true, value: 'done' },
      policy,
      recordingLogger(),
      async (ms) => {
        waits.push(ms);
      },
    );
    expect(value).toBe('done');
    expect(waits).toHaveLength(3);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
    expect(waits[2]).toBe(900);
  });

  it('logs the retried error as foreign text: no line break, no command at a line start', async () => {
    const logger = recordingLogger();
    let calls = 0;
    await withRetries(
      'x',
      async () =>
        ++calls === 1
          ? { ok: false, error: new Error('Throttling\n::add-mask::pwn\r::set-env') }
          : { ok: true, value: 1 },
      policy,
      logger,
      async () => {},
    );
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(
      /^x: Throttling\\n::add-mask::pwn\\r::set-env; retrying in \d+ ms \(attempt 2 of 4\)$/,
    );
  });

  it('tells each attempt how much of the deadline is left', async () => {
    const left: number[] = [];
    await withRetries(
      'x',
      async (_n, remainingMs) => {
        left.push(remainingMs);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return left.length < 3 ? { ok: false, error: new Error('again') } : { ok: true, value: 1 };
      },
      { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, deadlineMs: 1000 },
      recordingLogger(),
      async () => {},
    );
    expect(left[0]).toBeGreaterThan(900);
    expect(left[1]).toBeLessThanOrEqual(960);
    expect(left[2]).toBeLessThanOrEqual(910);
  });

  it('throws the last error when the attempts run out', async () => {
    let calls = 0;
    await expect(
      withRetries(
        'x',
        async () => ({ ok: false, error: new Error(`fail ${++calls}`) }),
        policy,
        recordingLogger(),
        async () => {},
      ),
    ).rejects.toThrow('fail 4');
  });

  it('stops before a wait would pass the deadline', async () => {
    let calls = 0;
    await expect(
      withRetries(
        'x',
        async () => ({ ok: false, error: new Error(`fail ${++calls}`), retryAfterMs: 5000 }),
        { ...policy, maxDelayMs: 10_000, deadlineMs: 1000 },
        recordingLogger(),
        async () => {},
      ),
    ).rejects.toThrow('fail 1');
  });
});

describe('bodyExcerpt', () => {
  it('escapes what could start a workflow command', () => {
    expect(bodyExcerpt('::error::pwn')).toBe('\\u003a:error::pwn');
    expect(bodyExcerpt('a\u001b[31mb\u0085c')).toBe('a\\u001b[31mb\\u0085c');
  });

  it('keeps one bounded line and hides anything JWT-shaped', () => {
    expect(bodyExcerpt('a\n  b\tc')).toBe('a b c');
    expect(bodyExcerpt('token eyJhbGciOi.eyJzdWIi.c2ln rest')).toBe('token <jwt> rest');
    expect(bodyExcerpt('x'.repeat(300))).toHaveLength(203);
  });
});

// MSAL Node's network client on the action's network layer: what MSAL gets (status, lower-case
// headers, parsed JSON), what is retried (network errors, 429, 5xx), and what each exchange
// records for the explanation (Entra's error body as sent; our words for a failure).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MsalNetwork } from '../../../src/kubernetes/sources/aks/msal-network.js';
import { recordingLogger } from '../../helpers/logger.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function peer(answers: Array<(req: IncomingMessage, res: ServerResponse) => void>) {
  const seen: Array<{ method: string; url: string; body: string; type: string | undefined }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body,
        type: req.headers['content-type'],
      });
      (answers.shift() ?? ((_q, r) => r.writeHead(500).end('{}')))(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const fast = { baseDelayMs: 1, maxDelayMs: 5 };
const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (_q: IncomingMessage, r: ServerResponse) =>
    r
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify(body));

describe('MsalNetwork', () => {
  it('posts the form as given and answers with status, lower-case headers and parsed JSON, after retrying 503', async () => {
    const { url, seen } = await peer([
      json(503, { error: 'temporarily_unavailable' }),
      json(200, { token_type: 'Bearer', access_token: 'x' }, { 'X-Ms-Request-Id': 'r1' }),
    ]);
    const logger = recordingLogger();
    const network = new MsalNetwork(logger, fast);
    const answer = await network.sendPostRequestAsync<{ access_token: string }>(
      `${url}/t/oauth2/v2.0/token`,
      {
        body: 'grant_type=client_credentials&client_id=c',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' },
        correlationId: 'c1',
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.access_token).toBe('x');
    expect(answer.headers['x-ms-request-id']).toBe('r1');
    expect(seen.map((s) => [s.method, s.body, s.type])).toEqual(
      Array(2).fill([
        'POST',
        'grant_type=client_credentials&client_id=c',
        'application/x-www-form-urlencoded;charset=utf-8',
      ]),
    );
    expect(network.exchange('c1')).toMatchObject({ attempts: 2 });
    expect(network.exchange('c1')?.failure).toBeUndefined();
    expect(logger.lines.some((l) => /Entra ID \(127\.0\.0\.1:\d+\): HTTP 503/.test(l))).toBe(true);
  });

  it("records Entra's 4xx body for the explanation and hands it to MSAL, without retrying it", async () => {
    const body = {
      error: 'invalid_client',
      error_description: 'AADSTS700213: no.',
      error_codes: [700213],
    };
    const { url, seen } = await peer([json(401, body)]);
    const network = new MsalNetwork(recordingLogger(), fast);
    const answer = await network.sendPostRequestAsync(url, { body: 'a=b', correlationId: 'c2' });
    expect(answer).toMatchObject({ status: 401, body });
    expect(network.exchange('c2')?.refusal).toEqual({ status: 401, body });
    expect(seen).toHaveLength(1);
  });

  it('fails in its own words for a body that is not JSON and when retries run out', async () => {
    const { url } = await peer([
      (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'),
    ]);
    const network = new MsalNetwork(recordingLogger(), { ...fast, attempts: 2 });
    await expect(network.sendGetRequestAsync(url, { correlationId: 'c3' })).rejects.toThrow(
      'HTTP 200 with a body that is not JSON (<html>login</html>)',
    );
    await expect(network.sendPostRequestAsync(url, { correlationId: 'c4' })).rejects.toThrow(
      /^HTTP 500/,
    );
    expect(network.exchange('c4')).toMatchObject({ attempts: 2 });
    expect(network.exchange('c4')?.failure?.message).toMatch(/^HTTP 500/);
  });

  it('a refused connection is a network error, retried', async () => {
    const { url } = await peer([]);
    await close?.();
    close = undefined;
    const network = new MsalNetwork(recordingLogger(), { ...fast, attempts: 2 });
    await expect(network.sendPostRequestAsync(url, { correlationId: 'c5' })).rejects.toThrow(
      /^network error: .*ECONNREFUSED/,
    );
    expect(network.exchange('c5')?.attempts).toBe(2);
  });
});

import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeApiError, KubeClient } from '../../../src/kubernetes/api/client.js';
import type { Workload } from '../../../src/kubernetes/api/objects.js';
import { waitForRollout, type WaitRequest } from '../../../src/kubernetes/workloads/rollout.js';
import { recordingLogger } from '../../helpers/logger.js';
import {
  event,
  fakeToken,
  sendJson,
  startLoopback,
  startStream,
  status,
  type Loopback,
  type SeenRequest,
} from './loopback.js';

const PATH = '/apis/apps/v1/namespaces/demo/deployments';

/** Deployment web at resourceVersion rv, with `updated` of 3 replicas updated and available. */
function web(rv: number, updated: number): Workload {
  return {
    metadata: { name: 'web', namespace: 'demo', generation: 2, resourceVersion: String(rv) },
    spec: { replicas: 3 },
    status: {
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: updated,
      availableReplicas: updated,
    },
  };
}

function list(rv: number, items: Workload[]) {
  return { kind: 'DeploymentList', metadata: { resourceVersion: String(rv) }, items };
}

const isWatch = (r: SeenRequest) => r.query.get('watch') === 'true';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(
  handler: (r: SeenRequest, res: ServerResponse, n: { list: number; watch: number }) => void,
  overrides: Partial<WaitRequest> = {},
  client?: (s: Loopback) => KubeClient,
) {
  const counts = { list: 0, watch: 0 };
  server = await startLoopback((r, res) => {
    if (isWatch(r)) counts.watch++;
    else counts.list++;
    handler(r, res, counts);
  });
  const logger = recordingLogger();
  const s = server;
  const outcome = await waitForRollout({
    client:
      client?.(s) ??
      new KubeClient({
        target: {
          server: s.url,
          certificateAuthorityData: s.caData,
          insecureSkipTlsVerify: false,
          tlsServerName: undefined,
        },
        token: fakeToken(Date.now() / 1000 + 3600),
        tokenExp: Date.now() / 1000 + 3600,
        logger,
      }),
    kind: 'deployment',
    name: 'web',
    namespace: 'demo',
    timeoutMs: 5000,
    logger,
    backoff: { baseDelayMs: 10, maxDelayMs: 50 },
    watchTimeoutSeconds: () => 300,
    ...overrides,
  });
  return { outcome, logger, requests: s.requests };
}

describe('waitForRollout against a loopback API server', () => {
  it('lists, watches from the list resourceVersion, prints each new line once, ends when done', async () => {
    const { outcome, logger, requests } = await run((r, res) => {
      if (!isWatch(r)) return sendJson(res, 200, list(10, [web(10, 1)]));
      startStream(res);
      event(res, 'MODIFIED', web(11, 2));
      event(res, 'MODIFIED', web(12, 2));
      event(res, 'BOOKMARK', { metadata: { resourceVersion: '13' } });
      event(res, 'MODIFIED', web(14, 3));
    });
    expect(outcome.result).toBe('done');
    expect(outcome.message).toBe('deployment "web" successfully rolled out');
    expect(logger.lines.filter((l) => !l.startsWith('debug:'))).toEqual([
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
      'Waiting for deployment "web" rollout to finish: 2 out of 3 new replicas have been updated...',
      'deployment "web" successfully rolled out',
    ]);
    expect(requests).toHaveLength(2);
    const [listed, watched] = requests;
    expect(listed?.path).toBe(PATH);
    expect(listed?.query.get('fieldSelector')).toBe('metadata.name=web');
    expect(listed?.query.get('resourceVersion')).toBeNull();
    expect(watched?.path).toBe(PATH);
    expect(Object.fromEntries(watched?.query ?? [])).toEqual({
      allowWatchBookmarks: 'true',
      fieldSelector: 'metadata.name=web',
      resourceVersion: '10',
      timeoutSeconds: '300',
      watch: 'true',
    });
  });

  it('makes a constant number of requests however many events arrive', async () => {
    const { outcome, logger, requests } = await run((r, res) => {
      if (!isWatch(r)) return sendJson(res, 200, list(10, [web(10, 0)]));
      startStream(res);
      for (let rv = 11; rv < 511; rv++) event(res, 'MODIFIED', web(rv, rv < 300 ? 1 : 2));
      event(res, 'MODIFIED', web(511, 3));
    });
    expect(outcome.result).toBe('done');
    expect(requests).toHaveLength(2);
    expect(logger.lines).toHaveLength(4);
  });

  it('is done after the list alone when the rollout already finished', async () => {
    const { outcome, requests } = await run((_, res) => sendJson(res, 200, list(10, [web(10, 3)])));
    expect(outcome.result).toBe('done');
    expect(requests).toHaveLength(1);
  });

  it('re-lists when the watch answers 410 Gone', async () => {
    const { outcome, requests } = await run((r, res, n) => {
      if (!isWatch(r))
        return sendJson(res, 200, list(n.list === 1 ? 10 : 20, [web(20, n.list === 1 ? 1 : 3)]));
      sendJson(res, 410, status(410, 'Expired', 'too old resource version: 10 (15)'));
    });
    expect(outcome.result).toBe('done');
    expect(requests.map((r) => (isWatch(r) ? 'watch' : 'list'))).toEqual(['list', 'watch', 'list']);
  });

  it('re-lists after an ERROR event', async () => {
    const { outcome, requests } = await run((r, res, n) => {
      if (!isWatch(r)) return sendJson(res, 200, list(10 * n.list, [web(10 * n.list, n.list)]));
      startStream(res);
      event(res, 'ERROR', status(410, 'Expired', 'too old resource version'));
    });
    expect(outcome.result).toBe('done');
    expect(requests.map((r) => (isWatch(r) ? 'watch' : 'list'))).toEqual([
      'list',
      'watch',
      'list',
      'watch',
      'list',
    ]);
  });

  it('backs off when the watch keeps expiring, and still times out', async () => {
    const { outcome, requests } = await run(
      (r, res) => {
        if (!isWatch(r)) return sendJson(res, 200, list(10, [web(10, 1)]));
        sendJson(res, 410, status(410, 'Expired', 'too old resource version'));
      },
      { timeoutMs: 400, backoff: { baseDelayMs: 50, maxDelayMs: 100 } },
    );
    expect(outcome.result).toBe('timed-out');
    // Without backoff this would be hundreds of requests in 400 ms.
    expect(requests.length).toBeGreaterThan(4);
    expect(requests.length).toBeLessThan(20);
  });

  it('reconnects from the last resourceVersion seen when the stream drops', async () => {
    const { outcome, requests, logger } = await run((r, res, n) => {
      if (!isWatch(r)) return sendJson(res, 200, list(10, [web(10, 1)]));
      startStream(res);
      if (n.watch === 1) {
        event(res, 'MODIFIED', web(11, 2));
        // A graceful close mid-response (no final chunk): the event arrives, the stream is broken.
        setTimeout(() => res.socket?.end(), 20);
      } else {
        event(res, 'MODIFIED', web(12, 3));
      }
    });
    expect(outcome.result).toBe('done');
    const watches = requests.filter(isWatch);
    expect(watches.map((w) => w.query.get('resourceVersion'))).toEqual(['10', '11']);
    expect(logger.lines.join('\n')).toContain('the watch stream broke; reconnecting');
    expect(requests.filter((r) => !isWatch(r))).toHaveLength(1);
  });

  it('reconnects at once when the server ends the watch (its timeoutSeconds)', async () => {
    const { outcome, requests } = await run((r, res, n) => {
      if (!isWatch(r)) return sendJson(res, 200, list(10, [web(10, 1)]));
      startStream(res);
      if (n.watch === 1) {
        event(res, 'BOOKMARK', { metadata: { resourceVersion: '15' } });
        res.end();
      } else {
        event(res, 'MODIFIED', web(16, 3));
      }
    });
    expect(outcome.result).toBe('done');
    expect(requests.filter(isWatch).map((w) => w.query.get('resourceVersion'))).toEqual([
      '10',
      '15',
    ]);
  });

  it('retries a watch that fails with 503, with backoff', async () => {
    const { outcome, requests } = await run((r, res, n) => {
      if (!isWatch(r)) return sendJson(res, 200, list(10, [web(10, 1)]));
      if (n.watch < 3) return sendJson(res, 503, status(503, 'ServiceUnavailable', 'busy'));
      startStream(res);
      event(res, 'MODIFIED', web(11, 3));
    });
    expect(outcome.result).toBe('done');
    expect(requests.filter(isWatch)).toHaveLength(3);
  });

  it('stops when the object is deleted', async () => {
    const { outcome } = await run((r, res) => {
      if (!isWatch(r)) return sendJson(res, 200, list(10, [web(10, 1)]));
      startStream(res);
      event(res, 'DELETED', web(11, 1));
    });
    expect(outcome).toMatchObject({ result: 'deleted', message: 'object has been deleted' });
  });

  it('reports a missing object as not found', async () => {
    const { outcome } = await run((_, res) => sendJson(res, 200, list(10, [])));
    expect(outcome).toMatchObject({
      result: 'deleted',
      message: 'deployments.apps "web" not found',
    });
  });

  it("fails on the progress deadline with kubectl's error", async () => {
    const stuck = web(11, 1);
    stuck.status!.conditions = [
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
    ];
    const { outcome } = await run((r, res) => {
      if (!isWatch(r)) return sendJson(res, 200, list(10, [web(10, 1)]));
      startStream(res);
      event(res, 'MODIFIED', stuck);
    });
    expect(outcome).toMatchObject({
      result: 'failed',
      message: 'deployment "web" exceeded its progress deadline',
    });
  });

  it("times out with kubectl's message, keeping the last state", async () => {
    const started = Date.now();
    const { outcome, requests } = await run(
      (r, res) => {
        if (!isWatch(r)) return sendJson(res, 200, list(10, [web(10, 1)]));
        startStream(res);
        event(res, 'MODIFIED', web(11, 2));
      },
      { timeoutMs: 300 },
    );
    expect(outcome.result).toBe('timed-out');
    expect(outcome.message).toBe('timed out waiting for the condition');
    expect(outcome.last?.status?.updatedReplicas).toBe(2);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(requests).toHaveLength(2);
  });

  it('renews an expired token on 401 and continues with the new one', async () => {
    const oldToken = fakeToken(Date.now() / 1000 - 5);
    const newToken = fakeToken(Date.now() / 1000 + 300);
    let renewals = 0;
    const logger = recordingLogger();
    const { outcome, requests } = await run(
      (r, res) => {
        if (r.headers.authorization !== `Bearer ${newToken}`) {
          return sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
        }
        if (!isWatch(r)) return sendJson(res, 200, list(10, [web(10, 1)]));
        startStream(res);
        event(res, 'MODIFIED', web(11, 3));
      },
      {},
      (s) =>
        new KubeClient({
          target: {
            server: s.url,
            certificateAuthorityData: s.caData,
            insecureSkipTlsVerify: false,
            tlsServerName: undefined,
          },
          token: oldToken,
          tokenExp: Date.now() / 1000 - 5,
          renewToken: async () => {
            renewals++;
            return newToken;
          },
          logger,
        }),
    );
    expect(outcome.result).toBe('done');
    expect(renewals).toBe(1);
    expect(requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${oldToken}`,
      `Bearer ${newToken}`,
      `Bearer ${newToken}`,
    ]);
    expect(logger.lines.join('\n')).toMatch(/The ID token expired .* requested a new one/);
  });

  it('does not renew a token far from expiry: the 401 is the answer', async () => {
    let renewals = 0;
    const logger = recordingLogger();
    const failure = await run(
      (_, res) => sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized')),
      {},
      (s) =>
        new KubeClient({
          target: {
            server: s.url,
            certificateAuthorityData: s.caData,
            insecureSkipTlsVerify: false,
            tlsServerName: undefined,
          },
          token: fakeToken(Date.now() / 1000 + 3600),
          tokenExp: Date.now() / 1000 + 3600,
          renewToken: async () => {
            renewals++;
            return 'x';
          },
          logger,
        }),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KubeApiError);
    expect((failure as KubeApiError).statusCode).toBe(401);
    expect(renewals).toBe(0);
  });
});

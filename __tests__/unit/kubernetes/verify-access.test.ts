// verify-access's reading of the cluster's answers (kubernetes/verify-access.ts), with a client
// that answers from a script: what each answer means, and that it never waits past its bound.
import { describe, expect, it } from 'vitest';
import { ActionError } from '../../../src/base/errors.js';
import { KubeApiError, KubeNetworkError } from '../../../src/kubernetes/api/errors.js';
import type { Status } from '../../../src/kubernetes/api/objects.js';
import {
  verifyAccess,
  VERIFYING,
  type VerifyClient,
} from '../../../src/kubernetes/verify-access.js';

const USER = 'forgejo:repo:org/app:ref:refs/heads/main';
type Answer = unknown | Error | 'hang';

/** A client answering each request, in order, from `answers`; it records the requests. */
function scripted(answers: Answer[]) {
  const asked: string[] = [];
  let closed = false;
  const next = async (what: string) => {
    asked.push(what);
    const answer = answers.shift();
    if (answer === 'hang') return new Promise<never>(() => undefined);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const client: VerifyClient = {
    create: <T>(path: string) => next(`POST ${path}`) as Promise<T>,
    get: <T>(path: string) => next(`GET ${path}`) as Promise<T>,
    close: () => {
      closed = true;
    },
  };
  return { client, asked, closed: () => closed };
}

const apiError = (code: number, message = '', reason = '') =>
  new KubeApiError('POST', '/x', code, {
    kind: 'Status',
    status: 'Failure',
    message,
    reason,
    code,
  } as Status);
const review = (version: string) => ({
  kind: 'SelfSubjectReview',
  apiVersion: `authentication.k8s.io/${version}`,
  status: { userInfo: { username: USER, groups: ['deployers', 'system:authenticated'] } },
});
const explanations = {
  unauthorized: (doing: string) => new ActionError(`refused when asked to ${doing}`),
};
const path = (v: string) => `POST /apis/authentication.k8s.io/${v}/selfsubjectreviews`;

describe('verifyAccess', () => {
  it.each<[string, Answer[], string[], unknown]>([
    [
      'v1 answers',
      [review('v1')],
      [path('v1')],
      {
        kind: 'user',
        user: { username: USER, groups: ['deployers', 'system:authenticated'] },
        apiVersion: 'authentication.k8s.io/v1',
      },
    ],
    [
      'v1 404, v1beta1 answers (Kubernetes 1.27)',
      [apiError(404), review('v1beta1')],
      [path('v1'), path('v1beta1')],
      { kind: 'user', apiVersion: 'authentication.k8s.io/v1beta1' },
    ],
    [
      'none served: GET /api tells acceptance',
      [apiError(404), apiError(404), apiError(404), { kind: 'APIVersions' }],
      [path('v1'), path('v1beta1'), path('v1alpha1'), 'GET /api'],
      { kind: 'accepted', username: undefined },
    ],
    [
      'RBAC refuses the review: accepted, the 403 names the user',
      [
        apiError(
          403,
          `selfsubjectreviews.authentication.k8s.io is forbidden: User "${USER}" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope`,
          'Forbidden',
        ),
      ],
      [path('v1')],
      { kind: 'accepted', username: USER },
    ],
    [
      'a 503 after the retries: not known',
      [apiError(503, 'The server is currently unable to handle the request')],
      [path('v1')],
      {
        kind: 'unknown',
        why: 'the cluster answered HTTP 503: The server is currently unable to handle the request',
      },
    ],
    [
      'connection refused: not known, the cause said',
      [
        new KubeNetworkError(
          'POST',
          '/x',
          Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
        ),
      ],
      [path('v1')],
      { kind: 'unknown', why: 'connect ECONNREFUSED 127.0.0.1:1' },
    ],
    [
      'a certificate refused: not known, marked tls',
      [
        new KubeNetworkError(
          'POST',
          '/x',
          Object.assign(new Error('self-signed certificate in certificate chain'), {
            code: 'SELF_SIGNED_CERT_IN_CHAIN',
          }),
        ),
      ],
      [path('v1')],
      { kind: 'unknown', tls: true },
    ],
  ])('%s', async (_name, answers, asked, result) => {
    const script = scripted(answers);
    expect(await verifyAccess(script.client, explanations)).toMatchObject(result as object);
    expect(script.asked).toEqual(asked);
    expect(script.closed()).toBe(true);
  });

  it("a 401 is the source's explanation, for verifying access", async () => {
    const script = scripted([apiError(401, 'Unauthorized', 'Unauthorized')]);
    await expect(verifyAccess(script.client, explanations)).rejects.toThrow(
      `refused when asked to ${VERIFYING}`,
    );
    expect(script.closed()).toBe(true);
  });

  it('a server that never answers: not known once the bound has passed, and the client closed', async () => {
    const script = scripted(['hang']);
    const started = Date.now();
    const result = await verifyAccess(script.client, explanations, 50);
    expect(result).toEqual({ kind: 'unknown', why: 'no answer within 0.05 s' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(script.closed()).toBe(true);
  });
});

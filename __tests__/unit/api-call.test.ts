// net/api-call.ts, the retry loop of every cloud API client (STS, ECR, EKS, Google, ARM): which
// answers are retried, which are final, what the caller gets after the last attempt.
import { describe, expect, it } from 'vitest';
import { ActionError } from '../../src/base/errors.js';
import type { HttpResponse } from '../../src/net/http.js';
import { callApi, type ApiCall, type ApiTiming } from '../../src/net/api-call.js';
import { recordingLogger } from '../helpers/logger.js';

class Refusal extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    public attempts = 1,
  ) {
    super(code);
  }
}

const TIMING: ApiTiming = {
  attempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 1,
  deadlineMs: 10_000,
  requestTimeoutMs: 1_000,
};

/** An answer: a status and, for a refusal of the API's own, its code in the body. */
type Answer = [status: number, code?: string] | Error;

function respond(answer: Answer): Promise<HttpResponse> {
  if (answer instanceof Error) return Promise.reject(answer);
  const [status, code] = answer;
  return Promise.resolve({ status, headers: {}, body: code ?? 'not the API' });
}

async function run(
  answers: Answer[],
  more: Partial<ApiCall<Refusal>> = {},
): Promise<{ outcome: unknown; sent: number }> {
  let sent = 0;
  const call: ApiCall<Refusal> = {
    name: 'Test Call',
    send: () => respond(answers[Math.min(sent++, answers.length - 1)] as Answer),
    refusal: (r) => (r.body === 'not the API' ? undefined : new Refusal(r.body, r.status)),
    retryableCodes: new Set(['Throttling']),
    serverError: (r) => `answered HTTP ${r.status}`,
    notThisApi: (r) => new ActionError(`not this API (${r.status})`),
    failed: (message, tally) => new ActionError(`failed: ${message} (${tally})`),
    explainsExhausted: false,
    ...more,
  };
  const outcome = await callApi(call, TIMING, { logger: recordingLogger() }).then(
    (done) => `200 after ${done.attempts}`,
    (error: unknown) => error,
  );
  return { outcome, sent };
}

const described = (outcome: unknown) =>
  outcome instanceof Refusal
    ? `refusal ${outcome.code} (attempts ${outcome.attempts})`
    : outcome instanceof ActionError
      ? outcome.message.replace(/in \d+\.\d s/, 'in S s')
      : String(outcome);

describe('callApi', () => {
  const cases: Array<[string, Answer[], Partial<ApiCall<Refusal>>, string, number]> = [
    ['200 at once', [[200]], {}, '200 after 1', 1],
    ['503 then 200', [[503], [200]], {}, '200 after 2', 2],
    ['429 with a refusal then 200', [[429, 'SlowDown'], [200]], {}, '200 after 2', 2],
    ['a network error then 200', [new Error('socket hang up'), [200]], {}, '200 after 2', 2],
    [
      'a final refusal: not retried',
      [[403, 'AccessDenied']],
      {},
      'refusal AccessDenied (attempts 1)',
      1,
    ],
    [
      'a retryable code at 400, then a final one',
      [
        [400, 'Throttling'],
        [403, 'AccessDenied'],
      ],
      {},
      'refusal AccessDenied (attempts 2)',
      2,
    ],
    ['an answer of another API', [[404]], {}, 'not this API (404)', 1],
    ['5xx to the end', [[503]], {}, 'failed: answered HTTP 503 (3 attempts in S s)', 3],
    [
      'a network error to the end',
      [new Error('ECONNREFUSED')],
      {},
      'failed: network error: ECONNREFUSED (3 attempts in S s)',
      3,
    ],
    [
      'throttled to the end, wrapped',
      [[400, 'Throttling']],
      {},
      'failed: Throttling (3 attempts in S s)',
      3,
    ],
    [
      'throttled to the end, the caller explains',
      [[400, 'Throttling']],
      { explainsExhausted: true },
      'refusal Throttling (attempts 3)',
      3,
    ],
    [
      'no retryable codes: a 400 code is final',
      [[400, 'Throttling']],
      { retryableCodes: undefined },
      'refusal Throttling (attempts 1)',
      1,
    ],
  ];
  it.each(cases)('%s', async (_title, answers, more, expected, requests) => {
    const { outcome, sent } = await run(answers, more);
    expect(described(outcome)).toBe(expected);
    expect(sent).toBe(requests);
  });

  it('a mended refusal is sent again at once, once per mend', async () => {
    let mends = 0;
    const mend = (refusal: Refusal) => Promise.resolve(refusal.code === 'Expired' && ++mends === 1);
    const once = await run([[400, 'Expired'], [200]], { mend });
    expect([described(once.outcome), once.sent]).toEqual(['200 after 2', 2]);
    const twice = await run([[400, 'Expired']], { mend });
    expect([described(twice.outcome), twice.sent]).toEqual(['refusal Expired (attempts 1)', 1]);
  });
});

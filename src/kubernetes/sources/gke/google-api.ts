// One request to a Google API (STS, IAM Credentials, Container) over net/http.ts: its deadline,
// body bound, proxies and loopback decision, retried with net/retry.ts on network errors, 429 and
// 5xx. Google's refusals become a GoogleRefusal (explain.ts says what to fix); anything that is
// not Google's answer an ActionError naming the endpoint variable.
import { ActionError } from '../../../base/errors.js';
import type { Logger } from '../../../base/logger.js';
import { bodyExcerpt, foreign } from '../../../base/untrusted.js';
import { createHttpClient, type HttpResponse } from '../../../net/http.js';
import { callApi, type ApiTiming } from '../../../net/api-call.js';
import type { Sleep } from '../../../net/retry.js';

export type GoogleService = 'sts' | 'iamcredentials' | 'container';

/** How long Google may take: the step's defaults, and the credential plugin's shorter ones. */
export type GoogleTiming = ApiTiming;

export const DEFAULT_GOOGLE_TIMING: GoogleTiming = {
  attempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 4000,
  deadlineMs: 30_000,
  requestTimeoutMs: 10_000,
};

/** The plugin's: STS and IAM Credentials both within kubectl's patience. */
export const PLUGIN_GOOGLE_TIMING: GoogleTiming = {
  attempts: 3,
  baseDelayMs: 300,
  maxDelayMs: 1500,
  deadlineMs: 6_000,
  requestTimeoutMs: 5_000,
};

export interface GoogleDeps {
  logger: Logger;
  timing?: Partial<GoogleTiming>;
  wait?: Sleep;
}

/** A final answer of Google's own: its code says what is wrong. */
export class GoogleRefusal extends Error {
  constructor(
    readonly service: GoogleService,
    readonly status: number,
    /** STS: the OAuth `error` (invalid_grant...); APIs: `error.status` (PERMISSION_DENIED...). Escaped. */
    readonly code: string,
    /** STS: `error_description`; APIs: `error.message`. Escaped and bounded. */
    readonly description: string,
    /** APIs: the ErrorInfo reason (IAM_PERMISSION_DENIED...), escaped. */
    readonly reason: string | undefined,
    public attempts = 1,
  ) {
    super(description ? `${code}: ${description}` : code);
    this.name = 'GoogleRefusal';
  }

  /** `code, "description"` for a message. */
  get said(): string {
    return `${this.code}${this.description ? `, "${this.description}"` : ''}`;
  }
}

export interface GoogleRequest {
  service: GoogleService;
  /** What is asked, for messages: "STS token exchange". */
  what: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The variable that points at this API, for a hint. */
  variable: string;
}

/** Sends `request` until Google answers 200 (the parsed JSON) or refuses (a GoogleRefusal). */
export async function callGoogle(request: GoogleRequest, deps: GoogleDeps): Promise<unknown> {
  const origin = new URL(request.url).origin;
  const { response: answer } = await callApi(
    {
      name: request.what,
      send: (timeoutMs) => {
        const http = createHttpClient(timeoutMs);
        return request.method === 'GET'
          ? http.get(request.url, request.headers, timeoutMs)
          : http.post(request.url, request.body ?? '', request.headers, timeoutMs);
      },
      refusal: (response) => parseGoogleError(request.service, response),
      serverError: (response) => `HTTP ${response.status}`,
      notThisApi: (response) =>
        new ActionError(
          `${request.what} at ${foreign(origin)} answered HTTP ${response.status} without a Google error (${bodyExcerpt(response.body)}).`,
          `Is ${foreign(origin)} Google's API? Check ${request.variable}, or unset it for Google's own endpoint.`,
        ),
      failed: (message, tally) =>
        new ActionError(
          `${request.what} at ${foreign(origin)} failed: ${message} (${tally}).`,
          `Check that the runner can reach ${foreign(origin)} (proxy settings: HTTPS_PROXY/NO_PROXY; ${request.variable} points elsewhere); re-run the job if Google had server errors.`,
        ),
      explainsExhausted: false,
    },
    { ...DEFAULT_GOOGLE_TIMING, ...deps.timing },
    deps,
  );
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    throw new ActionError(
      `${request.what} at ${foreign(origin)} answered 200 with a body that is not JSON (${bodyExcerpt(answer.body, 120)}).`,
      `Check ${request.variable}, or unset it for Google's own endpoint.`,
    );
  }
}

/**
 * Google's error in a response: STS's OAuth error `{"error", "error_description"}`, or a Google
 * API's `{"error": {"code", "message", "status", "details"}}`. Undefined for anything else.
 */
export function parseGoogleError(
  service: GoogleService,
  response: Pick<HttpResponse, 'status' | 'body'>,
): GoogleRefusal | undefined {
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string' && error) {
    const description = (body as { error_description?: unknown }).error_description;
    return new GoogleRefusal(
      service,
      response.status,
      foreign(error, 80),
      typeof description === 'string' ? bodyExcerpt(description, 400) : '',
      undefined,
    );
  }
  if (!error || typeof error !== 'object') return undefined;
  const { status, message, details } = error as {
    status?: unknown;
    message?: unknown;
    details?: unknown;
  };
  if (typeof status !== 'string' && typeof message !== 'string') return undefined;
  const info = Array.isArray(details)
    ? (details as Array<Record<string, unknown>>).find(
        (d) =>
          d && typeof d === 'object' && d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo',
      )
    : undefined;
  const reason = typeof info?.['reason'] === 'string' ? foreign(info['reason'], 80) : undefined;
  return new GoogleRefusal(
    service,
    response.status,
    typeof status === 'string' && status ? foreign(status, 80) : `HTTP ${response.status}`,
    typeof message === 'string' ? bodyExcerpt(message, 400) : '',
    reason,
  );
}

// verify-access: one authenticated request with the credentials the step wrote, so a cluster
// that refuses the token fails the step with the explanation, not a later kubectl step with
// "You must be logged in to the server". The request is what `kubectl auth whoami` sends: a
// SelfSubjectReview (authentication.k8s.io/v1; on a 404 v1beta1, then v1alpha1, as kubectl
// falls back), whose answer is the user and groups the cluster sees. Where no version is served,
// any authenticated request tells acceptance (GET /api). docs/wire-formats.md, 2f.
import { ActionError } from '../base/errors.js';
import { foreign } from '../base/untrusted.js';
import { KubeApiError, KubeNetworkError } from './api/errors.js';
import { parseForbidden, type SourceExplanations } from './explain.js';

/** The API calls verify-access makes (KubeClient has them). */
export interface VerifyClient {
  create<T>(path: string, body: unknown): Promise<T>;
  get<T>(path: string): Promise<T>;
  close(): void;
}

/** The user as the cluster sees it (SelfSubjectReview status.userInfo). */
export interface ClusterUser {
  username: string;
  groups: string[];
}

export type AccessResult =
  /** The cluster answered the review: who the job is to it. */
  | { kind: 'user'; user: ClusterUser; apiVersion: string }
  /**
   * The cluster accepted the token but did not say who (no SelfSubjectReview served, or the
   * review forbidden: then the 403 names the user).
   */
  | { kind: 'accepted'; username: string | undefined; why: string }
  /**
   * No answer that tells: the cluster could not be reached, or failed. Not a failure of the step.
   * `tls`: its certificate was refused (the kubeconfig's CA, or another host at that address).
   */
  | { kind: 'unknown'; why: string; tls?: boolean };

/** The whole check ends within this time (kubectl's requests to a reachable server take ms). */
export const VERIFY_TIMEOUT_MS = 10_000;

export const REVIEW_VERSIONS = ['v1', 'v1beta1', 'v1alpha1'] as const;

/** What `doing` says in the 401's explanation. */
export const VERIFYING = 'verify access (a SelfSubjectReview, as kubectl auth whoami sends)';

interface Review {
  status?: { userInfo?: { username?: unknown; groups?: unknown } };
}

/**
 * Asks the cluster who the job is. Resolves with what it learned; a refused token (401) is the
 * source's explanation (an ActionError); anything that stops the cluster from answering is
 * `unknown` (the caller warns: the cluster may be reachable only from a later step).
 */
export async function verifyAccess(
  client: VerifyClient,
  explanations: SourceExplanations,
  timeoutMs: number = VERIFY_TIMEOUT_MS,
): Promise<AccessResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AccessResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: 'unknown', why: `no answer within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([ask(client, explanations), timeout]);
  } finally {
    clearTimeout(timer);
    // Ends whatever is still under way (a request the timeout cut short).
    client.close();
  }
}

async function ask(client: VerifyClient, explanations: SourceExplanations): Promise<AccessResult> {
  try {
    for (const version of REVIEW_VERSIONS) {
      const apiVersion = `authentication.k8s.io/${version}`;
      try {
        const review = await client.create<Review>(`/apis/${apiVersion}/selfsubjectreviews`, {
          kind: 'SelfSubjectReview',
          apiVersion,
          metadata: { creationTimestamp: null },
          status: { userInfo: {} },
        });
        return { kind: 'user', user: userOf(review), apiVersion };
      } catch (error) {
        if (!(error instanceof KubeApiError) || error.statusCode !== 404) throw error;
      }
    }
    // No version served (before 1.27, or turned off): any authenticated request tells whether
    // the token is accepted; /api answers every authenticated user.
    await client.get('/api');
    return {
      kind: 'accepted',
      username: undefined,
      why: 'the cluster serves no SelfSubjectReview',
    };
  } catch (error) {
    return judge(error, explanations);
  }
}

function judge(error: unknown, explanations: SourceExplanations): AccessResult {
  if (error instanceof KubeApiError) {
    if (error.statusCode === 401) throw explanations.unauthorized(VERIFYING);
    if (error.statusCode === 403) {
      // Authenticated (a refused token is a 401), only not allowed to review itself.
      const refusal = parseForbidden(error.status?.message ?? '');
      return {
        kind: 'accepted',
        username: refusal?.user,
        why: 'RBAC does not let it create a SelfSubjectReview',
      };
    }
    return {
      kind: 'unknown',
      why: `the cluster answered HTTP ${error.statusCode}: ${foreign(error.message, 300)}`,
    };
  }
  if (error instanceof KubeNetworkError) {
    const why = foreign(error.message.replace(/^\S+ \S+: /, ''), 300);
    return error.tls ? { kind: 'unknown', why, tls: true } : { kind: 'unknown', why };
  }
  if (error instanceof ActionError) throw error;
  return { kind: 'unknown', why: foreign(error instanceof Error ? error.message : error, 300) };
}

function userOf(review: Review): ClusterUser {
  const info = review.status?.userInfo;
  const username = typeof info?.username === 'string' ? info.username : '';
  const groups = Array.isArray(info?.groups)
    ? info.groups.filter((g): g is string => typeof g === 'string')
    : [];
  return { username, groups };
}

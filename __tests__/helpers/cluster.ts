// The cluster most e2e tests run against: the test issuer, and the test API server trusting its
// tokens as a cluster with Structured Authentication does (the kubeconfig source's cluster).
import { afterAll, beforeAll } from 'vitest';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import {
  startKubeApiServer,
  type KubeApiServer,
  type KubeApiServerOptions,
} from '../fixtures/kube-apiserver.js';

/** The audience the test API server accepts (`jwt[].issuer.audiences`). */
export const CLUSTER_AUDIENCE = 'https://kubernetes.fixture';

export interface TrustingCluster {
  issuer: Issuer;
  server: KubeApiServer;
}

/**
 * For the tests of one file: a test issuer and a test API server that trusts its tokens
 * (audience CLUSTER_AUDIENCE, users `forgejo:` + sub, unless `options` say otherwise), started
 * before the first test and closed after the last. `ready` gets both (to keep them in the file's
 * variables, seed the server, start more peers).
 */
export function withTrustingCluster(
  options: Partial<Omit<KubeApiServerOptions, 'issuer'>>,
  ready: (started: TrustingCluster) => void | Promise<void>,
  timeoutMs?: number,
): void {
  let started: TrustingCluster | undefined;
  beforeAll(async () => {
    const issuer = await startIssuer();
    const server = await startKubeApiServer({
      issuer: issuer.issuer,
      audiences: [CLUSTER_AUDIENCE],
      usernamePrefix: 'forgejo:',
      ...options,
    });
    started = { issuer, server };
    await ready(started);
  }, timeoutMs);
  afterAll(async () => {
    await Promise.all([started?.server.close(), started?.issuer.close()]);
  });
}

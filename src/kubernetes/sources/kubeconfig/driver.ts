import { report } from '../../../base/report.js';
import { decodeClaims } from '../../../oidc/claims.js';
import { explainUnauthorized } from './explain.js';
import type { ClusterSpec } from '../../kubeconfig.js';
import type { PreparedSource } from '../contract.js';

/** The cluster is known before the token; the ID token is the credential, renewed as itself. */
export function prepare(cluster: ClusterSpec): PreparedSource {
  return {
    cluster,
    open: (ctx) =>
      Promise.resolve({
        cluster,
        credential: {
          token: ctx.token,
          exp: ctx.claims.exp,
          renew: async () => {
            const token = await ctx.renewToken();
            return { token, exp: decodeClaims(token).exp };
          },
        },
        pluginEnv: [],
        explanations: {
          unauthorized: (doing) =>
            explainUnauthorized(doing, ctx.claims, Date.now(), { audience: ctx.audience }),
        },
        report: report(),
      }),
  };
}

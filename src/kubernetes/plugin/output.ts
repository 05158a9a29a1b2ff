// What the credential plugin (run.ts) writes and logs: its stderr logger, its deadline and the
// ExecCredential.
import type { Logger } from '../../base/logger.js';
import { DEFAULT_TOKEN_POLICY } from '../../oidc/token.js';
import { foreign } from '../../base/untrusted.js';

/**
 * kubectl waits on the plugin: it answers or fails within 30 s in all, start-up included, even
 * against an endpoint that trickles its answer (each attempt also ends after 15 s).
 */
export const PLUGIN_TOKEN_POLICY = { ...DEFAULT_TOKEN_POLICY, deadlineMs: 25_000 };

// stderr reaches the step's log through kubectl (client-go runs the plugin with its own stderr),
// so each line is one line, foreign text escaped. No `::add-mask::<token>` is ever written: a
// later step's runner honours it only when commands are not stopped and the line arrives whole
// and alone; otherwise (an earlier `::stop-commands::`, e.g. in `kubectl logs` output; stdout and
// stderr sharing one line buffer in Forgejo's runner; `2>&1 | tee`, `2>file`) the runner or the
// file keeps the token in clear. kubectl never prints the token it gets (client-go masks the
// Authorization header even at -v=9). Evidence: docs/design.md, "Foreign text and masking".
export const say = (line: string) =>
  process.stderr.write(`oidc-deploy credential plugin: ${foreign(line, 2000)}\n`);

export const stderrLogger: Logger = {
  debug: () => {},
  info: (message) => say(message),
  warning: (message) => say(`warning: ${message}`),
};

/** stdout carries nothing but the ExecCredential JSON. */
export function writeExecCredential(token: string, expiresAtSeconds: number): void {
  process.stdout.write(
    JSON.stringify({
      apiVersion: execInfoApiVersion(),
      kind: 'ExecCredential',
      status: {
        token,
        expirationTimestamp: new Date(Math.floor(expiresAtSeconds) * 1000).toISOString(),
      },
    }) + '\n',
  );
}

/** Answer in the version the client asked for (KUBERNETES_EXEC_INFO), v1 by default. */
function execInfoApiVersion(): string {
  try {
    const info = JSON.parse(process.env['KUBERNETES_EXEC_INFO'] ?? '{}') as {
      apiVersion?: unknown;
    };
    if (
      typeof info.apiVersion === 'string' &&
      info.apiVersion.startsWith('client.authentication.k8s.io/')
    ) {
      return info.apiVersion;
    }
  } catch {
    // Not JSON: fall back to v1, which the kubeconfig asks for.
  }
  return 'client.authentication.k8s.io/v1';
}

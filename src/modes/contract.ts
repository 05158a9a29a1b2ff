import type { CredentialStore } from '../action/file-store.js';
import type { Logger } from '../base/logger.js';
import type { Claims } from '../oidc/claims.js';
import type { MaskSecret } from '../oidc/token.js';

/** What every mode's handler gets from main: the token and the collaborators it may use. */
export interface ModeContext {
  token: string;
  claims: Claims;
  /** The audience the token was requested for (undefined: the platform default). */
  audience: string | undefined;
  /** Requests a fresh ID token for the same audience (the current one may expire mid-run). */
  renewToken: () => Promise<string>;
  logger: Logger;
  mask: MaskSecret;
  files: CredentialStore;
  env: NodeJS.ProcessEnv;
  /** Records something for the post step to undo (core.saveState in the action). */
  saveState: (name: string, value: string) => void;
}

/** A mode checked and loaded before the ID token is requested. */
export interface PreparedMode<R> {
  run(ctx: ModeContext): Promise<R>;
  /** Starts work that needs no token (a connection, say) while the token is requested. */
  whileTokenIsRequested?(): void;
}

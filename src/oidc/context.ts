import type { Logger } from '../base/logger.js';
import type { Claims } from './claims.js';
import type { MaskSecret } from './token.js';

/** What a run knows of its ID token, and the collaborators every exchange made with it needs. */
export interface TokenContext {
  token: string;
  claims: Claims;
  /** The audience the token was requested for (undefined: the platform default). */
  audience: string | undefined;
  /** Requests a fresh ID token for the same audience (the current one may expire mid-run). */
  renewToken: () => Promise<string>;
  logger: Logger;
  mask: MaskSecret;
  env: NodeJS.ProcessEnv;
}

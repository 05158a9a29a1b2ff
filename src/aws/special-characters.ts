// `special-characters-workaround`: some tools mangle a secret access key holding certain
// characters (the AWS CLI's troubleshooting guide, "signature does not match"). Like
// configure-aws-credentials (src/helpers.ts verifyKeys, src/index.ts), the session is asked for
// again until neither its access key id nor its secret access key holds one of
//   ! @ # $ % ^ & * ( ) _ + - = [ ] { } ; ' : " \ | , . < > / ?
// (its SPECIAL_CHARS_REGEX; the session token is not checked). It loops without bound; here the
// loop is bounded. A secret is 40 characters of [A-Za-z0-9+/], so a session passes with
// probability (62/64)^40 = 0.28: 30 sessions all fail with probability 0.72^30 = 5e-5.
import { ActionError } from '../base/errors.js';
import type { Logger } from '../base/logger.js';

/** configure-aws-credentials' SPECIAL_CHARS_REGEX. */
export const SPECIAL_CHARACTERS = /[!@#$%^&*()_+\-=[\]{};':"\\|,.<>/?]/;

/** How many sessions the workaround asks for before it gives up. */
export const SPECIAL_CHARACTERS_ATTEMPTS = 30;

/** Whether the access key id or the secret access key holds one of the special characters. */
export function hasSpecialCharacters(credentials: {
  accessKeyId: string;
  secretAccessKey: string;
}): boolean {
  return (
    SPECIAL_CHARACTERS.test(credentials.accessKeyId) ||
    SPECIAL_CHARACTERS.test(credentials.secretAccessKey)
  );
}

export interface WorkaroundOptions {
  logger: Logger;
  /** Sessions to ask for at most (SPECIAL_CHARACTERS_ATTEMPTS by default). */
  attempts?: number;
}

/**
 * Calls `assume` (one whole exchange, its own retries included) until its credentials pass
 * hasSpecialCharacters, at most `attempts` times. A refused session is dropped unused (its
 * credentials were masked when parsed, and it expires by itself). Errors of `assume` end it.
 */
export async function withoutSpecialCharacters<
  T extends { credentials: { accessKeyId: string; secretAccessKey: string } },
>(assume: (attempt: number) => Promise<T>, options: WorkaroundOptions): Promise<T> {
  const attempts = options.attempts ?? SPECIAL_CHARACTERS_ATTEMPTS;
  for (let n = 1; n <= attempts; n++) {
    const session = await assume(n);
    if (!hasSpecialCharacters(session.credentials)) {
      if (n > 1) options.logger.info(`special-characters-workaround: session ${n} has none`);
      return session;
    }
    if (n < attempts) {
      options.logger.info(
        `special-characters-workaround: the secret access key holds a special character; asking STS for another session (${n + 1} of ${attempts})`,
      );
    }
  }
  throw new ActionError(
    `Input "special-characters-workaround": ${attempts} sessions in a row had a special character in their secret access key.`,
    'That is very unlikely by chance (each passes with probability 0.28): re-run the job. Better, fix the tool that cannot carry "+" or "/" (quote the variable), and turn the workaround off.',
  );
}

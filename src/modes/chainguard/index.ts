import { ActionError } from '../../base/errors.js';
import { printable } from '../../base/untrusted.js';
import { checkSingleLine } from '../../base/validate.js';
import { checkServiceUrl } from '../../net/service-url.js';
import { defineMode } from '../contract.js';
import type { ChainguardSettings } from './settings.js';

export type { ChainguardSettings } from './settings.js';

const CHAINGUARD_IDENTITY = /^[0-9a-f]{40}(\/[0-9a-f]{16})*$/;

/** chainguard: the ID token -> a Chainguard token (its STS) -> optionally a cgr.dev login. */
export const chainguardMode = defineMode<ChainguardSettings>({
  name: 'chainguard',
  picks: ['chainguard-identity'],
  owns: ['chainguard-identity'],
  reads: ['chainguard-issuer', 'chainguard-audience', 'registry-login'],
  read(input, common) {
    const identity = input.text('chainguard-identity');
    if (!identity) {
      throw new ActionError(
        'Chainguard mode needs input "chainguard-identity".',
        'Give the id of the assumable identity (chainctl iam identities list).',
      );
    }
    if (!CHAINGUARD_IDENTITY.test(identity)) {
      throw new ActionError(
        `Input "chainguard-identity" is "${printable(identity)}", which is not an identity id.`,
        'An identity id is 40 lowercase hex characters, optionally followed by /16-hex-character groups.',
      );
    }
    const issuer = checkServiceUrl(
      'chainguard-issuer',
      input.text('chainguard-issuer') || 'https://issuer.enforce.dev',
    );
    const chainguardAudience = input.text('chainguard-audience') || 'cgr.dev';
    checkSingleLine('chainguard-audience', chainguardAudience);
    if (/\s/.test(chainguardAudience)) {
      throw new ActionError('Input "chainguard-audience" must not contain spaces.');
    }
    return {
      mode: 'chainguard',
      ...common,
      audience: common.audience ?? 'issuer.enforce.dev',
      identity,
      issuer,
      chainguardAudience,
      registryLogin: input.boolean('registry-login', true),
    };
  },
  load: () => import('./run.js'),
});

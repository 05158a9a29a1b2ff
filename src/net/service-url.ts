import { ActionError } from '../base/errors.js';
import { describeInput } from '../base/validate.js';
import { isLoopbackHost } from './loopback.js';

/**
 * The URL of a peer a credential travels to (an STS, an issuer, a cloud API): https, or http on
 * loopback (a local peer), which every client then reaches directly (net/loopback.ts). A bearer
 * token or an ID token must never cross a network in clear text. Returns it without a trailing
 * slash.
 */
export function checkServiceUrl(
  name: string,
  value: string,
  carries = 'The ID token travels to it',
): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ActionError(`${describeInput(name)} is not a URL.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ActionError(
      `${describeInput(name)} must be an https:// URL.`,
      `${carries}; plain http is accepted only for a loopback address.`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ActionError(
      `${describeInput(name)} must not carry credentials, a query or a fragment.`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

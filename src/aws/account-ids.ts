// `allowed-account-ids`: the AWS accounts the step may end up in. configure-aws-credentials
// splits it on commas and trims each id, ignores the input when empty, and after the last
// AssumeRole checks the account of the final credentials (GetCallerIdentity); a mismatch fails
// the step. Its check runs after AWS_* has been exported, so a refused account's credentials
// are already in the job's environment. Here the account comes from STS's answer (the 5th
// field of the assumed-role ARN: STS names the account the session belongs to), and the check
// is meant to run before anything is exported, written or output.
import { ActionError } from '../base/errors.js';
import { foreign } from '../base/untrusted.js';

/**
 * The ids, in the order given, without duplicates: separated by commas, white space or line
 * breaks (configure-aws-credentials takes commas; a YAML list of lines is accepted too). Each
 * must be 12 digits. Empty input: undefined (no check).
 */
export function parseAllowedAccountIds(
  text: string,
  name = 'allowed-account-ids',
): string[] | undefined {
  const ids = text
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0) return undefined;
  for (const id of ids) {
    if (!/^\d{12}$/.test(id)) {
      throw new ActionError(
        `Input "${name}": "${foreign(id, 40)}" is not an AWS account id.`,
        'An account id is 12 digits (with its leading zeros), e.g. 012345678901; separate several with commas or put one per line.',
      );
    }
  }
  return [...new Set(ids)];
}

/** The account of an assumed-role (or any IAM/STS) ARN: its 5th field. */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * Fails unless `accountId` is allowed (no list: everything is). The message names the account
 * only when it may be printed (`mask-aws-account-id` masks it anyway; the allowed ids are the
 * workflow's own text).
 */
export function checkAllowedAccount(
  allowed: string[] | undefined,
  accountId: string | undefined,
): void {
  if (!allowed) return;
  if (accountId && allowed.includes(accountId)) return;
  throw new ActionError(
    `Input "allowed-account-ids": the credentials are for account ${accountId ?? '(unknown)'}, which is not one of ${allowed.join(', ')}; nothing was exported.`,
    'The role (role-to-assume, or the role chained to) is in another account than the workflow expects: check its ARN, or add the account to "allowed-account-ids".',
  );
}

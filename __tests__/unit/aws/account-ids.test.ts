// allowed-account-ids: configure-aws-credentials splits on commas and trims; empty means no
// check; the final account must be listed. Here also lines and white space, and each id must be
// 12 digits; the account is the 5th field of the assumed-role ARN STS answers.
import { describe, expect, it } from 'vitest';
import {
  accountOfArn,
  checkAllowedAccount,
  parseAllowedAccountIds,
} from '../../../src/aws/account-ids.js';

describe('allowed-account-ids', () => {
  it('parses commas, lines and white space; empty is no check', () => {
    expect(parseAllowedAccountIds('')).toBeUndefined();
    expect(parseAllowedAccountIds(' 111122223333, 012345678901\n111122223333 ')).toEqual([
      '111122223333',
      '012345678901',
    ]);
    expect(() => parseAllowedAccountIds('111122223333,12345')).toThrow(
      'Input "allowed-account-ids": "12345" is not an AWS account id.',
    );
  });

  it('passes a listed account and refuses another', () => {
    expect(accountOfArn('arn:aws:sts::444455556666:assumed-role/second/s')).toBe('444455556666');
    expect(accountOfArn('nonsense')).toBeUndefined();
    expect(() => checkAllowedAccount(undefined, '444455556666')).not.toThrow();
    expect(() => checkAllowedAccount(['444455556666'], '444455556666')).not.toThrow();
    expect(() => checkAllowedAccount(['111122223333'], '444455556666')).toThrow(
      'the credentials are for account 444455556666, which is not one of 111122223333; nothing was exported.',
    );
    expect(() => checkAllowedAccount(['111122223333'], undefined)).toThrow(/account \(unknown\)/);
  });
});

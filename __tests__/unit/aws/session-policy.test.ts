// Session policies: the inline policy checked and minified (only insignificant white space
// removed), STS's limits (Policy at most 2048 characters of U+0009..U+00FF; at most 10
// PolicyArns, in the role's partition), and their query parameters.
import { describe, expect, it } from 'vitest';
import {
  minifyJson,
  parseInlineSessionPolicy,
  parseManagedSessionPolicies,
  sessionPolicyParams,
} from '../../../src/aws/session-policy.js';
import { ActionError } from '../../../src/base/errors.js';

const READABLE = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Read  only",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:ListBucket"],
      "Resource": "*"
    }
  ]
}`;

function failure(fn: () => unknown): ActionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ActionError);
    return error as ActionError;
  }
  throw new Error('expected an ActionError');
}

describe('inline-session-policy', () => {
  it('is undefined when empty', () => {
    expect(parseInlineSessionPolicy('')).toBeUndefined();
    expect(parseInlineSessionPolicy('  \n ')).toBeUndefined();
  });

  it('minifies a readable policy without changing what it says', () => {
    const policy = parseInlineSessionPolicy(READABLE) as string;
    expect(policy).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"Read  only","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}',
    );
    expect(JSON.parse(policy)).toEqual(JSON.parse(READABLE));
  });

  it('keeps escapes, duplicate keys and number spelling as written', () => {
    const text =
      '{ "Statement" : { "Effect":"Allow", "Action":"s3:*", "Resource":"a\\" b\\\\", "Condition": {"NumericLessThan": {"s3:max-keys": 1.0}}, "Effect": "Allow" } }';
    expect(minifyJson(text)).toBe(
      '{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"a\\" b\\\\","Condition":{"NumericLessThan":{"s3:max-keys":1.0}},"Effect":"Allow"}}',
    );
  });

  it('writes characters beyond U+00FF as JSON escapes (STS refuses them raw)', () => {
    const policy = parseInlineSessionPolicy(
      '{"Statement":[{"Sid":"café","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/日本/😀"}]}',
    ) as string;
    expect(policy).toMatch(/^[\t\n\r\u0020-\u00ff]+$/);
    expect(policy).toContain('café');
    expect(policy).toContain('\\u65e5\\u672c/\\ud83d\\ude00');
    expect(
      (JSON.parse(policy) as { Statement: Array<{ Resource: string }> }).Statement[0]?.Resource,
    ).toBe('arn:aws:s3:::b/日本/😀');
  });

  it('refuses what is not a policy, naming the input', () => {
    expect(failure(() => parseInlineSessionPolicy('{"Statement": [}')).message).toMatch(
      /^Input "inline-session-policy" is not JSON \(/,
    );
    expect(failure(() => parseInlineSessionPolicy('[1]')).message).toMatch(/must be a JSON object/);
    expect(failure(() => parseInlineSessionPolicy('{"Version":"2012-10-17"}')).message).toMatch(
      /has no "Statement"/,
    );
    expect(failure(() => parseInlineSessionPolicy('{"Statement":[]}')).message).toMatch(
      /has no "Statement"/,
    );
    expect(
      failure(() =>
        parseInlineSessionPolicy('{"Version":"2020-01-01","Statement":{"Effect":"Allow"}}'),
      ).message,
    ).toMatch(/"Version" "2020-01-01"/);
  });

  it('refuses more than 2048 characters once minified, and accepts 2048', () => {
    const statement = (n: number) =>
      `{"Effect":"Allow","Action":"s3:GetObject","Resource":"${'a'.repeat(n)}"}`;
    const wrap = (s: string) => `{"Statement":[${s}]}`;
    const base = wrap(statement(0)).length;
    expect(parseInlineSessionPolicy(wrap(statement(2048 - base)))).toHaveLength(2048);
    const error = failure(() => parseInlineSessionPolicy(`  ${wrap(statement(2049 - base))}\n`));
    expect(error.message).toContain('is 2049 characters once minified; STS accepts at most 2048');
    expect(error.hint).toContain('managed-session-policies');
  });
});

describe('managed-session-policies', () => {
  it('reads one ARN per line, drops blanks and duplicates', () => {
    expect(
      parseManagedSessionPolicies(
        '\narn:aws:iam::aws:policy/ReadOnlyAccess\n  arn:aws:iam::111122223333:policy/team/deploy-limits \n\narn:aws:iam::aws:policy/ReadOnlyAccess\r\n',
        'aws',
      ),
    ).toEqual([
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'arn:aws:iam::111122223333:policy/team/deploy-limits',
    ]);
    expect(parseManagedSessionPolicies('', 'aws')).toEqual([]);
  });

  it('refuses what is not a policy ARN, another partition, and more than 10', () => {
    expect(failure(() => parseManagedSessionPolicies('ReadOnlyAccess', 'aws')).message).toMatch(
      /"ReadOnlyAccess" is not the ARN of a managed policy/,
    );
    const commas = failure(() =>
      parseManagedSessionPolicies('arn:aws:iam::aws:policy/A,arn:aws:iam::aws:policy/B', 'aws'),
    );
    expect(commas.hint).toContain('(lines, not commas)');
    expect(
      failure(() => parseManagedSessionPolicies('arn:aws:iam::aws:role/x', 'aws')).message,
    ).toMatch(/not the ARN of a managed policy/);
    expect(
      failure(() => parseManagedSessionPolicies('arn:aws:iam::aws:policy/ReadOnlyAccess', 'aws-cn'))
        .message,
    ).toContain('is in partition aws, but the role is in aws-cn');
    const eleven = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`).join('\n');
    expect(failure(() => parseManagedSessionPolicies(eleven, 'aws')).message).toContain(
      'names 11 policies; STS accepts at most 10',
    );
  });
});

describe('sessionPolicyParams', () => {
  it('names Policy and PolicyArns.member.N.arn from 1', () => {
    expect(
      sessionPolicyParams({
        inline: '{"Statement":{}}',
        managedArns: ['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B'],
      }),
    ).toEqual([
      ['Policy', '{"Statement":{}}'],
      ['PolicyArns.member.1.arn', 'arn:aws:iam::aws:policy/A'],
      ['PolicyArns.member.2.arn', 'arn:aws:iam::aws:policy/B'],
    ]);
    expect(sessionPolicyParams({ inline: undefined, managedArns: [] })).toEqual([]);
  });
});

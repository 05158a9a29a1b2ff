import { describe, expect, it } from 'vitest';
import {
  describeGrpcCode,
  explainRefusal,
  parseGrpcError,
  terraformIdentity,
} from '../../../src/chainguard/explain.js';
import type { Claims } from '../../../src/oidc/claims.js';

const claims: Claims = {
  iss: 'https://forge.example/api/actions',
  sub: 'repo:org/app:ref:refs/heads/main',
  aud: ['issuer.enforce.dev'],
  exp: 2_000_000_000,
  extra: {},
};
const IDENTITY = `${'a'.repeat(40)}/${'b'.repeat(16)}`;
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('describeGrpcCode', () => {
  it.each([
    [16, 'UNAUTHENTICATED: the STS did not accept the ID token'],
    [7, 'PERMISSION_DENIED: the identity does not accept this ID token'],
    [5, 'NOT_FOUND: the identity does not exist'],
    [3, 'INVALID_ARGUMENT: the STS rejected the request as malformed'],
    [14, 'UNAVAILABLE: the STS is unavailable'],
    [4, 'DEADLINE_EXCEEDED: the STS timed out'],
  ])('code %i reads "%s..."', (code, start) => {
    expect(describeGrpcCode(code)?.startsWith(start)).toBe(true);
  });

  it.each([[undefined], [99], [0]])('has no sentence for %s', (code) => {
    expect(describeGrpcCode(code)).toBeUndefined();
  });
});

describe('parseGrpcError', () => {
  it.each([
    [
      '{"code":16,"message":"JWT validation failed"}',
      { code: 16, message: 'JWT validation failed' },
    ],
    ['{"message":"no code"}', { code: undefined, message: 'no code' }],
    ['{"code":"7","message":"m"}', { code: undefined, message: 'm' }],
    ['<html>bad gateway</html>', undefined],
    ['{"code":5}', undefined],
    ['[1,2]', undefined],
    ['null', undefined],
  ])('%s', (body, expected) => {
    expect(parseGrpcError(body)).toEqual(expected);
  });

  it('bounds the message and removes anything JWT-shaped', () => {
    const parsed = parseGrpcError(
      JSON.stringify({ code: 16, message: `bad token ${JWT} ${'x'.repeat(1000)}` }),
    );
    expect(parsed?.message).not.toContain(JWT);
    expect(parsed?.message).toContain('bad token <jwt>');
    expect(parsed?.message.length).toBeLessThanOrEqual(303);
  });
});

describe('explainRefusal', () => {
  it.each([401, 403, 404])(
    'HTTP %i names the claims and an identity that accepts them',
    (status) => {
      const error = explainRefusal({
        status,
        body: JSON.stringify({ code: { 401: 16, 403: 7, 404: 5 }[status], message: 'nope' }),
        identity: IDENTITY,
        audience: 'cgr.dev',
        claims,
      });
      expect(error.message).toContain(`"chainguard-identity" ${IDENTITY}: HTTP ${status}, `);
      expect(error.message).toContain('(nope)');
      expect(error.hint).toContain(`sub: ${claims.sub}`);
      expect(error.hint).toContain(
        terraformIdentity(IDENTITY, claims.iss, claims.sub, 'issuer.enforce.dev'),
      );
    },
  );

  it('does not echo a body that is not a grpc error', () => {
    const error = explainRefusal({
      status: 403,
      body: `{"token":"${JWT}"}`,
      identity: IDENTITY,
      audience: 'cgr.dev',
      claims,
    });
    expect(error.message).not.toContain(JWT);
    expect(error.message).toContain('the body is not a grpc-gateway error');
  });

  it.each([
    [400, 3, 'Check "chainguard-audience" ("cgr.dev")'],
    [500, 13, undefined],
  ])('HTTP %i has no Terraform', (status, code, hint) => {
    const error = explainRefusal({
      status,
      body: JSON.stringify({ code, message: 'Audience must be specified' }),
      identity: IDENTITY,
      audience: 'cgr.dev',
      claims,
    });
    expect(error.message).toContain('Audience must be specified');
    if (hint) expect(error.hint).toContain(hint);
    else expect(error.hint).toBeUndefined();
  });
});

describe('terraformIdentity', () => {
  it('takes the parent from the identity id, or asks for it for a bare group id', () => {
    expect(
      terraformIdentity(`${'a'.repeat(40)}/${'b'.repeat(16)}/${'c'.repeat(16)}`, 'i', 's', 'a'),
    ).toContain(`parent_id = "${'a'.repeat(40)}/${'b'.repeat(16)}"`);
    expect(terraformIdentity('a'.repeat(40), 'i', 's', 'a')).toContain(
      'parent_id = "<your group id>"',
    );
  });

  it('escapes what HCL would interpolate or misread', () => {
    const text = terraformIdentity(IDENTITY, 'https://x', 'repo:"o"/${evil}%{x}', 'aud');
    expect(text).toContain('subject  = "repo:\\"o\\"/$${evil}%%{x}"');
  });
});

// sts.ts against the test STS on loopback: what is retried, what is final, renewal, masking,
// and that a stalled STS ends by the deadline.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  assumeRoleWithWebIdentity,
  parseError,
  parseSuccess,
  StsRefusal,
  stsEndpointUrl,
  type StsTiming,
} from '../../../src/aws/sts.js';
import { ActionError } from '../../../src/base/errors.js';
import { recordingLogger } from '../../helpers/logger.js';
import { errorXml, startSts, type TestSts } from '../../fixtures/sts.js';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const FAST: Partial<StsTiming> = { baseDelayMs: 1, maxDelayMs: 5 };

let sts: TestSts;
beforeAll(async () => {
  sts = await startSts();
});
afterAll(() => sts.close());
beforeEach(() => {
  sts.faults.length = 0;
  sts.always = undefined;
  sts.requests.length = 0;
});

function call(options: { timing?: Partial<StsTiming>; renew?: () => Promise<string> } = {}) {
  const masked: string[] = [];
  const logger = recordingLogger();
  let renewals = 0;
  const promise = assumeRoleWithWebIdentity(
    {
      endpoint: stsEndpointUrl('eu-west-1', 'aws', sts.url),
      roleArn: ROLE,
      roleSessionName: 'oidc-deploy-org-app-42',
      durationSeconds: 900,
      token: 'first.id.token',
    },
    {
      logger,
      mask: (s) => masked.push(s),
      renewToken: async () => {
        renewals++;
        return options.renew ? options.renew() : 'second.id.token';
      },
      timing: { ...FAST, ...options.timing },
    },
  );
  return { promise, masked, logger, renewals: () => renewals };
}

async function refusal(promise: Promise<unknown>): Promise<StsRefusal> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StsRefusal);
  return error as StsRefusal;
}

describe('stsEndpointUrl', () => {
  it.each([
    ['eu-west-1', 'aws', undefined, 'https://sts.eu-west-1.amazonaws.com/'],
    ['us-gov-west-1', 'aws-us-gov', undefined, 'https://sts.us-gov-west-1.amazonaws.com/'],
    ['cn-north-1', 'aws-cn', undefined, 'https://sts.cn-north-1.amazonaws.com.cn/'],
    ['cn-northwest-1', 'aws-cn', undefined, 'https://sts.cn-northwest-1.amazonaws.com.cn/'],
    ['us-iso-east-1', 'aws-iso', undefined, 'https://sts.us-iso-east-1.c2s.ic.gov/'],
    ['eu-west-1', 'aws', 'https://vpce-1.sts.example', 'https://vpce-1.sts.example/'],
    ['eu-west-1', 'aws', 'http://127.0.0.1:5000', 'http://127.0.0.1:5000/'],
  ])('%s (%s, explicit %s) -> %s', (region, partition, explicit, url) => {
    expect(stsEndpointUrl(region, partition, explicit)).toBe(url);
  });
});

describe('parsing the XML', () => {
  it('reads the credentials with entities and masks each part before returning', () => {
    const masked: string[] = [];
    const body = `<?xml version="1.0"?>
<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::111122223333:assumed-role/deploy/s</Arn></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE1234</AccessKeyId>
      <SecretAccessKey>se/cr+et&amp;key</SecretAccessKey>
      <SessionToken>tok==</SessionToken>
      <Expiration>2026-11-23T17:41:57Z</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>`;
    const parsed = parseSuccess(body, (s) => masked.push(s));
    expect(parsed.credentials).toEqual({
      accessKeyId: 'ASIAEXAMPLE1234',
      secretAccessKey: 'se/cr+et&key',
      sessionToken: 'tok==',
    });
    expect(parsed.expiration).toBe('2026-11-23T17:41:57.000Z');
    expect(parsed.assumedRoleArn).toBe('arn:aws:sts::111122223333:assumed-role/deploy/s');
    expect(masked).toEqual(['se/cr+et&key', 'tok==', 'ASIAEXAMPLE1234']);
  });

  it.each([
    ['an error document', errorXml('Sender', 'AccessDenied', 'no')],
    ['HTML', '<html><body>hi</body></html>'],
    ['no credentials', '<AssumeRoleWithWebIdentityResponse/>'],
    ['not XML', '{"a":1}'],
  ])('refuses a 200 with %s, without echoing it', (_name, body) => {
    expect(() => parseSuccess(body, () => undefined)).toThrow(ActionError);
  });

  it.each([
    [errorXml('Sender', 'AccessDenied', 'Not authorized'), 'AccessDenied', 'Not authorized'],
    [errorXml('Sender', 'Throttling', 'Rate exceeded'), 'Throttling', 'Rate exceeded'],
    [
      errorXml('Sender', 'ValidationError', 'Value eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl at x'),
      'ValidationError',
      'Value <jwt> at x',
    ],
    ['<html>500</html>', undefined, undefined],
    ['', undefined, undefined],
    // The peer's text is escaped: it can never start a workflow command in a log line.
    [
      errorXml('Sender', '::stop-commands::pwn', 'x\n::set-env name=A::b'),
      '\\u003a:stop-commands::pwn',
      'x ::set-env name=A::b',
    ],
    [
      errorXml('Sender', 'Throttling\n::add-mask::x', '\r::warning::y'),
      'Throttling\\n::add-mask::x',
      '\\u003a:warning::y',
    ],
  ])('error body %#', (body, code, message) => {
    const parsed = parseError(body, 400);
    expect(parsed?.code).toBe(code);
    expect(parsed?.stsMessage).toBe(message);
  });
});

describe('assumeRoleWithWebIdentity', () => {
  it('sends the form of docs/wire-formats.md and returns masked credentials', async () => {
    const { promise, masked } = call();
    const result = await promise;
    expect(sts.requests).toHaveLength(1);
    const [request] = sts.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/');
    expect(request?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(request?.params ?? [])).toEqual({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: ROLE,
      RoleSessionName: 'oidc-deploy-org-app-42',
      WebIdentityToken: 'first.id.token',
      DurationSeconds: '900',
    });
    const issued = sts.issued.at(-1);
    expect(result.credentials).toEqual({
      accessKeyId: issued?.accessKeyId,
      secretAccessKey: issued?.secretAccessKey,
      sessionToken: issued?.sessionToken,
    });
    expect(result.assumedRoleArn).toBe(issued?.assumedRoleArn);
    expect(result.attempts).toBe(1);
    expect(masked).toEqual(
      expect.arrayContaining([issued?.secretAccessKey, issued?.sessionToken, issued?.accessKeyId]),
    );
  });

  it.each(['AccessDenied', 'InvalidIdentityToken', 'ValidationError', 'IDPRejectedClaim'] as const)(
    'does not retry %s',
    async (code) => {
      sts.always = { code };
      const error = await refusal(call().promise);
      expect(error.code).toBe(code);
      expect(error.attempts).toBe(1);
      expect(sts.requests).toHaveLength(1);
    },
  );

  it('retries Throttling, IDPCommunicationError, an HTML 500 and a reset, then succeeds', async () => {
    sts.faults.push(
      { code: 'Throttling' },
      { code: 'IDPCommunicationError' },
      { kind: 'html500' },
      { kind: 'reset' },
    );
    const { promise, logger } = call();
    const result = await promise;
    expect(result.attempts).toBe(5);
    expect(sts.requests).toHaveLength(5);
    expect(logger.lines.join('\n')).toMatch(/Throttling: Rate exceeded; retrying in/);
    expect(logger.lines.join('\n')).toMatch(/STS answered HTTP 500/);
  });

  it('gives up on throttling after the attempts, with the last refusal', async () => {
    sts.always = { code: 'Throttling' };
    const error = await refusal(call({ timing: { attempts: 3 } }).promise);
    expect(error.code).toBe('Throttling');
    expect(error.attempts).toBe(3);
    expect(sts.requests).toHaveLength(3);
  });

  it('honours Retry-After within the bounds', async () => {
    sts.faults.push({ code: 'Throttling', headers: { 'retry-after': '1' } });
    const started = Date.now();
    const result = await call({ timing: { maxDelayMs: 300 } }).promise;
    expect(result.attempts).toBe(2);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1000);
  });

  it('requests a fresh ID token once on ExpiredTokenException and sends it', async () => {
    sts.faults.push({ code: 'ExpiredTokenException' });
    const c = call();
    const result = await c.promise;
    expect(c.renewals()).toBe(1);
    expect(result.attempts).toBe(2);
    expect(sts.requests.map((r) => r.params.get('WebIdentityToken'))).toEqual([
      'first.id.token',
      'second.id.token',
    ]);
  });

  it('renews only once: a second ExpiredTokenException is final', async () => {
    sts.always = { code: 'ExpiredTokenException' };
    const c = call();
    const error = await refusal(c.promise);
    expect(error.code).toBe('ExpiredTokenException');
    expect(c.renewals()).toBe(1);
    expect(sts.requests).toHaveLength(2);
  });

  it('gives up on HTML 500s after the attempts, saying STS had server errors', async () => {
    sts.always = { kind: 'html500' };
    const error = await call({ timing: { attempts: 3 } }).promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toMatch(
      /^STS AssumeRoleWithWebIdentity at .* failed: STS answered HTTP 500 \(<!doctype html>.*\) \(3 attempts in \d\.\d s\)\.$/,
    );
    expect((error as ActionError).hint).toMatch(/^STS had server errors/);
    expect(sts.requests).toHaveLength(3);
  });

  it('does not retry a 4xx that is not STS XML', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.writeHead(404).end('<html>nope</html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const error = await assumeRoleWithWebIdentity(
        {
          endpoint: `http://127.0.0.1:${port}/`,
          roleArn: ROLE,
          roleSessionName: 'ss',
          durationSeconds: 900,
          token: 't',
        },
        { logger: recordingLogger(), mask: () => undefined, renewToken: async () => 't' },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ActionError);
      expect((error as ActionError).message).toContain('HTTP 404 without an STS error');
    } finally {
      server.close();
    }
  });

  it('ends a stalled connection by the deadline, naming the endpoint', async () => {
    sts.always = { kind: 'stall' };
    const started = Date.now();
    const error = await call({
      timing: { requestTimeoutMs: 300, deadlineMs: 1000, baseDelayMs: 50, maxDelayMs: 100 },
    }).promise.catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toMatch(
      /^STS AssumeRoleWithWebIdentity at http:\/\/127\.0\.0\.1:\d+\/ failed: no answer within 0\.\d s \([2-4] attempts in 1\.\d s\)\.$/,
    );
    expect(sts.requests.length).toBeGreaterThanOrEqual(2);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(1300);
  });

  it('ends a refused connection quickly with a network error', async () => {
    const error = await assumeRoleWithWebIdentity(
      {
        endpoint: 'http://127.0.0.1:1/',
        roleArn: ROLE,
        roleSessionName: 'ss',
        durationSeconds: 900,
        token: 't',
      },
      {
        logger: recordingLogger(),
        mask: () => undefined,
        renewToken: async () => 't',
        timing: { ...FAST, attempts: 2 },
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toMatch(/network error: .*ECONNREFUSED.*2 attempts/);
  });
});

// ecr.ts: registry hosts (ID.dkr.ecr.REGION.amazonaws.com, .amazonaws.com.cn in China), the
// ecr-login targets, the token (base64 of "AWS:PASSWORD"), ECR's JSON 1.1 errors
// ({"__type": "AccessDeniedException", "message"}, x-amzn-ErrorType, namespaced types) and
// moto's XML ones, the request (POST /, X-Amz-Target
// AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken, application/x-amz-json-1.1,
// SigV4 service ecr) against a recording peer on loopback, retries, and the explanation.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeAuthorizationToken,
  ecrEndpointUrl,
  ecrOutputSuffix,
  ecrRegistryHost,
  EcrRefusal,
  explainEcrRefusal,
  getAuthorizationToken,
  parseAuthorizationData,
  parseEcrError,
  parseEcrTargets,
  targetsByRegion,
} from '../../../src/aws/ecr.js';
import { ActionError } from '../../../src/base/errors.js';
import { recordingLogger } from '../../helpers/logger.js';

const token = (password: string) => Buffer.from(`AWS:${password}`).toString('base64');

describe('registries', () => {
  it('hosts and endpoints per partition', () => {
    expect(ecrRegistryHost('111122223333', 'eu-west-1', 'aws')).toBe(
      '111122223333.dkr.ecr.eu-west-1.amazonaws.com',
    );
    expect(ecrRegistryHost('111122223333', 'cn-north-1', 'aws-cn')).toBe(
      '111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn',
    );
    expect(ecrEndpointUrl('cn-northwest-1', 'aws-cn', undefined)).toBe(
      'https://api.ecr.cn-northwest-1.amazonaws.com.cn',
    );
    expect(ecrEndpointUrl('eu-west-1', 'aws', 'http://127.0.0.1:5000/')).toBe(
      'http://127.0.0.1:5000',
    );
    expect(ecrOutputSuffix('111122223333.dkr.ecr.eu-west-1.amazonaws.com')).toBe(
      '111122223333_dkr_ecr_eu_west_1_amazonaws_com',
    );
  });

  it('ecr-login: true, account ids and registry hosts', () => {
    expect(parseEcrTargets('', 'eu-west-1')).toBeUndefined();
    expect(parseEcrTargets('false', 'eu-west-1')).toBeUndefined();
    expect(parseEcrTargets('true', 'eu-west-1')).toEqual([
      { registryId: undefined, region: 'eu-west-1' },
    ]);
    const targets = parseEcrTargets(
      '111122223333, 444455556666\nhttps://555566667777.dkr.ecr.us-east-1.amazonaws.com/\n666677778888.dkr.ecr.cn-north-1.amazonaws.com.cn 111122223333',
      'eu-west-1',
    );
    expect(targets).toEqual([
      { registryId: '111122223333', region: 'eu-west-1' },
      { registryId: '444455556666', region: 'eu-west-1' },
      { registryId: '555566667777', region: 'us-east-1' },
      { registryId: '666677778888', region: 'cn-north-1' },
    ]);
    expect([...targetsByRegion(targets ?? [])]).toEqual([
      ['eu-west-1', ['111122223333', '444455556666']],
      ['us-east-1', ['555566667777']],
      ['cn-north-1', ['666677778888']],
    ]);
    expect(() => parseEcrTargets('docker.io', 'eu-west-1')).toThrow(
      'Input "ecr-login": "docker.io" is neither an AWS account id nor an ECR registry.',
    );
  });
});

describe('answers', () => {
  it('decodes AWS:PASSWORD and masks token and password first', () => {
    expect(decodeAuthorizationToken(token('pa:ss'))).toEqual({
      username: 'AWS',
      password: 'pa:ss',
    });
    expect(() => decodeAuthorizationToken(Buffer.from('nocolon').toString('base64'))).toThrow(
      ActionError,
    );
    const masked: string[] = [];
    const logins = parseAuthorizationData(
      JSON.stringify({
        authorizationData: [
          {
            authorizationToken: token('secret-1'),
            expiresAt: 1767225600.5,
            proxyEndpoint: 'https://111122223333.dkr.ecr.eu-west-1.amazonaws.com',
          },
        ],
      }),
      (s) => masked.push(s),
    );
    expect(logins).toEqual([
      {
        registry: '111122223333.dkr.ecr.eu-west-1.amazonaws.com',
        proxyEndpoint: 'https://111122223333.dkr.ecr.eu-west-1.amazonaws.com',
        username: 'AWS',
        password: 'secret-1',
        expiresAt: '2026-01-01T00:00:00.500Z',
      },
    ]);
    expect(masked).toEqual([token('secret-1'), 'secret-1']);
    expect(() => parseAuthorizationData('{"authorizationData":[]}', () => undefined)).toThrow(
      /without authorizationData/,
    );
  });

  it("reads ECR's JSON errors and moto's XML ones", () => {
    const json = parseEcrError({
      status: 400,
      headers: { 'x-amzn-requestid': 'r-1' },
      body: '{"__type":"AccessDeniedException","message":"User: arn:aws:sts::111122223333:assumed-role/deploy/s is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action"}',
    });
    expect(json).toMatchObject({ code: 'AccessDeniedException', status: 400, requestId: 'r-1' });
    expect(json?.ecrMessage).toContain('is not authorized to perform: ecr:GetAuthorizationToken');
    expect(
      parseEcrError({
        status: 500,
        headers: { 'x-amzn-errortype': 'ServerException:http://internal.amazon.com/coral/' },
        body: '{"message":"oops"}',
      })?.code,
    ).toBe('ServerException');
    expect(
      parseEcrError({
        status: 400,
        headers: {},
        body: '{"__type":"com.amazonaws.ecr#InvalidParameterException","Message":"bad id"}',
      }),
    ).toMatchObject({ code: 'InvalidParameterException', ecrMessage: 'bad id' });
    expect(
      parseEcrError({
        status: 403,
        headers: {},
        body: '<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: ecr:GetAuthorizationToken</Message><Type>Sender</Type></Error></Errors></ErrorResponse>',
      }),
    ).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(
      parseEcrError({ status: 502, headers: {}, body: '<html>bad gateway</html>' }),
    ).toBeUndefined();
  });

  it('explains AccessDenied with the statement that fixes it', () => {
    const error = explainEcrRefusal(
      new EcrRefusal(
        'AccessDeniedException',
        'User: x is not authorized to perform: ecr:GetAuthorizationToken',
        400,
        'r-1',
      ),
      {
        region: 'eu-west-1',
        callerArn: 'arn:aws:sts::111122223333:assumed-role/deploy/s',
        registryIds: undefined,
      },
    );
    expect(error.message).toMatch(
      /^Input "ecr-login": arn:aws:iam::111122223333:role\/deploy may not get an ECR login token \(ECR: AccessDeniedException, "User: x/,
    );
    const policy = /^\{\n[\s\S]*?\n\}$/m.exec(error.hint ?? '')?.[0];
    expect(JSON.parse(policy ?? '')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }],
    });
    expect(
      explainEcrRefusal(
        new EcrRefusal(
          'AccessDeniedException',
          'with an explicit deny in a service control policy',
          400,
          undefined,
        ),
        {
          region: 'eu-west-1',
          callerArn: undefined,
          registryIds: undefined,
        },
      ).hint,
    ).toContain('An explicit Deny wins');
  });
});

describe('getAuthorizationToken against a recording peer', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: string }> =
    [];
  const answers: Array<{ status: number; body: string; headers?: Record<string, string> }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
        const answer = answers.shift() ?? {
          status: 200,
          body: JSON.stringify({
            authorizationData: (
              (JSON.parse(body) as { registryIds?: string[] }).registryIds ?? ['111122223333']
            ).map((id) => ({
              authorizationToken: token(`${id}-pw`),
              expiresAt: 1767225600,
              proxyEndpoint: `https://${id}.dkr.ecr.eu-west-1.amazonaws.com`,
            })),
          }),
        };
        res.writeHead(answer.status, {
          'content-type': 'application/x-amz-json-1.1',
          ...answer.headers,
        });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    answers.length = 0;
  });

  const call = (registryIds?: string[]) =>
    getAuthorizationToken(
      {
        region: 'eu-west-1',
        partition: 'aws',
        endpoint: url,
        credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's', sessionToken: 't' },
        registryIds,
      },
      {
        logger: recordingLogger(),
        mask: () => undefined,
        timing: { baseDelayMs: 1, maxDelayMs: 5 },
      },
    );

  it('sends the signed JSON 1.1 request, with registryIds when given', async () => {
    const logins = await call(['111122223333', '444455556666']);
    expect(logins.map((l) => [l.registry, l.password])).toEqual([
      ['111122223333.dkr.ecr.eu-west-1.amazonaws.com', '111122223333-pw'],
      ['444455556666.dkr.ecr.eu-west-1.amazonaws.com', '444455556666-pw'],
    ]);
    const [request] = seen;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/',
      body: '{"registryIds":["111122223333","444455556666"]}',
    });
    expect(request?.headers['x-amz-target']).toBe(
      'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
    );
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(request?.headers['x-amz-security-token']).toBe('t');
    expect(request?.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE\/\d{8}\/eu-west-1\/ecr\/aws4_request, SignedHeaders=\S*x-amz-target\S*, Signature=[0-9a-f]{64}$/,
    );
    await call();
    expect(seen[1]?.body).toBe('{}');
  });

  it('retries throttling and 5xx, not AccessDenied', async () => {
    answers.push(
      { status: 400, body: '{"__type":"ThrottlingException","message":"Rate exceeded"}' },
      { status: 503, body: 'unavailable' },
    );
    await expect(call()).resolves.toHaveLength(1);
    expect(seen).toHaveLength(3);
    seen.length = 0;
    answers.push({ status: 400, body: '{"__type":"AccessDeniedException","message":"no"}' });
    await expect(call()).rejects.toBeInstanceOf(EcrRefusal);
    expect(seen).toHaveLength(1);
  });

  it('says when the endpoint is not ECR', async () => {
    answers.push({ status: 404, body: 'not found' });
    await expect(call()).rejects.toThrow(/answered HTTP 404 without an ECR error/);
  });
});

// describe-cluster.ts against a loopback EKS stand-in: the signed GET, the cluster's endpoint and
// CA checked, EKS's errors parsed (header or body), what is retried and what is final.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  describeCluster,
  describeClusterUrl,
  eksEndpointUrl,
  EksRefusal,
  parseCluster,
  parseEksError,
} from '../../../../src/kubernetes/sources/eks/describe-cluster.js';
import { ActionError } from '../../../../src/base/errors.js';
import { recordingLogger } from '../../../helpers/logger.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString(
  'base64',
);
const CREDENTIALS = { accessKeyId: 'ASIAKEY', secretAccessKey: 'secret', sessionToken: 'sess' };

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}
let server: Server;
let url: string;
const requests: IncomingMessage[] = [];
let answers: Answer[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    const answer = answers.shift() ?? { status: 500, body: '{}' };
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  url = `http://127.0.0.1:${address.port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  requests.length = 0;
  answers = [];
});

const cluster = (fields: Record<string, unknown>) => JSON.stringify({ cluster: fields });
const call = (name = 'demo') =>
  describeCluster(
    {
      cluster: name,
      region: 'eu-west-1',
      partition: 'aws',
      endpoint: url,
      credentials: CREDENTIALS,
    },
    { logger: recordingLogger(), timing: { baseDelayMs: 1, maxDelayMs: 5 } },
  );
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('resolved');
    },
    (e: unknown) => e,
  );

describe('describeCluster', () => {
  it('GETs /clusters/NAME signed with SigV4 for eks and the session token', async () => {
    answers.push({
      status: 200,
      body: cluster({
        name: 'demo',
        endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
        certificateAuthority: { data: CA },
        arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/demo',
        status: 'ACTIVE',
      }),
    });
    const described = await call();
    expect(described).toEqual({
      endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
      certificateAuthorityData: CA,
      arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/demo',
    });
    const [request] = requests;
    expect(request?.method).toBe('GET');
    expect(request?.url).toBe('/clusters/demo');
    expect(request?.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAKEY\/\d{8}\/eu-west-1\/eks\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers['x-amz-security-token']).toBe('sess');
    expect(request?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('retries throttling and 5xx, then answers', async () => {
    answers.push(
      {
        status: 429,
        body: '{"message":"Rate exceeded"}',
        headers: { 'x-amzn-errortype': 'ThrottlingException' },
      },
      { status: 503, body: 'oops' },
      {
        status: 200,
        body: cluster({ endpoint: 'https://k8s.example', certificateAuthority: { data: CA } }),
      },
    );
    expect((await call()).endpoint).toBe('https://k8s.example');
    expect(requests).toHaveLength(3);
  });

  it.each([
    [
      'ResourceNotFoundException',
      404,
      { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/' },
      '{"message":"No cluster found for name: demo."}',
    ],
    [
      'AccessDeniedException',
      403,
      {},
      '{"__type":"AccessDeniedException","message":"not authorized to perform: eks:DescribeCluster"}',
    ],
    [
      'ResourceNotFoundException',
      404,
      {},
      '{"__type":"com.amazonaws.eks#ResourceNotFoundException","message":"nope"}',
    ],
  ])('a final %s is an EksRefusal, sent once', async (code, status, headers, body) => {
    answers.push({ status, body, headers });
    const error = await failure(call());
    expect(error).toBeInstanceOf(EksRefusal);
    expect((error as EksRefusal).code).toBe(code);
    expect(requests).toHaveLength(1);
  });

  it('an answer that is not EKS names eks-endpoint', async () => {
    answers.push({
      status: 404,
      body: '<html>not here</html>',
      headers: { 'content-type': 'text/html' },
    });
    const error = await failure(call());
    expect(error).toBeInstanceOf(ActionError);
    expect(String(error)).toMatch(/without an EKS error/);
    expect((error as ActionError).hint).toMatch(/eks-endpoint/);
  });
});

describe('parseCluster', () => {
  it.each([
    [
      'no endpoint (a cluster being created)',
      cluster({ status: 'CREATING', certificateAuthority: {} }),
      /no API endpoint or CA yet \(status CREATING\)/,
    ],
    [
      'an http endpoint',
      cluster({ endpoint: 'http://k8s.example', certificateAuthority: { data: CA } }),
      /not an https URL/,
    ],
    [
      'a CA that is not base64 of a PEM',
      cluster({
        endpoint: 'https://k8s.example',
        certificateAuthority: { data: 'bm90IGEgY2VydA==' },
      }),
      /not base64 of a PEM/,
    ],
    ['not a cluster', '{"clusters":[]}', /not with a cluster/],
    ['not JSON', '<html>', /not with a cluster/],
  ])('refuses %s', (_title, body, message) => {
    expect(() => parseCluster(body, 'demo')).toThrow(message);
  });

  it('drops a trailing slash and whitespace in the CA', () => {
    const wrapped = `${CA.slice(0, 10)}\n${CA.slice(10)}`;
    expect(
      parseCluster(
        cluster({ endpoint: 'https://k8s.example/', certificateAuthority: { data: wrapped } }),
        'demo',
      ),
    ).toMatchObject({ endpoint: 'https://k8s.example', certificateAuthorityData: CA });
  });
});

describe('endpoints and errors', () => {
  it('builds the regional endpoint per partition, or takes the explicit one', () => {
    expect(eksEndpointUrl('eu-west-1', 'aws', undefined)).toBe(
      'https://eks.eu-west-1.amazonaws.com',
    );
    expect(eksEndpointUrl('cn-north-1', 'aws-cn', undefined)).toBe(
      'https://eks.cn-north-1.amazonaws.com.cn',
    );
    expect(eksEndpointUrl('eu-west-1', 'aws', 'https://vpce.example/')).toBe(
      'https://vpce.example',
    );
    expect(describeClusterUrl('https://eks.example', 'demo').href).toBe(
      'https://eks.example/clusters/demo',
    );
  });

  it('escapes the code and message it quotes', () => {
    const refusal = parseEksError({
      status: 400,
      headers: { 'x-amzn-errortype': 'Bad\n::error::x' },
      body: '{"message":"line\\n::warning::y"}',
    });
    expect(refusal?.code).not.toMatch(/\n/);
    expect(refusal?.eksMessage).not.toMatch(/\n/);
  });
});

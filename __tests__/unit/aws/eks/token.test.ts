// token.ts: the EKS token is what `aws eks get-token` makes (the real aws CLI's botocore is the
// oracle: same URL for the same credentials and signing time), base64url without padding, with
// an expiry 14 minutes after X-Amz-Date, always for the public regional STS host.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createEksToken,
  EKS_TOKEN_PREFIX,
  parseAmzDate,
  presignCallerIdentity,
  stsHostFor,
} from '../../../../src/kubernetes/sources/eks/token.js';
import { decodeEksToken } from '../../../helpers/eks.js';

const run = promisify(execFile);
const CREDENTIALS = {
  accessKeyId: 'ASIAEXAMPLEKEY123456',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+/=session',
};
const AT = new Date('2026-03-01T12:34:56Z');

/**
 * The token `aws eks get-token` makes with these credentials at `at`: botocore's own clock
 * replaced, nothing else (it makes no request).
 */
async function awsCliToken(cluster: string, region: string, at: Date): Promise<string> {
  const script = `
import datetime, json, sys
import botocore.auth
from unittest import mock
from awscli.clidriver import create_clidriver
at = datetime.datetime.fromisoformat(sys.argv[3])
with mock.patch.object(botocore.auth, 'get_current_datetime', lambda *a, **k: at):
    driver = create_clidriver()
    sys.exit(driver.main(['eks', 'get-token', '--cluster-name', sys.argv[1], '--region', sys.argv[2], '--output', 'json']))
`;
  const { stdout } = await run(
    'python3',
    [
      '-c',
      script,
      cluster,
      region,
      at
        .toISOString()
        .replace('Z', '')
        .replace(/\.\d+$/, ''),
    ],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: '/nonexistent',
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
      },
    },
  );
  return (JSON.parse(stdout) as { status: { token: string } }).status.token;
}

describe('EKS token', () => {
  it('is the URL aws eks get-token presigns, signature included, for the same credentials and time', async () => {
    for (const [cluster, region] of [
      ['demo', 'eu-west-1'],
      ['prod_cluster-2', 'us-east-1'],
      ['cn-cluster', 'cn-north-1'],
    ] as const) {
      const ours = await createEksToken({
        cluster,
        region,
        partition: region.startsWith('cn-') ? 'aws-cn' : 'aws',
        credentials: CREDENTIALS,
        now: AT,
      });
      const theirs = await awsCliToken(cluster, region, AT);
      expect(decodeEksToken(ours.token).href).toBe(decodeEksToken(theirs).href);
      expect(ours.token).toBe(theirs);
    }
  }, 60_000);

  it('carries the parameters of docs/wire-formats.md, 2c, x-k8s-aws-id signed, the session token as X-Amz-Security-Token', async () => {
    const url = await presignCallerIdentity({
      cluster: 'demo',
      region: 'eu-west-1',
      partition: 'aws',
      credentials: CREDENTIALS,
      now: AT,
    });
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect([...url.searchParams.keys()]).toEqual([
      'Action',
      'Version',
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-SignedHeaders',
      'X-Amz-Security-Token',
      'X-Amz-Signature',
    ]);
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${CREDENTIALS.accessKeyId}/20260301/eu-west-1/sts/aws4_request`,
      'X-Amz-Date': '20260301T123456Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Security-Token': CREDENTIALS.sessionToken,
    });
    expect(q['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('binds the token to the cluster: another cluster name, another signature', async () => {
    const sign = (cluster: string) =>
      presignCallerIdentity({
        cluster,
        region: 'eu-west-1',
        partition: 'aws',
        credentials: CREDENTIALS,
        now: AT,
      });
    const [a, b] = await Promise.all([sign('a'), sign('b')]);
    expect(a.searchParams.get('X-Amz-Signature')).not.toBe(b.searchParams.get('X-Amz-Signature'));
  });

  it('is k8s-aws-v1. + base64url without padding, and expires 14 minutes after X-Amz-Date', async () => {
    // Cluster names of every length: some encodings would need padding.
    for (const cluster of ['a', 'ab', 'abc', 'abcd']) {
      const made = await createEksToken({
        cluster,
        region: 'eu-west-1',
        partition: 'aws',
        credentials: CREDENTIALS,
        now: AT,
      });
      expect(made.token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
      expect(made.token.slice(EKS_TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(made.expiresAt.toISOString()).toBe('2026-03-01T12:48:56.000Z');
    }
  });

  it('always presigns the public regional host of the partition', () => {
    expect(stsHostFor('eu-west-1', 'aws')).toBe('sts.eu-west-1.amazonaws.com');
    expect(stsHostFor('cn-northwest-1', 'aws-cn')).toBe('sts.cn-northwest-1.amazonaws.com.cn');
    expect(stsHostFor('us-gov-west-1', 'aws-us-gov')).toBe('sts.us-gov-west-1.amazonaws.com');
  });

  it('reads X-Amz-Date', () => {
    expect(parseAmzDate('20260301T123456Z').toISOString()).toBe('2026-03-01T12:34:56.000Z');
    expect(() => parseAmzDate('2026-03-01')).toThrow();
  });
});

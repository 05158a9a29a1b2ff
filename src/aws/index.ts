import { ActionError } from '../errors.js';
import type { AwsSettings } from '../inputs.js';
import type { ModeContext } from '../mode.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface AwsResult {
  mode: 'aws';
  region: string;
  /** The assumed-role session ARN STS returned. */
  assumedRoleArn: string;
  accountId: string;
  /** ISO 8601. */
  expiration: string;
  roleSessionName: string;
  credentials: AwsCredentials;
  maskAccountId: boolean;
  outputCredentials: boolean;
}

export async function runAws(_settings: AwsSettings, _ctx: ModeContext): Promise<AwsResult> {
  throw new ActionError('aws mode is not implemented yet.');
}

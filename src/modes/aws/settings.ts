import type { AwsRole } from '../../aws/settings.js';
import type { CommonSettings } from '../contract.js';

export interface AwsSettings extends CommonSettings, AwsRole {
  mode: 'aws';
  audience: string;
}

import type { CommonSettings } from '../contract.js';

export interface ChainguardSettings extends CommonSettings {
  mode: 'chainguard';
  audience: string;
  identity: string;
  issuer: string;
  chainguardAudience: string;
  registryLogin: boolean;
}

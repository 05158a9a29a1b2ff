// Which ECR registries `ecr-login` names, and their hosts: plain parsing, loaded with the aws
// mode's inputs (the entry of every run), so nothing here may pull in the signer or STS.
import { ActionError } from '../base/errors.js';
import { foreign } from '../base/untrusted.js';
import { dnsSuffix } from './partition.js';

/** One registry to log in to: an account's registry in a region. */
export interface EcrTarget {
  /** The account id; undefined: the caller's own registry. */
  registryId: string | undefined;
  region: string;
}

/** The regional ECR API endpoint, or the explicit one. */
export function ecrEndpointUrl(
  region: string,
  partition: string,
  explicit: string | undefined,
): string {
  return (explicit ?? `https://api.ecr.${region}.${dnsSuffix(region, partition)}`).replace(
    /\/+$/,
    '',
  );
}

/** The registry host of an account in a region: ID.dkr.ecr.REGION.amazonaws.com(.cn). */
export function ecrRegistryHost(accountId: string, region: string, partition: string): string {
  return `${accountId}.dkr.ecr.${region}.${dnsSuffix(region, partition)}`;
}

// ID.dkr.ecr.REGION.DNS-SUFFIX, optionally https:// in front and a slash behind.
const REGISTRY_HOST =
  /^(?:https:\/\/)?(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2,4}(?:-[a-z]+)+-\d+)\.(amazonaws\.com(?:\.cn)?|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov|amazonaws\.eu)\/?$/;

/**
 * `ecr-login`: "" or false -> undefined (no login); true -> the caller's registry in `region`;
 * else registries separated by commas, white space or lines, each an account id (its registry
 * in `region`) or a registry host (its own region).
 */
export function parseEcrTargets(
  text: string,
  region: string,
  name = 'ecr-login',
): EcrTarget[] | undefined {
  const value = text.trim();
  if (!value || /^false$/i.test(value)) return undefined;
  if (/^true$/i.test(value)) return [{ registryId: undefined, region }];
  const targets: EcrTarget[] = [];
  for (const item of value.split(/[\s,]+/).filter(Boolean)) {
    let target: EcrTarget;
    if (/^\d{12}$/.test(item)) {
      target = { registryId: item, region };
    } else {
      const host = REGISTRY_HOST.exec(item);
      if (!host) {
        throw new ActionError(
          `Input "${name}": "${foreign(item, 200)}" is neither an AWS account id nor an ECR registry.`,
          'Give true (this account\'s registry in "aws-region"), or account ids (12 digits) and registry hosts such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com, separated by commas or lines.',
        );
      }
      target = { registryId: host[1], region: host[2] as string };
    }
    if (!targets.some((t) => t.registryId === target.registryId && t.region === target.region)) {
      targets.push(target);
    }
  }
  return targets;
}

/** One GetAuthorizationToken per region: the registry ids of each (undefined: the caller's). */
export function targetsByRegion(targets: EcrTarget[]): Map<string, string[] | undefined> {
  const byRegion = new Map<string, string[] | undefined>();
  for (const { region, registryId } of targets) {
    if (registryId === undefined) {
      if (!byRegion.has(region)) byRegion.set(region, undefined);
      continue;
    }
    const ids = byRegion.get(region) ?? [];
    ids.push(registryId);
    byRegion.set(region, ids);
  }
  return byRegion;
}

/** `docker_username_HOST` / `docker_password_HOST`: amazon-ecr-login's output names for a host. */
export function ecrOutputSuffix(registry: string): string {
  return registry.replace(/[^a-zA-Z0-9_]+/g, '_');
}

// aws mode's inputs: the role (aws/settings.ts, shared with the EKS source) and what
// configure-aws-credentials and amazon-ecr-login do besides (issue 25), each checked here, before
// any ID token is requested or anything is written.
import { parseAllowedAccountIds } from '../../aws/account-ids.js';
import { parseEcrTargets, type EcrTarget } from '../../aws/ecr-targets.js';
import { configuredEndpoint } from '../../aws/endpoints.js';
import { validateProfileName } from '../../aws/profile.js';
import {
  NO_SESSION_POLICIES,
  parseInlineSessionPolicy,
  parseManagedSessionPolicies,
  type SessionPolicies,
} from '../../aws/session-policy.js';
import { ROLE_INPUTS, readAwsRole, type AwsRole } from '../../aws/settings.js';
import { ActionError } from '../../base/errors.js';
import type { InputReader } from '../../base/input-reader.js';
import { printable } from '../../base/untrusted.js';
import type { CommonSettings } from '../contract.js';

/** What only aws mode reads (no default in action.yml: given means set). */
export const AWS_MODE_INPUTS = [
  ...ROLE_INPUTS,
  'role-chaining',
  'inline-session-policy',
  'managed-session-policies',
  'output-env-credentials',
  'aws-profile',
  'overwrite-aws-profile',
  'special-characters-workaround',
  'allowed-account-ids',
  'ecr-login',
  'role-skip-session-tagging',
  'transitive-tag-keys',
  'role-external-id',
];

/** Inputs of role chaining only: AssumeRoleWithWebIdentity takes no tags and no external id. */
const CHAINING_ONLY = ['role-skip-session-tagging', 'transitive-tag-keys', 'role-external-id'];

export interface AwsProfileSettings {
  name: string;
  /** `overwrite-aws-profile`: replace a profile of that name in the job's files. */
  overwrite: boolean;
}

export interface ChainingSettings {
  /** configure-aws-credentials' session tags (false: role-skip-session-tagging). */
  tagSession: boolean;
  /** `transitive-tag-keys`, one per line, as given (filtered to the tags sent at run time). */
  transitiveTagKeys: string;
  externalId: string | undefined;
}

export interface AwsSettings extends CommonSettings, AwsRole {
  mode: 'aws';
  audience: string;
  /** Set with `role-chaining`: AssumeRole with the environment's credentials, no ID token. */
  chaining: ChainingSettings | undefined;
  policies: SessionPolicies;
  /** Export AWS_ACCESS_KEY_ID... (and AWS_PROFILE with a profile) for later steps. */
  outputEnvCredentials: boolean;
  profile: AwsProfileSettings | undefined;
  specialCharactersWorkaround: boolean;
  allowedAccountIds: string[] | undefined;
  /** `ecr-login`: the registries to log in to; undefined: none. */
  ecrLogin: EcrTarget[] | undefined;
  /** AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL (aws/endpoints.ts); undefined: the regional one. */
  ecrEndpoint: string | undefined;
}

const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export function readAwsSettings(
  input: InputReader,
  common: CommonSettings,
  env: NodeJS.ProcessEnv,
): AwsSettings {
  const role = readAwsRole(input, env, common.audience);
  const roleChaining = input.boolean('role-chaining', false);
  if (!roleChaining) {
    const given = CHAINING_ONLY.filter((name) => input.text(name) !== '');
    if (given.length > 0) {
      throw new ActionError(
        `Input "${given[0] as string}" applies only with "role-chaining: true".`,
        'AssumeRoleWithWebIdentity (the ID token) takes no session tags and no external id: tags come from the token. Remove the input, or chain from the credentials of an earlier step with "role-chaining: true".',
      );
    }
  } else if (common.audience !== undefined || common.verifyToken) {
    throw new ActionError(
      `Input "${common.audience !== undefined ? 'audience' : 'verify-token'}" does not apply with "role-chaining: true".`,
      'Role chaining signs sts:AssumeRole with the credentials already in the environment and requests no ID token. Remove the input.',
    );
  }
  const tagSession = !input.boolean('role-skip-session-tagging', false);
  const transitiveTagKeys = input.raw('transitive-tag-keys');
  if (!tagSession && transitiveTagKeys.trim()) {
    throw new ActionError(
      'Input "transitive-tag-keys" names tags, but "role-skip-session-tagging" sends none.',
      'Remove one of the two.',
    );
  }
  const externalId = input.text('role-external-id') || undefined;
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    throw new ActionError(
      `Input "role-external-id" is "${printable(externalId)}".`,
      "An external id is 2 to 1224 characters of letters, digits and _+=,.@:/- (the value of the sts:ExternalId condition in the role's trust policy).",
    );
  }

  const profileName = input.text('aws-profile');
  const overwrite = input.boolean('overwrite-aws-profile', false);
  if (overwrite && !profileName) {
    throw new ActionError(
      'Input "overwrite-aws-profile" is true, but "aws-profile" is not given.',
      'Name the profile to write with "aws-profile", or remove "overwrite-aws-profile".',
    );
  }
  const profile = profileName ? { name: validateProfileName(profileName), overwrite } : undefined;

  const inline = parseInlineSessionPolicy(input.raw('inline-session-policy'));
  const managedArns = parseManagedSessionPolicies(
    input.raw('managed-session-policies'),
    role.partition,
  );
  const ecrLogin = parseEcrTargets(input.text('ecr-login'), role.region);
  return {
    ...common,
    ...role,
    mode: 'aws',
    chaining: roleChaining ? { tagSession, transitiveTagKeys, externalId } : undefined,
    policies: inline || managedArns.length > 0 ? { inline, managedArns } : NO_SESSION_POLICIES,
    // As configure-aws-credentials: with a profile, the variables only when asked for.
    outputEnvCredentials: input.boolean('output-env-credentials', profile === undefined),
    profile,
    specialCharactersWorkaround: input.boolean('special-characters-workaround', false),
    allowedAccountIds: parseAllowedAccountIds(input.text('allowed-account-ids')),
    ecrLogin,
    ecrEndpoint: ecrLogin ? configuredEndpoint(env, 'ECR')?.url : undefined,
  };
}

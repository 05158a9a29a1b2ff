// The form bodies of STS's query API (Version 2011-06-15), POSTed as
// application/x-www-form-urlencoded: AssumeRoleWithWebIdentity with optional session policies,
// and AssumeRole (role chaining: signed with the credentials already in the environment) with
// session policies and tags. Parameter order follows the SDK's request shapes (RoleArn,
// RoleSessionName, [WebIdentityToken], PolicyArns, Policy, DurationSeconds, Tags,
// TransitiveTagKeys, ExternalId); STS does not depend on it. Lists are `Name.member.N[.Field]`,
// N from 1.
//
// Without session policies, webIdentityForm gives exactly the body sts.ts's assumeRoleForm
// sends today (a unit test holds both to it), so sts.ts can call this one instead.
import {
  NO_SESSION_POLICIES,
  sessionPolicyParams,
  type SessionPolicies,
} from './session-policy.js';
import { sessionTagParams, type SessionTag } from './session-tags.js';

export const STS_VERSION = '2011-06-15';

export interface WebIdentityForm {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  policies?: SessionPolicies;
}

/** `Action=AssumeRoleWithWebIdentity&Version=...&RoleArn&RoleSessionName&WebIdentityToken[&PolicyArns...][&Policy]&DurationSeconds`. */
export function webIdentityForm(request: WebIdentityForm, token: string): string {
  return new URLSearchParams([
    ['Action', 'AssumeRoleWithWebIdentity'],
    ['Version', STS_VERSION],
    ['RoleArn', request.roleArn],
    ['RoleSessionName', request.roleSessionName],
    ['WebIdentityToken', token],
    ...policyParamsInSdkOrder(request.policies ?? NO_SESSION_POLICIES),
    ['DurationSeconds', String(request.durationSeconds)],
  ]).toString();
}

export interface AssumeRoleForm {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  policies?: SessionPolicies;
  /** Session tags (none: the session is not tagged and needs no sts:TagSession). */
  tags?: SessionTag[];
  /** Keys of `tags` that pass on to a further chained session. */
  transitiveTagKeys?: string[];
  /** The role's sts:ExternalId condition, if it has one. */
  externalId?: string;
}

/** `Action=AssumeRole&Version=...&RoleArn&RoleSessionName[&PolicyArns...][&Policy]&DurationSeconds[&Tags...][&TransitiveTagKeys...][&ExternalId]`. */
export function assumeRoleForm(request: AssumeRoleForm): string {
  return new URLSearchParams([
    ['Action', 'AssumeRole'],
    ['Version', STS_VERSION],
    ['RoleArn', request.roleArn],
    ['RoleSessionName', request.roleSessionName],
    ...policyParamsInSdkOrder(request.policies ?? NO_SESSION_POLICIES),
    ['DurationSeconds', String(request.durationSeconds)],
    ...sessionTagParams(request.tags ?? [], request.transitiveTagKeys ?? []),
    ...(request.externalId ? [['ExternalId', request.externalId] as [string, string]] : []),
  ]).toString();
}

/** PolicyArns before Policy, as the SDK's shapes list them. */
function policyParamsInSdkOrder(policies: SessionPolicies): Array<[string, string]> {
  const params = sessionPolicyParams(policies);
  return [
    ...params.filter(([name]) => name !== 'Policy'),
    ...params.filter(([name]) => name === 'Policy'),
  ];
}

// Session policies: `inline-session-policy` (one IAM policy, JSON) and `managed-session-policies`
// (ARNs of managed policies, one per line), sent to STS as `Policy` and
// `PolicyArns.member.N.arn` on AssumeRoleWithWebIdentity and AssumeRole alike. They can only
// narrow what the role allows.
//
// STS's limits (API reference, AssumeRole / AssumeRoleWithWebIdentity): `Policy` is 1 to 2048
// characters of [\t\n\r\u0020-\u00FF]; `PolicyArns` holds at most 10 ARNs of policies in the
// role's partition. What is left is STS's own packed-size check (PackedPolicyTooLarge), which
// counts the policies and the session tags together in a compressed form no client can predict.
//
// configure-aws-credentials passes `inline-session-policy` to STS unchanged and
// `managed-session-policies` line by line, with no check: a mistake surfaces as STS's
// MalformedPolicyDocument. Here the JSON is checked before the ID token is spent, and minified
// (insignificant white space removed, nothing else changed), so a policy written readably in a
// YAML block scalar costs no more of the 2048 characters than one written on one line.
import { ActionError } from '../base/errors.js';
import { foreign } from '../base/untrusted.js';

/** STS's bound on `Policy`, in characters. */
export const MAX_INLINE_POLICY_CHARS = 2048;
/** STS's bound on `PolicyArns`. */
export const MAX_MANAGED_POLICIES = 10;

export interface SessionPolicies {
  /** Minified JSON, or undefined for none. */
  inline: string | undefined;
  /** Managed policy ARNs, in the order given, without duplicates. */
  managedArns: string[];
}

export const NO_SESSION_POLICIES: SessionPolicies = { inline: undefined, managedArns: [] };

const POLICY_HINT =
  'Give one IAM policy document as JSON, e.g. {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}. In the workflow, a YAML block scalar (>- or |) keeps the JSON as written.';

/**
 * `inline-session-policy`: undefined when empty; else the policy, checked (a JSON object with a
 * `Statement`, a known `Version` if any) and minified. Characters STS does not accept (beyond
 * U+00FF) are written as JSON `\uXXXX` escapes, which IAM reads as the same characters.
 */
export function parseInlineSessionPolicy(
  text: string,
  name = 'inline-session-policy',
): string | undefined {
  const source = text.trim();
  if (!source) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ActionError(`Input "${name}" is not JSON (${foreign(reason, 200)}).`, POLICY_HINT);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ActionError(`Input "${name}" must be a JSON object (an IAM policy).`, POLICY_HINT);
  }
  const policy = parsed as Record<string, unknown>;
  const statement = policy['Statement'];
  if (
    !(Array.isArray(statement) && statement.length > 0) &&
    !(typeof statement === 'object' && statement !== null && !Array.isArray(statement))
  ) {
    throw new ActionError(
      `Input "${name}" has no "Statement": an IAM policy needs at least one statement.`,
      POLICY_HINT,
    );
  }
  const version = policy['Version'];
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw new ActionError(
      `Input "${name}" has "Version" ${foreign(JSON.stringify(version), 60)}; IAM knows "2012-10-17" (use it) and "2008-10-17".`,
    );
  }
  const minified = escapeBeyondLatin1(minifyJson(source));
  if (minified.length > MAX_INLINE_POLICY_CHARS) {
    throw new ActionError(
      `Input "${name}" is ${minified.length} characters once minified; STS accepts at most ${MAX_INLINE_POLICY_CHARS}.`,
      'Shorten it (wildcards in Action and Resource, fewer statements), or move part of it into a managed policy and name that in "managed-session-policies".',
    );
  }
  return minified;
}

/**
 * Valid JSON without its insignificant white space: every run of white space outside a string
 * removed, everything else (key order, duplicate keys, number spelling, escapes) as written.
 * Only for text JSON.parse has accepted (a JSON string holds no raw line break or tab, so the
 * string pattern below cannot run past a string's end).
 */
export function minifyJson(json: string): string {
  return json.replace(
    /("(?:[^"\\]|\\.)*")|\s+/g,
    (_match, string: string | undefined) => string ?? '',
  );
}

/** Characters above U+00FF as `\uXXXX` (they can only be inside strings in valid JSON). */
function escapeBeyondLatin1(json: string): string {
  return json.replace(
    /[\u0100-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// arn:PARTITION:iam::ACCOUNT-or-aws:policy/[PATH/]NAME (IAM's path and name rules).
const POLICY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::(\d{12}|aws):policy\/(?:[\x21-\x7e]{1,510}\/)?[\w+=,.@-]{1,128}$/;

/**
 * `managed-session-policies`: one ARN per line (blank lines ignored, duplicates dropped), at
 * most 10, each in `partition` (the role's: STS refuses a policy of another partition).
 */
export function parseManagedSessionPolicies(
  text: string,
  partition: string,
  name = 'managed-session-policies',
): string[] {
  const arns: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const arn = line.trim();
    if (!arn) continue;
    // A policy path or name may hold commas, so "ARN,ARN" would pass as one ARN.
    const match = /,\s*arn:/.test(arn) ? null : POLICY_ARN.exec(arn);
    if (!match) {
      throw new ActionError(
        `Input "${name}": "${foreign(arn, 200)}" is not the ARN of a managed policy.`,
        `Give one ARN per line, e.g. arn:${partition}:iam::aws:policy/ReadOnlyAccess or arn:${partition}:iam::123456789012:policy/deploy-limits${/,\s*arn:/.test(arn) ? ' (lines, not commas)' : ''}.`,
      );
    }
    if (match[1] !== partition) {
      throw new ActionError(
        `Input "${name}": ${foreign(arn, 200)} is in partition ${match[1]}, but the role is in ${partition}.`,
        `Session policies must be in the role's partition: arn:${partition}:iam::...`,
      );
    }
    if (!arns.includes(arn)) arns.push(arn);
  }
  if (arns.length > MAX_MANAGED_POLICIES) {
    throw new ActionError(
      `Input "${name}" names ${arns.length} policies; STS accepts at most ${MAX_MANAGED_POLICIES}.`,
      'Combine some of them into one managed policy.',
    );
  }
  return arns;
}

/** The STS query parameters for the session policies, in STS's order: Policy, PolicyArns. */
export function sessionPolicyParams(policies: SessionPolicies): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  if (policies.inline) params.push(['Policy', policies.inline]);
  policies.managedArns.forEach((arn, i) => params.push([`PolicyArns.member.${i + 1}.arn`, arn]));
  return params;
}

// The session tags configure-aws-credentials (v6.2) puts on an AssumeRole session, so that a
// trust policy or a permissions policy written for its sessions (aws:PrincipalTag/Repository,
// aws:RequestTag/Branch...) admits ours. It sends them on AssumeRole only (role chaining, or
// access keys); on AssumeRoleWithWebIdentity it drops them, as tags there come from the token.
//
// Its tags, in its order, each only when its variable is set and not empty:
//   GitHub=Actions, Repository=GITHUB_REPOSITORY, Workflow=GITHUB_WORKFLOW,
//   Action=GITHUB_ACTION, Actor=GITHUB_ACTOR, Commit=GITHUB_SHA, Branch=GITHUB_REF,
// then the "droppable" ones it removes and retries without, once, when STS answers
// PackedPolicyTooLarge:
//   EventName=GITHUB_EVENT_NAME, BaseRef=GITHUB_BASE_REF, HeadRef=GITHUB_HEAD_REF,
//   RunId=GITHUB_RUN_ID, Job=GITHUB_JOB, TriggeringActor=GITHUB_TRIGGERING_ACTOR.
// Values: every character outside [\p{L}\p{Z}\p{N}_.:/=+\-@] (STS's tag value pattern) becomes
// `_`, then the value is cut to 256 characters. `transitive-tag-keys` keeps only keys among the
// tags. Forgejo's runner sets the same GITHUB_* variables, so the tags are the same there.
//
// Tagging a session needs `sts:TagSession` in the target role's trust policy besides
// `sts:AssumeRole` (configure-aws-credentials issue #1396: its chaining example failed until
// `role-skip-session-tagging: true`); explain-assume-role.ts says so when STS refuses.
import { ActionError } from '../base/errors.js';
import { foreign } from '../base/untrusted.js';

export interface SessionTag {
  key: string;
  value: string;
}

const KEPT_TAG_SOURCES: ReadonlyArray<readonly [string, string]> = [
  ['Repository', 'GITHUB_REPOSITORY'],
  ['Workflow', 'GITHUB_WORKFLOW'],
  ['Action', 'GITHUB_ACTION'],
  ['Actor', 'GITHUB_ACTOR'],
  ['Commit', 'GITHUB_SHA'],
  ['Branch', 'GITHUB_REF'],
];

const DROPPABLE_TAG_SOURCES: ReadonlyArray<readonly [string, string]> = [
  ['EventName', 'GITHUB_EVENT_NAME'],
  ['BaseRef', 'GITHUB_BASE_REF'],
  ['HeadRef', 'GITHUB_HEAD_REF'],
  ['RunId', 'GITHUB_RUN_ID'],
  ['Job', 'GITHUB_JOB'],
  ['TriggeringActor', 'GITHUB_TRIGGERING_ACTOR'],
];

/** The keys dropped, once, after PackedPolicyTooLarge. */
export const DROPPABLE_TAG_KEYS: ReadonlySet<string> = new Set(
  DROPPABLE_TAG_SOURCES.map(([key]) => key),
);

/** STS's bounds on a session's tags (API reference, Tag; AssumeRole Tags). */
export const MAX_TAG_VALUE_LENGTH = 256;
export const MAX_SESSION_TAGS = 50;

/** A value as STS accepts it: outside [\p{L}\p{Z}\p{N}_.:/=+\-@] -> `_`, at most 256 characters. */
export function sanitizeTagValue(value: string): string {
  return value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, MAX_TAG_VALUE_LENGTH);
}

/** configure-aws-credentials' session tags for this job, from its GITHUB_* variables. */
export function jobSessionTags(env: NodeJS.ProcessEnv): SessionTag[] {
  const tags: SessionTag[] = [{ key: 'GitHub', value: 'Actions' }];
  for (const [key, variable] of [...KEPT_TAG_SOURCES, ...DROPPABLE_TAG_SOURCES]) {
    const value = env[variable];
    if (value) tags.push({ key, value: sanitizeTagValue(value) });
  }
  return tags;
}

/** The tags without the droppable ones (the retry after PackedPolicyTooLarge). */
export function withoutDroppableTags(tags: SessionTag[]): SessionTag[] {
  return tags.filter((tag) => !DROPPABLE_TAG_KEYS.has(tag.key));
}

/**
 * `transitive-tag-keys` (one key per line): the keys among `tags`, in the order given. A key
 * that is not a tag is left out, as configure-aws-credentials does, with a warning-worthy list.
 */
export function transitiveTagKeys(
  text: string,
  tags: SessionTag[],
): { keys: string[]; unknown: string[] } {
  const wanted = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  const present = new Set(tags.map((tag) => tag.key));
  const keys = [...new Set(wanted.filter((key) => present.has(key)))];
  const unknown = wanted.filter((key) => !present.has(key)).map((key) => foreign(key, 128));
  if (keys.length > MAX_SESSION_TAGS) {
    throw new ActionError(`Input "transitive-tag-keys" names more than ${MAX_SESSION_TAGS} keys.`);
  }
  return { keys, unknown };
}

/** The STS query parameters: `Tags.member.N.Key/Value`, `TransitiveTagKeys.member.N`. */
export function sessionTagParams(
  tags: SessionTag[],
  transitive: string[] = [],
): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  tags.forEach((tag, i) => {
    params.push([`Tags.member.${i + 1}.Key`, tag.key], [`Tags.member.${i + 1}.Value`, tag.value]);
  });
  // An empty list is sent as no parameter at all (configure-aws-credentials' SDK sends an empty
  // `TransitiveTagKeys=`, which STS reads as none).
  transitive.forEach((key, i) => params.push([`TransitiveTagKeys.member.${i + 1}`, key]));
  return params;
}

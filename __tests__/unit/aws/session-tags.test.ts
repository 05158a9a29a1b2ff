// configure-aws-credentials' session tags (v6.2, src/assumeRole.ts): GitHub=Actions, then
// Repository, Workflow, Action, Actor, Commit, Branch from GITHUB_REPOSITORY, GITHUB_WORKFLOW,
// GITHUB_ACTION, GITHUB_ACTOR, GITHUB_SHA, GITHUB_REF, then the droppable EventName, BaseRef,
// HeadRef, RunId, Job, TriggeringActor; unset or empty variables give no tag; values outside
// [\p{L}\p{Z}\p{N}_.:/=+\-@] become "_", cut to 256 characters; transitive keys only among the
// tags. What CAC sent to moto here for such a job (its recorded AssumeRole body) is the list
// below, in this order.
import { describe, expect, it } from 'vitest';
import {
  jobSessionTags,
  sanitizeTagValue,
  sessionTagParams,
  transitiveTagKeys,
  withoutDroppableTags,
} from '../../../src/aws/session-tags.js';

const JOB = {
  GITHUB_REPOSITORY: 'org/app',
  GITHUB_WORKFLOW: 'deploy',
  GITHUB_ACTION: '__aws-actions_configure-aws-credentials',
  GITHUB_ACTOR: 'alice',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_REF: 'refs/heads/main',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_BASE_REF: '',
  GITHUB_RUN_ID: '42',
  GITHUB_JOB: 'deploy',
};

describe('jobSessionTags', () => {
  it("are configure-aws-credentials' tags, in its order", () => {
    expect(jobSessionTags(JOB)).toEqual([
      { key: 'GitHub', value: 'Actions' },
      { key: 'Repository', value: 'org/app' },
      { key: 'Workflow', value: 'deploy' },
      { key: 'Action', value: '__aws-actions_configure-aws-credentials' },
      { key: 'Actor', value: 'alice' },
      { key: 'Commit', value: 'a'.repeat(40) },
      { key: 'Branch', value: 'refs/heads/main' },
      { key: 'EventName', value: 'push' },
      { key: 'RunId', value: '42' },
      { key: 'Job', value: 'deploy' },
    ]);
  });

  it('sanitizes values as STS requires', () => {
    expect(sanitizeTagValue('Deploy (prod) #1 → ✓ é')).toBe('Deploy _prod_ _1 _ _ é');
    expect(sanitizeTagValue('x'.repeat(300))).toHaveLength(256);
    expect(jobSessionTags({ GITHUB_WORKFLOW: 'CI; "quoted"' })[1]).toEqual({
      key: 'Workflow',
      value: 'CI_ _quoted_',
    });
  });

  it('drops the droppable ones for the PackedPolicyTooLarge retry', () => {
    expect(withoutDroppableTags(jobSessionTags(JOB)).map((t) => t.key)).toEqual([
      'GitHub',
      'Repository',
      'Workflow',
      'Action',
      'Actor',
      'Commit',
      'Branch',
    ]);
  });
});

describe('transitiveTagKeys and the parameters', () => {
  it('keeps only keys among the tags', () => {
    const tags = jobSessionTags(JOB);
    expect(transitiveTagKeys('Repository\n\nWorkflow\nNope\nRepository\n', tags)).toEqual({
      keys: ['Repository', 'Workflow'],
      unknown: ['Nope'],
    });
  });

  it('are Tags.member.N.Key/Value and TransitiveTagKeys.member.N, none for an empty list', () => {
    expect(sessionTagParams([{ key: 'GitHub', value: 'Actions' }], ['GitHub'])).toEqual([
      ['Tags.member.1.Key', 'GitHub'],
      ['Tags.member.1.Value', 'Actions'],
      ['TransitiveTagKeys.member.1', 'GitHub'],
    ]);
    expect(sessionTagParams([], [])).toEqual([]);
  });
});

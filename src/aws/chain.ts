// Role chaining: STS AssumeRole, a query-API POST signed with SigV4 (service `sts`) with the
// credentials already in the environment (a session of an earlier step, an IAM user's keys),
// sent, retried and read as every STS call is (sts.ts callSts); every final STS code is thrown as
// a StsRefusal for explain-assume-role.ts. Like configure-aws-credentials, a PackedPolicyTooLarge
// answer to a tagged request is retried once without the droppable tags (session-tags.ts).
import { ActionError } from '../base/errors.js';
import { foreign } from '../base/untrusted.js';
import { explainAssumeRoleRefusal } from './explain-assume-role.js';
import { profileCredentials, profilePaths } from './profile.js';
import { withoutDroppableTags, DROPPABLE_TAG_KEYS } from './session-tags.js';
import { signedPostHeaders, type SigningCredentials } from './sigv4.js';
import { assumeRoleForm, type AssumeRoleForm } from './sts-form.js';
import { callSts, FORM_HEADERS, StsRefusal, type AssumedRole, type StsCallDeps } from './sts.js';

export interface ChainRequest extends AssumeRoleForm {
  /** The STS URL to POST to (sts.ts stsEndpointUrl). */
  endpoint: string;
  /** The signing region (the STS endpoint's region). */
  region: string;
  /** The credentials to sign with: those already in the environment. */
  source: SigningCredentials;
}

export interface ChainDeps extends StsCallDeps {
  now?: () => Date;
}

/**
 * sts:AssumeRole of `request.roleArn` with `request.source`. The new credentials are masked as
 * soon as they are parsed; the source credentials are the caller's to mask (they were exported
 * by an earlier step, which masked them in that step's log, not in this one's).
 */
export function chainRole(request: ChainRequest, deps: ChainDeps): Promise<AssumedRole> {
  const url = new URL(request.endpoint);
  let tags = request.tags ?? [];
  let droppedTags = false;
  return callSts(
    {
      action: 'AssumeRole',
      endpoint: url.href,
      request: async () => {
        const body = assumeRoleForm({
          ...request,
          tags,
          transitiveTagKeys: (request.transitiveTagKeys ?? []).filter((key) =>
            tags.some((tag) => tag.key === key),
          ),
        });
        const headers = await signedPostHeaders({
          service: 'sts',
          region: request.region,
          credentials: request.source,
          url,
          headers: { ...FORM_HEADERS },
          body,
          now: deps.now?.(),
        });
        return { body, headers };
      },
      mend: (refusal) => {
        if (
          refusal.code !== 'PackedPolicyTooLarge' ||
          droppedTags ||
          !tags.some((tag) => DROPPABLE_TAG_KEYS.has(tag.key))
        ) {
          return Promise.resolve(false);
        }
        droppedTags = true;
        tags = withoutDroppableTags(tags);
        deps.logger.info(
          'STS says the session policies and tags are too large once packed; retrying without the tags EventName, BaseRef, HeadRef, RunId, Job and TriggeringActor',
        );
        return Promise.resolve(true);
      },
    },
    deps,
  );
}

/**
 * chainRole, its final refusal explained (explain-assume-role.ts): which trust policy or
 * permission to fix. `sourceFrom` says where the source credentials came from.
 */
export async function assumeChained(
  request: ChainRequest,
  sourceFrom: string,
  deps: ChainDeps,
): Promise<AssumedRole> {
  try {
    return await chainRole(request, deps);
  } catch (error) {
    if (!(error instanceof StsRefusal)) throw error;
    throw explainAssumeRoleRefusal(error, {
      roleArn: request.roleArn,
      durationSeconds: request.durationSeconds,
      tagged: (request.tags ?? []).length > 0,
      region: request.region,
      sourceFrom,
    });
  }
}

/**
 * The credentials role chaining starts from, as an earlier step left them: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and, if set, AWS_SESSION_TOKEN (this action's aws mode,
 * configure-aws-credentials); else, with AWS_PROFILE set, that profile's keys in the shared
 * credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), where "aws-profile"
 * writes them. Empty counts as missing: a post step "unsets" a variable by exporting "".
 * `readText` reads a file, undefined when there is none.
 */
export function chainSourceCredentials(
  env: NodeJS.ProcessEnv,
  readText: (path: string) => string | undefined,
): SigningCredentials & { from: string } {
  const accessKeyId = env['AWS_ACCESS_KEY_ID']?.trim() ?? '';
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY']?.trim() ?? '';
  const sessionToken = env['AWS_SESSION_TOKEN']?.trim() ?? '';
  if (accessKeyId && secretAccessKey) {
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      from: 'AWS_ACCESS_KEY_ID',
    };
  }
  const profile = env['AWS_PROFILE']?.trim();
  if (profile) {
    const file = profilePaths(env).credentials;
    const text = readText(file);
    const credentials = text === undefined ? undefined : profileCredentials(text, profile);
    if (credentials) return { ...credentials, from: `profile ${profile}` };
    throw new ActionError(
      `Input "role-chaining": AWS_PROFILE is "${foreign(profile, 64)}", but ${foreign(file)} ${text === undefined ? 'does not exist' : 'has no aws_access_key_id and aws_secret_access_key for it'}.`,
      'Role chaining starts from static keys: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or a profile holding them as "aws-profile" writes it. A profile of role_arn/source_profile, credential_process or SSO is not read.',
    );
  }
  const missing = [
    !accessKeyId && 'AWS_ACCESS_KEY_ID',
    !secretAccessKey && 'AWS_SECRET_ACCESS_KEY',
  ].filter(Boolean);
  throw new ActionError(
    `Input "role-chaining" assumes the role with the credentials already in the environment, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set.`,
    'Run this action in aws mode in an earlier step of the job (it exports the first role\'s credentials), then this step with "role-chaining: true".',
  );
}

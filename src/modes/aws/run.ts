// aws mode: a role session (AssumeRoleWithWebIdentity with the job's ID token, or AssumeRole with
// the credentials already in the environment), asked for again while its secret holds a special
// character (special-characters-workaround), checked against allowed-account-ids, then (and only
// then) written as the inputs ask: a profile in private copies of the AWS files, an ECR login in a
// private Docker config, the AWS_* variables, the outputs.
import { readFileSync } from 'node:fs';
import { accountOfArn, checkAllowedAccount } from '../../aws/account-ids.js';
import { assumeRole, awsSession, type AwsSession } from '../../aws/assume-role.js';
import { assumeChained, chainSourceCredentials } from '../../aws/chain.js';
import type { EcrLogin } from '../../aws/ecr.js';
import { profileFiles, profilePaths } from '../../aws/profile.js';
import { awsSessionReport, shownRoleArn } from '../../aws/report.js';
import { jobSessionTags, transitiveTagKeys } from '../../aws/session-tags.js';
import { partitionOf } from '../../aws/settings.js';
import type { SigningCredentials } from '../../aws/sigv4.js';
import { withoutSpecialCharacters } from '../../aws/special-characters.js';
import { stsEndpointUrl, type AssumedRole } from '../../aws/sts.js';
import { joinReports, report, type Report } from '../../base/report.js';
import { STATE } from '../../base/state.js';
import { foreign, foreignMarkdown as md } from '../../base/untrusted.js';
import type {
  ModeContext,
  PrepareDeps,
  PreparedMode,
  RunContext,
  TokenlessMode,
} from '../contract.js';
import type { AwsSettings } from './settings.js';

/** The variables a profile exports, restored by the post step to what they were before. */
const PROFILE_VARIABLES = ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_PROFILE'];

/**
 * With role-chaining the source credentials are read (and masked) now, before anything else,
 * and no ID token is requested; without it the ID token assumes the role.
 */
export function prepare(
  settings: AwsSettings,
  deps: PrepareDeps,
): Promise<PreparedMode | TokenlessMode> {
  // A refusal below rejects the promise (the contract's), never throws at the caller.
  return Promise.resolve().then(() => prepareNow(settings, deps));
}

function prepareNow(settings: AwsSettings, deps: PrepareDeps): PreparedMode | TokenlessMode {
  const endpoint = stsEndpointUrl(settings.region, settings.partition, settings.stsEndpoint);
  // A profile the job's files already have fails now, not after STS was asked (same rule).
  if (settings.profile) profileUpdate(settings, deps.env, PLACEHOLDER);
  const { chaining } = settings;
  if (!chaining) {
    return {
      run: (ctx: ModeContext) =>
        runAws(settings, ctx, endpoint, () =>
          assumeRole(settings, endpoint, ctx.token, () => ctx.claims, ctx),
        ),
    };
  }
  const source = chainSourceCredentials(deps.env, readText);
  // Exported by an earlier step, which masked them in its own log, not in this one's.
  deps.mask(source.secretAccessKey);
  if (source.sessionToken) deps.mask(source.sessionToken);
  const tags = chaining.tagSession ? jobSessionTags(deps.env) : [];
  const transitive = transitiveTagKeys(chaining.transitiveTagKeys, tags);
  if (transitive.unknown.length > 0) {
    deps.logger.warning(
      `transitive-tag-keys: ${transitive.unknown.join(', ')} ${transitive.unknown.length > 1 ? 'are not tags' : 'is not a tag'} of this session (it has ${tags.map((t) => t.key).join(', ')}); left out.`,
    );
  }
  return {
    idToken: false,
    run: (ctx: RunContext) =>
      runAws(settings, ctx, endpoint, () =>
        assumeChained(
          {
            endpoint,
            region: settings.region,
            source,
            roleArn: settings.roleArn,
            roleSessionName: settings.roleSessionName,
            durationSeconds: settings.durationSeconds,
            policies: settings.policies,
            tags,
            transitiveTagKeys: transitive.keys,
            ...(chaining.externalId ? { externalId: chaining.externalId } : {}),
          },
          source.from,
          ctx,
        ),
      ),
  };
}

async function runAws(
  settings: AwsSettings,
  ctx: RunContext,
  endpoint: string,
  assumeOnce: () => Promise<AssumedRole>,
): Promise<Report> {
  // Before the first line that could name it.
  if (settings.maskAccountId) ctx.mask(settings.accountId);
  ctx.logger.info(
    `Assuming ${foreign(settings.roleArn)} as session ${foreign(settings.roleSessionName, 64)} for ${settings.durationSeconds} s with ${settings.chaining ? 'the credentials in the environment (sts:AssumeRole)' : 'the ID token (sts:AssumeRoleWithWebIdentity)'} (STS ${foreign(endpoint)})`,
  );
  const assumed = settings.specialCharactersWorkaround
    ? await withoutSpecialCharacters(assumeOnce, { logger: ctx.logger })
    : await assumeOnce();
  const session = awsSession(settings, assumed, ctx);
  // Nothing is exported, written or output before this. The account is STS's answer's, never
  // the input's (an ARN without a 12-digit account is refused).
  checkAllowedAccount(settings.allowedAccountIds, accountOfArn(session.assumedRoleArn));
  const profile = settings.profile ? writeProfile(settings, session, ctx) : report();
  const ecr = settings.ecrLogin ? await ecrLogin(settings, session, ctx) : report();
  return joinReports(
    awsReport(session, {
      chained: settings.chaining !== undefined,
      exported: settings.outputEnvCredentials,
    }),
    profile,
    ecr,
  );
}

/** The session's outputs and exports (unless not `exported`), and the summary's rows. */
export function awsReport(
  session: AwsSession,
  how: { chained: boolean; exported: boolean } = { chained: false, exported: true },
): Report {
  return joinReports(
    awsSessionReport(session, how.exported),
    report({
      rows: [
        ['role', md(shownRoleArn(session))],
        ['session name', md(session.roleSessionName)],
        ['account', session.maskAccountId ? '***' : md(session.accountId)],
        ['region', md(session.region)],
        ['expires', md(session.expiration)],
        [
          'assumed with',
          how.chained
            ? 'the credentials in the environment (role-chaining; no ID token requested)'
            : 'the ID token',
        ],
        ['AWS credentials', how.exported ? 'exported (AWS_ACCESS_KEY_ID, ...)' : 'not exported'],
      ],
    }),
  );
}

/**
 * The session as profile `aws-profile` in private copies of the job's AWS files (0600, in the
 * credential directory the post step deletes), exported as AWS_SHARED_CREDENTIALS_FILE and
 * AWS_CONFIG_FILE; AWS_PROFILE too when output-env-credentials.
 */
function writeProfile(settings: AwsSettings, session: AwsSession, ctx: RunContext): Report {
  const profile = settings.profile as NonNullable<AwsSettings['profile']>;
  const files = profileUpdate(settings, ctx.env, session.credentials);
  const exports: Array<[string, string]> = [
    ['AWS_SHARED_CREDENTIALS_FILE', ctx.files.write('aws-credentials', files.credentials)],
    ['AWS_CONFIG_FILE', ctx.files.write('aws-config', files.config)],
  ];
  if (settings.outputEnvCredentials) exports.push(['AWS_PROFILE', profile.name]);
  const previous = Object.fromEntries(
    PROFILE_VARIABLES.filter((name) => exports.some(([exported]) => exported === name)).map(
      (name) => [name, ctx.env[name] ?? null],
    ),
  );
  ctx.logger.info(
    `Wrote profile ${foreign(profile.name, 64)} to ${foreign(exports[0]?.[1])} and ${foreign(exports[1]?.[1])} (AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE for the next steps)`,
  );
  return report({
    exports,
    state: [[STATE.envRestore, JSON.stringify(previous)]],
    rows: [
      ['profile', `${md(profile.name)} (private AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE)`],
    ],
  });
}

/** Credentials that only test whether the profile may be written (never written anywhere). */
const PLACEHOLDER: SigningCredentials = {
  accessKeyId: 'placeholder',
  secretAccessKey: 'placeholder',
};

/** The job's AWS files with the profile added (or replaced with overwrite-aws-profile). */
function profileUpdate(
  settings: AwsSettings,
  env: NodeJS.ProcessEnv,
  credentials: SigningCredentials,
): { credentials: string; config: string } {
  const profile = settings.profile as NonNullable<AwsSettings['profile']>;
  const current = profilePaths(env);
  return profileFiles({
    profile: profile.name,
    credentials,
    region: settings.region,
    existingCredentials: readText(current.credentials) ?? '',
    existingConfig: readText(current.config) ?? '',
    overwrite: profile.overwrite,
  });
}

/**
 * GetAuthorizationToken for each region's registries with the session, then one private Docker
 * config holding every login (registry/login.ts, as the chainguard mode logs in). The ECR client,
 * its signer and the registry login are imported here: a run without ecr-login loads none of them.
 */
async function ecrLogin(
  settings: AwsSettings,
  session: AwsSession,
  ctx: RunContext,
): Promise<Report> {
  const [
    { ecrOutputSuffix, EcrRefusal, explainEcrRefusal, getAuthorizationToken, targetsByRegion },
    { loginToRegistries },
  ] = await Promise.all([import('../../aws/ecr.js'), import('../../registry/login.js')]);
  const logins: EcrLogin[] = [];
  for (const [region, registryIds] of targetsByRegion(settings.ecrLogin ?? [])) {
    try {
      logins.push(
        ...(await getAuthorizationToken(
          {
            region,
            partition: partitionOf(region),
            endpoint: settings.ecrEndpoint,
            credentials: session.credentials,
            registryIds,
          },
          { logger: ctx.logger, mask: ctx.mask },
        )),
      );
    } catch (error) {
      if (!(error instanceof EcrRefusal)) throw error;
      throw explainEcrRefusal(error, {
        region,
        callerArn: session.assumedRoleArn,
        registryIds,
      });
    }
  }
  const registries = await loginToRegistries(
    logins.map(({ registry, username, password }) => ({ host: registry, username, password })),
    { env: ctx.env, logger: ctx.logger, files: ctx.files, saveState: ctx.saveState },
  );
  const dockerConfig = registries[0]?.dockerConfig ?? '';
  return report({
    outputs: [
      ...(logins.length === 1 ? [['registry', logins[0]?.registry ?? ''] as [string, string]] : []),
      ['docker-config', dockerConfig],
      // amazon-ecr-login's output names; the password is masked (ecr.ts).
      ...logins.flatMap(({ registry, username, password }): Array<[string, string]> => [
        [`docker_username_${ecrOutputSuffix(registry)}`, username],
        [`docker_password_${ecrOutputSuffix(registry)}`, password],
      ]),
    ],
    exports: [['DOCKER_CONFIG', dockerConfig]],
    rows: [
      [
        'ECR',
        registries
          .map((r) => {
            // The registry host starts with the account id, masked like the other rows.
            const host = session.maskAccountId
              ? r.host.split(session.accountId).join('***')
              : r.host;
            return `${md(host)} (${md(r.via)})`;
          })
          .join(', ') || 'no registry',
      ],
    ],
  });
}

/** A file's text, undefined when there is none. */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

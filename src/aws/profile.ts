// `aws-profile`: the session's credentials as a named profile, in the two files the AWS CLI and
// SDKs read (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE; ~/.aws/credentials and ~/.aws/config
// by default). As configure-aws-credentials 6.1+ writes them (src/profileManager.ts):
//
//   credentials:  [NAME]                      config:  [profile NAME]   ([default] for default)
//                 aws_access_key_id = ...              region = REGION
//                 aws_secret_access_key = ...
//                 aws_session_token = ...
//
// `key = value` lines, a blank line between sections, a final newline; a profile name with
// white space, `[`, `]`, `/` or `\` refused; an existing profile of that name refused unless
// `overwrite-aws-profile`. Unlike configure-aws-credentials, which rewrites the user's files
// from a parse (dropping their comments) and leaves them behind after the job, this action
// writes private copies: the content of the files the job already uses, with the one section
// replaced or added and every other line kept as it was, into new 0600 files that the step
// exports as AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE and its post step removes.
import { ActionError } from '../base/errors.js';
import { foreign } from '../base/untrusted.js';
import type { SigningCredentials } from './sigv4.js';

export interface ProfileFiles {
  /** The new content of the shared credentials file. */
  credentials: string;
  /** The new content of the config file. */
  config: string;
}

export interface ProfileRequest {
  profile: string;
  credentials: SigningCredentials;
  region: string;
  /** The current files' content ("" when there is none). */
  existingCredentials: string;
  existingConfig: string;
  /** `overwrite-aws-profile`: replace a profile of that name instead of failing. */
  overwrite: boolean;
}

/** The two files the AWS CLI and SDKs read: AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, else ~/.aws/. */
export function profilePaths(env: NodeJS.ProcessEnv): { credentials: string; config: string } {
  const home = env['HOME']?.trim() || '~';
  return {
    credentials: env['AWS_SHARED_CREDENTIALS_FILE']?.trim() || `${home}/.aws/credentials`,
    config: env['AWS_CONFIG_FILE']?.trim() || `${home}/.aws/config`,
  };
}

/** configure-aws-credentials' rule for `aws-profile`, plus no control characters. */
export function validateProfileName(name: string, input = 'aws-profile'): string {
  const profile = name.trim();
  const problem = !profile
    ? 'is empty'
    : /\s/.test(profile)
      ? 'contains white space'
      : /[[\]]/.test(profile)
        ? 'contains a square bracket'
        : /[/\\]/.test(profile)
          ? 'contains a slash'
          : // eslint-disable-next-line no-control-regex -- refusing control characters is the point
            /[\u0000-\u001f\u007f]/.test(profile)
            ? 'contains a control character'
            : undefined;
  if (problem) {
    throw new ActionError(
      `Input "${input}" is not a profile name: it ${problem} ("${foreign(profile, 64)}").`,
      'A profile name is one word without white space, square brackets or slashes, e.g. deploy or prod-readonly.',
    );
  }
  return profile;
}

/** The section of the credentials file: the bare name. */
export function credentialsSection(profile: string): string {
  return profile;
}

/** The section of the config file: `profile NAME`, but `default` for the default profile. */
export function configSection(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

/**
 * Both files' new content: the existing text with the profile's section replaced (with
 * `overwrite`) or added, every other line as it was.
 */
export function profileFiles(request: ProfileRequest): ProfileFiles {
  const profile = validateProfileName(request.profile);
  const { accessKeyId, secretAccessKey, sessionToken } = request.credentials;
  const credentialEntries: Array<[string, string]> = [
    ['aws_access_key_id', accessKeyId],
    ['aws_secret_access_key', secretAccessKey],
    ...(sessionToken ? [['aws_session_token', sessionToken] as [string, string]] : []),
  ];
  return {
    credentials: withSection(
      request.existingCredentials,
      credentialsSection(profile),
      credentialEntries,
      { overwrite: request.overwrite, profile, file: 'credentials' },
    ),
    config: withSection(
      request.existingConfig,
      configSection(profile),
      [['region', request.region]],
      { overwrite: request.overwrite, profile, file: 'config' },
    ),
  };
}

/** A section header line's name (`[ profile  x ]` -> `profile x`), or undefined. */
function headerName(line: string): string | undefined {
  const match = /^\s*\[([^\]]*)\]\s*(?:[#;].*)?$/.exec(line);
  return match ? (match[1] as string).trim().replace(/\s+/g, ' ') : undefined;
}

/**
 * `text` with section `name` holding exactly `entries`: its old lines (header to the next
 * header) removed in place of the new ones, or the section appended.
 */
export function withSection(
  text: string,
  name: string,
  entries: Array<[string, string]>,
  options: { overwrite: boolean; profile: string; file: 'credentials' | 'config' },
): string {
  const { overwrite, profile } = options;
  for (const [key, value] of entries) {
    if (/[\r\n]/.test(value) || /[\r\n=\s]/.test(key)) {
      // STS never answers such a value; refusing it keeps one value from writing another line.
      throw new ActionError(`The ${key} of profile "${foreign(profile, 64)}" has a line break.`);
    }
  }
  const block = [`[${name}]`, ...entries.map(([key, value]) => `${key} = ${value}`)];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const start = lines.findIndex((line) => headerName(line) === name);
  if (start === -1) {
    const kept = [...lines];
    while (kept.length > 0 && kept.at(-1)?.trim() === '') kept.pop();
    return `${[...kept, ...(kept.length > 0 ? [''] : []), ...block].join('\n')}\n`;
  }
  if (!overwrite) {
    throw new ActionError(
      `Input "aws-profile": profile "${foreign(profile, 64)}" already exists in the AWS ${options.file} file.`,
      'Choose another name, or set "overwrite-aws-profile: true" to replace it.',
    );
  }
  let end = start + 1;
  while (end < lines.length && headerName(lines[end] as string) === undefined) end++;
  // Keep the blank lines that separated the old section from the next.
  let blanks = end;
  while (blanks > start + 1 && (lines[blanks - 1] as string).trim() === '') blanks--;
  return `${[...lines.slice(0, start), ...block, ...lines.slice(blanks)].join('\n')}\n`;
}

/**
 * The keys of `profile` in a shared credentials file (for role chaining from AWS_PROFILE):
 * `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`. Undefined when the file
 * has no such section or it lacks the two keys (a profile of role_arn/source_profile,
 * credential_process or SSO is the CLI's to resolve, not this action's).
 */
export function profileCredentials(text: string, profile: string): SigningCredentials | undefined {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const start = lines.findIndex((line) => headerName(line) === credentialsSection(profile));
  if (start === -1) return undefined;
  const values: Record<string, string> = {};
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (headerName(line) !== undefined) break;
    const match = /^\s*([\w.-]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (match) values[(match[1] as string).toLowerCase()] = match[2] as string;
  }
  const accessKeyId = values['aws_access_key_id'];
  const secretAccessKey = values['aws_secret_access_key'];
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = values['aws_session_token'];
  return sessionToken
    ? { accessKeyId, secretAccessKey, sessionToken }
    : { accessKeyId, secretAccessKey };
}

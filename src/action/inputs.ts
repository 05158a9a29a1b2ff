import * as core from '@actions/core';
import { parseGoDuration } from '../base/duration.js';
import { ActionError } from '../base/errors.js';
import { type ImageReplacement, parseImageReference } from '../kubernetes/image-reference.js';
import { isLoopbackHost } from '../net/loopback.js';
import { foreign } from '../base/untrusted.js';

export type Mode = 'kubernetes' | 'aws' | 'chainguard' | 'token';
export const MODES: readonly Mode[] = ['kubernetes', 'aws', 'chainguard', 'token'];

export type WorkloadKind = 'deployment' | 'statefulset' | 'daemonset';

export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
}

/** One `container=image` line; `container` is `*` for every container and init container. */
export interface ImageAssignment {
  container: string;
  image: string;
}

export type { ImageReplacement } from '../kubernetes/image-reference.js';

interface CommonSettings {
  /** Audience to request; undefined means the platform's default. */
  audience: string | undefined;
  showClaims: boolean;
  verifyToken: boolean;
}

export type KubeconfigSource =
  | { kind: 'kubeconfig'; text: string }
  | { kind: 'server'; server: string; certificateAuthorityData: string | undefined };

/** `eks-cluster`: the server and CA come from EKS DescribeCluster, the user is an EKS token. */
export interface EksSource {
  kind: 'eks';
  cluster: string;
  /** Explicit EKS API endpoint (input or AWS_ENDPOINT_URL_EKS); undefined: the regional one. */
  eksEndpoint: string | undefined;
  /** The role to assume, as aws mode reads it (role, region, session, duration, STS endpoint). */
  aws: AwsSettings;
  /** `eks-export-aws-credentials`: export the AWS variables as aws mode does. */
  exportAwsCredentials: boolean;
}

export interface KubernetesSettings extends CommonSettings {
  mode: 'kubernetes';
  source: KubeconfigSource | EksSource;
  insecureSkipTlsVerify: boolean;
  context: string | undefined;
  namespace: string | undefined;
  user: string | undefined;
  workloads: WorkloadRef[];
  images: ImageAssignment[];
  /** `manifests` input: newline-separated paths/dirs/globs, as given (resolved by readManifests). */
  manifests: string[];
  /** Bare image references from `images` (lines without `=`): replace by repository in manifests. */
  imageReplacements: ImageReplacement[];
  /** `force-conflicts`: take over fields other field managers own (server-side apply force). */
  forceConflicts: boolean;
  /** `dry-run`: server-side dry run (dryRun=All) of the manifests. */
  dryRun: boolean;
  credentials: 'static' | 'refresh';
  /** 0 means patch without waiting. */
  rolloutTimeoutMs: number;
  rollbackOnFailure: boolean;
}

export interface AwsSettings extends CommonSettings {
  mode: 'aws';
  audience: string;
  roleArn: string;
  partition: string;
  accountId: string;
  region: string;
  roleSessionName: string;
  durationSeconds: number;
  /** Explicit endpoint (input or AWS_ENDPOINT_URL_STS); undefined means the regional one. */
  stsEndpoint: string | undefined;
  maskAccountId: boolean;
  outputCredentials: boolean;
}

export interface ChainguardSettings extends CommonSettings {
  mode: 'chainguard';
  audience: string;
  identity: string;
  issuer: string;
  chainguardAudience: string;
  registryLogin: boolean;
}

export interface TokenSettings extends CommonSettings {
  mode: 'token';
}

export type Settings = KubernetesSettings | AwsSettings | ChainguardSettings | TokenSettings;

const KUBERNETES_INPUTS = [
  'kubeconfig',
  'server',
  'certificate-authority-data',
  'context',
  'namespace',
  'user',
  'workloads',
  'images',
  'manifests',
  // Booleans with the default false: given when not false (see rejectForeignInputs).
  'force-conflicts',
  'dry-run',
] as const;
/** Kubernetes booleans whose action.yml default is false: a runner passes `false` in every mode. */
const DEFAULT_FALSE_INPUTS: readonly string[] = ['force-conflicts', 'dry-run'];
// Inputs with a default (kubeconfig-credentials, rollout-timeout, role-duration-seconds, ...) are
// never in these lists: a runner passes every default, so "given" cannot be told from "defaulted".
const AWS_INPUTS = ['role-to-assume', 'aws-region', 'role-session-name', 'sts-endpoint'] as const;
const CHAINGUARD_INPUTS = ['chainguard-identity'] as const;
const EKS_INPUTS = ['eks-cluster', 'eks-endpoint'] as const;

/** Input text, trimmed; '' when not given (as core.getInput). */
type InputReader = (name: string) => string;

const MAX_KUBECONFIG_BYTES = 1024 * 1024;

/**
 * Reads every input into one typed Settings value and does every cross-check, so the
 * handlers can trust what they get. Nothing is requested or written before this returns.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const input: InputReader = (name) => core.getInput(name);
  const mode = pickMode(input);
  const common: CommonSettings = {
    audience: optionalAudience(input),
    showClaims: booleanInput('show-claims', true),
    verifyToken: booleanInput('verify-token', false),
  };
  switch (mode) {
    case 'kubernetes':
      return readKubernetes(input, common, env);
    case 'aws':
      return readAws(input, common, env);
    case 'chainguard':
      return readChainguard(input, common);
    case 'token':
      rejectForeignInputs(input, 'token', [
        ...KUBERNETES_INPUTS,
        ...AWS_INPUTS,
        ...CHAINGUARD_INPUTS,
        ...EKS_INPUTS,
      ]);
      return { mode: 'token', ...common };
  }
}

function pickMode(input: InputReader): Mode {
  const given = input('mode').toLowerCase();
  if (given) {
    if (!(MODES as readonly string[]).includes(given)) {
      throw new ActionError(
        `Input "mode" is "${printable(given)}", which is not a mode.`,
        `Use one of: ${MODES.join(', ')} (or leave it empty to pick from the other inputs).`,
      );
    }
    return given as Mode;
  }
  const candidates: Array<[Mode, string]> = [];
  // With eks-cluster, role-to-assume is the role the EKS token is made with: kubernetes mode.
  if (input('role-to-assume') && !input('eks-cluster')) candidates.push(['aws', 'role-to-assume']);
  if (input('chainguard-identity')) candidates.push(['chainguard', 'chainguard-identity']);
  if (input('eks-cluster')) candidates.push(['kubernetes', 'eks-cluster']);
  else if (input('kubeconfig')) candidates.push(['kubernetes', 'kubeconfig']);
  else if (input('server')) candidates.push(['kubernetes', 'server']);
  const [first, second] = candidates;
  if (first && !second) return first[0];
  // Manifests alone are a deploy, so kubernetes mode, which then asks for kubeconfig or server.
  if (!first && input('manifests')) return 'kubernetes';
  if (first && second) {
    throw new ActionError(
      `Inputs "${first[1]}" (${first[0]} mode) and "${second[1]}" (${second[0]} mode) were both given; one step runs one mode.`,
      'Split them into two steps, or set "mode" and remove the other mode\'s inputs.',
    );
  }
  throw new ActionError(
    'Input "mode" is empty and no input picks one.',
    'Set "mode" to kubernetes, aws, chainguard or token, or give "kubeconfig"/"server"/"eks-cluster" (kubernetes), "role-to-assume" (aws) or "chainguard-identity" (chainguard).',
  );
}

function rejectForeignInputs(input: InputReader, mode: Mode, names: readonly string[]): void {
  const given = names.filter(
    (name) =>
      input(name) !== '' &&
      !(DEFAULT_FALSE_INPUTS.includes(name) && input(name).toLowerCase() === 'false'),
  );
  if (given.length > 0) {
    const list = given.map((n) => `"${n}"`).join(', ');
    throw new ActionError(
      `Input${given.length > 1 ? 's' : ''} ${list} ${given.length > 1 ? 'do' : 'does'} not apply to ${mode} mode.`,
      `Remove ${given.length > 1 ? 'them' : 'it'}, or run the other mode in a step of its own.`,
    );
  }
}

/** A boolean input; empty (as when a runner passes no defaults) means the action.yml default. */
function booleanInput(name: string, whenEmpty: boolean): boolean {
  if (core.getInput(name) === '') return whenEmpty;
  try {
    return core.getBooleanInput(name);
  } catch {
    throw new ActionError(
      `Input "${name}" is "${printable(core.getInput(name))}", which is not a boolean.`,
      'Use true or false.',
    );
  }
}

function optionalAudience(input: InputReader): string | undefined {
  const audience = input('audience');
  if (!audience) return undefined;
  checkSingleLine('audience', audience);
  if (audience.length > 512) {
    throw new ActionError('Input "audience" is longer than 512 characters.');
  }
  return audience;
}

// ---------------------------------------------------------------- kubernetes

function readKubernetes(
  input: InputReader,
  common: CommonSettings,
  env: NodeJS.ProcessEnv,
): KubernetesSettings {
  const eks = input('eks-cluster') !== '';
  rejectForeignInputs(
    input,
    'kubernetes',
    eks ? CHAINGUARD_INPUTS : [...AWS_INPUTS, ...CHAINGUARD_INPUTS, ...EKS_INPUTS],
  );
  const kubeconfig = core.getInput('kubeconfig', { trimWhitespace: false });
  const server = input('server');
  const caData = input('certificate-authority-data');
  let source: KubeconfigSource | EksSource;
  if (eks) {
    source = readEksSource(input, common, env);
  } else if (kubeconfig.trim() && server) {
    throw new ActionError(
      'Inputs "kubeconfig" and "server" were both given.',
      'Give a kubeconfig, or build one from "server" and "certificate-authority-data", not both.',
    );
  } else if (kubeconfig.trim()) {
    if (caData) {
      throw new ActionError(
        'Input "certificate-authority-data" goes with "server", not with "kubeconfig".',
        'Put the CA in the kubeconfig\'s cluster (certificate-authority-data), or use "server".',
      );
    }
    if (Buffer.byteLength(kubeconfig) > MAX_KUBECONFIG_BYTES) {
      throw new ActionError('Input "kubeconfig" is larger than 1 MiB.');
    }
    source = { kind: 'kubeconfig', text: kubeconfig };
  } else if (server) {
    source = {
      kind: 'server',
      server: checkServerUrl(server),
      certificateAuthorityData: caData ? checkBase64Pem(caData) : undefined,
    };
  } else {
    throw new ActionError(
      'Kubernetes mode needs input "kubeconfig" or "server"; neither was given.',
      'Pass the kubeconfig, e.g. kubeconfig: ${{ vars.KUBERNETES_CONFIG }}, or server: https://... with certificate-authority-data.',
    );
  }

  const context = optionalName(input, 'context');
  const user = optionalName(input, 'user');
  const namespace = input('namespace') || undefined;
  if (namespace !== undefined && !isDnsLabel(namespace)) {
    throw new ActionError(
      `Input "namespace" is "${printable(namespace)}", which is not a valid namespace name.`,
      'A namespace is at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit.',
    );
  }

  const workloads = parseWorkloads(core.getMultilineInput('workloads'));
  // Split without dropping blank lines, so an error can name the line as the workflow has it.
  const { assignments: images, replacements: imageReplacements } = parseImages(
    core.getInput('images').split('\n'),
  );
  const manifests = readManifestPatterns(core.getInput('manifests').split('\n'));
  const forceConflicts = booleanInput('force-conflicts', false);
  const dryRun = booleanInput('dry-run', false);
  checkDeployInputs({ workloads, images, imageReplacements, manifests, forceConflicts, dryRun });

  const timeoutText = input('rollout-timeout') || '5m';
  const rolloutTimeoutMs = parseGoDuration(timeoutText);
  if (rolloutTimeoutMs === undefined) {
    throw new ActionError(
      `Input "rollout-timeout" is "${printable(timeoutText)}", which is not a duration.`,
      'Use a Go-style duration such as 90s, 5m or 1h30m, or 0 to patch without waiting.',
    );
  }
  if (rolloutTimeoutMs > 6 * 3_600_000) {
    throw new ActionError('Input "rollout-timeout" is longer than 6h, the longest a job may run.');
  }

  const credentials = input('kubeconfig-credentials').toLowerCase() || 'refresh';
  if (credentials !== 'static' && credentials !== 'refresh') {
    throw new ActionError(
      `Input "kubeconfig-credentials" is "${printable(credentials)}".`,
      'Use static (the token itself in the kubeconfig) or refresh (an exec plugin that re-mints it).',
    );
  }

  return {
    mode: 'kubernetes',
    ...common,
    // EKS: the ID token goes to STS, so its audience is aws mode's.
    ...(source.kind === 'eks' ? { audience: source.aws.audience } : {}),
    source,
    insecureSkipTlsVerify: booleanInput('insecure-skip-tls-verify', false),
    context,
    namespace,
    user,
    workloads,
    images,
    manifests,
    imageReplacements,
    forceConflicts,
    dryRun,
    credentials,
    rolloutTimeoutMs,
    rollbackOnFailure: booleanInput('rollback-on-failure', false),
  };
}

function checkServerUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ActionError(
      'Input "server" is not a URL.',
      'Give the API server as https://HOST[:PORT], as in a kubeconfig.',
    );
  }
  if (url.protocol !== 'https:') {
    throw new ActionError(
      `Input "server" uses ${url.protocol.replace(':', '')}, not https.`,
      'Kubernetes clients send bearer tokens only over HTTPS: give the https:// address of the API server.',
    );
  }
  if (url.username || url.password) {
    throw new ActionError('Input "server" must not carry a user name or password.');
  }
  return server.replace(/\/+$/, '');
}

function checkBase64Pem(data: string): string {
  const compact = data.replace(/\s+/g, '');
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(compact)
    ? Buffer.from(compact, 'base64').toString('utf8')
    : '';
  if (!decoded.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ActionError(
      'Input "certificate-authority-data" is not base64 of a PEM certificate.',
      'Use the value of certificate-authority-data from a kubeconfig (base64 -w0 < ca.crt).',
    );
  }
  return compact;
}

function optionalName(input: InputReader, name: string): string | undefined {
  const value = input(name);
  if (!value) return undefined;
  checkSingleLine(name, value);
  if (value.length > 253) throw new ActionError(`Input "${name}" is longer than 253 characters.`);
  return value;
}

const KIND_ALIASES: Record<string, WorkloadKind> = {
  deployment: 'deployment',
  deployments: 'deployment',
  deploy: 'deployment',
  'deployment.apps': 'deployment',
  statefulset: 'statefulset',
  statefulsets: 'statefulset',
  sts: 'statefulset',
  'statefulset.apps': 'statefulset',
  daemonset: 'daemonset',
  daemonsets: 'daemonset',
  ds: 'daemonset',
  'daemonset.apps': 'daemonset',
};

/** `deployment/web`, `sts/db`, `ds/agent`, or a bare `web` (a deployment), one per line. */
export function parseWorkloads(lines: string[]): WorkloadRef[] {
  const refs: WorkloadRef[] = [];
  const problems: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const slash = line.indexOf('/');
    const kindText = slash === -1 ? 'deployment' : line.slice(0, slash).toLowerCase();
    const name = slash === -1 ? line : line.slice(slash + 1);
    const kind = KIND_ALIASES[kindText];
    if (!kind) {
      problems.push(
        `"${printable(line)}": kind "${printable(kindText)}" is not deployment, statefulset or daemonset`,
      );
    } else if (!isDnsSubdomain(name)) {
      problems.push(`"${printable(line)}": "${printable(name)}" is not a valid object name`);
    } else if (refs.some((r) => r.kind === kind && r.name === name)) {
      problems.push(`"${printable(line)}" is listed twice`);
    } else {
      refs.push({ kind, name });
    }
  }
  if (problems.length > 0) {
    throw new ActionError(
      `Input "workloads" has ${problems.length === 1 ? 'a bad line' : `${problems.length} bad lines`}: ${problems.join('; ')}.`,
      'Write one per line: deployment/NAME, statefulset/NAME or daemonset/NAME (lowercase DNS names); a bare NAME is a deployment.',
    );
  }
  return refs;
}

export interface ParsedImages {
  /** `CONTAINER=IMAGE` lines, for `workloads`. */
  assignments: ImageAssignment[];
  /** Bare `IMAGE` lines, replacing that repository's images in `manifests`. */
  replacements: ImageReplacement[];
}

/**
 * `images`, one line each: `container=image` (as `kubectl set image`; `*=image` alone sets every
 * container), or a bare image reference that replaces every image of its repository in the
 * manifests (as kustomize's `images`). `lines[i]` is line i+1 of the input.
 */
export function parseImages(lines: string[]): ParsedImages {
  const assignments: ImageAssignment[] = [];
  const replacements: ImageReplacement[] = [];
  const problems: string[] = [];
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const at = `line ${index + 1}: `;
    const eq = line.indexOf('=');
    if (eq === -1) {
      const reference = parseImageReference(line);
      if (!reference) {
        problems.push(`${at}"${printable(line)}" is not an image reference`);
      } else if (replacements.some((r) => r.repository === reference.repository)) {
        problems.push(`${at}repository "${reference.repository}" is given twice`);
      } else {
        replacements.push({ repository: reference.repository, image: line });
      }
      return;
    }
    if (eq === 0) {
      problems.push(`${at}"${printable(line)}" is not container=image`);
      return;
    }
    const container = line.slice(0, eq).trim();
    const image = line.slice(eq + 1).trim();
    if (container !== '*' && !isDnsLabel(container)) {
      problems.push(`${at}"${printable(container)}" is not a valid container name`);
    } else if (!parseImageReference(image)) {
      problems.push(`${at}"${printable(image)}" (for ${container}) is not an image reference`);
    } else if (assignments.some((a) => a.container === container)) {
      problems.push(`${at}container "${container}" is given twice`);
    } else {
      assignments.push({ container, image });
    }
  });
  if (assignments.some((a) => a.container === '*') && assignments.length > 1) {
    problems.push('"*=image" sets every container and cannot be mixed with named containers');
  }
  if (problems.length > 0) {
    throw new ActionError(
      `Input "images" has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems.join('; ')}.`,
      'Write one per line: CONTAINER=IMAGE (e.g. web=registry.example/app@sha256:...), a single *=IMAGE, or a bare IMAGE (HOST[:PORT]/PATH[:TAG][@DIGEST]) to replace that repository in "manifests".',
    );
  }
  return { assignments, replacements };
}

/** `manifests`: one path, directory or glob a line (blank lines and `#` comments skipped). */
function readManifestPatterns(lines: string[]): string[] {
  const patterns = lines.map((line) => line.trim()).filter((l) => l && !l.startsWith('#'));
  for (const pattern of patterns) checkSingleLine('manifests', pattern);
  return patterns;
}

interface DeployInputs {
  workloads: WorkloadRef[];
  images: ImageAssignment[];
  imageReplacements: ImageReplacement[];
  manifests: string[];
  forceConflicts: boolean;
  dryRun: boolean;
}

/** Which deploy inputs need which: `workloads` and `manifests` are the two things to deploy. */
function checkDeployInputs(given: DeployInputs): void {
  const { workloads, images, imageReplacements, manifests } = given;
  const bare = imageReplacements[0];
  if (bare && manifests.length === 0) {
    throw new ActionError(
      `Input "images" has a bare image reference ("${printable(bare.image)}"), which replaces images in "manifests", but "manifests" was not given.`,
      'Add the manifests to apply, or write CONTAINER=IMAGE to set a container of the "workloads".',
    );
  }
  for (const [name, on] of [
    ['force-conflicts', given.forceConflicts],
    ['dry-run', given.dryRun],
  ] as const) {
    if (on && manifests.length === 0) {
      throw new ActionError(
        `Input "${name}" is true, but "manifests" was not given.`,
        `"${name}" is about applying manifests (server-side apply); give "manifests", or remove it.`,
      );
    }
  }
  if (workloads.length > 0 && images.length === 0) {
    if (imageReplacements.length > 0) {
      throw new ActionError(
        'Input "workloads" needs CONTAINER=IMAGE lines in "images"; bare image references only replace images in "manifests".',
        'Add one "container=image" line per container to update (or "*=image" for all).',
      );
    }
    throw new ActionError(
      'Input "workloads" was given without "images".',
      'Add one "container=image" line per container to update (or "*=image" for all).',
    );
  }
  if (images.length > 0 && workloads.length === 0 && manifests.length === 0) {
    throw new ActionError(
      'Input "images" was given without "workloads" or "manifests".',
      'Add the workloads to update, one per line, e.g. deployment/web, or the manifests to apply.',
    );
  }
}

export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

export function isDnsSubdomain(name: string): boolean {
  return (
    name.length <= 253 &&
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)
  );
}

// ---------------------------------------------------------------- aws

const ROLE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::(\d{12}):role\/(?:[\x21-\x7e]{1,510}\/)?[\w+=,.@-]{1,64}$/;
// eusc-de-east-1 (the European Sovereign Cloud, partition aws-eusc) has a four-letter prefix.
const REGION = /^(?:[a-z]{2}|eusc)(?:-[a-z]+)+-\d{1,2}$/;

/** The partition an AWS region belongs to, as the SDKs' partition table says. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

function readAws(
  input: InputReader,
  common: CommonSettings,
  env: NodeJS.ProcessEnv,
  forEks = false,
): AwsSettings {
  if (!forEks) {
    rejectForeignInputs(input, 'aws', [...KUBERNETES_INPUTS, ...CHAINGUARD_INPUTS, ...EKS_INPUTS]);
  }
  const roleArn = input('role-to-assume');
  if (!roleArn) {
    throw new ActionError(
      'AWS mode needs input "role-to-assume".',
      'Give the ARN of the role to assume, e.g. arn:aws:iam::123456789012:role/deploy.',
    );
  }
  const arn = ROLE_ARN.exec(roleArn);
  if (!arn) {
    throw new ActionError(
      `Input "role-to-assume" is "${printable(roleArn)}", which is not an IAM role ARN.`,
      'It looks like arn:aws:iam::123456789012:role/NAME (arn:aws-cn:... in China, arn:aws-us-gov:... in GovCloud).',
    );
  }
  const region = input('aws-region');
  if (!region) {
    throw new ActionError(
      'AWS mode needs input "aws-region".',
      'Give the region to use, e.g. eu-west-1; it picks the regional STS endpoint and is exported as AWS_REGION.',
    );
  }
  if (!REGION.test(region)) {
    throw new ActionError(
      `Input "aws-region" is "${printable(region)}", which is not an AWS region.`,
      'Regions look like us-east-1, eu-central-1 or cn-north-1.',
    );
  }
  const partition = arn[1] as string;
  if (partitionOf(region) !== partition) {
    throw new ActionError(
      `Input "role-to-assume" is in partition ${partition}, but "aws-region" ${region} is in ${partitionOf(region)}.`,
      'A role can only be assumed through an STS endpoint of its own partition: fix the ARN or the region.',
    );
  }

  const durationText = input('role-duration-seconds') || '3600';
  const durationSeconds = Number(durationText);
  if (!/^\d+$/.test(durationText) || durationSeconds < 900 || durationSeconds > 43200) {
    throw new ActionError(
      `Input "role-duration-seconds" is "${printable(durationText)}"; it must be a whole number from 900 to 43200.`,
      "The role's MaxSessionDuration may lower the upper bound (default 3600).",
    );
  }

  const sessionInput = input('role-session-name');
  let roleSessionName: string;
  if (sessionInput) {
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionInput)) {
      throw new ActionError(
        `Input "role-session-name" is "${printable(sessionInput)}".`,
        'A session name is 2 to 64 characters of letters, digits and _+=,.@-.',
      );
    }
    roleSessionName = sessionInput;
  } else {
    roleSessionName = defaultSessionName(env);
  }

  const endpointInput = input('sts-endpoint') || env['AWS_ENDPOINT_URL_STS']?.trim() || '';
  const endpointName = input('sts-endpoint') ? 'sts-endpoint' : 'AWS_ENDPOINT_URL_STS';
  const stsEndpoint = endpointInput ? checkServiceUrl(endpointName, endpointInput) : undefined;

  return {
    mode: 'aws',
    ...common,
    audience: common.audience ?? 'sts.amazonaws.com',
    roleArn,
    partition,
    accountId: arn[2] as string,
    region,
    roleSessionName,
    durationSeconds,
    stsEndpoint,
    maskAccountId: booleanInput('mask-aws-account-id', false),
    outputCredentials: booleanInput('output-credentials', false),
  };
}

/** `oidc-deploy-OWNER-REPO-RUNID`, reduced to what STS accepts. */
export function defaultSessionName(env: NodeJS.ProcessEnv): string {
  const repository = (env['GITHUB_REPOSITORY'] ?? '').replace(/\//g, '-');
  const runId = env['GITHUB_RUN_ID'] ?? '';
  const parts = ['oidc-deploy', repository, runId].filter(Boolean).join('-');
  const cleaned = parts.replace(/[^\w+=,.@-]/g, '-');
  if (cleaned.length <= 64) return cleaned;
  // Keep the run id, which tells sessions apart, and shorten the repository.
  const tail = runId ? `-${runId.replace(/[^\w+=,.@-]/g, '-')}` : '';
  return cleaned.slice(0, 64 - tail.length) + tail;
}

/**
 * An https URL, or http on loopback (a local peer). A bearer token or web identity token
 * must never cross a network in clear text.
 */
function checkServiceUrl(
  name: string,
  value: string,
  carries = 'The ID token travels to it',
): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ActionError(`${describe(name)} is not a URL.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ActionError(
      `${describe(name)} must be an https:// URL.`,
      `${carries}; plain http is accepted only for a loopback address.`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ActionError(`${describe(name)} must not carry credentials, a query or a fragment.`);
  }
  return url.href.replace(/\/+$/, '');
}

function describe(name: string): string {
  return /^[A-Z_]+$/.test(name) ? `Environment variable ${name}` : `Input "${name}"`;
}

// ---------------------------------------------------------------- eks

// EKS's CreateCluster rule for a cluster name.
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** `eks-cluster` and what goes with it: the role (read as aws mode does) and the EKS endpoint. */
function readEksSource(
  input: InputReader,
  common: CommonSettings,
  env: NodeJS.ProcessEnv,
): EksSource {
  const cluster = input('eks-cluster');
  if (!EKS_CLUSTER_NAME.test(cluster)) {
    throw new ActionError(
      `Input "eks-cluster" is "${printable(cluster)}", which is not an EKS cluster name.`,
      'A cluster name is 1 to 100 letters, digits, "-" and "_", starting with a letter or digit (aws eks list-clusters lists them).',
    );
  }
  for (const name of ['kubeconfig', 'server', 'certificate-authority-data']) {
    if (input(name)) {
      throw new ActionError(
        `Inputs "eks-cluster" and "${name}" were both given.`,
        `With eks-cluster the server and its CA come from EKS (DescribeCluster): remove "${name}".`,
      );
    }
  }
  if (!input('role-to-assume')) {
    throw new ActionError(
      'Input "eks-cluster" needs input "role-to-assume".',
      'Give the ARN of the role the EKS token is made with, e.g. arn:aws:iam::123456789012:role/deploy (docs/aws.md, EKS).',
    );
  }
  if (!input('aws-region')) {
    throw new ActionError(
      'Input "eks-cluster" needs input "aws-region".',
      "Give the cluster's region, e.g. eu-west-1.",
    );
  }
  const aws = readAws(input, common, env, true);
  const endpointInput = input('eks-endpoint') || env['AWS_ENDPOINT_URL_EKS']?.trim() || '';
  const endpointName = input('eks-endpoint') ? 'eks-endpoint' : 'AWS_ENDPOINT_URL_EKS';
  return {
    kind: 'eks',
    cluster,
    eksEndpoint: endpointInput
      ? checkServiceUrl(endpointName, endpointInput, 'The session token travels to it')
      : undefined,
    aws,
    exportAwsCredentials: booleanInput('eks-export-aws-credentials', true),
  };
}

// ---------------------------------------------------------------- chainguard

const CHAINGUARD_IDENTITY = /^[0-9a-f]{40}(\/[0-9a-f]{16})*$/;

function readChainguard(input: InputReader, common: CommonSettings): ChainguardSettings {
  rejectForeignInputs(input, 'chainguard', [...KUBERNETES_INPUTS, ...AWS_INPUTS, ...EKS_INPUTS]);
  const identity = input('chainguard-identity');
  if (!identity) {
    throw new ActionError(
      'Chainguard mode needs input "chainguard-identity".',
      'Give the id of the assumable identity (chainctl iam identities list).',
    );
  }
  if (!CHAINGUARD_IDENTITY.test(identity)) {
    throw new ActionError(
      `Input "chainguard-identity" is "${printable(identity)}", which is not an identity id.`,
      'An identity id is 40 lowercase hex characters, optionally followed by /16-hex-character groups.',
    );
  }
  const issuer = checkServiceUrl(
    'chainguard-issuer',
    input('chainguard-issuer') || 'https://issuer.enforce.dev',
  );
  const chainguardAudience = input('chainguard-audience') || 'cgr.dev';
  checkSingleLine('chainguard-audience', chainguardAudience);
  if (/\s/.test(chainguardAudience)) {
    throw new ActionError('Input "chainguard-audience" must not contain spaces.');
  }
  return {
    mode: 'chainguard',
    ...common,
    audience: common.audience ?? 'issuer.enforce.dev',
    identity,
    issuer,
    chainguardAudience,
    registryLogin: booleanInput('registry-login', true),
  };
}

// ---------------------------------------------------------------- helpers

function checkSingleLine(name: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new ActionError(`Input "${name}" contains a line break or control character.`);
  }
}

/**
 * Echo a bad value safely inside "quotes": `foreign` (one line, bounded, no workflow command)
 * with `\\` and `"` escaped as well, so the quoted value ends where it seems to.
 */
export function printable(value: string): string {
  return foreign(value.replace(/[\\"]/g, '\\$&'), 80);
}

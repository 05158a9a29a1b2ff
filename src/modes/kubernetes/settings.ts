// The kubernetes mode's own inputs (the cluster's are its source's: kubernetes/sources/).
import { ActionError } from '../../base/errors.js';
import { parseGoDuration } from '../../base/duration.js';
import type { InputReader } from '../../base/input-reader.js';
import { printable } from '../../base/untrusted.js';
import { checkSingleLine, isDnsLabel } from '../../base/validate.js';
import type { ImageReplacement } from '../../kubernetes/image-reference.js';
import type { ChosenSource } from '../../kubernetes/sources/contract.js';
import { chooseSource } from '../../kubernetes/sources/registry.js';
import {
  parseImages,
  parseWorkloads,
  type ImageAssignment,
  type WorkloadRef,
} from '../../kubernetes/workloads/refs.js';
import type { CommonSettings } from '../contract.js';

export interface KubernetesSettings extends CommonSettings {
  mode: 'kubernetes';
  /** Where the server, CA and credentials come from (a kubeconfig, EKS...). */
  source: ChosenSource;
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
  /**
   * `verify-access` (default true): without a deploy, one request with the written credentials
   * (a SelfSubjectReview) tells whether the cluster accepts them and who the job is to it.
   */
  verifyAccess: boolean;
}

/** Inputs only the kubernetes mode reads, besides its sources' (no default in action.yml). */
export const KUBERNETES_INPUTS = [
  'context',
  'namespace',
  'user',
  'workloads',
  'images',
  'manifests',
  // Booleans with the default false: given when not false (modes/registry.ts, isGiven).
  'force-conflicts',
  'dry-run',
] as const;

export function readKubernetes(
  input: InputReader,
  common: CommonSettings,
  env: NodeJS.ProcessEnv,
): KubernetesSettings {
  const source = chooseSource(input, env);
  const context = optionalName(input, 'context');
  const user = optionalName(input, 'user');
  const namespace = input.text('namespace') || undefined;
  if (namespace !== undefined && !isDnsLabel(namespace)) {
    throw new ActionError(
      `Input "namespace" is "${printable(namespace)}", which is not a valid namespace name.`,
      'A namespace is at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit.',
    );
  }

  const workloads = parseWorkloads(input.text('workloads').split('\n'));
  // Split without dropping blank lines, so an error can name the line as the workflow has it.
  const { assignments: images, replacements: imageReplacements } = parseImages(
    input.text('images').split('\n'),
  );
  const manifests = readManifestPatterns(input.text('manifests').split('\n'));
  const forceConflicts = input.boolean('force-conflicts', false);
  const dryRun = input.boolean('dry-run', false);
  checkDeployInputs({ workloads, images, imageReplacements, manifests, forceConflicts, dryRun });

  const timeoutText = input.text('rollout-timeout') || '5m';
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

  const credentials = input.text('kubeconfig-credentials').toLowerCase() || 'refresh';
  if (credentials !== 'static' && credentials !== 'refresh') {
    throw new ActionError(
      `Input "kubeconfig-credentials" is "${printable(credentials)}".`,
      'Use static (the token itself in the kubeconfig) or refresh (an exec plugin that re-mints it).',
    );
  }

  return {
    mode: 'kubernetes',
    ...common,
    // A managed cluster's source exchanges the token: its audience (EKS: aws mode's).
    audience: common.audience ?? source.audience,
    source,
    insecureSkipTlsVerify: input.boolean('insecure-skip-tls-verify', false),
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
    rollbackOnFailure: input.boolean('rollback-on-failure', false),
    verifyAccess: input.boolean('verify-access', true),
  };
}

function optionalName(input: InputReader, name: string): string | undefined {
  const value = input.text(name);
  if (!value) return undefined;
  checkSingleLine(name, value);
  if (value.length > 253) throw new ActionError(`Input "${name}" is longer than 253 characters.`);
  return value;
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
  if (images.length > 0 && workloads.length === 0 && manifests.length > 0) {
    // Applied objects take images from bare references only: these lines would set nothing.
    throw new ActionError(
      'Input "images" has CONTAINER=IMAGE lines, which set images on "workloads", but "workloads" was not given.',
      'To change the image in "manifests", give a bare image reference (e.g. ghcr.io/org/app@sha256:...), which replaces every image of that repository; or list the workloads to set it on.',
    );
  }
  if (images.length > 0 && workloads.length === 0) {
    throw new ActionError(
      'Input "images" was given without "workloads" or "manifests".',
      'Add the workloads to update, one per line, e.g. deployment/web, or the manifests to apply.',
    );
  }
}

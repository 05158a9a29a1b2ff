// What the `workloads` and `images` inputs name, and their line parsers (table-driven tests in
// __tests__/unit/inputs.test.ts). Plain text in, domain values out; errors name the input.
import { ActionError } from '../../base/errors.js';
import { printable } from '../../base/untrusted.js';
import { isDnsLabel, isDnsSubdomain } from '../../base/validate.js';
import { parseImageReference, type ImageReplacement } from '../image-reference.js';

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

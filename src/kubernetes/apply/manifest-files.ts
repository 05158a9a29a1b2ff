// The files the `manifests` input names: paths, directories and globs resolved inside the
// workspace (@actions/glob), in kubectl's order, each checked to lie inside the workspace by its
// real path, with the size limit checked before anything is read. A glob follows symbolic links
// only once each link the walk would descend has been checked to stay inside the workspace
// (checkLinks): a link out of it is refused before anything below it is listed.
import type { Dirent } from 'node:fs';
import { readdir, realpath, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import * as glob from '@actions/glob';
import { ActionError } from '../../base/errors.js';
import { foreign } from '../../base/untrusted.js';

/** At most this many bytes of manifest files in one step. */
export const MAX_BYTES = 10 * 1024 * 1024;
/** Extensions read from directories and globs, as `kubectl apply -f DIR` does. */
const EXTENSIONS = ['.yaml', '.yml', '.json'];

/** A file to read: its path as found (for messages) and its real path (for the checks). */
export interface ManifestFile {
  path: string;
  real: string;
  size: number;
}

export interface Workspace {
  /** As given (resolved): the root of relative patterns and of the paths shown. */
  lexical: string;
  /** Its real path: every file's real path must lie inside it. */
  real: string;
}

export async function workspaceOf(given: string): Promise<Workspace> {
  const lexical = given ? resolve(given) : '';
  const real = lexical ? await realpath(lexical).catch(() => '') : '';
  if (!real || !(await stat(real)).isDirectory()) {
    throw new ActionError(
      'Input "manifests" needs the workspace (GITHUB_WORKSPACE), which is not set or not a directory.',
      'Manifests are read from the checked-out repository: run actions/checkout first.',
    );
  }
  return { lexical, real };
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export function displayPath(path: string, workspace: string): string {
  return relative(workspace, path).split(sep).join('/') || '.';
}

/** A literal path for @actions/glob: its special characters wrapped in `[]`. */
function escapeGlob(path: string): string {
  return path.replace(/[*?[]/g, '[$&]');
}

function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * The files of `patterns`, in order. `check` is called as the walk goes (the deadline of
 * readManifests): it throws to stop it.
 */
export async function findFiles(
  patterns: string[],
  workspace: Workspace,
  check: () => void = () => undefined,
): Promise<ManifestFile[]> {
  const root = escapeGlob(workspace.lexical);
  const anchored = (pattern: string) => (isAbsolute(pattern) ? pattern : `${root}/${pattern}`);
  const excludes = patterns.filter((p) => p.startsWith('!')).map((p) => `!${anchored(p.slice(1))}`);
  const seen = new Set<string>();
  const files: ManifestFile[] = [];
  for (const pattern of patterns.filter((p) => !p.startsWith('!'))) {
    const lexical = resolve(workspace.lexical, pattern);
    if (!isInside(lexical, workspace.lexical)) {
      throw new ActionError(
        `Input "manifests": "${foreign(pattern, 200)}" is outside the workspace (GITHUB_WORKSPACE).`,
        'Manifests are read from the workspace only: give paths relative to the repository, without "..".',
      );
    }
    let search: string;
    let filter: (path: string) => boolean;
    if (isGlob(pattern)) {
      search = anchored(pattern);
      filter = hasManifestExtension;
    } else {
      // A file or a directory, named as it is (no glob). kubectl reads a named file whatever its
      // extension, and a directory's .yaml, .yml and .json files, not its subdirectories (no -R).
      const found = await stat(lexical).catch(() => undefined);
      if (!found) {
        await checkReal(lexical, pattern, workspace);
        throw new ActionError(
          `Input "manifests": the path "${foreign(pattern, 200)}" does not exist.`,
          'Paths are relative to the workspace (the repository checked out by actions/checkout).',
        );
      }
      await checkReal(lexical, pattern, workspace);
      search = found.isDirectory() ? `${escapeGlob(lexical)}/*` : escapeGlob(lexical);
      filter = found.isDirectory() ? hasManifestExtension : () => true;
    }
    const globber = await glob.create([search, ...excludes].join('\n'), {
      followSymbolicLinks: true,
      implicitDescendants: false,
      matchDirectories: false,
      // A broken link is no manifest; a path named as it is was checked above.
      omitBrokenSymbolicLinks: true,
    });
    let matches: string[] = [];
    try {
      for (const root of globber.getSearchPaths()) {
        await checkLinks(root, levelsBelow(search, root), workspace, check);
      }
      for await (const path of globber.globGenerator()) {
        check();
        if (filter(path)) matches.push(path);
      }
    } catch (error) {
      if (error instanceof ActionError) throw error;
      throw new ActionError(
        `Input "manifests": could not search "${foreign(pattern, 200)}": ${describeError(error)}.`,
        'A broken symbolic link, or a directory the runner may not read.',
      );
    }
    matches = [...new Set(matches)];
    if (matches.length === 0) {
      throw new ActionError(
        `Input "manifests": "${foreign(pattern, 200)}" matched no .yaml, .yml or .json file.`,
        'Directories are read without their subdirectories (as kubectl apply -f DIR); use a glob such as deploy/**/*.yaml for those.',
      );
    }
    matches.sort(walkOrder);
    for (const path of matches) {
      const real = await checkReal(path, displayPath(path, workspace.lexical), workspace);
      if (seen.has(real)) continue;
      seen.add(real);
      const size = (await stat(real)).size;
      files.push({ path, real, size });
    }
  }
  return files;
}

/**
 * How many directory levels a glob lists from its search path (the literal part of the pattern
 * @actions/glob starts walking at): one per segment after it, every one for a `**`.
 */
function levelsBelow(pattern: string, searchPath: string): number {
  const segments = pattern.split('/').filter(Boolean);
  const below = segments.slice(searchPath.split(sep).filter(Boolean).length);
  return below.includes('**') ? Infinity : below.length;
}

/**
 * Walks what a glob would list below its search path, `levels` deep, without following a
 * symbolic link before its real path is known to lie inside the workspace: a link the glob
 * would descend that leads outside is refused, named by its workspace path, before anything
 * below it is listed (a `deploy/root -> /` under `deploy/**` walked the whole file system).
 * Links that stay inside are walked too (each real directory once).
 */
async function checkLinks(
  root: string,
  levels: number,
  workspace: Workspace,
  check: () => void,
): Promise<void> {
  const seen = new Set<string>();
  const walk = async (dir: string, left: number): Promise<void> => {
    check();
    const real = await checkReal(dir, displayPath(dir, workspace.lexical), workspace);
    if (left <= 1 || seen.has(real)) return;
    seen.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // not a directory, gone, or unreadable: the glob says so, if it matters
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, left - 1);
      else if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        if (target?.isDirectory()) await walk(path, left - 1);
      }
    }
  };
  await walk(root, levels);
}

/**
 * The order of a sorted directory walk (Go's filepath.Walk, which kubectl uses): names compared
 * byte by byte, one directory level at a time, so `a/x.yaml` comes before `a-x.yaml`.
 */
function walkOrder(a: string, b: string): number {
  const left = a.split(sep);
  const right = b.split(sep);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const [x, y] = [left[i] as string, right[i] as string];
    if (x !== y) {
      // A directory's entries come where its own name sorts among its siblings.
      return Buffer.compare(Buffer.from(x), Buffer.from(y));
    }
  }
  return left.length - right.length;
}

function hasManifestExtension(path: string): boolean {
  return EXTENSIONS.some((ext) => path.toLowerCase().endsWith(ext));
}

/**
 * The real path of `path` (symbolic links followed), which must lie inside the workspace. A path
 * that does not exist is checked through its nearest existing parent, so a link to outside is
 * named as such rather than as missing.
 */
async function checkReal(path: string, shown: string, workspace: Workspace): Promise<string> {
  let real: string | undefined;
  for (let probe = path; real === undefined; probe = resolve(probe, '..')) {
    real = await realpath(probe).catch(() => undefined);
    if (probe === resolve(probe, '..')) break;
  }
  if (real !== undefined && !isInside(real, workspace.real)) {
    throw new ActionError(
      `Input "manifests": "${foreign(shown, 200)}" leads outside the workspace (GITHUB_WORKSPACE) through a symbolic link.`,
      'Manifests are read from the workspace only: copy the files into it instead of linking them.',
    );
  }
  return real ?? path;
}

export function checkSize(bytes: number, files: number): void {
  if (bytes > MAX_BYTES) {
    throw new ActionError(
      `Input "manifests" is larger than 10 MiB in all (${(bytes / 1024 / 1024).toFixed(1)} MiB in ${files} files).`,
      'Deploy fewer files per step (several steps can each apply a part).',
    );
  }
}

export async function readBytes(file: ManifestFile, workspace: string): Promise<Buffer> {
  try {
    return await readFile(file.real);
  } catch (error) {
    throw new ActionError(
      `Input "manifests": could not read "${foreign(displayPath(file.path, workspace), 200)}": ${describeError(error)}.`,
      'Check that the file is readable by the runner.',
    );
  }
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return foreign(code ?? (error instanceof Error ? error.message : String(error)), 200);
}

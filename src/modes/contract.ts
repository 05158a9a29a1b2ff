// The contract every mode implements, and what `main` (action/run.ts) gives it. A mode is a
// folder under modes/ with an index.ts that defines it (defineMode) and a run module that is
// loaded only when the mode runs; modes/registry.ts lists them. Nothing here imports the edge.
import type { FileStore } from '../base/file-store.js';
import type { InputReader } from '../base/input-reader.js';
import type { Logger } from '../base/logger.js';
import type { Report } from '../base/report.js';
import type { TokenContext } from '../oidc/context.js';
import type { MaskSecret } from '../oidc/token.js';

export type ModeName = 'kubernetes' | 'aws' | 'chainguard' | 'token';

/** The inputs every mode reads (CommonSettings): about the ID token itself, and "mode". */
export const COMMON_INPUTS: readonly string[] = ['mode', 'audience', 'show-claims', 'verify-token'];

/** What every mode reads: the inputs about the ID token itself. */
export interface CommonSettings {
  /** Audience to request; undefined means the platform's default. */
  audience: string | undefined;
  showClaims: boolean;
  verifyToken: boolean;
}

/** The collaborators every mode's run gets from main, with or without an ID token. */
export interface RunContext {
  logger: Logger;
  mask: MaskSecret;
  env: NodeJS.ProcessEnv;
  files: FileStore;
  /** Records something for the post step to undo, at once (before a secret is written). */
  saveState: (name: string, value: string) => void;
}

/** What a mode's run gets from main: the ID token, its claims and the collaborators. */
export interface ModeContext extends RunContext, TokenContext {}

/** What a mode's prepare gets: no token yet, nothing written. */
export interface PrepareDeps {
  logger: Logger;
  mask: MaskSecret;
  env: NodeJS.ProcessEnv;
}

/** A mode checked and loaded before the ID token is requested. */
export interface PreparedMode {
  idToken?: true;
  /** Starts work that needs no token (loading a client, a connection) while it is requested. */
  whileTokenIsRequested?(): void;
  run(ctx: ModeContext): Promise<Report>;
}

/**
 * A mode whose settings need no ID token (aws with role-chaining signs with the credentials
 * already in the environment): main requests none, so the job needs no id-token permission,
 * and there are no claims to output or show.
 */
export interface TokenlessMode {
  idToken: false;
  run(ctx: RunContext): Promise<Report>;
}

/** What a mode's lazily loaded module exports. */
export interface ModeRunner<S> {
  prepare(settings: S, deps: PrepareDeps): Promise<PreparedMode | TokenlessMode>;
}

/** A mode as its folder defines it (see defineMode). */
export interface ModeSpec<S extends CommonSettings> {
  name: ModeName;
  /**
   * The inputs that pick this mode when "mode" is empty, in order; `pickedBy` may refine it
   * (kubernetes: its cluster sources' inputs).
   */
  picks: readonly string[];
  /**
   * Inputs only this mode reads: refused in any other mode (given means set: no input has a
   * default in action.yml). Booleans that are off unless given count as given when not false.
   */
  owns: readonly string[];
  /**
   * The other inputs this mode reads (shared with another mode or source, or harmless elsewhere:
   * elsewhere they only get a warning): with `owns`, `claims` and the common inputs, every input
   * it reads. An input no mode reads with the inputs given gets a warning (modes/registry.ts).
   */
  reads?: readonly string[];
  /** Inputs that pick this mode when no input picks another (kubernetes: manifests). */
  implies?: readonly string[];
  /** The input that picks this mode among those given, if one does (default: the first of picks). */
  pickedBy?: (input: InputReader) => string | undefined;
  /** Inputs this mode reads with these inputs besides its own (kubernetes: its source's). */
  readsWith?: (input: InputReader) => readonly string[];
  /** Inputs owned by other modes that this mode reads with these inputs (kubernetes with EKS: role-to-assume...). */
  claims?: (input: InputReader) => readonly string[];
  /** Reads and checks the inputs; throws an ActionError naming the input at fault. */
  read(input: InputReader, common: CommonSettings, env: NodeJS.ProcessEnv): S;
  /** The mode's run module, loaded only when the mode runs (its own bundle chunk). */
  load(): Promise<ModeRunner<S>>;
}

/** A mode whose settings have been read: ready to prepare. */
export interface ChosenMode {
  name: ModeName;
  /** Warnings about the inputs (one the step set that this mode does not read): the edge prints them. */
  warnings?: readonly string[];
  /** The audience to request (the input, else the mode's default). */
  audience: string | undefined;
  settings: CommonSettings & { mode: ModeName };
  prepare(deps: PrepareDeps): Promise<PreparedMode | TokenlessMode>;
}

/** One entry of modes/registry.ts: a mode with its settings type hidden. */
export interface Mode {
  name: ModeName;
  picks: readonly string[];
  owns: readonly string[];
  implies: readonly string[];
  pickedBy(input: InputReader): string | undefined;
  claims(input: InputReader): readonly string[];
  /** Every input this mode reads with these inputs, besides the common ones. */
  reads(input: InputReader): readonly string[];
  choose(input: InputReader, common: CommonSettings, env: NodeJS.ProcessEnv): ChosenMode;
}

export function defineMode<S extends CommonSettings & { mode: ModeName }>(spec: ModeSpec<S>): Mode {
  return {
    name: spec.name,
    picks: spec.picks,
    owns: spec.owns,
    implies: spec.implies ?? [],
    pickedBy: spec.pickedBy ?? ((input) => spec.picks.find((name) => input.text(name) !== '')),
    claims: spec.claims ?? (() => []),
    reads: (input) => [
      ...spec.owns,
      ...(spec.reads ?? []),
      ...(spec.claims?.(input) ?? []),
      ...(spec.readsWith?.(input) ?? []),
    ],
    choose(input, common, env) {
      const settings = spec.read(input, common, env);
      return {
        name: spec.name,
        audience: settings.audience,
        settings,
        prepare: async (deps) => (await spec.load()).prepare(settings, deps),
      };
    },
  };
}

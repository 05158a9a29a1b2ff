// Where a cluster's server, CA and credentials come from. The kubernetes mode asks the source
// the inputs picked (registry.ts) for a cluster and a way to authenticate to it, and does the
// rest (the kubeconfig, the deploy, rollouts, the exec plugin) the same way for every source.
//
// A source is a folder here with an index.ts that calls defineSource, and a line in
// registry.ts. It implements:
// - read: its inputs, checked before the ID token is requested (cheap failure on bad input);
// - load -> prepare: before the token, what it knows of the cluster already (a kubeconfig);
//   open: with the token, the cluster (server, CA) and the step's credential (a bearer token,
//   its expiry and how to renew it), the exec plugin's env, its explanation of a 401, and its
//   outputs and summary rows;
// - plugin -> mint: the exec credential plugin's half (dist/credential.js finds the source by
//   the kubeconfig's exec env, OIDC_DEPLOY_SOURCE, and mints a fresh credential from a fresh ID
//   token). A source without one hands out the ID token itself.
// docs/design.md, "Cluster sources", says the same with an example.
import type { InputReader } from '../../base/input-reader.js';
import type { Logger } from '../../base/logger.js';
import type { Report } from '../../base/report.js';
import type { TokenContext } from '../../oidc/context.js';
import type { SourceExplanations } from '../explain.js';
import type { ClusterSpec } from '../kubeconfig.js';

/** The exec env variable that names the source of a kubeconfig's credential plugin. */
export const PLUGIN_SOURCE_ENV = 'OIDC_DEPLOY_SOURCE';

export interface EnvVar {
  name: string;
  value: string;
}

/** A bearer token for the step's own requests to the cluster, and how to get the next one. */
export interface StepCredential {
  token: string;
  /** Seconds since the epoch. */
  exp: number;
  /** A fresh credential (the client calls it on a 401 near `exp`). */
  renew: () => Promise<{ token: string; exp: number }>;
}

/** What a source opened with the ID token. */
export interface ClusterAccess {
  cluster: ClusterSpec;
  credential: StepCredential;
  /** The exec env the credential plugin needs to mint for this cluster (besides the source's name). */
  pluginEnv: EnvVar[];
  /** Its part of the explanation of a refusal: the 401, and what else grants a 403's verb. */
  explanations: SourceExplanations;
  /** The source's outputs, exports and summary rows. */
  report: Report;
}

/** What a source gets when it opens: the ID token and the step's collaborators. */
export interface SourceContext extends TokenContext {
  /** The namespace the deploy uses, if the input named one (for RBAC hints). */
  namespace: string | undefined;
}

export interface PreparedSource {
  /**
   * The cluster when it is known before the ID token (a kubeconfig or server input): the deploy
   * connects while the token is requested. Undefined when only the token can tell (EKS).
   */
  cluster: ClusterSpec | undefined;
  /** Starts loading what `open` needs while the token is requested. */
  whileTokenIsRequested?(): void;
  open(ctx: SourceContext): Promise<ClusterAccess>;
}

/** The source's lazily loaded module. */
export interface SourceDriver<S> {
  prepare(settings: S, logger: Logger): PreparedSource;
}

/** What the credential plugin's source module mints. */
export interface MintRequest {
  /** The kubeconfig exec env (the plugin's process env). */
  env: NodeJS.ProcessEnv;
  idToken: string;
  /** Another ID token (an exchange that retries with a fresh one). */
  renewIdToken: () => Promise<string>;
  audience: string | undefined;
  logger: Logger;
}

export interface SourcePlugin {
  mint(request: MintRequest): Promise<{ token: string; expiresAt: Date }>;
}

export interface SourceSpec<S> {
  /** The source's name, also the value of OIDC_DEPLOY_SOURCE in its kubeconfig's exec env. */
  name: string;
  /** The inputs that pick this source, in order. */
  picks: readonly string[];
  /** Inputs only this source reads (refused with any other source or mode). */
  owns: readonly string[];
  /** Inputs of other modes this source reads (EKS: the aws mode's role inputs). */
  claims?: readonly string[];
  /** The other inputs it reads (shared, or harmless elsewhere: see ModeSpec.reads). */
  reads?: readonly string[];
  /** Where the server and CA come from, for the message that refuses another source's inputs. */
  origin: string;
  /** Reads and checks its inputs; throws an ActionError naming the input at fault. */
  read(input: InputReader, env: NodeJS.ProcessEnv): S;
  /** The audience to request when the "audience" input is empty (undefined: the platform's). */
  audience?(settings: S): string | undefined;
  load(): Promise<SourceDriver<S>>;
  /** The credential plugin's module; without one the plugin hands out the ID token itself. */
  plugin?: () => Promise<SourcePlugin>;
  /** The plugin's deadline for the ID token, when the mint needs part of kubectl's 30 s. */
  pluginTokenDeadlineMs?: number;
}

/** A source whose settings have been read. */
export interface ChosenSource {
  name: string;
  settings: unknown;
  /** The audience to request when the input is empty. */
  audience: string | undefined;
  /** Whether the credential plugin mints for it (the kubeconfig's exec env then names it). */
  hasPlugin: boolean;
  prepare(logger: Logger): Promise<PreparedSource>;
}

/** One entry of registry.ts: a source with its settings type hidden. */
export interface ClusterSource {
  name: string;
  picks: readonly string[];
  owns: readonly string[];
  claims: readonly string[];
  /** Every input this source reads: owns, claims and reads. */
  reads: readonly string[];
  origin: string;
  choose(input: InputReader, env: NodeJS.ProcessEnv): ChosenSource;
  plugin: (() => Promise<SourcePlugin>) | undefined;
  pluginTokenDeadlineMs: number | undefined;
}

export function defineSource<S>(spec: SourceSpec<S>): ClusterSource {
  return {
    name: spec.name,
    picks: spec.picks,
    owns: spec.owns,
    claims: spec.claims ?? [],
    reads: [...spec.owns, ...(spec.claims ?? []), ...(spec.reads ?? [])],
    origin: spec.origin,
    plugin: spec.plugin,
    pluginTokenDeadlineMs: spec.pluginTokenDeadlineMs,
    choose(input, env) {
      const settings = spec.read(input, env);
      return {
        name: spec.name,
        settings,
        audience: spec.audience?.(settings),
        hasPlugin: spec.plugin !== undefined,
        prepare: async (logger) => (await spec.load()).prepare(settings, logger),
      };
    },
  };
}

/** A token this close to its end is not handed out as valid: kubectl asks again sooner. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * The expiry a plugin hands a token out with: a minute before its end (a fifth of a short
 * life), so client-go, which reuses the credential until that instant, never sends it late.
 */
export function handOutUntil(expiresAtMs: number, mintedAtMs: number): Date {
  const margin = Math.min(EXPIRY_MARGIN_MS, (expiresAtMs - mintedAtMs) / 5);
  return new Date(Math.max(mintedAtMs + 1000, expiresAtMs - margin));
}

/** What an apply did to one object, told from its state before and after. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

interface Meta {
  metadata?: { resourceVersion?: unknown };
}

/**
 * created: the object did not exist (a GET before answered 404). unchanged: its resourceVersion
 * is the same after the apply (the API server skips the write of a no-op apply). configured:
 * anything else. In a dry run nothing is stored and the resourceVersion says nothing, so the
 * object the server would store is compared with the one before, without the fields every write
 * changes (resourceVersion, managedFields, generation).
 */
export function applyOutcome(before: Meta | undefined, after: Meta, dryRun: boolean): ApplyOutcome {
  if (before === undefined) return 'created';
  if (!dryRun) {
    const rv = before.metadata?.resourceVersion;
    return rv !== undefined && rv === after.metadata?.resourceVersion ? 'unchanged' : 'configured';
  }
  return canonical(before) === canonical(after) ? 'unchanged' : 'configured';
}

function canonical(object: Meta): string {
  const { metadata, ...rest } = object as Record<string, unknown> & Meta;
  const {
    resourceVersion: _rv,
    managedFields: _mf,
    generation: _gen,
    ...meta
  } = (metadata ?? {}) as Record<string, unknown>;
  return stableJson({ ...rest, metadata: meta });
}

/** JSON with object keys sorted, so key order (which servers do not promise) changes nothing. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The line for each object: kubectl's words (`deployment.apps/web serverside-applied`, with
 * ` (server dry run)`), then what happened.
 */
export function applyLine(name: string, outcome: ApplyOutcome, dryRun: boolean): string {
  return dryRun
    ? `${name} serverside-applied (server dry run): would be ${outcome === 'unchanged' ? 'left unchanged' : outcome}`
    : `${name} serverside-applied: ${outcome}`;
}

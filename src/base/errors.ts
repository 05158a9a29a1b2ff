/**
 * An error the user can act on: `message` says what is wrong (naming the input at fault),
 * `hint` says what to do about it. The top-level catch prints both and never a stack trace.
 */
export class ActionError extends Error {
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'ActionError';
    this.hint = hint;
  }
}

/** Anything thrown, as an Error (a non-Error value becomes the message of one). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(formatError(error));
}

/** One user-facing text for anything thrown, including non-Error values. */
export function formatError(error: unknown): string {
  if (error instanceof ActionError) {
    return error.hint ? `${error.message}\n${error.hint}` : error.message;
  }
  if (error instanceof Error) {
    return error.message || error.name;
  }
  return `unexpected failure: ${String(error)}`;
}

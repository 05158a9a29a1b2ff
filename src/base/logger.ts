/**
 * What clients need to log. `@actions/core` satisfies it, and tests pass a recorder,
 * so no client imports `@actions/core` just to print.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
}

/** A logger that keeps every line, for unit tests and for callers that report later. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(m),
    warning: (m) => lines.push(`warning: ${m}`),
  };
}

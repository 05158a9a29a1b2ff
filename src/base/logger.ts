/**
 * What clients need to log. `@actions/core` satisfies it, and tests pass a recorder,
 * so no client imports `@actions/core` just to print.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
}

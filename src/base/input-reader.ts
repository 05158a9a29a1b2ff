/**
 * How modes and cluster sources read the step's inputs: by name, as plain text. The action's
 * edge (action/inputs.ts) implements it on @actions/core; a test can implement it on a record.
 * Nothing that reads inputs needs the runner.
 */
export interface InputReader {
  /** The input, trimmed; '' when not given. */
  text(name: string): string;
  /** The input as given, not trimmed (a kubeconfig keeps its indentation); '' when not given. */
  raw(name: string): string;
  /**
   * A boolean input (`true`/`false` in any of YAML's spellings): `whenEmpty` when not given;
   * anything else is an ActionError naming the input.
   */
  boolean(name: string, whenEmpty: boolean): boolean;
  /**
   * The names of the inputs the step set to something (not empty), when the reader can list
   * them (the edge can: INPUT_* of the runner). A runner passes every input action.yml declares,
   * empty when not given, so only a value tells that an input was given.
   */
  given?(): readonly string[];
}

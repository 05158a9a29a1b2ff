/**
 * What a mode (and the cluster source it used) hands to the action's edge when it is done: plain
 * data, which the edge writes (action/outputs.ts) and renders (action/summary.ts). Every value
 * from outside in `rows` and `sections` is Markdown made literal already (`foreignMarkdown`).
 */
export interface Report {
  /** Step outputs, in order. */
  outputs: Array<[name: string, value: string]>;
  /** Environment variables for the job's later steps. */
  exports: Array<[name: string, value: string]>;
  /** State for the post step, saved after the exports. */
  state: Array<[name: string, value: string]>;
  /** Rows of the summary's setting/value table: [label, Markdown cell]. */
  rows: Array<[label: string, cell: string]>;
  /** Markdown sections after the table (applied objects, workloads, diagnosis...). */
  sections: string[];
  /** When set, the step fails with this message after writing outputs and the summary. */
  failure?: string | undefined;
}

/** A report with only the parts given. */
export function report(parts: Partial<Report> = {}): Report {
  return {
    outputs: parts.outputs ?? [],
    exports: parts.exports ?? [],
    state: parts.state ?? [],
    rows: parts.rows ?? [],
    sections: parts.sections ?? [],
    ...(parts.failure === undefined ? {} : { failure: parts.failure }),
  };
}

/** Several reports as one, in order (a mode's own, then its cluster source's). */
export function joinReports(...reports: Report[]): Report {
  return report({
    outputs: reports.flatMap((r) => r.outputs),
    exports: reports.flatMap((r) => r.exports),
    state: reports.flatMap((r) => r.state),
    rows: reports.flatMap((r) => r.rows),
    sections: reports.flatMap((r) => r.sections),
    failure: reports.find((r) => r.failure !== undefined)?.failure,
  });
}

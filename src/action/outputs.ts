import * as core from '@actions/core';
import type { Report } from '../base/report.js';

/** A mode's report as step outputs, exported variables and state for the post step. */
export function writeReport(report: Report): void {
  for (const [name, value] of report.exports) core.exportVariable(name, value);
  for (const [name, value] of report.state) core.saveState(name, value);
  for (const [name, value] of report.outputs) core.setOutput(name, value);
}

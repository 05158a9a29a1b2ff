import * as core from '@actions/core';
import { cleanUp } from '../action/cleanup.js';

try {
  await cleanUp(core);
} catch (error) {
  // The post step tidies up; it never fails the job.
  core.warning(
    `Clean-up did not complete: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/* eslint-disable no-console -- a step of the CI self-test: it talks to the job log */
// Runs after the action's post step: the kubeconfig a later step recorded in SELF_TEST_KUBECONFIG
// (GITHUB_ENV, which post steps see too) and its private directory must be gone.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

const path = process.env.SELF_TEST_KUBECONFIG;
if (!path) {
  console.log('::error::SELF_TEST_KUBECONFIG is not set: no step recorded the kubeconfig path.');
  process.exit(1);
}
const left = [path, dirname(path)].filter((p) => existsSync(p));
if (left.length > 0) {
  console.log(`::error::The post step left ${left.join(' and ')}.`);
  process.exit(1);
}
console.log(`The post step removed ${path} and its directory.`);

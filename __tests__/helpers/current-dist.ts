// vitest globalSetup of the e2e tests: they run the bundle of the current source (built once,
// cached by its hash: scripts/dist-cache.mjs), never a committed dist/ that may be stale.
import { currentDist } from '../../scripts/dist-cache.mjs';

export default function setup(): void {
  process.env['OIDC_DEPLOY_DIST'] = currentDist();
}

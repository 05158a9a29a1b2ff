import {
  prepareDeploy,
  type DeployRequest,
  type DeployResult,
} from '../../src/kubernetes/workloads/deploy.js';

/** Both halves of prepareDeploy at once, as a run without manifests does them. */
export async function deploy(request: DeployRequest): Promise<DeployResult> {
  return (await prepareDeploy(request))(request.applied ?? []);
}

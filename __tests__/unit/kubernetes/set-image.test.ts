import { describe, expect, it } from 'vitest';
import type { Workload } from '../../../src/kubernetes/api/objects.js';
import {
  changeCause,
  imagePatch,
  isUnchanged,
  planImages,
  reverseChanges,
} from '../../../src/kubernetes/workloads/set-image.js';

const web: Workload = {
  metadata: { name: 'web' },
  spec: {
    template: {
      spec: {
        initContainers: [{ name: 'migrate', image: 'app:1' }],
        containers: [
          { name: 'web', image: 'nginx:1.26' },
          { name: 'sidecar', image: 'envoy:1' },
        ],
      },
    },
  },
};

describe('planImages', () => {
  it('matches a named container with its current image', () => {
    expect(planImages(web, [{ container: 'web', image: 'nginx:1.27' }])).toEqual({
      changes: [{ name: 'web', init: false, previousImage: 'nginx:1.26', newImage: 'nginx:1.27' }],
      problems: [],
    });
  });

  it('finds init containers by name', () => {
    expect(planImages(web, [{ container: 'migrate', image: 'app:2' }]).changes).toEqual([
      { name: 'migrate', init: true, previousImage: 'app:1', newImage: 'app:2' },
    ]);
  });

  it('* names every container and init container', () => {
    const plan = planImages(web, [{ container: '*', image: 'busybox:1' }]);
    expect(plan.problems).toEqual([]);
    expect(plan.changes.map((c) => [c.name, c.init, c.previousImage])).toEqual([
      ['web', false, 'nginx:1.26'],
      ['sidecar', false, 'envoy:1'],
      ['migrate', true, 'app:1'],
    ]);
  });

  it("reports unknown containers in kubectl's words, every one of them", () => {
    const plan = planImages(web, [
      { container: 'nope', image: 'x:1' },
      { container: 'web', image: 'nginx:1.27' },
      { container: 'gone', image: 'y:1' },
    ]);
    expect(plan.problems).toEqual([
      'unable to find container named "nope"',
      'unable to find container named "gone"',
    ]);
    expect(plan.changes.map((c) => c.name)).toEqual(['web']);
  });
});

describe('imagePatch (the body of kubectl set image)', () => {
  it("is byte for byte kubectl's body for one container", () => {
    const plan = planImages(web, [{ container: 'web', image: 'nginx:1.27' }]);
    expect(JSON.stringify(imagePatch(web, plan.changes, undefined))).toBe(
      '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"image":"nginx:1.27","name":"web"}]}}}}',
    );
  });

  it('puts init containers under initContainers with their own element order', () => {
    const plan = planImages(web, [
      { container: 'migrate', image: 'app:2' },
      { container: 'sidecar', image: 'envoy:2' },
    ]);
    expect(JSON.stringify(imagePatch(web, plan.changes, undefined))).toBe(
      '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"$setElementOrder/initContainers":[{"name":"migrate"}],"containers":[{"image":"envoy:2","name":"sidecar"}],"initContainers":[{"image":"app:2","name":"migrate"}]}}}}',
    );
  });

  it("* is byte for byte kubectl's body (captured from kubectl 1.27, 1.32 and 1.33)", () => {
    const plan = planImages(web, [{ container: '*', image: 'busybox:1' }]);
    expect(JSON.stringify(imagePatch(web, plan.changes, undefined))).toBe(
      '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"$setElementOrder/initContainers":[{"name":"migrate"}],"containers":[{"image":"busybox:1","name":"web"},{"image":"busybox:1","name":"sidecar"}],"initContainers":[{"image":"busybox:1","name":"migrate"}]}}}}',
    );
  });

  it('* patches every container whose image differs, and only those', () => {
    const same: Workload = {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'a', image: 'img:2' },
              { name: 'b', image: 'img:1' },
            ],
          },
        },
      },
    };
    const plan = planImages(same, [{ container: '*', image: 'img:2' }]);
    expect(isUnchanged(plan.changes)).toBe(false);
    expect(imagePatch(same, plan.changes, undefined)).toEqual({
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
            containers: [{ image: 'img:2', name: 'b' }],
          },
        },
      },
    });
  });

  it('records the change cause on the workload, not the pod template', () => {
    const plan = planImages(web, [{ container: 'web', image: 'nginx:1.27' }]);
    const body = imagePatch(web, plan.changes, 'why');
    expect(Object.keys(body)).toEqual(['metadata', 'spec']);
    expect(body['metadata']).toEqual({ annotations: { 'kubernetes.io/change-cause': 'why' } });
  });

  it('a workload at the requested images is unchanged', () => {
    const plan = planImages(web, [
      { container: 'web', image: 'nginx:1.26' },
      { container: 'migrate', image: 'app:1' },
    ]);
    expect(isUnchanged(plan.changes)).toBe(true);
    expect(isUnchanged(planImages(web, [{ container: '*', image: 'nginx:1.26' }]).changes)).toBe(
      false,
    );
  });

  it('the reverse patch restores the previous images', () => {
    const plan = planImages(web, [{ container: 'web', image: 'nginx:1.27' }]);
    const patched: Workload = {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'web', image: 'nginx:1.27' },
              { name: 'sidecar', image: 'envoy:1' },
            ],
          },
        },
      },
    };
    expect(imagePatch(patched, reverseChanges(plan.changes), undefined)).toEqual({
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [{ image: 'nginx:1.26', name: 'web' }],
          },
        },
      },
    });
  });
});

describe('changeCause', () => {
  it('names the repository, commit and run', () => {
    const plan = planImages(web, [{ container: 'web', image: 'nginx:1.27' }]);
    expect(
      changeCause({ kind: 'deployment', name: 'web' }, plan.changes, {
        GITHUB_REPOSITORY: 'org/app',
        GITHUB_SHA: 'abc123',
        GITHUB_RUN_ID: '42',
      }),
    ).toBe(
      'oidc-deploy-action set image deployment/web web=nginx:1.27 (repository org/app, commit abc123, run 42)',
    );
  });

  it('leaves out what the environment lacks', () => {
    expect(changeCause({ kind: 'daemonset', name: 'agent' }, [], {}, 'rollback')).toBe(
      'oidc-deploy-action rollback daemonset/agent ',
    );
  });
});

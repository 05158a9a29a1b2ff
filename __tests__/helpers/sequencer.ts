// The order test files start in. Vitest runs the files that took longest last time first, but a
// fresh clone (CI) has no record and starts the largest files first: the fault matrix (3 min,
// nearly all of it waiting on deadlines and trickling peers) then started among the last and ran
// alone at the end. These files start first in their project, so their waits overlap the rest.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The slowest files of `npm test` on a 2-core machine, slowest first. */
const SLOW_FIRST = [
  '__tests__/e2e/fault-matrix.test.ts',
  '__tests__/e2e/gke-fixture.test.ts',
  '__tests__/e2e/aks-fixture.test.ts',
  '__tests__/e2e/eks-fixture.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const at = SLOW_FIRST.findIndex((name) => file.moduleId.endsWith(name));
      return at === -1 ? SLOW_FIRST.length : at;
    };
    // Within a project only: the projects keep their order (unit before e2e).
    return sorted
      .map((file, index) => ({ file, index }))
      .sort((a, b) =>
        a.file.project.name !== b.file.project.name
          ? a.index - b.index
          : rank(a.file) - rank(b.file) || a.index - b.index,
      )
      .map(({ file }) => file);
  }
}

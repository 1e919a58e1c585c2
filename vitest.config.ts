import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The files that take longest (measured in a CI run of 2026-12-07: the crash suites 126–207 s each,
 * the bot's fault files and the browser and CLI end-to-end files 44–135 s) start first, so the
 * workers end together rather than one long file starting last on a clean clone (vitest's own
 * order, without a cache, is by file size).
 */
const LONGEST_FIRST = [
  'test/bot/crash.test.ts',
  'test/cli/close.test.ts',
  'test/bot/crash-faults.test.ts',
  'test/bot/e2e-everyday-faults.test.ts',
  'test/bot/crash-thin.test.ts',
  'test/bot/e2e-cancel-and-stop-faults.test.ts',
  'test/web/demo-dashboard.test.ts',
  'test/bot/e2e-outside-changes.test.ts',
  'test/cli/optimize.test.ts',
  'test/cli/optimize-queue.test.ts',
  'test/notify/e2e-kill.test.ts',
  'test/cli/live.test.ts',
  'test/cli/demo.test.ts',
  'test/web/report.test.ts',
  'test/store/properties.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((name) => f.moduleId.endsWith(name));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Three files at a time on a 2-core machine (vitest's default there is one): most of the suite
    // waits on child processes, servers, back-offs and a browser (close.test and e2e-stop-crossed:
    // 28 s of CPU in 146 s), so a third worker fills the idle cores.
    maxWorkers: 3,
    // Removes the temp directories a file made outside its tests (test/support/temp-dir.ts).
    setupFiles: ['test/support/temp-dir-setup.ts'],
    sequence: { sequencer: LongestFirst },
    // fast-check runs: 1,000 per property in CI (issue [core]); fewer locally keeps the loop quick.
    env: { FC_NUM_RUNS: process.env.FC_NUM_RUNS ?? (process.env.CI ? '1000' : '300') },
  },
});

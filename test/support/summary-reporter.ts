import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints each skipped test by its full title (which says why it was skipped), then the closing
 * `N passed, N failed` line that CI reads.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    const skipped: string[] = [];
    for (const testModule of testModules) {
      if (testModule.state() === 'failed' && testModule.children.size === 0) failed += 1;
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped.push(test.fullName);
      }
    }
    const skippedLines = skipped.map((title) => `↓ ${title}\n`).join('');
    process.stdout.write(
      `\n${skippedLines}${passed} passed, ${failed} failed${skipped.length ? `, ${skipped.length} skipped` : ''}\n`,
    );
  }
}

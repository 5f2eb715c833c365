// A vitest reporter that ends the run with one line per reason tests were skipped, and the command that enables
// them: `81 tests skipped: the SFTP tests need root (...) — run: sudo npm test`. Only skips that give a reason
// (`ctx.skip(reason)` or `meta.skipReason`) are counted: tests left out by a name filter or `.only` give none.
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import './skip-reasons.js';

export function skipLines(modules: ReadonlyArray<TestModule>): string[] {
  const byReason = new Map<string, number>();
  for (const module of modules) {
    for (const test of module.children.allTests()) {
      const result = test.result();
      if (result.state !== 'skipped' || test.options.mode === 'todo') continue;
      const reason = result.note ?? test.meta().skipReason;
      if (reason) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    }
  }
  return [...byReason]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, count]) => `${count} ${count === 1 ? 'test' : 'tests'} skipped: ${reason}`);
}

export default class SkipSummaryReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines = skipLines(modules);
    if (lines.length === 0) return;
    const log = (line: string) => (this.vitest ? this.vitest.logger.log(line) : console.log(line));
    for (const line of lines) log(line);
  }
}

// A vitest reporter beside the default one: while files run, a line every 20 s says which and for
// how long, so `npm test` in CI never sits silent for long (the default reporter prints a file only
// when it ends, and one e2e file can take a minute).
import type { Reporter, TestModule } from 'vitest/node';
import { relative } from 'node:path';

const EVERY_MS = 20_000;

export default class Heartbeat implements Reporter {
  private readonly running = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private done = 0;

  onTestRunStart(): void {
    this.timer = setInterval(() => this.beat(), EVERY_MS);
    this.timer.unref();
  }

  onTestModuleStart(module: TestModule): void {
    this.running.set(relative(process.cwd(), module.moduleId), Date.now());
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(relative(process.cwd(), module.moduleId));
    this.done++;
  }

  onTestRunEnd(): void {
    clearInterval(this.timer);
  }

  private beat(): void {
    if (this.running.size === 0) return;
    const now = Date.now();
    const files = [...this.running]
      .map(([file, since]) => `${file} (${Math.round((now - since) / 1000)} s)`)
      .join(', ');
    process.stdout.write(`... ${this.done} files done; running: ${files}\n`);
  }
}

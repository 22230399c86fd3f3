import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/factories';

describe('mltrail writing into a pipe whose reader has gone', () => {
  it('ends quietly, with no stack trace, when the reader closes early (`| head -1`)', async () => {
    // 100 MB: far more than a pipe buffer holds, so the writer meets the closed pipe.
    const script = [
      `import { endQuietlyOnBrokenPipe } from ${JSON.stringify(join(PROJECT_ROOT, 'cli/broken-pipe.ts'))};`,
      'endQuietlyOnBrokenPipe(process.stdout, (code) => process.exit(code));',
      "const line = 'x'.repeat(1023) + '\\n';",
      'for (let i = 0; i < 100_000; i++) process.stdout.write(line);',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.once('data', () => child.stdout.destroy());

    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));

    expect(stderr).not.toContain('EPIPE');
    expect(exitCode).toBe(0);
  });
});

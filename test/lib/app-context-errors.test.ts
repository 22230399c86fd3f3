import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/factories';

function synthWithContext(context: Record<string, unknown>) {
  const outdir = mkdtempSync(join(tmpdir(), 'mltrail-synth-'));
  try {
    return spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify(context),
        CDK_OUTDIR: outdir,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('the CDK app given settings it cannot use', () => {
  it.each([
    [{ retentionDay: '30' }, 'error: Unknown context key retentionDay: did you mean retentionDays?'],
    [
      { retentionDays: 'a year' },
      'error: Invalid context value retentionDays="a year": expected a whole number',
    ],
  ])('fails synth with one line and no stack trace for %o', (context, line) => {
    const run = synthWithContext(context);

    expect(run.status).toBe(1);
    const lines = run.stderr.split('\n').filter((text) => text.trim().length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(line);
  });
});

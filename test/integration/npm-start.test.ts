import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stopLocalStore } from '../../cli/local/local-store';
import { jsonLines, temporaryFolder } from '../cli/cli-harness';
import { PROJECT_ROOT } from '../support/factories';
import { isListening } from '../support/ports';

// What a new user's shell has: no AWS credentials, region or test settings.
const FRESH_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? temporaryFolder('home') };

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; finished: Promise<Finished>; output: () => string } {
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: { ...FRESH_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const finished = new Promise<Finished>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, finished, output: () => stdout };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Not a terminal, the table is 120 columns wide and never cuts a principal: beside the long SSO
// role of the Bedrock sample, the longest event names end in '…'.
const SEED_EVENTS = [
  /forecast\s+CreateDataset/,
  /personalize\s+ListDatasetGrou…/,
  /iotanalytics\s+CreateChannel/,
  /iotanalytics\s+CreateDataset/,
  /lookoutmetrics\s+DescribeAnomaly…/,
  /lookoutvision\s+CreateDataset/,
];

describe('npm start (mltrail local), as a new user runs it', () => {
  it('prints the seed services events, example queries, and exits 0; the queries then work', async () => {
    const dataDir = temporaryFolder('start');

    const run = await start('npm', ['start', '--', '--data-dir', dataDir]).finished;

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('files:  6 ingested, 1 skipped (digest 1), 0 failed');
    expect(run.stdout).toContain('events: 7 ML events from 7 records');
    expect(run.stdout).toContain(
      'bedrock-invocation-logging-changed: arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/us-west-2/DevAdmin (dr.evil) deleted the model invocation logging configuration in us-west-2',
    );
    expect(run.stdout).toContain('mltrail show 28773860-a4fd-47c7-a215-6f0e6e6e532f');
    for (const event of SEED_EVENTS) expect(run.stdout).toMatch(event);
    expect(run.stdout).toContain(`npx mltrail query --service bedrock --data-dir '${dataDir}'`);
    expect(run.stdout).toContain(
      `npx mltrail show 28773860-a4fd-47c7-a215-6f0e6e6e532f --data-dir '${dataDir}'`,
    );
    expect(run.stderr).not.toMatch(/error|Warning/);

    const query = await start('npx', [
      'mltrail',
      'query',
      '--service',
      'personalize',
      '--data-dir',
      dataDir,
      '--json',
    ]).finished;

    expect(query.code).toBe(0);
    expect(jsonLines(query.stdout)).toMatchObject([
      { service: 'personalize', eventName: 'ListDatasetGroups' },
    ]);
    // The store was kept for the next command (the default); the test stops it.
    expect(await stopLocalStore(dataDir)).toBeTypeOf('number');
  });

  it('stops DynamoDB Local and s3rver on Ctrl-C when the store is not kept', async () => {
    const dataDir = temporaryFolder('serve');
    const local = start(
      'node',
      ['--import', 'tsx', 'bin/mltrail.ts', 'local', '--serve', '--data-dir', dataDir],
      {
        MLTRAIL_STORE_IDLE_SECONDS: '0',
      },
    );
    try {
      await waitFor(() => local.output().includes('press Ctrl-C to stop'), 60_000);
      const endpoints = local.output().matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g);
      const ports = [...new Set([...endpoints].map((match) => Number(match[1])))];

      expect(ports).toHaveLength(2);
      expect(await Promise.all(ports.map(isListening))).toEqual([true, true]);

      local.child.kill('SIGINT');
      const run = await local.finished;

      expect(run.code).toBe(0);
      expect(await Promise.all(ports.map(isListening))).toEqual([false, false]);
    } finally {
      // A failed assertion must not leave the servers running.
      if (local.child.exitCode === null) local.child.kill('SIGINT');
    }
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMltrail, temporaryFolder } from './cli-harness';

describe('mltrail command line', () => {
  it.each(['ingest', 'query', 'show', 'stats', 'backfill', 'redrive', 'local'])(
    'prints help for %s and exits 0',
    async (command) => {
      const run = await runMltrail([command, '--help']);

      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain(`Usage: mltrail ${command}`);
    },
  );

  it('lists every command in the top-level help', async () => {
    const run = await runMltrail(['--help']);

    expect(run.exitCode).toBe(0);
    for (const command of ['ingest', 'query', 'show', 'stats', 'backfill', 'redrive', 'local']) {
      expect(run.stdout).toContain(command);
    }
  });

  it.each([
    { args: [], reason: 'Usage: mltrail [options] [command]' },
    { args: ['bogus'], reason: "unknown command 'bogus'" },
    { args: ['ingest'], reason: "missing required argument 'path'" },
    { args: ['ingest', '--concurrency', '0', '.'], reason: 'expected a whole number >= 1' },
    { args: ['ingest', '--since', '2024-13-01', '.'], reason: '--since "2024-13-01" is not an ISO date' },
    { args: ['ingest', '--since', '2024-06-02', '--until', '2024-06-01', '.'], reason: 'is after --until' },
    { args: ['ingest', '/no/such/folder'], reason: 'no such file or folder: /no/such/folder' },
    { args: ['ingest', 's3://'], reason: 'is not an S3 URL' },
    { args: ['query'], reason: 'give what to select: --service, --principal, --account' },
    { args: ['show'], reason: "missing required argument 'eventID'" },
    { args: ['query', '--service', 'forecast', '--since', 'yesterday'], reason: 'is not an ISO date' },
    { args: ['query', '--service', 'forecast', '--limit', '-1'], reason: 'expected a whole number >= 0' },
    {
      args: ['query', '--service', 'sagemkaer'],
      reason: '--service sagemkaer is not in the service catalogue; did you mean sagemaker?',
    },
    {
      args: ['query', '--service', 'nosuchthing'],
      reason: '--service nosuchthing is not in the service catalogue',
    },
    {
      args: ['query', '--service', 'forecast', '--since', '2024-06-03', '--until', '2024-06-02T23:00:00Z'],
      reason: '--since 2024-06-03 is after --until 2024-06-02T23:00:00Z',
    },
    {
      args: [
        'backfill',
        '--bucket',
        'b',
        '--queue',
        'https://sqs.us-east-1.amazonaws.com/1/q',
        '--since',
        '2024-06-01',
      ],
      reason: "'--until <date>'",
    },
    { args: ['redrive'], reason: "required option '--dlq <url>'" },
    {
      args: ['query', '--service', 'forecast', '--endpoint', 'notaurl'],
      reason: '"notaurl" is not an http(s) URL',
    },
    {
      args: ['query', '--service', 'forecast', '--data-dir', 'package.json'],
      reason: 'package.json is a file, not a folder',
    },
    { args: ['local', '--samples', '/no/such/samples'], reason: 'no such folder: /no/such/samples' },
    {
      args: [
        'backfill',
        '--bucket',
        'b',
        '--since',
        '2024-06-01',
        '--until',
        '2024-06-02',
        '--queue',
        'not-a-url',
      ],
      reason: '"not-a-url" is not an http(s) URL',
    },
    { args: ['redrive', '--dlq', 'https://sqs.us-east-1.amazonaws.com/'], reason: 'is not a queue URL' },
    { args: ['local', '--table', 'other'], reason: '--table needs --endpoint' },
  ])('exits 2 on a usage error: $reason', async ({ args, reason }) => {
    const run = await runMltrail(args);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(reason);
  });

  it('exits 2 saying where it looked when a query names a store that does not exist, and creates nothing', async () => {
    const dataDir = join(temporaryFolder('fresh'), 'mistyped');

    const run = await runMltrail(['query', '--service', 'forecast', '--data-dir', dataDir]);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`no events table in ${join(dataDir, 'dynamodb')}: ingest log files first`);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('exits 2 naming the variable when the function settings in the environment are wrong', async () => {
    const folder = temporaryFolder('config');

    const run = await runMltrail(['ingest', folder, '--endpoint', 'http://127.0.0.1:9'], {
      env: { ...process.env, MLTRAIL_RETENTION_DAYS: 'soon' },
    });

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('MLTRAIL_RETENTION_DAYS must be a whole number');
  });
});

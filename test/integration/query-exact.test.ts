import { describe, expect, it } from 'vitest';
import { runMltrail, temporaryFolder, writeTree } from '../cli/cli-harness';
import { gzippedLogFile, logObjectKey, makeRecord } from '../support/factories';
import { HOSTILE_RECORDS } from '../support/hostile-records';
import { createTestTable, localDynamoDb } from '../support/local-aws';

describe('mltrail query --json', () => {
  const { client, endpoint } = localDynamoDb();

  it('prints payloads exactly as logged: integers past 2^53 with every digit, __proto__ and constructor as keys', async () => {
    const names = ['integers past 2^53', 'map key __proto__', 'map key constructor holding a map'];
    const records = HOSTILE_RECORDS.filter((record) => names.includes(record.name));
    const folder = temporaryFolder('exact');
    writeTree(folder, {
      [logObjectKey({ id: 'Exact0001' })]: gzippedLogFile(records.map((record) => record.text)),
    });
    const tableName = await createTestTable(client, 'query-exact');
    const store = ['--endpoint', endpoint, '--table', tableName];

    const ingest = await runMltrail(['ingest', folder, ...store]);
    const query = await runMltrail(['query', '--service', 'sagemaker', '--json', ...store]);

    expect(ingest.exitCode).toBe(0);
    expect(query.exitCode).toBe(0);
    const lines = query.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(query.stdout).toContain('"id":9007199254740993');
    expect(query.stdout).toContain('"neg":-9007199254740993');
    expect(query.stdout).toContain('"tags":{"__proto__":{"admin":"true"},"team":"ml"}');
    expect(query.stdout).toContain('"constructor":{"name":"Map","size":3}');
  });
});

describe('mltrail query answers', () => {
  const { client, endpoint } = localDynamoDb();

  it('exits 2 naming the table and the endpoint when the table does not exist, rather than answer nothing', async () => {
    const run = await runMltrail([
      'query',
      '--service',
      'forecast',
      '--endpoint',
      endpoint,
      '--table',
      'never-made',
    ]);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`no events table named never-made at ${endpoint}: ingest log files first`);
  });

  it('reads a service named in any case, and says on stderr when --json output is cut at --limit', async () => {
    const folder = temporaryFolder('cut');
    const records = Array.from({ length: 3 }, (_, index) =>
      JSON.stringify({ ...makeRecord({ eventID: `cut-${index}` }) }),
    );
    writeTree(folder, { [logObjectKey({ id: 'Cut00001' })]: gzippedLogFile(records) });
    const tableName = await createTestTable(client, 'query-cut');
    const store = ['--endpoint', endpoint, '--table', tableName];
    await runMltrail(['ingest', folder, ...store]);

    const cut = await runMltrail(['query', '--service', 'SageMaker', '--json', '--limit', '2', ...store]);
    const whole = await runMltrail(['query', '--service', 'sagemaker', '--json', '--limit', '3', ...store]);
    const table = await runMltrail(['query', '--service', 'sagemaker', '--limit', '2', ...store]);

    expect(cut.stdout.trim().split('\n')).toHaveLength(2);
    expect(cut.stderr).toContain('the newest 2 events; there are more (--limit 0 prints all)');
    expect(whole.stdout.trim().split('\n')).toHaveLength(3);
    expect(whole.stderr).not.toContain('there are more');
    expect(table.stdout).toContain('2 events, all with');
    expect(table.stderr).toContain('the newest 2 events; there are more (--limit 0 prints all)');

    const bySession = await runMltrail([
      'query',
      '--principal',
      'arn:aws:sts::123456789012:assumed-role/MlRole/session',
      '--json',
      ...store,
    ]);
    expect(bySession.stderr).toContain(
      '--principal read as the role arn:aws:iam::123456789012:role/MlRole (events of all its sessions)',
    );
    expect(bySession.stdout.trim().split('\n')).toHaveLength(3);
  });
});

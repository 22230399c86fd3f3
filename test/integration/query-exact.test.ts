import { describe, expect, it } from 'vitest';
import { runMltrail, temporaryFolder, writeTree } from '../cli/cli-harness';
import { gzippedLogFile, logObjectKey } from '../support/factories';
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

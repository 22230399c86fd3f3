import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbEventWriter } from '../../lambda/adapters/dynamodb-event-writer';
import { ingestLogFile } from '../../lambda/core/ingest-log-file';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';
import { chunked, gzippedLogFile, makeRecord } from '../support/factories';
import { HOSTILE_RECORDS } from '../support/hostile-records';
import { createTestTable, localDynamoDb } from '../support/local-aws';

const LOG_FILE = 's3://trail-bucket/AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/02/f.json.gz';

async function scanRaw(tableName: string): Promise<Record<string, AttributeValue>[]> {
  const { client } = localDynamoDb();
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

describe('hostile records through the real writer into DynamoDB Local', () => {
  const { client } = localDynamoDb();

  it('writes every hostile record and every good one of the file, DynamoDB refusing none', async () => {
    const tableName = await createTestTable(client, 'hostile');
    const good = Array.from({ length: 999 }, (_, index) =>
      JSON.stringify(makeRecord({ eventID: `good-${index}` })),
    );
    const records = [...good];
    HOSTILE_RECORDS.forEach((record, index) => {
      records.splice(index * 70, 0, record.text);
    });
    const writer = new DynamoDbEventWriter(client, tableName);

    const summary = await ingestLogFile(
      { body: chunked(gzippedLogFile(records)), logFile: LOG_FILE },
      DEFAULT_SERVICE_CATALOGUE,
      writer,
    );
    const written = await writer.flush();

    const stored = await scanRaw(tableName);
    expect(summary.mlEvents).toBe(999 + HOSTILE_RECORDS.length);
    expect(written.itemsWritten).toBe(999 + HOSTILE_RECORDS.length);
    expect(stored).toHaveLength(999 + HOSTILE_RECORDS.length);
  });

  it('stores payloads exactly: numbers from their text, constructor and __proto__ keys as keys', async () => {
    const tableName = await createTestTable(client, 'exact');
    const names = ['integers past 2^53', 'map key __proto__', 'map key constructor holding a map'];
    const records = HOSTILE_RECORDS.filter((record) => names.includes(record.name)).map(
      (record) => record.text,
    );
    const writer = new DynamoDbEventWriter(client, tableName);

    await ingestLogFile(
      { body: chunked(gzippedLogFile(records)), logFile: LOG_FILE },
      DEFAULT_SERVICE_CATALOGUE,
      writer,
    );
    await writer.flush();

    const byEventId = new Map((await scanRaw(tableName)).map((item) => [item.eventID?.S, item]));
    const parameters = (name: string) => {
      const record = HOSTILE_RECORDS.find((candidate) => candidate.name === name);
      return byEventId.get(record?.eventId)?.requestParameters?.M ?? {};
    };
    expect(parameters('integers past 2^53').id).toEqual({ N: '9007199254740993' });
    expect(parameters('integers past 2^53').neg).toEqual({ N: '-9007199254740993' });
    expect(parameters('integers past 2^53').zero).toEqual({ S: '-0' });
    const tags = parameters('map key __proto__').tags?.M ?? {};
    expect(Object.keys(tags)).toEqual(expect.arrayContaining(['__proto__', 'team']));
    expect(Object.getOwnPropertyDescriptor(tags, '__proto__')?.value).toEqual({
      M: { admin: { S: 'true' } },
    });
    expect(
      Object.getOwnPropertyDescriptor(parameters('map key constructor holding a map'), 'constructor')?.value,
    ).toEqual({
      M: { name: { S: 'Map' }, size: { N: '3' } },
    });
  });
});

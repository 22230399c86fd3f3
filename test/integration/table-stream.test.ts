import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { jsonLines, runMltrail, temporaryFolder, writeTree } from '../cli/cli-harness';
import { createTestTable, localDynamoDb } from '../support/local-aws';
import { readWholeStream } from '../support/table-stream';
import { expectedItems, trailFiles } from './trail-files';

describe("the table's stream, read by a downstream consumer", () => {
  const { client, documents, endpoint } = localDynamoDb();
  const streams = new DynamoDBStreamsClient(clientSettingsFor(endpoint));
  const folder = temporaryFolder('stream');
  const files = trailFiles('stream-trail');
  let tableName: string;
  let streamArn: string;

  const ingest = async () => {
    const run = await runMltrail(['ingest', folder, '--endpoint', endpoint, '--table', tableName, '--json']);
    expect(run.exitCode).toBe(0);
    return jsonLines<{ events: number }>(run.stdout)[0];
  };
  const itemCount = async () =>
    (await documents.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }))).Count ?? 0;

  beforeAll(async () => {
    tableName = await createTestTable(client, 'stream');
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    streamArn = described.Table?.LatestStreamArn as string;
    writeTree(folder, {
      [files.account.key]: files.account.bytes,
      [files.organization.key]: files.organization.bytes,
    });
  });

  it('sees one INSERT per new event, and nothing more when the same files are ingested again', async () => {
    const events = [
      ...expectedItems(files.account, `file://${join(folder, files.account.key)}`),
      ...expectedItems(files.organization, `file://${join(folder, files.organization.key)}`),
    ];

    const first = await ingest();
    const afterFirst = await readWholeStream(streams, streamArn);
    const itemsAfterFirst = await itemCount();
    const second = await ingest();
    const afterSecond = await readWholeStream(streams, streamArn);

    expect(first?.events).toBe(events.length);
    expect(afterFirst.map((record) => record.eventName)).toEqual(events.map(() => 'INSERT'));
    expect(new Set(afterFirst.map((record) => record.dynamodb?.Keys?.eventID?.S)).size).toBe(events.length);
    expect(afterFirst[0]?.dynamodb?.NewImage?.service?.S).toBeDefined();
    expect(second?.events).toBe(events.length);
    expect(await itemCount()).toBe(itemsAfterFirst);
    expect(afterSecond).toHaveLength(afterFirst.length);
  });
});

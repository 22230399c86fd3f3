import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { type BatchWriteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryEvents } from '../../cli/event-queries';
import type { MlEventItem } from '../../contract/ml-event-item';
import { GLOBAL_SECONDARY_INDEXES, TTL_ATTRIBUTE } from '../../contract/table-schema';
import {
  DynamoDbEventWriter,
  MAX_BATCH_WRITE_ITEMS,
  UnprocessedItemsError,
} from '../../lambda/adapters/dynamodb-event-writer';
import { toMlEvent } from '../../lambda/core/ml-event';
import { makeRecord, readSeedRecords } from '../support/factories';
import { createTestTable, localDynamoDb } from '../support/local-aws';

const context = { logFile: 's3://bucket/AWSLogs/f.json.gz' };

function itemOf(overrides: Record<string, unknown>, service = 'sagemaker'): MlEventItem {
  return toMlEvent(makeRecord(overrides), service, context);
}

async function scanAll(
  documents: DynamoDBDocumentClient,
  tableName: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterable) values.push(value);
  return values;
}

describe('DynamoDbEventWriter against DynamoDB Local', () => {
  const { client, documents } = localDynamoDb();

  it('creates the table from the shared definition, with its indexes, stream and TTL', async () => {
    const tableName = await createTestTable(client, 'definition');

    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));

    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      GLOBAL_SECONDARY_INDEXES.map((index) => index.indexName).sort(),
    );
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe(TTL_ATTRIBUTE);
  });

  it('writes many items in batches of 25 with bounded concurrency', async () => {
    const tableName = await createTestTable(client, 'batches');
    const writer = new DynamoDbEventWriter(documents, tableName, { concurrency: 3 });
    const count = MAX_BATCH_WRITE_ITEMS * 8 + 7;

    for (let n = 0; n < count; n += 1) await writer.put(itemOf({ eventID: `evt-${n}` }));
    const summary = await writer.flush();

    expect(summary).toEqual({ itemsWritten: count, duplicates: 0, retries: 0 });
    expect(await scanAll(documents, tableName)).toHaveLength(count);
  });

  it('writes an event CloudTrail logged twice once, even within one batch', async () => {
    const tableName = await createTestTable(client, 'duplicates');
    const writer = new DynamoDbEventWriter(documents, tableName);

    await writer.put(itemOf({ eventID: 'twice' }));
    await writer.put(itemOf({ eventID: 'once' }));
    await writer.put(itemOf({ eventID: 'twice' }));
    const summary = await writer.flush();

    expect(summary).toMatchObject({ itemsWritten: 2, duplicates: 1 });
    expect(await scanAll(documents, tableName)).toHaveLength(2);
  });

  it('stores the item exactly as normalized, readable back through the document client', async () => {
    const tableName = await createTestTable(client, 'roundtrip');
    const seed = readSeedRecords()['forecast-create-dataset'] as Record<string, unknown>;
    const item = toMlEvent(seed, 'forecast', context);
    const writer = new DynamoDbEventWriter(documents, tableName);

    await writer.put(item);
    await writer.flush();

    expect(await scanAll(documents, tableName)).toEqual([item]);
  });

  it('stores payloads with values only DynamoDB-safe forms can hold', async () => {
    const tableName = await createTestTable(client, 'odd-payloads');
    const writer = new DynamoDbEventWriter(documents, tableName);
    let deep: unknown = 'bottom';
    for (let level = 0; level < 40; level += 1) deep = { level: deep };
    const item = itemOf({
      requestParameters: {
        '': 'empty key',
        big: JSON.parse('12345678901234567890'),
        deep,
        list: [],
        map: {},
        empty: '',
      },
      responseElements: { blob: 'x'.repeat(300_000) },
    });

    await writer.put(item);
    await writer.flush();

    const [stored] = await scanAll(documents, tableName);
    expect(stored).toMatchObject({
      responseElementsTruncated: true,
      changedPaths: ['/requestParameters', '/responseElements'],
    });
    expect(JSON.parse(stored?.requestParameters as string)).toMatchObject({
      '': 'empty key',
      list: [],
      map: {},
    });
  });

  describe('access patterns', () => {
    let tableName: string;
    const items = [
      itemOf({ eventID: 'a', eventTime: '2024-06-01T10:00:00Z' }),
      itemOf({ eventID: 'b', eventTime: '2024-06-02T10:00:00Z', eventName: 'CreateEndpoint' }),
      itemOf({ eventID: 'c', eventTime: '2024-06-03T10:00:00Z', recipientAccountId: '222222222222' }),
      itemOf(
        {
          eventID: 'd',
          eventTime: '2024-06-02T12:00:00Z',
          eventSource: 'bedrock.amazonaws.com',
          eventName: 'InvokeModel',
          userIdentity: {
            type: 'IAMUser',
            arn: 'arn:aws:iam::123456789012:user/alice',
            accountId: '123456789012',
          },
        },
        'bedrock',
      ),
    ];

    beforeAll(async () => {
      tableName = await createTestTable(client, 'patterns');
      const writer = new DynamoDbEventWriter(documents, tableName);
      for (const item of items) await writer.put(item);
      await writer.flush();
    });

    const ids = async (query: Parameters<typeof queryEvents>[2]) =>
      (await collect(queryEvents(documents, tableName, query))).map((item) => item.eventId);

    it('reads all events of a service, newest first', async () => {
      expect(await ids({ service: 'sagemaker' })).toEqual(['c', 'b', 'a']);
    });

    it('reads all events of a principal', async () => {
      expect(await ids({ principal: 'arn:aws:iam::123456789012:role/MlRole' })).toEqual(['c', 'b', 'a']);
      expect(await ids({ principal: 'arn:aws:iam::123456789012:user/alice' })).toEqual(['d']);
    });

    it('reads all events in an account', async () => {
      expect(await ids({ accountId: '123456789012' })).toEqual(['d', 'b', 'a']);
      expect(await ids({ accountId: '222222222222' })).toEqual(['c']);
    });

    it('reads one event name of a service', async () => {
      expect(await ids({ service: 'sagemaker', eventName: 'CreateEndpoint' })).toEqual(['b']);
    });

    it('limits a pattern to a time range, whole days included', async () => {
      expect(await ids({ service: 'sagemaker', since: '2024-06-02', until: '2024-06-02' })).toEqual(['b']);
      expect(await ids({ accountId: '123456789012', since: '2024-06-02T11:00:00Z' })).toEqual(['d']);
      expect(await ids({ service: 'sagemaker', until: '2024-06-01' })).toEqual(['a']);
      expect(await ids({ service: 'sagemaker', limit: 2 })).toEqual(['c', 'b']);
    });
  });
});

describe('DynamoDbEventWriter retries (stubbed client: DynamoDB Local never returns UnprocessedItems)', () => {
  type Sent = { RequestItems: Record<string, unknown[]> };

  function stubClient(unprocessedRounds: number) {
    const calls: number[] = [];
    let round = 0;
    const stub = {
      send: async (command: BatchWriteCommand) => {
        const requests = (command.input as Sent).RequestItems.events ?? [];
        calls.push(requests.length);
        round += 1;
        const unprocessed = round <= unprocessedRounds ? requests.slice(0, 2) : [];
        return { UnprocessedItems: unprocessed.length > 0 ? { events: unprocessed } : {} };
      },
    };
    return { client: stub as unknown as DynamoDBDocumentClient, calls };
  }

  it('retries UnprocessedItems with growing, jittered delays until all are written', async () => {
    const { client, calls } = stubClient(3);
    const delays: number[] = [];
    const writer = new DynamoDbEventWriter(client, 'events', {
      sleep: async (ms) => {
        delays.push(ms);
      },
    });

    for (let n = 0; n < 5; n += 1) await writer.put(itemOf({ eventID: `e${n}` }));
    const summary = await writer.flush();

    expect(calls).toEqual([5, 2, 2, 2]);
    expect(summary).toEqual({ itemsWritten: 5, duplicates: 0, retries: 3 });
    expect(delays).toHaveLength(3);
    delays.forEach((delay, attempt) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(50 * 2 ** attempt);
    });
  });

  it('fails with UnprocessedItemsError once the deadline passes', async () => {
    const { client } = stubClient(Number.POSITIVE_INFINITY);
    const writer = new DynamoDbEventWriter(client, 'events', {
      unprocessedDeadlineMs: 0,
      sleep: async () => undefined,
    });

    await writer.put(itemOf({ eventID: 'stuck-1' }));
    await writer.put(itemOf({ eventID: 'stuck-2' }));

    await expect(writer.flush()).rejects.toThrow(UnprocessedItemsError);
  });

  it('surfaces a failed request on the next put or flush', async () => {
    const failing = {
      send: async () => {
        throw new Error('AccessDeniedException: not authorized to perform dynamodb:BatchWriteItem');
      },
    } as unknown as DynamoDBDocumentClient;
    const writer = new DynamoDbEventWriter(failing, 'events');

    for (let n = 0; n < MAX_BATCH_WRITE_ITEMS; n += 1) await writer.put(itemOf({ eventID: `x${n}` }));

    await expect(writer.flush()).rejects.toThrow(/AccessDeniedException/);
  });
});

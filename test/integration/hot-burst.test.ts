import { gzipSync } from 'node:zlib';
import { type AttributeValue, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { capacityOf, MAX_WCU_PER_PARTITION_KEY_VALUE, writeUnitsOfItem } from '../../bench/capacity-model';
import { runLoadBurst } from '../../bench/load-burst';
import { ensureEventsTable } from '../../cli/local/events-table';
import { type EventQuery, getEvent, queryEvents } from '../../client/event-queries';
import { unmarshallItem } from '../../contract/item-marshaller';
import type { MlEventItem } from '../../contract/ml-event-item';
import { GLOBAL_SECONDARY_INDEXES, indexesOf } from '../../contract/table-schema';
import { createDynamoDbReadClient } from '../../lambda/adapters/aws-clients';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';
import { HOT_EVENTS_PER_SECOND, HOT_SECONDS, hotBurstRecords } from '../support/hot-burst';
import { localDynamoDb } from '../support/local-aws';

const EVENTS_PER_FILE = 1_000;
const DRAIN_TIMEOUT_MS = 240_000;
const SETUP_TIMEOUT_MS = 300_000;
const QUERY_REQUEST_TIMEOUT_MS = 120_000;
const QUERY_TEST_TIMEOUT_MS = 300_000;

function logFileKey(n: number): string {
  const id = String(n).padStart(16, '0');
  return `AWSLogs/111122223333/CloudTrail/us-west-2/2024/10/01/111122223333_CloudTrail_us-west-2_20241001T1155Z_${id}.json.gz`;
}

async function scanAll(tableName: string): Promise<MlEventItem[]> {
  const { client } = localDynamoDb();
  const items: MlEventItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page: ScanCommandOutput = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []).map(unmarshallItem));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The loaded table, for the query-path tests that reuse it. */
interface HotBurstTable {
  readonly tableName: string;
  /** Every event written, as its CloudTrail record. */
  readonly records: readonly Record<string, unknown>[];
  readonly items: readonly MlEventItem[];
}

describe('a hot burst of InvokeModel events through the local pipeline', () => {
  const { client } = localDynamoDb();
  let loaded: HotBurstTable;

  beforeAll(async () => {
    const { hot, quiet } = hotBurstRecords();
    const records = [...hot, ...quiet];
    const tableName = `hot-burst-${process.pid}`;
    await ensureEventsTable(client, tableName);
    const files = Array.from({ length: Math.ceil(records.length / EVENTS_PER_FILE) }, (_, n) => ({
      key: logFileKey(n),
      body: () =>
        gzipSync(JSON.stringify({ Records: records.slice(n * EVENTS_PER_FILE, (n + 1) * EVENTS_PER_FILE) })),
    }));
    const result = await runLoadBurst({
      files,
      dynamodb: client,
      tableName,
      drainTimeoutMs: DRAIN_TIMEOUT_MS,
    });
    expect(result.deadLetters).toEqual([]);
    loaded = { tableName, records, items: await scanAll(tableName) };
  }, SETUP_TIMEOUT_MS);

  it('stores every event once', () => {
    expect(loaded.items.map((item) => item.eventID).sort()).toEqual(
      loaded.records.map((record) => record.eventID as string).sort(),
    );
  });

  it('puts no partition-key value of the table or of any index over 1,000 WCU in any second of eventTime', () => {
    const capacity = capacityOf(loaded.items, GLOBAL_SECONDARY_INDEXES);

    expect(capacity.map((target) => target.target)).toEqual([
      'table',
      ...GLOBAL_SECONDARY_INDEXES.map((index) => index.indexName),
    ]);
    for (const target of capacity) {
      expect(target.peakWcuPerKeyValueSecond, target.target).toBeLessThanOrEqual(
        MAX_WCU_PER_PARTITION_KEY_VALUE,
      );
    }
    // Unsharded, the hot key would take 12,000 WCU in one second.
    expect(
      capacity.find((target) => target.target === 'byPrincipal')?.peakWcuPerKeyValueSecond,
    ).toBeGreaterThan(HOT_EVENTS_PER_SECOND / 16);
  });

  it('writes a typical InvokeModel in at most 3 WRU with the default indexes', () => {
    const invokeModels = loaded.items.filter((item) => item.eventName === 'InvokeModel');

    const units = new Set(invokeModels.map((item) => writeUnitsOfItem(item, indexesOf([]))));

    expect(invokeModels).toHaveLength(HOT_EVENTS_PER_SECOND * HOT_SECONDS);
    expect([...units]).toEqual([3]);
  });

  describe('then every query path returns exactly the expected events, newest first', () => {
    // A page of 1 MB of summaries can take DynamoDB Local longer than the CLI's 10 s a request on
    // a busy machine: these reads get the CLI's read client with more time per request.
    const reader = createDynamoDbReadClient({
      endpoint: localDynamoDb().endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: {
        connectionTimeout: 10_000,
        requestTimeout: QUERY_REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
    const SERVICES = [...new Set(DEFAULT_SERVICE_CATALOGUE.values())];
    const newestFirst = (a: MlEventItem, b: MlEventItem) =>
      a.eventTime === b.eventTime ? (a.eventID < b.eventID ? 1 : -1) : a.eventTime < b.eventTime ? 1 : -1;
    const expected = (keep: (item: MlEventItem) => boolean) =>
      loaded.items
        .filter(keep)
        .sort(newestFirst)
        .map((item) => item.eventID);
    const read = async (query: EventQuery) => {
      const ids: string[] = [];
      for await (const event of queryEvents({ client: reader, tableName: loaded.tableName }, query))
        ids.push(event.eventID);
      return ids;
    };
    const principal = 'arn:aws:iam::956882123456:user/himan';
    const resource = 'arn:aws:forecast:us-west-2:111122223333:dataset/d1';

    it.each<[string, EventQuery, (item: MlEventItem) => boolean]>([
      ['a busy service', { service: 'bedrock' }, (item) => item.service === 'bedrock'],
      ['a quiet service', { service: 'forecast' }, (item) => item.service === 'forecast'],
      ['the principal', { principal }, (item) => item.principal === principal],
      ['the account', { recipientAccountId: '956882123456' }, () => true],
      [
        'one API of a service',
        { service: 'forecast', eventName: 'CreateDataset' },
        (item) => item.service === 'forecast' && item.eventName === 'CreateDataset',
      ],
      ['the human behind the calls', { actor: 'himan' }, (item) => item.actor === 'himan'],
      ['a resource', { resourceArn: resource }, (item) => item.resourceArn === resource],
      [
        'the failed calls of a service',
        { service: 'personalize', errorsOnly: true },
        (item) => item.service === 'personalize' && item.errorCode !== undefined,
      ],
      ['every failed call', { errorsOnly: true, services: SERVICES }, (item) => item.errorCode !== undefined],
      [
        'a time range, all services',
        { since: '2024-10-01T11:52:37Z', until: '2024-10-01T11:52:37Z', services: SERVICES },
        (item) => item.eventTime === '2024-10-01T11:52:37Z',
      ],
    ])('%s', { timeout: QUERY_TEST_TIMEOUT_MS }, async (_, query, keep) => {
      const ids = await read(query);

      expect(ids.length).toBeGreaterThan(0);
      expect(ids).toEqual(expected(keep));
    });

    it('one eventID, without its service or time', async () => {
      const chosen = loaded.items[loaded.items.length >> 1] as MlEventItem;

      expect(await getEvent({ client: reader, tableName: loaded.tableName }, chosen.eventID)).toEqual(chosen);
    });
  });
});

import {
  BatchGetItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventsTableDefinition } from '../../cli/local/events-table';
import {
  type EventQuery,
  type EventsTable,
  getEvent,
  InvalidCursorError,
  MissingIndexError,
  queryEventPage,
  queryEvents,
  UnprocessedKeysError,
} from '../../client/event-queries';
import { MAX_KEY_SHARDS } from '../../contract/key-shards';
import type { MlEventItem } from '../../contract/ml-event-item';
import { indexesOf, LIST_ATTRIBUTES } from '../../contract/table-schema';
import {
  ALICE_ARN,
  makeAliceForecastItem,
  makeEventItem,
  newestFirst,
  putEventItems,
} from '../support/event-items';
import { createTestTable, localDynamoDb } from '../support/local-aws';

const SERVICES = ['bedrock', 'forecast', 'sagemaker', 'comprehend', 'personalize'];
const APP_ROLE = 'arn:aws:iam::111122223333:role/genai-app-role';
const SCIENTIST_ROLE = 'arn:aws:iam::111122223333:role/DataScientist';
const ALICE = ALICE_ARN;
const ENDPOINT_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:endpoint/churn';
const DATASET_ARN = 'arn:aws:forecast:eu-west-1:444455556666:dataset/sales';

function second(offset: number): string {
  return new Date(Date.parse('2024-10-01T11:00:00Z') + offset * 1000).toISOString().replace('.000', '');
}

// 160 InvokeModel calls of one role, ten a second: over every shard of bedrock, same-second ties.
const HOT = Array.from({ length: 160 }, (_, index) =>
  makeEventItem({
    eventID: `b${String(index).padStart(3, '0')}-${(index * 7919).toString(16)}`,
    eventTime: second(Math.floor(index / 10)),
  }),
);
const BEDROCK_ERRORS = [0, 1].map((index) =>
  makeEventItem({
    eventID: `bedrock-throttled-${index}`,
    eventTime: second(30 + index),
    errorCode: 'ThrottlingException',
    errorMessage: 'Too many requests',
  }),
);
const FORECAST = Array.from({ length: 5 }, (_, index) =>
  makeAliceForecastItem({
    eventID: `forecast-${index}`,
    eventTime: second(40 + index),
    eventName: index === 0 ? 'DeleteDataset' : 'DescribeDataset',
    readOnly: index !== 0,
    resourceArn: DATASET_ARN,
    resourceArns: [DATASET_ARN],
    ...(index === 0 ? { errorCode: 'AccessDenied', errorMessage: 'not allowed' } : {}),
  }),
);
const SAGEMAKER = Array.from({ length: 4 }, (_, index) =>
  makeEventItem({
    eventID: `sagemaker-${index}`,
    eventTime: second(50 + index),
    service: 'sagemaker',
    eventSource: 'sagemaker.amazonaws.com',
    eventName: index < 2 ? 'CreateEndpoint' : 'InvokeEndpoint',
    readOnly: false,
    awsRegion: 'us-east-1',
    principal: SCIENTIST_ROLE,
    principalArn: `arn:aws:sts::111122223333:assumed-role/DataScientist/alice`,
    actor: 'alice',
    sourceIPAddress: '203.0.113.7',
    resourceArn: ENDPOINT_ARN,
    ...(index === 1 ? { errorCode: 'ValidationException' } : {}),
  }),
);
const ALL = [...HOT, ...BEDROCK_ERRORS, ...FORECAST, ...SAGEMAKER];

const idsOf = (items: readonly MlEventItem[]) => newestFirst(items);

/** Every eventID of a query, page by page, checking each page's size. */
async function pagedIds(table: EventsTable, query: EventQuery, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await queryEventPage(table, query, { limit, ...(cursor ? { cursor } : {}) });
    expect(page.events.length).toBeLessThanOrEqual(limit);
    ids.push(...page.events.map((event) => event.eventID));
    cursor = page.cursor;
    pages += 1;
    expect(pages).toBeLessThan(1000);
  } while (cursor !== undefined);
  return ids;
}

async function streamedIds(table: EventsTable, query: EventQuery): Promise<string[]> {
  const ids: string[] = [];
  for await (const event of queryEvents(table, query)) ids.push(event.eventID);
  return ids;
}

describe('the query module against DynamoDB Local', () => {
  const { client } = localDynamoDb();
  let table: EventsTable;

  beforeAll(async () => {
    table = { client, tableName: await createTestTable(client, 'queries') };
    await putEventItems(client, table.tableName, ALL);
  });

  it('spreads a hot service over every shard and merges them newest first', async () => {
    expect(new Set(HOT.map((item) => item.keyShard)).size).toBe(MAX_KEY_SHARDS);

    expect(await streamedIds(table, { service: 'bedrock' })).toEqual(idsOf([...HOT, ...BEDROCK_ERRORS]));
  });

  it.each([2, 7, 10, 50, 1000])(
    'returns every event exactly once, in order, across pages of %i with events of the same second',
    async (limit) => {
      expect(await pagedIds(table, { service: 'bedrock' }, limit)).toEqual(
        idsOf([...HOT, ...BEDROCK_ERRORS]),
      );
    },
  );

  it('pages failed calls, whose index also sorts by errorCode, exactly once', async () => {
    const failed = ALL.filter((item) => item.errorCode !== undefined);

    expect(await pagedIds(table, { errorsOnly: true, services: SERVICES }, 1)).toEqual(idsOf(failed));
  });

  it('reads a quiet service from shard 0 within a time range, both ends inclusive', async () => {
    expect(await streamedIds(table, { service: 'forecast', since: second(41), until: second(43) })).toEqual([
      'forecast-3',
      'forecast-2',
      'forecast-1',
    ]);
    expect(await streamedIds(table, { service: 'forecast', until: '2024-10-01T11:00' })).toEqual(
      idsOf(FORECAST),
    );
  });

  it.each<[string, EventQuery, (item: MlEventItem) => boolean]>([
    ['principal', { principal: ALICE }, (item) => item.principal === ALICE],
    [
      'principal within a service',
      { principal: APP_ROLE, service: 'bedrock' },
      (item) => item.principal === APP_ROLE,
    ],
    ['account', { recipientAccountId: '444455556666' }, (item) => item.recipientAccountId === '444455556666'],
    [
      'event name of a service',
      { service: 'sagemaker', eventName: 'CreateEndpoint' },
      (item) => item.eventName === 'CreateEndpoint',
    ],
    [
      'event name across the services',
      { eventName: 'InvokeModel', services: SERVICES },
      (item) => item.eventName === 'InvokeModel',
    ],
    ['actor across roles and users', { actor: 'alice' }, (item) => item.actor === 'alice'],
    ['resource', { resourceArn: ENDPOINT_ARN }, (item) => item.resourceArn === ENDPOINT_ARN],
    [
      'failed calls of a service',
      { errorsOnly: true, service: 'bedrock' },
      (item) => item.service === 'bedrock' && item.errorCode !== undefined,
    ],
    [
      'failed calls of an account',
      { errorsOnly: true, recipientAccountId: '111122223333', services: SERVICES },
      (item) => item.recipientAccountId === '111122223333' && item.errorCode !== undefined,
    ],
    [
      'a time range across services',
      { since: second(15), services: SERVICES },
      (item) => item.eventTime >= second(15),
    ],
  ])('finds the events of a %s', async (_, query, expected) => {
    expect(await pagedIds(table, query, 20)).toEqual(idsOf(ALL.filter(expected)));
  });

  it.each<[string, EventQuery, (item: MlEventItem) => boolean]>([
    [
      'source IP',
      { sourceIPAddress: '203.0.113.7', services: SERVICES },
      (item) => item.sourceIPAddress === '203.0.113.7',
    ],
    ['access key', { accessKeyId: 'AKIAALICE', actor: 'alice' }, (item) => item.accessKeyId === 'AKIAALICE'],
    [
      'read-only calls',
      { readOnly: true, actor: 'alice' },
      (item) => item.actor === 'alice' && item.readOnly === true,
    ],
    ['writes', { readOnly: false, services: SERVICES }, (item) => item.readOnly === false],
    [
      'event Region',
      { awsRegion: 'eu-west-1', services: SERVICES },
      (item) => item.awsRegion === 'eu-west-1',
    ],
    [
      'errors of a principal',
      { errorsOnly: true, principal: APP_ROLE },
      (item) => item.principal === APP_ROLE && item.errorCode !== undefined,
    ],
  ])('filters by %s and keeps reading until the page is full', async (_, query, expected) => {
    const matching = idsOf(ALL.filter(expected));

    const page = await queryEventPage(table, query, { limit: 2 });
    const all = await pagedIds(table, query, 2);

    expect(page.events.map((event) => event.eventID)).toEqual(matching.slice(0, 2));
    expect(all).toEqual(matching);
  });

  it('returns what the index projects unless full events are asked for', async () => {
    const summaries = await queryEventPage(table, { service: 'forecast' }, { limit: 2 });
    const full = await queryEventPage(table, { service: 'forecast' }, { limit: 2, full: true });
    const streamed: MlEventItem[] = [];
    for await (const item of queryEvents(table, { service: 'forecast' }, { full: true, limit: 2 })) {
      streamed.push(item);
    }

    const projected = new Set([...LIST_ATTRIBUTES, 'eventID', 'eventTime', 'keyShard']);
    for (const summary of summaries.events) {
      expect(Object.keys(summary).every((name) => projected.has(name))).toBe(true);
      expect(summary).not.toHaveProperty('requestParameters');
    }
    expect(full.events).toEqual(FORECAST.slice(-2).reverse());
    expect(streamed).toEqual(FORECAST.slice(-2).reverse());
    expect(full.consumedReadUnits).toBeGreaterThan(summaries.consumedReadUnits);
  });

  it('gets one event by eventID without knowing its service or time', async () => {
    expect(await getEvent(table, 'sagemaker-1')).toEqual(SAGEMAKER[1]);
    expect(await getEvent(table, 'no-such-event')).toBeUndefined();
  });

  it('refuses a cursor of another query', async () => {
    const page = await queryEventPage(table, { service: 'bedrock' }, { limit: 1 });

    await expect(
      queryEventPage(table, { service: 'forecast' }, { limit: 1, cursor: page.cursor as string }),
    ).rejects.toThrow(InvalidCursorError);
    await expect(queryEventPage(table, { service: 'forecast' }, { cursor: 'not-a-cursor' })).rejects.toThrow(
      InvalidCursorError,
    );
  });

  it('says a query across services needs the services of the catalogue', async () => {
    await expect(queryEventPage(table, { since: second(0) })).rejects.toThrow(
      'a query by time range alone reads every service: give the services of the catalogue in force',
    );
  });
});

describe('long key values', () => {
  const { client } = localDynamoDb();

  it('finds a principal, account, actor, resource, event name and eventID longer than a key can hold, by the values as logged', async () => {
    const table = { client, tableName: await createTestTable(client, 'long-keys') };
    const logged = {
      eventID: `e-${'i'.repeat(1500)}`,
      principal: `arn:aws:iam::123456789012:user/${'a'.repeat(2500)}`,
      recipientAccountId: '9'.repeat(2500),
      actor: `${'é'.repeat(1500)}`,
      resourceArn: `arn:aws:s3:::${'r'.repeat(2500)}`,
      eventName: `Invoke${'M'.repeat(2500)}`,
      errorCode: `Error${'E'.repeat(1500)}`,
    };
    const item = makeEventItem({ ...logged, service: 'sagemaker', eventSource: 'sagemaker.amazonaws.com' });
    await putEventItems(client, table.tableName, [item]);

    const queries: EventQuery[] = [
      { principal: logged.principal },
      { recipientAccountId: logged.recipientAccountId },
      { actor: logged.actor },
      { resourceArn: logged.resourceArn },
      { service: 'sagemaker', eventName: logged.eventName },
      { principal: logged.principal, actor: logged.actor, eventName: logged.eventName },
      { errorsOnly: true, service: 'sagemaker' },
    ];
    for (const query of queries) {
      expect(await pagedIds(table, query, 1), JSON.stringify(query).slice(0, 80)).toEqual([item.eventID]);
    }
    expect(item.eventID).not.toBe(logged.eventID);
    expect((await getEvent(table, logged.eventID))?.eventID).toBe(item.eventID);
  });
});

describe('a table without the opt-in indexes', () => {
  const { client } = localDynamoDb();
  let table: EventsTable;

  beforeAll(async () => {
    table = { client, tableName: `default-indexes-${process.pid}` };
    await client.send(new CreateTableCommand(eventsTableDefinition(table.tableName, indexesOf([]))));
    await putEventItems(client, table.tableName, FORECAST);
  });

  it.each<[EventQuery, string]>([
    [{ actor: 'alice' }, 'byActor'],
    [{ recipientAccountId: '444455556666' }, 'byAccount'],
    [{ service: 'forecast', eventName: 'DeleteDataset' }, 'byEventName'],
  ])('refuses %j naming the index and the context key that adds it', async (query, indexName) => {
    const refusal = queryEventPage(table, query);

    await expect(refusal).rejects.toThrow(MissingIndexError);
    await expect(refusal).rejects.toThrow(
      `needs the table's ${indexName} index, which table ${table.tableName} lacks: redeploy with -c optionalIndexes=${indexName}`,
    );
  });

  it('describes the table once per client and table', async () => {
    let describes = 0;
    const counting = Object.create(client) as DynamoDBClient;
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    counting.send = ((command: unknown) => {
      if (command instanceof DescribeTableCommand) describes += 1;
      return send(command);
    }) as DynamoDBClient['send'];
    const counted = { client: counting, tableName: table.tableName };

    await expect(queryEventPage(counted, { actor: 'alice' })).rejects.toThrow(MissingIndexError);
    await expect(queryEventPage(counted, { recipientAccountId: '1' })).rejects.toThrow(MissingIndexError);

    expect(describes).toBe(1);
  });

  // DynamoDB Local grants everything: this stand-in refuses DescribeTable as IAM does without
  // dynamodb:DescribeTable, so that the Query's own answer has to tell the missing index.
  it('tells a missing index from the Query when DescribeTable is not allowed', async () => {
    const denying = Object.create(client) as DynamoDBClient;
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    denying.send = (async (command: unknown) => {
      if (command instanceof DescribeTableCommand) {
        throw Object.assign(new Error('not authorized to perform: dynamodb:DescribeTable'), {
          name: 'AccessDeniedException',
        });
      }
      return send(command);
    }) as DynamoDBClient['send'];

    await expect(
      queryEventPage({ client: denying, tableName: table.tableName }, { actor: 'alice' }),
    ).rejects.toThrow("a query by actor needs the table's byActor index");
  });

  it('answers the default patterns', async () => {
    expect(await streamedIds(table, { principal: ALICE })).toEqual(idsOf(FORECAST));
    expect(
      await streamedIds(table, { errorsOnly: true, recipientAccountId: '444455556666', services: SERVICES }),
    ).toEqual(['forecast-0']);
  });
});

describe('full events when BatchGetItem leaves keys unprocessed', () => {
  const { client } = localDynamoDb();

  // DynamoDB Local never throttles a BatchGetItem: this stand-in answers like a throttled table,
  // reading only `kept` of the requested keys and returning the rest as UnprocessedKeys, `rounds` times.
  function unprocessingClient(rounds: number, kept: number): { client: DynamoDBClient; batches: number[] } {
    const batches: number[] = [];
    let left = rounds;
    const send = client.send.bind(client) as (command: unknown) => Promise<Record<string, unknown>>;
    const wrapped = Object.create(client) as DynamoDBClient;
    wrapped.send = (async (command: { input: unknown }) => {
      if (!(command instanceof BatchGetItemCommand) || left === 0) return send(command);
      left -= 1;
      const [tableName, request] = Object.entries(command.input.RequestItems ?? {})[0] ?? [];
      const keys = request?.Keys ?? [];
      batches.push(keys.length);
      const output =
        kept === 0
          ? { Responses: { [tableName as string]: [] } }
          : await send(
              new BatchGetItemCommand({
                RequestItems: { [tableName as string]: { Keys: keys.slice(0, kept) } },
              }),
            );
      return { ...output, UnprocessedKeys: { [tableName as string]: { Keys: keys.slice(kept) } } };
    }) as DynamoDBClient['send'];
    return { client: wrapped, batches };
  }

  it('retries the unprocessed keys until every item is read, in order', async () => {
    const tableName = await createTestTable(client, 'unprocessed');
    await putEventItems(client, tableName, FORECAST);
    const { client: throttled, batches } = unprocessingClient(3, 1);

    const page = await queryEventPage(
      { client: throttled, tableName },
      { service: 'forecast' },
      { full: true },
    );

    expect(page.events).toEqual([...FORECAST].reverse());
    expect(batches).toEqual([5, 4, 3]);
  });

  it('fails naming the table when keys stay unprocessed', async () => {
    const tableName = await createTestTable(client, 'unprocessed-forever');
    await putEventItems(client, tableName, FORECAST.slice(0, 2));
    const { client: throttled } = unprocessingClient(Number.POSITIVE_INFINITY, 0);

    await expect(
      queryEventPage({ client: throttled, tableName }, { service: 'forecast' }, { full: true }),
    ).rejects.toThrow(UnprocessedKeysError);
  });
});

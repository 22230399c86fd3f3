import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  RequestLimitExceeded,
  ThrottlingException,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryEvents } from '../../client/event-queries';
import type { MlEventItem } from '../../contract/ml-event-item';
import { GLOBAL_SECONDARY_INDEXES, TTL_ATTRIBUTE } from '../../contract/table-schema';
import {
  DynamoDbEventWriter,
  EventWriteError,
  MAX_BATCH_WRITE_ITEMS,
  MAX_REJECTED_NOTES,
  RETRY_BASE_DELAY_MS,
  RETRY_MAX_DELAY_MS,
  WriteDeadlineError,
  type WriteRetry,
} from '../../lambda/adapters/dynamodb-event-writer';
import { toMlEvent } from '../../lambda/core/ml-event';
import { seededRandom } from '../support/dynamodb-fault-proxy';
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

const noWrites = { itemsWritten: 0, duplicates: 0, retries: 0, rejectedItems: 0, rejected: [] };

describe('DynamoDbEventWriter against DynamoDB Local', () => {
  const { client, documents } = localDynamoDb();

  it('creates the table from the shared definition, with its indexes, stream and TTL', async () => {
    const tableName = await createTestTable(client, 'definition');

    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));

    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      GLOBAL_SECONDARY_INDEXES.map((index) => index.indexName).sort(),
    );
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe(TTL_ATTRIBUTE);
  });

  it('writes many items in batches of 25 with bounded concurrency', async () => {
    const tableName = await createTestTable(client, 'batches');
    const writer = new DynamoDbEventWriter(client, tableName, { concurrency: 3 });
    const count = MAX_BATCH_WRITE_ITEMS * 8 + 7;

    for (let n = 0; n < count; n += 1) await writer.put(itemOf({ eventID: `evt-${n}` }));
    const summary = await writer.flush();

    expect(summary).toEqual({ ...noWrites, itemsWritten: count });
    expect(await scanAll(documents, tableName)).toHaveLength(count);
  });

  it('writes an event CloudTrail logged twice once, even within one batch', async () => {
    const tableName = await createTestTable(client, 'duplicates');
    const writer = new DynamoDbEventWriter(client, tableName);

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
    const writer = new DynamoDbEventWriter(client, tableName);

    await writer.put(item);
    await writer.flush();

    expect(await scanAll(documents, tableName)).toEqual([item]);
  });

  it('stores payloads with values only DynamoDB-safe forms can hold', async () => {
    const tableName = await createTestTable(client, 'odd-payloads');
    const writer = new DynamoDbEventWriter(client, tableName);
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

  // Built past normalization on purpose: whatever the core lets through, one refusal stays one item's.
  const refusedItems: [string, (item: MlEventItem) => MlEventItem, RegExp][] = [
    [
      'a principal of 3 KB (an index key over 2,048 bytes)',
      (item) => ({ ...item, principal: `arn:aws:iam::123456789012:role/${'r'.repeat(3_000)}` }),
      /Size limit exceeded|2048/,
    ],
    [
      'an eventID over 1,024 bytes (a sort key of every index)',
      (item) => ({ ...item, eventID: `${item.eventID}${'x'.repeat(1_100)}` }),
      /Size limit exceeded|range primary key values must be under 1024 bytes/,
    ],
    [
      'the number 1e200 in a payload',
      (item) => ({ ...item, requestParameters: { maxResults: 1e200 } }),
      /Number overflow/,
    ],
    [
      'an errorMessage of 5 MB (an item over 400 KB)',
      (item) => ({ ...item, errorMessage: 'e'.repeat(5 * 1024 * 1024) }),
      /Item size has exceeded the maximum allowed size/,
    ],
  ];

  it.each(refusedItems)(
    'writes 999 of 1,000 items when DynamoDB refuses one: %s',
    async (_, spoil, message) => {
      const tableName = await createTestTable(client, 'refused');
      const writer = new DynamoDbEventWriter(client, tableName);
      const items = Array.from({ length: 1_000 }, (_, n) => itemOf({ eventID: `evt-${n}` }));
      const refused = spoil(items[100] as MlEventItem);
      items[100] = refused;

      for (const item of items) await writer.put(item);
      const summary = await writer.flush();

      expect(summary).toMatchObject({ itemsWritten: 999, rejectedItems: 1 });
      expect(summary.rejected).toEqual([
        { eventId: refused.eventID, message: expect.stringMatching(message) },
      ]);
      const stored = await scanAll(documents, tableName);
      expect(stored).toHaveLength(999);
      expect(stored.map((item) => item.eventID)).not.toContain('evt-100');
    },
  );

  it('notes the first 10 refused items and counts every one', async () => {
    const tableName = await createTestTable(client, 'refused-many');
    const writer = new DynamoDbEventWriter(client, tableName);
    const refusedIds = new Set<string>();

    for (let n = 0; n < 40; n += 1) {
      const item = itemOf({ eventID: `evt-${n}` });
      if (n % 3 === 0) refusedIds.add(item.eventID);
      await writer.put(n % 3 === 0 ? { ...item, requestParameters: { size: 1e200 } } : item);
    }
    const summary = await writer.flush();

    expect(summary).toMatchObject({ itemsWritten: 26, rejectedItems: 14 });
    const noted = summary.rejected.map((note) => note.eventId);
    expect(new Set(noted).size).toBe(MAX_REJECTED_NOTES);
    expect(noted.filter((eventId) => !refusedIds.has(eventId))).toEqual([]);
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
      const writer = new DynamoDbEventWriter(client, tableName);
      for (const item of items) await writer.put(item);
      await writer.flush();
    });

    const ids = async (query: Parameters<typeof queryEvents>[1]) =>
      (await collect(queryEvents({ client, tableName }, query))).map((item) => item.eventID);

    it('reads all events of a service, newest first', async () => {
      expect(await ids({ service: 'sagemaker' })).toEqual(['c', 'b', 'a']);
    });

    it('reads all events of a principal', async () => {
      expect(await ids({ principal: 'arn:aws:iam::123456789012:role/MlRole' })).toEqual(['c', 'b', 'a']);
      expect(await ids({ principal: 'arn:aws:iam::123456789012:user/alice' })).toEqual(['d']);
    });

    it('reads all events in an account', async () => {
      expect(await ids({ recipientAccountId: '123456789012' })).toEqual(['d', 'b', 'a']);
      expect(await ids({ recipientAccountId: '222222222222' })).toEqual(['c']);
    });

    it('reads one event name of a service', async () => {
      expect(await ids({ service: 'sagemaker', eventName: 'CreateEndpoint' })).toEqual(['b']);
    });

    it('limits a pattern to a time range, whole days included', async () => {
      expect(await ids({ service: 'sagemaker', since: '2024-06-02', until: '2024-06-02' })).toEqual(['b']);
      expect(await ids({ recipientAccountId: '123456789012', since: '2024-06-02T11:00:00Z' })).toEqual(['d']);
      expect(await ids({ service: 'sagemaker', until: '2024-06-01' })).toEqual(['a']);
      const firstTwo = await collect(
        queryEvents({ client, tableName }, { service: 'sagemaker' }, { limit: 2 }),
      );
      expect(firstTwo.map((item) => item.eventID)).toEqual(['c', 'b']);
    });
  });
});

const eventIdOfWrite = (write: WriteRequest) => write.PutRequest?.Item?.eventID?.S as string;

/** One answer of the stubbed client: a response, or an error to throw. */
type StubAnswer = { UnprocessedItems?: Record<string, WriteRequest[]> } | Error;

interface SentRequest {
  readonly operation: 'BatchWriteItem' | 'PutItem';
  readonly eventIds: readonly string[];
  readonly at: number;
  readonly signal?: AbortSignal;
}

/**
 * A client that answers from a script (DynamoDB Local never throttles, never returns
 * UnprocessedItems and cannot be made to time out on cue); past the script every request succeeds.
 */
function stubClient(
  answer: (request: SentRequest, n: number) => StubAnswer | Promise<StubAnswer>,
  clock: Clock,
) {
  const sent: SentRequest[] = [];
  const send = async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
    const sentAs = { at: clock.now(), signal: options?.abortSignal };
    let request: SentRequest;
    if (command instanceof BatchWriteItemCommand) {
      const writes = command.input.RequestItems?.events ?? [];
      request = { operation: 'BatchWriteItem', eventIds: writes.map(eventIdOfWrite), ...sentAs };
    } else if (command instanceof PutItemCommand) {
      request = { operation: 'PutItem', eventIds: [command.input.Item?.eventID?.S as string], ...sentAs };
    } else {
      throw new Error(`unexpected command ${String(command)}`);
    }
    sent.push(request);
    const result = await answer(request, sent.length);
    if (result instanceof Error) throw result;
    return result;
  };
  return { client: { send } as unknown as DynamoDBClient, sent };
}

/** A clock that only moves when the writer sleeps. */
class Clock {
  private ms = 1_000_000;
  readonly slept: number[] = [];
  readonly now = () => this.ms;
  readonly sleep = async (ms: number) => {
    this.slept.push(ms);
    this.ms += ms;
  };
}

function unprocessed(request: SentRequest, count: number): StubAnswer {
  return {
    UnprocessedItems: {
      events: request.eventIds.slice(0, count).map((eventId) => ({
        PutRequest: { Item: { eventId: { S: eventId } } },
      })),
    },
  };
}

const metadata = { httpStatusCode: 400 };
const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded',
    $metadata: metadata,
  });
const validation = (message: string) =>
  new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    $metadata: metadata,
    message,
  });

function writerWith(
  client: DynamoDBClient,
  clock: Clock,
  options: { deadlineInMs?: number; retries?: WriteRetry[] } = {},
) {
  return new DynamoDbEventWriter(client, 'events', {
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    deadline: clock.now() + (options.deadlineInMs ?? 60_000),
    onRetry: (retry) => options.retries?.push(retry),
  });
}

async function putEvents(writer: DynamoDbEventWriter, count: number, prefix = 'e'): Promise<void> {
  for (let n = 0; n < count; n += 1) await writer.put(itemOf({ eventID: `${prefix}${n}` }));
}

describe('DynamoDbEventWriter retry policy (stubbed client: DynamoDB Local never throttles)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries UnprocessedItems with full-jitter exponential delays until all are written (stubbed client)', async () => {
    const clock = new Clock();
    const { client, sent } = stubClient((request, n) => (n <= 3 ? unprocessed(request, 2) : {}), clock);
    const retries: WriteRetry[] = [];
    const writer = writerWith(client, clock, { retries });

    await putEvents(writer, 5);
    const summary = await writer.flush();

    expect(sent.map((request) => request.eventIds.length)).toEqual([5, 2, 2, 2]);
    expect(summary).toEqual({ ...noWrites, itemsWritten: 5, retries: 3 });
    // Full jitter: a random share (0.5 here) of base * 2^attempt.
    expect(clock.slept).toEqual([0, 1, 2].map((attempt) => 0.5 * RETRY_BASE_DELAY_MS * 2 ** attempt));
    expect(retries.map((retry) => [retry.attempt, retry.reason, retry.items])).toEqual([
      [1, 'UnprocessedItems', 2],
      [2, 'UnprocessedItems', 2],
      [3, 'UnprocessedItems', 2],
    ]);
  });

  it('caps the delay between retries (stubbed client)', async () => {
    const clock = new Clock();
    const { client } = stubClient((request, n) => (n <= 12 ? unprocessed(request, 1) : {}), clock);
    const writer = writerWith(client, clock);

    await putEvents(writer, 1);
    await writer.flush();

    expect(Math.max(...clock.slept)).toBe(0.5 * RETRY_MAX_DELAY_MS);
  });

  const retryable: [string, () => Error][] = [
    ['ProvisionedThroughputExceededException', throttled],
    ['ThrottlingException', () => new ThrottlingException({ message: 'Rate exceeded', $metadata: metadata })],
    [
      'RequestLimitExceeded',
      () =>
        new RequestLimitExceeded({ message: 'Throughput exceeds the account limit', $metadata: metadata }),
    ],
    [
      'InternalServerError',
      () => new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } }),
    ],
    [
      'ServiceUnavailable',
      () =>
        new DynamoDBServiceException({
          name: 'ServiceUnavailable',
          $fault: 'server',
          $metadata: { httpStatusCode: 503 },
        }),
    ],
    [
      'TimeoutError',
      () =>
        Object.assign(new Error('a request has exceeded the configured 10000 ms requestTimeout'), {
          name: 'TimeoutError',
        }),
    ],
    ['ECONNRESET', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    [
      'ECONNREFUSED',
      () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }),
    ],
  ];

  it.each(retryable)(
    'retries a batch that failed with %s, then writes it (stubbed client)',
    async (reason, error) => {
      const clock = new Clock();
      const { client, sent } = stubClient((_, n) => (n <= 2 ? error() : {}), clock);
      const retries: WriteRetry[] = [];
      const writer = writerWith(client, clock, { retries });

      await putEvents(writer, 3);
      const summary = await writer.flush();

      expect(sent).toHaveLength(3);
      expect(summary).toMatchObject({ itemsWritten: 3, retries: 2 });
      expect(retries.map((retry) => retry.reason)).toEqual([reason, reason]);
    },
  );

  it('turns endless throttling into WriteDeadlineError at the deadline, with no request sent past it (stubbed client)', async () => {
    const clock = new Clock();
    const { client, sent } = stubClient(() => throttled(), clock);
    const writer = writerWith(client, clock, { deadlineInMs: 30_000 });
    const deadline = clock.now() + 30_000;

    await putEvents(writer, 3);
    const failure = writer.flush();

    await expect(failure).rejects.toThrow(WriteDeadlineError);
    await expect(failure).rejects.toThrow(
      /^3 item\(s\) still unwritten at the write deadline \(last: ProvisionedThroughputExceededException/,
    );
    await expect(failure).rejects.toHaveProperty('cause.name', 'ProvisionedThroughputExceededException');
    expect(sent.length).toBeGreaterThan(10);
    expect(sent.every((request) => request.at < deadline)).toBe(true);
    expect(clock.now()).toBeLessThan(deadline);
    expect(writer.written()).toMatchObject({ itemsWritten: 0, retries: sent.length - 1 });
  });

  it('slows a file down under throttling of 30% of requests, and writes all of it (stubbed client)', async () => {
    const clock = new Clock();
    const random = seededRandom(42);
    const { client } = stubClient(() => (random() < 0.3 ? throttled() : {}), clock);
    const writer = writerWith(client, clock, { deadlineInMs: 60_000 });

    await putEvents(writer, 2_000);
    const summary = await writer.flush();

    expect(summary.itemsWritten).toBe(2_000);
    expect(summary.retries).toBeGreaterThan(0);
  });

  it('aborts a request still running at the deadline (stubbed client that never answers)', async () => {
    vi.useFakeTimers();
    const { client, sent } = stubClient(
      (request) =>
        new Promise<StubAnswer>((_, reject) => {
          request.signal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
          );
        }),
      { now: Date.now } as Clock,
    );
    const writer = new DynamoDbEventWriter(client, 'events', { deadline: Date.now() + 5_000 });

    await putEvents(writer, MAX_BATCH_WRITE_ITEMS);
    const failure = writer.flush();
    const settled = expect(failure).rejects.toThrow(WriteDeadlineError);
    await vi.advanceTimersByTimeAsync(5_000);

    await settled;
    await expect(failure).rejects.toHaveProperty('cause.name', 'AbortError');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.signal?.aborted).toBe(true);
  });

  it('sends nothing once the deadline has passed (stubbed client)', async () => {
    const clock = new Clock();
    const { client, sent } = stubClient(() => ({}), clock);
    const writer = writerWith(client, clock, { deadlineInMs: 0 });

    await putEvents(writer, 1);

    await expect(writer.flush()).rejects.toThrow(WriteDeadlineError);
    expect(sent).toEqual([]);
  });

  it('fails at once, naming the error, on an error no retry changes (stubbed client)', async () => {
    const clock = new Clock();
    const denied = new DynamoDBServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: metadata,
      message: 'not authorized to perform: dynamodb:BatchWriteItem',
    });
    const { client, sent } = stubClient(() => denied, clock);
    const writer = writerWith(client, clock);

    for (let n = 0; n < MAX_BATCH_WRITE_ITEMS; n += 1) await writer.put(itemOf({ eventID: `x${n}` }));

    await expect(writer.flush()).rejects.toThrow(EventWriteError);
    await expect(writer.flush()).rejects.toThrow(
      /BatchWriteItem failed: AccessDeniedException: not authorized/,
    );
    expect(sent).toHaveLength(1);
  });

  it('keeps its counts readable after a failure (stubbed client)', async () => {
    const clock = new Clock();
    const denied = new DynamoDBServiceException({
      name: 'ResourceNotFoundException',
      $fault: 'client',
      $metadata: metadata,
    });
    const { client } = stubClient((_, n) => (n === 1 ? {} : denied), clock);
    const writer = new DynamoDbEventWriter(client, 'events', {
      concurrency: 1,
      now: clock.now,
      sleep: clock.sleep,
    });

    await putEvents(writer, MAX_BATCH_WRITE_ITEMS * 2);

    await expect(writer.flush()).rejects.toThrow(EventWriteError);
    expect(writer.written().itemsWritten).toBe(MAX_BATCH_WRITE_ITEMS);
  });

  it('puts the items of a refused batch one by one, retrying a throttled put (stubbed client)', async () => {
    const clock = new Clock();
    let throttledOnce = false;
    const { client, sent } = stubClient((request) => {
      if (request.operation === 'BatchWriteItem')
        return validation('Item size has exceeded the maximum allowed size');
      if (request.eventIds[0] === 'e1') return validation('Item size has exceeded the maximum allowed size');
      if (request.eventIds[0] === 'e2' && !throttledOnce) {
        throttledOnce = true;
        return throttled();
      }
      return {};
    }, clock);
    const retries: WriteRetry[] = [];
    const writer = writerWith(client, clock, { retries });

    await putEvents(writer, 4);
    const summary = await writer.flush();

    expect(sent.map((request) => `${request.operation} ${request.eventIds.join(',')}`)).toEqual([
      'BatchWriteItem e0,e1,e2,e3',
      'PutItem e0',
      'PutItem e1',
      'PutItem e2',
      'PutItem e2',
      'PutItem e3',
    ]);
    expect(summary).toMatchObject({
      itemsWritten: 3,
      rejectedItems: 1,
      retries: 1,
      rejected: [{ eventId: 'e1', message: 'Item size has exceeded the maximum allowed size' }],
    });
    expect(retries).toEqual([
      expect.objectContaining({
        operation: 'PutItem',
        reason: 'ProvisionedThroughputExceededException',
        items: 1,
      }),
    ]);
  });

  it('passes an abort signal with every request (stubbed client)', async () => {
    const clock = new Clock();
    const { client, sent } = stubClient((request, n) => (n === 1 ? unprocessed(request, 1) : {}), clock);
    const writer = writerWith(client, clock);

    await putEvents(writer, MAX_BATCH_WRITE_ITEMS + 1);
    await writer.flush();

    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(sent.every((request) => request.signal instanceof AbortSignal)).toBe(true);
  });
});

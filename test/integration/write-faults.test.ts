import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { type LocalS3Server, startLocalS3 } from '../../cli/local/s3rver-server';
import { createS3Client } from '../../cli/s3-client';
import { METRIC_NAMES } from '../../contract/environment';
import { createS3ObjectReader } from '../../lambda/adapters/aws-clients';
import { RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from '../../lambda/adapters/dynamodb-event-writer';
import type { S3GetObjectClient } from '../../lambda/adapters/s3-get-object';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';
import { createIngestHandler, type FileReport } from '../../lambda/ingest-handler';
import {
  type DynamoDbAnswer,
  type DynamoDbFaultProxy,
  refused,
  seededRandom,
  startDynamoDbFaultProxy,
  THROTTLED,
} from '../support/dynamodb-fault-proxy';
import { gzippedLogFile, logObjectKey, makeRecord } from '../support/factories';
import {
  type LogLine,
  lambdaContextWith,
  RecordingMetrics,
  recordingLogger,
  s3Notification,
  sqsEvent,
} from '../support/lambda-events';
import { createTestTable, dynamoDbClientsFor, localDynamoDb } from '../support/local-aws';
import { readWholeStream } from '../support/table-stream';

const BUCKET = 'fault-trail';
const FULL_INVOCATION_MS = 300_000;
const REFUSED_MESSAGE = 'Item size has exceeded the maximum allowed size';

interface TrailFile {
  readonly key: string;
  readonly logFile: string;
  readonly eventIds: readonly string[];
  readonly bytes: Buffer;
}

function trailFile(id: string, events: number, extraRecords: Record<string, unknown>[] = []): TrailFile {
  const key = logObjectKey({ id });
  const records = [
    ...Array.from({ length: events }, (_, n) => makeRecord({ eventID: `${id}-${n}` })),
    ...extraRecords,
  ];
  return {
    key,
    logFile: `s3://${BUCKET}/${key}`,
    eventIds: records.map((record) => record.eventID as string),
    bytes: gzippedLogFile(records),
  };
}

describe('write faults, end to end: s3rver -> handler -> (fault proxy) -> DynamoDB Local', () => {
  const shared = localDynamoDb();
  const streams = new DynamoDBStreamsClient(clientSettingsFor(shared.endpoint));
  const large = trailFile('Large001', 1_000);
  const goodFiles = [trailFile('GoodA001', 60), trailFile('GoodB001', 45), trailFile('GoodC001', 30)];
  const withRefused = trailFile('Refused1', 20, [makeRecord({ eventID: 'refused-1' })]);
  const corrupt = { ...trailFile('Corrupt1', 200), bytes: trailFile('Corrupt1', 200).bytes.subarray(0, 600) };
  let s3Server: LocalS3Server;
  let s3: S3Client;
  let reader: S3GetObjectClient;
  let proxy: DynamoDbFaultProxy | undefined;

  async function ingestThrough(endpoint: string, tableName: string) {
    const lines: LogLine[] = [];
    const reports: FileReport[] = [];
    const metrics = new RecordingMetrics();
    const handler = createIngestHandler({
      config: { tableName, catalogue: DEFAULT_SERVICE_CATALOGUE, retentionDays: 0, writeConcurrency: 4 },
      s3: reader,
      dynamodb: dynamoDbClientsFor(endpoint).client,
      logger: recordingLogger(lines),
      metrics,
      onFileReport: (report) => reports.push(report),
    });
    const retryLines = () => lines.filter((line) => line.message === 'retrying write');
    return { handler, lines, reports, metrics, retryLines };
  }

  async function throughProxy(
    decide: (request: Parameters<Parameters<typeof startDynamoDbFaultProxy>[1]>[0]) => DynamoDbAnswer,
  ) {
    proxy = await startDynamoDbFaultProxy(shared.endpoint, decide);
    return proxy;
  }

  async function storedEventIds(tableName: string, logFile?: string): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await shared.documents.send(
        new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) {
        // Items of the trail bucket store the log file's key.
        if (logFile === undefined || `s3://${BUCKET}/${item.logFile}` === logFile)
          ids.push(item.eventID as string);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return ids.sort();
  }

  const sorted = (ids: readonly string[]) => [...ids].sort();

  beforeAll(async () => {
    s3Server = await startLocalS3({ buckets: [BUCKET] });
    s3 = createS3Client({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
    reader = createS3ObjectReader({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
    for (const file of [large, ...goodFiles, withRefused, corrupt]) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: file.key, Body: file.bytes }));
    }
  });

  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  afterAll(async () => {
    s3.destroy();
    reader.destroy();
    await s3Server?.stop();
  });

  it('writes every event of a file when 30% of batches are throttled and 20% come back partly unprocessed, backing off on each', async () => {
    const tableName = await createTestTable(shared.client, 'throttled');
    const random = seededRandom(20_240_602);
    const faulty = await throughProxy(({ operation }) => {
      if (operation !== 'BatchWriteItem') return { kind: 'forward' };
      const draw = random();
      if (draw < 0.3) return THROTTLED;
      if (draw < 0.5) return { kind: 'unprocessed', count: 1 + Math.floor(random() * 24) };
      return { kind: 'forward' };
    });
    const { handler, reports, retryLines } = await ingestThrough(faulty.endpoint, tableName);

    const response = await handler(
      sqsEvent({ large: s3Notification(BUCKET, large.key) }),
      lambdaContextWith(FULL_INVOCATION_MS),
    );

    expect(response?.batchItemFailures).toEqual([]);
    expect(await storedEventIds(tableName)).toEqual(sorted(large.eventIds));
    const faults =
      (faulty.faults.get('error BatchWriteItem') ?? 0) +
      (faulty.faults.get('unprocessed BatchWriteItem') ?? 0);
    expect(faulty.faults.get('error BatchWriteItem')).toBeGreaterThan(5);
    expect(faulty.faults.get('unprocessed BatchWriteItem')).toBeGreaterThan(5);
    expect(reports).toEqual([
      expect.objectContaining({ status: 'ingested', itemsWritten: 1_000, retries: faults }),
    ]);
    const retries = retryLines().map(
      (line) => line.data as { attempt: number; delayMs: number; reason: string },
    );
    expect(retries).toHaveLength(faults);
    for (const retry of retries) {
      expect(retry.delayMs).toBeLessThanOrEqual(
        Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** (retry.attempt - 1)),
      );
    }
    expect(new Set(retries.map((retry) => retry.reason))).toEqual(
      new Set(['ProvisionedThroughputExceededException', 'UnprocessedItems']),
    );
  });

  it('reports a file failed at the deadline under endless throttling, and does not hang', async () => {
    const tableName = await createTestTable(shared.client, 'throttled-forever');
    const faulty = await throughProxy(({ operation }) =>
      operation === 'BatchWriteItem' ? THROTTLED : { kind: 'forward' },
    );
    const { handler, reports, lines, retryLines } = await ingestThrough(faulty.endpoint, tableName);

    // 3 s left: the writes get 2.4 s (a fifth is kept back).
    const response = await handler(
      sqsEvent({ large: s3Notification(BUCKET, large.key) }),
      lambdaContextWith(3_000),
    );

    expect(response?.batchItemFailures).toEqual([{ itemIdentifier: 'large' }]);
    expect(reports).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: expect.stringMatching(
          /still unwritten at the write deadline \(last: ProvisionedThroughputExceededException/,
        ),
        itemsWritten: 0,
      }),
    ]);
    expect(retryLines().length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.level === 'error').map((line) => line.message)).toEqual([
      'log file failed',
    ]);
    expect(await storedEventIds(tableName)).toEqual([]);
  });

  it('writes no duplicate item and no extra stream record for the same notification twice and two invocations at once', async () => {
    const tableName = await createTestTable(shared.client, 'idempotent');
    const { Table } = await shared.client.send(new DescribeTableCommand({ TableName: tableName }));
    const { handler } = await ingestThrough(shared.endpoint, tableName);
    const event = sqsEvent({ large: s3Notification(BUCKET, large.key) });

    const atOnce = await Promise.all([
      handler(event, lambdaContextWith(FULL_INVOCATION_MS)),
      handler(event, lambdaContextWith(FULL_INVOCATION_MS)),
    ]);
    const afterAtOnce = await readWholeStream(streams, Table?.LatestStreamArn as string);
    const again = await handler(event, lambdaContextWith(FULL_INVOCATION_MS));
    const afterAgain = await readWholeStream(streams, Table?.LatestStreamArn as string);

    expect([...atOnce, again].map((response) => response?.batchItemFailures)).toEqual([[], [], []]);
    expect(await storedEventIds(tableName)).toEqual(sorted(large.eventIds));
    expect(afterAtOnce.map((record) => record.eventName)).toEqual(large.eventIds.map(() => 'INSERT'));
    expect(new Set(afterAtOnce.map((record) => record.dynamodb?.Keys?.eventID?.S)).size).toBe(
      large.eventIds.length,
    );
    expect(afterAgain).toHaveLength(afterAtOnce.length);
  });

  it('fails only the message of the bad file in a batch; the others are written, one refused event left out (proxy refuses it as DynamoDB refuses an item it cannot store)', async () => {
    const tableName = await createTestTable(shared.client, 'one-bad-file');
    const faulty = await throughProxy(({ eventIds }) =>
      eventIds.includes('refused-1') ? refused(REFUSED_MESSAGE) : { kind: 'forward' },
    );
    const { handler, reports, metrics } = await ingestThrough(faulty.endpoint, tableName);

    const response = await handler(
      sqsEvent({
        goodA: s3Notification(BUCKET, goodFiles[0]?.key as string),
        corrupt: s3Notification(BUCKET, corrupt.key),
        goodB: s3Notification(BUCKET, goodFiles[1]?.key as string),
        refused: s3Notification(BUCKET, withRefused.key),
        goodC: s3Notification(BUCKET, goodFiles[2]?.key as string),
      }),
      lambdaContextWith(FULL_INVOCATION_MS),
    );

    expect(response?.batchItemFailures).toEqual([{ itemIdentifier: 'corrupt' }]);
    for (const file of goodFiles) {
      expect(await storedEventIds(tableName, file.logFile)).toEqual(sorted(file.eventIds));
    }
    expect(await storedEventIds(tableName, withRefused.logFile)).toEqual(
      sorted(withRefused.eventIds.filter((eventId) => eventId !== 'refused-1')),
    );
    expect(reports.find((report) => report.logFile === withRefused.logFile)).toMatchObject({
      status: 'ingested',
      itemsWritten: 20,
      rejectedItems: 1,
      rejected: [{ eventId: 'refused-1', message: REFUSED_MESSAGE }],
    });
    expect(reports.find((report) => report.logFile === corrupt.logFile)).toMatchObject({ status: 'failed' });
    expect(metrics.counts.get(METRIC_NAMES.EVENTS_REJECTED)).toBe(1);
    expect(metrics.counts.get(METRIC_NAMES.LOG_FILES_FAILED)).toBe(1);
    expect(metrics.counts.get(METRIC_NAMES.LOG_FILES_INGESTED)).toBe(4);
  });
});

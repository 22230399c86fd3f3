import { gzipSync } from 'node:zlib';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3Server, startLocalS3 } from '../cli/local/s3rver-server';
import { METRIC_NAMES } from '../contract/environment';
import type { S3GetObjectClient } from '../lambda/adapters/s3-get-object';
import type { GetObjectInput, S3ObjectReader } from '../lambda/adapters/s3-log-source';
import type { IngestConfig } from '../lambda/config';
import { DEFAULT_SERVICE_CATALOGUE } from '../lambda/core/service-catalogue';
import {
  createIngestHandler,
  DEADLINE_MARGIN_MS,
  type FileReport,
  LOCAL_INVOCATION_MS,
  writeDeadlineOf,
} from '../lambda/ingest-handler';
import {
  gzippedLogFile,
  logFileText,
  logObjectKey,
  makeRecord,
  readInvalidPersonalizeSeed,
  readSeedRecords,
  s3EventBridgeEvent,
} from './support/factories';
import {
  type LogLine,
  lambdaContextWith,
  s3Notification as notificationOf,
  RecordingMetrics,
  recordingLogger,
  sqsEvent,
} from './support/lambda-events';
import { createTestTable, localDynamoDb, localS3Client, localS3ObjectReader } from './support/local-aws';

const BUCKET = 'trail-bucket';

const s3Notification = (key: string, size?: number) => notificationOf(BUCKET, key, size);

const lambdaContext = { getRemainingTimeInMillis: () => 300_000 } as Context;

function refusingS3(name: string, httpStatusCode: number, message: string): S3ObjectReader {
  const error = new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message });
  return {
    getObject: async () => {
      throw error;
    },
  };
}

describe('ingest handler against s3rver and DynamoDB Local', () => {
  const { client, documents } = localDynamoDb();
  let s3Server: LocalS3Server;
  let s3: S3Client;
  let reader: S3GetObjectClient;
  const seeds = readSeedRecords();
  const goodKey = logObjectKey({ prefix: 'audit logs', id: 'Good0001' });
  const orgKey = logObjectKey({ organizationId: 'o-a1b2c3d4e5', accountId: '111122223333', id: 'Org00001' });
  const brokenKey = logObjectKey({ id: 'Broken01' });
  // EventBridge carries keys as stored: spaces, `+`, `%` and unicode must reach GetObject untouched.
  const oddKey = logObjectKey({ prefix: 'audit logs+2024/50%41/prüfung', id: 'Odd00001' });
  const goneKey = logObjectKey({ id: 'Gone0001' });
  const digestKey =
    'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/06/02/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240602T2020Z.json.gz';

  async function put(key: string, body: Buffer | string): Promise<void> {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }

  async function itemCount(tableName: string): Promise<number> {
    const page = await documents.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }));
    return page.Count ?? 0;
  }

  async function setup(
    label: string,
    s3Reader: S3ObjectReader = reader,
    options: { config?: Partial<IngestConfig>; metrics?: Metrics } = {},
  ) {
    const tableName = await createTestTable(client, label);
    const lines: LogLine[] = [];
    const reports: FileReport[] = [];
    const handler = createIngestHandler({
      config: {
        tableName,
        catalogue: DEFAULT_SERVICE_CATALOGUE,
        retentionDays: 0,
        writeConcurrency: 2,
        ...options.config,
      },
      s3: s3Reader,
      dynamodb: client,
      logger: recordingLogger(lines),
      metrics: options.metrics ?? new Metrics({ namespace: 'mltrail-test' }),
      onFileReport: (report) => reports.push(report),
    });
    return { tableName, lines, reports, handler };
  }

  beforeAll(async () => {
    s3Server = await startLocalS3({ buckets: [BUCKET] });
    s3 = localS3Client(s3Server.endpoint);
    reader = localS3ObjectReader(s3Server.endpoint);
    const { 'forecast-create-dataset': forecast, ...others } = seeds;
    await put(
      goodKey,
      gzippedLogFile([forecast, makeRecord({ eventSource: 's3.amazonaws.com', eventID: 'other' })]),
    );
    await put(orgKey, gzippedLogFile(Object.values(others)));
    await put(
      brokenKey,
      gzipSync(logFileText([makeRecord({ eventID: 'before-break' }), readInvalidPersonalizeSeed()])),
    );
    await put(digestKey, gzipSync('{"awsAccountId":"123456789012"}'));
    await put(oddKey, gzippedLogFile([forecast]));
  });

  afterAll(async () => {
    reader?.destroy();
    await s3Server?.stop();
  });

  it('reports exactly the messages whose files failed, and ingests the rest', async () => {
    const { tableName, handler } = await setup('batch');

    const response = await handler(
      sqsEvent({
        good: s3Notification(goodKey),
        org: s3Notification(orgKey),
        broken: s3Notification(brokenKey),
        digest: s3Notification(digestKey),
        test: { Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET },
        junk: 'not json',
        gone: s3Notification(goneKey),
      }),
      lambdaContext,
    );

    expect(response?.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      'broken',
      'junk',
    ]);
    // 1 forecast + 4 other seeds + the record before the break in the broken file.
    expect(await itemCount(tableName)).toBe(6);
  });

  it('reports a file it has no time left to read failed, and its retry with time to spare writes it whole', async () => {
    const { tableName, handler, reports } = await setup('out-of-time');
    const key = logObjectKey({ id: 'NoTime01' });
    await put(
      key,
      gzippedLogFile(Array.from({ length: 300 }, (_, index) => makeRecord({ eventID: `t-${index}` }))),
    );
    const event = sqsEvent({ late: s3Notification(key) });

    const first = await handler(event, lambdaContextWith(0));
    const retry = await handler(event, lambdaContext);

    expect(first?.batchItemFailures).toEqual([{ itemIdentifier: 'late' }]);
    expect(reports[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('out of time after 0 record(s)'),
    });
    expect(retry?.batchItemFailures).toEqual([]);
    expect(await itemCount(tableName)).toBe(300);
  });

  it('keeps the failures of two batches apart when one handler is invoked again before the first returns', async () => {
    const { handler } = await setup('overlap');

    const [withBroken, allGood] = await Promise.all([
      handler(sqsEvent({ broken: s3Notification(brokenKey), good: s3Notification(goodKey) }), lambdaContext),
      handler(sqsEvent({ other: s3Notification(orgKey) }), lambdaContext),
    ]);

    expect(withBroken?.batchItemFailures).toEqual([{ itemIdentifier: 'broken' }]);
    expect(allGood?.batchItemFailures).toEqual([]);
  });

  it('rewrites identical items when a file is ingested again', async () => {
    const { tableName, handler } = await setup('again');
    const event = sqsEvent({ good: s3Notification(goodKey), org: s3Notification(orgKey) });

    await handler(event, lambdaContext);
    const first = await documents.send(new ScanCommand({ TableName: tableName }));
    await handler(event, lambdaContext);
    const second = await documents.send(new ScanCommand({ TableName: tableName }));

    expect(second.Items).toHaveLength(5);
    expect(second.Items).toEqual(first.Items);
  });

  it('logs one summary line per file with its counts, and never a record', async () => {
    const { handler, lines } = await setup('logs');

    await handler(
      sqsEvent({ good: s3Notification(goodKey), digest: s3Notification(digestKey) }),
      lambdaContext,
    );

    expect(lines.map((line) => line.message).sort()).toEqual(['log file ingested', 'log file skipped']);
    const ingested = lines.find((line) => line.message === 'log file ingested');
    expect(ingested?.data).toMatchObject({
      logFile: `s3://${BUCKET}/${goodKey}`,
      records: 2,
      mlEvents: 1,
      itemsWritten: 1,
      malformedRecords: 0,
      eventsByService: { forecast: 1 },
    });
    expect(lines.find((line) => line.message === 'log file skipped')?.data).toEqual({
      logFile: `s3://${BUCKET}/${digestKey}`,
      reason: 'digest',
    });
    expect(JSON.stringify(lines)).not.toContain('forecast_test_script_ds');
  });

  it("tells the caller each file's outcome", async () => {
    const { handler, reports } = await setup('reports');

    await handler(
      sqsEvent({
        good: s3Notification(goodKey),
        digest: s3Notification(digestKey),
        broken: s3Notification(brokenKey),
      }),
      lambdaContext,
    );

    const byFile = new Map(reports.map((report) => [report.logFile, report]));
    expect(byFile.get(`s3://${BUCKET}/${goodKey}`)).toMatchObject({ status: 'ingested', itemsWritten: 1 });
    expect(byFile.get(`s3://${BUCKET}/${digestKey}`)).toMatchObject({ status: 'skipped', reason: 'digest' });
    expect(byFile.get(`s3://${BUCKET}/${brokenKey}`)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('unescaped control character'),
      itemsWritten: 1,
      rejectedItems: 0,
    });
  });

  it('reports what a failed file held before the break, and its events are in the table', async () => {
    const { handler, reports, tableName } = await setup('partial-failure');
    const records = Array.from({ length: 81 }, (_, index) => makeRecord({ eventID: `before-${index}` }));
    const whole = gzippedLogFile(records);
    const truncatedKey = logObjectKey({ id: 'Truncat1' });
    await put(truncatedKey, whole.subarray(0, Math.floor(whole.length * 0.8)));

    await handler(sqsEvent({ truncated: s3Notification(truncatedKey) }), lambdaContext);

    const [report] = reports;
    const stored = await itemCount(tableName);
    expect(report).toMatchObject({ status: 'failed', error: expect.stringContaining('truncated') });
    expect(report?.status === 'failed' && report.read?.mlEvents).toBeGreaterThan(0);
    expect(stored).toBe(report?.status === 'failed' ? report.read?.mlEvents : -1);
  });

  it('logs the failure of a file with its name and what was wrong', async () => {
    const { handler, lines } = await setup('failure-log');

    await handler(sqsEvent({ broken: s3Notification(brokenKey) }), lambdaContext);

    const failures = lines.filter((line) => line.level === 'error');
    expect(failures.map((line) => line.message)).toEqual(['log file failed']);
    expect(failures[0]?.data).toMatchObject({ logFile: `s3://${BUCKET}/${brokenKey}`, itemsWritten: 1 });
    expect(String((failures[0]?.data.error as Error | undefined)?.message)).toMatch(
      new RegExp(`^s3://${BUCKET}/${brokenKey}: unescaped control character .* at byte offset \\d+$`),
    );
  });

  it('ingests a direct S3 event and throws when its file fails', async () => {
    const { tableName, handler } = await setup('direct');

    await expect(handler(s3Notification(goodKey), lambdaContext)).resolves.toBeUndefined();
    await expect(handler(s3Notification(brokenKey), lambdaContext)).rejects.toThrow(brokenKey);
    expect(await itemCount(tableName)).toBe(2);
  });

  it('acknowledges a message whose file is gone, with one warning naming the file', async () => {
    const { handler, lines, reports } = await setup('gone');

    const response = await handler(sqsEvent({ gone: s3Notification(goneKey) }), lambdaContext);

    expect(response?.batchItemFailures).toEqual([]);
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'log file skipped',
        data: { logFile: `s3://${BUCKET}/${goneKey}`, reason: 'gone' },
      },
    ]);
    expect(reports).toEqual([{ logFile: `s3://${BUCKET}/${goneKey}`, status: 'skipped', reason: 'gone' }]);
  });

  it.each([
    ['AccessDenied', 403, 'Access Denied'],
    ['KMS.DisabledException', 400, 'arn:aws:kms:us-east-1:111122223333:key/1234abcd is disabled.'],
    ['KMSAccessDeniedException', 400, 'User is not authorized to perform: kms:Decrypt'],
  ])(
    'reports the message failed on %s, logging the file and the error code (stubbed S3: no local server refuses access)',
    async (name, status, message) => {
      const { handler, lines } = await setup('refused', refusingS3(name, status, message));

      const response = await handler(sqsEvent({ refused: s3Notification(goodKey) }), lambdaContext);

      expect(response?.batchItemFailures).toEqual([{ itemIdentifier: 'refused' }]);
      expect(lines.map((line) => [line.level, line.message])).toEqual([['error', 'log file failed']]);
      const data = lines[0]?.data ?? {};
      expect(data.logFile).toBe(`s3://${BUCKET}/${goodKey}`);
      const error = data.error as Error;
      expect(error.message).toBe(
        `s3://${BUCKET}/${goodKey}: GetObject failed: ${name} (HTTP ${status}): ${message}`,
      );
      expect((error.cause as Error).name).toBe(name);
    },
  );

  it('ingests the file of an EventBridge "Object Created" event from SQS, its key as stored', async () => {
    const { tableName, handler, reports } = await setup('eventbridge-sqs');

    const response = await handler(
      sqsEvent({ created: s3EventBridgeEvent({ bucket: BUCKET, key: oddKey }) }),
      lambdaContext,
    );

    expect(response?.batchItemFailures).toEqual([]);
    expect(reports).toMatchObject([
      { logFile: `s3://${BUCKET}/${oddKey}`, status: 'ingested', itemsWritten: 1 },
    ]);
    expect(await itemCount(tableName)).toBe(1);
  });

  it('ingests the file of an EventBridge event delivered to the function directly', async () => {
    const { tableName, handler } = await setup('eventbridge-direct');

    await expect(
      handler(s3EventBridgeEvent({ bucket: BUCKET, key: oddKey }), lambdaContext),
    ).resolves.toBeUndefined();

    expect(await itemCount(tableName)).toBe(1);
  });

  it('acknowledges EventBridge events other than object creation without reading a file', async () => {
    const { handler, reports } = await setup('eventbridge-deleted');

    const response = await handler(
      sqsEvent({
        deleted: s3EventBridgeEvent({
          bucket: BUCKET,
          key: goodKey,
          detailType: 'Object Deleted',
          size: null,
        }),
      }),
      lambdaContext,
    );

    expect(response?.batchItemFailures).toEqual([]);
    expect(reports).toEqual([]);
  });

  it('acknowledges unread a message naming a bucket other than the log bucket, counted, with one warning naming only the bucket', async () => {
    const metrics = new RecordingMetrics();
    const { tableName, handler, lines, reports } = await setup('foreign', reader, {
      config: { logBucket: BUCKET },
      metrics,
    });

    const response = await handler(
      sqsEvent({
        foreign: notificationOf('attacker-bucket', 'AWSLogs/secret-looking-key.json.gz'),
        own: s3Notification(goodKey),
      }),
      lambdaContext,
    );

    expect(response?.batchItemFailures).toEqual([]);
    expect(lines.filter((line) => line.level === 'warn')).toEqual([
      {
        level: 'warn',
        message: 'notification of a foreign bucket refused',
        data: { bucket: 'attacker-bucket' },
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-looking-key');
    expect(metrics.counts.get(METRIC_NAMES.FOREIGN_BUCKET_NOTIFICATIONS)).toBe(1);
    expect(reports.map((report) => report.logFile)).toEqual([`s3://${BUCKET}/${goodKey}`]);
    expect(await itemCount(tableName)).toBe(1);
  });

  it('reads a notification of any bucket when no log bucket is configured (the CLI)', async () => {
    const { handler, reports } = await setup('any-bucket');

    await handler(sqsEvent({ good: s3Notification(goodKey) }), lambdaContext);

    expect(reports).toMatchObject([{ status: 'ingested' }]);
  });

  it('sends the configured ExpectedBucketOwner on GetObject (stubbed S3 records the input: s3rver ignores the header)', async () => {
    const inputs: GetObjectInput[] = [];
    const recordingS3: S3ObjectReader = {
      getObject: async (input) => {
        inputs.push(input);
        return reader.getObject(input);
      },
    };
    const { handler } = await setup('expected-owner', recordingS3, {
      config: { logBucket: BUCKET, logBucketOwner: '111122223333' },
    });

    await handler(sqsEvent({ good: s3Notification(goodKey) }), lambdaContext);

    expect(inputs).toEqual([{ Bucket: BUCKET, Key: goodKey, ExpectedBucketOwner: '111122223333' }]);
  });

  it("ingests the files of CloudTrail's SNS notice", async () => {
    const { tableName, handler } = await setup('notice');

    await handler({ s3Bucket: BUCKET, s3ObjectKey: [goodKey, orgKey] }, lambdaContext);

    expect(await itemCount(tableName)).toBe(5);
  });
});

describe('write deadline of an invocation', () => {
  const now = 1_700_000_000_000;

  it.each([
    ['the default 5-minute timeout', 300_000, 300_000 - DEADLINE_MARGIN_MS],
    ['a 15-minute timeout', 900_000, 900_000 - DEADLINE_MARGIN_MS],
    ['a 20-second timeout (a fifth kept back)', 20_000, 16_000],
    ['a second left', 1_000, 800],
  ])('leaves a margin before %s', (_, remainingMs, expectedMs) => {
    expect(
      writeDeadlineOf(
        lambdaContextWith(remainingMs, () => now),
        now,
      ),
    ).toBe(now + expectedMs);
  });

  it("gives a local run without a context the deployed function's default time", () => {
    expect(writeDeadlineOf(undefined, now)).toBe(now + LOCAL_INVOCATION_MS - DEADLINE_MARGIN_MS);
  });
});

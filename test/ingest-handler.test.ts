import { gzipSync } from 'node:zlib';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3Server, startLocalS3 } from '../cli/local/s3rver-server';
import { createS3Client } from '../lambda/adapters/aws-clients';
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
} from './support/factories';
import {
  type LogLine,
  lambdaContextWith,
  s3Notification as notificationOf,
  recordingLogger,
  sqsEvent,
} from './support/lambda-events';
import { createTestTable, localDynamoDb } from './support/local-aws';

const BUCKET = 'trail-bucket';

const s3Notification = (key: string, size?: number) => notificationOf(BUCKET, key, size);

const lambdaContext = { getRemainingTimeInMillis: () => 300_000 } as Context;

describe('ingest handler against s3rver and DynamoDB Local', () => {
  const { client, documents } = localDynamoDb();
  let s3Server: LocalS3Server;
  let s3: S3Client;
  const seeds = readSeedRecords();
  const goodKey = logObjectKey({ prefix: 'audit logs', id: 'Good0001' });
  const orgKey = logObjectKey({ organizationId: 'o-a1b2c3d4e5', accountId: '111122223333', id: 'Org00001' });
  const brokenKey = logObjectKey({ id: 'Broken01' });
  const digestKey =
    'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/06/02/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240602T2020Z.json.gz';

  async function put(key: string, body: Buffer | string): Promise<void> {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }

  async function itemCount(tableName: string): Promise<number> {
    const page = await documents.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }));
    return page.Count ?? 0;
  }

  async function setup(label: string) {
    const tableName = await createTestTable(client, label);
    const lines: LogLine[] = [];
    const reports: FileReport[] = [];
    const handler = createIngestHandler({
      config: { tableName, catalogue: DEFAULT_SERVICE_CATALOGUE, retentionDays: 0, writeConcurrency: 2 },
      s3,
      dynamodb: client,
      logger: recordingLogger(lines),
      metrics: new Metrics({ namespace: 'mltrail-test' }),
      onFileReport: (report) => reports.push(report),
    });
    return { tableName, lines, reports, handler };
  }

  beforeAll(async () => {
    s3Server = await startLocalS3({ buckets: [BUCKET] });
    s3 = createS3Client({
      endpoint: s3Server.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
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
  });

  afterAll(async () => {
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
        missing: s3Notification(logObjectKey({ id: 'Missing1' })),
      }),
      lambdaContext,
    );

    expect(response?.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      'broken',
      'junk',
      'missing',
    ]);
    // 1 forecast + 4 other seeds + the record before the break in the broken file.
    expect(await itemCount(tableName)).toBe(6);
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

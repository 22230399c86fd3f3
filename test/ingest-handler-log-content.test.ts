import { gzipSync } from 'node:zlib';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3Server, startLocalS3 } from '../cli/local/s3rver-server';
import { ENV } from '../contract/environment';
import type { S3GetObjectClient } from '../lambda/adapters/s3-get-object';
import { loadConfig } from '../lambda/config';
import { DEFAULT_SERVICE_CATALOGUE } from '../lambda/core/service-catalogue';
import { createIngestHandler, type FileReport } from '../lambda/ingest-handler';
import { logFileText, logObjectKey, makeRecord } from './support/factories';
import { type LogLine, recordingLogger, s3Notification, sqsEvent } from './support/lambda-events';
import { createTestTable, localDynamoDb, localS3Client, localS3ObjectReader } from './support/local-aws';

const BUCKET = 'trail-bucket';
const lambdaContext = { getRemainingTimeInMillis: () => 300_000 } as Context;
const MAX_RECORD_BYTES = 4096;

const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SOURCE_IP = '203.0.113.77';
const PARAMETER_VALUE = 'secret-prompt-7f3c9e';
// What must appear in no log line, whole or in part.
const SECRET_PARTS = ['AKIAIOSFODNN', 'IOSFODNN7', '203.0.113', 'secret-prompt', '7f3c9e'];

/** A record of a catalogued service that carries every secret. */
function recordWithSecrets(
  eventId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const base = makeRecord();
  return makeRecord({
    eventID: eventId,
    userIdentity: { ...(base.userIdentity as object), accessKeyId: ACCESS_KEY_ID },
    sourceIPAddress: SOURCE_IP,
    requestParameters: { trainingJobName: PARAMETER_VALUE, hyperParameters: { prompt: PARAMETER_VALUE } },
    ...overrides,
  });
}

/** The record's JSON text with its last `}` replaced: a grammar error inside the record. */
function brokenRecordText(eventId: string, breakage: string): string {
  return JSON.stringify(recordWithSecrets(eventId)).replace(/}$/, breakage);
}

/** Every line as the logger would print it: errors with their messages, stacks and causes. */
function printedLines(lines: readonly LogLine[]): string {
  return JSON.stringify(lines, (_key, value: unknown) =>
    value instanceof Error
      ? { name: value.name, message: value.message, stack: value.stack, cause: value.cause }
      : value,
  );
}

describe('log lines of an ingestion of records that hold secrets', () => {
  const { client, documents } = localDynamoDb();
  let s3Server: LocalS3Server;
  let s3: S3Client;
  let reader: S3GetObjectClient;
  const good = recordWithSecrets('good-1');
  // Each file: [key id, body]. Secrets sit in good records, in broken ones and right at the break.
  const files: [string, Buffer][] = [
    [
      'GoodBad1',
      gzipSync(
        logFileText([
          good,
          brokenRecordText('broken-1', `,"accessKeyId":${ACCESS_KEY_ID}}`),
          brokenRecordText('broken-2', `,"sourceIPAddress":${SOURCE_IP}}`),
          brokenRecordText('broken-3', ` "${PARAMETER_VALUE}"}`),
          brokenRecordText('broken-4', `,"prompt":"${PARAMETER_VALUE}\\${ACCESS_KEY_ID}"}`),
          brokenRecordText('broken-5', `,"prompt":"\\u${PARAMETER_VALUE}"}`),
          brokenRecordText('broken-6', `,${ACCESS_KEY_ID}:1}`),
          brokenRecordText('broken-7', `,“${PARAMETER_VALUE}”:1}`),
          recordWithSecrets('good-2'),
        ]),
      ),
    ],
    [
      'Defects1',
      gzipSync(
        logFileText([
          recordWithSecrets('no-time', { eventTime: `${SOURCE_IP}` }),
          recordWithSecrets('notification', { eventSource: `aws:${ACCESS_KEY_ID}` }),
          recordWithSecrets('too-large', {
            eventSource: `${ACCESS_KEY_ID}.amazonaws.com`,
            requestParameters: { prompt: PARAMETER_VALUE.repeat(400) },
          }),
          recordWithSecrets('too-large-ml', { requestParameters: { prompt: PARAMETER_VALUE.repeat(400) } }),
          recordWithSecrets('good-3'),
        ]),
      ),
    ],
    ['Notices1', gzipSync(logFileText([recordWithSecrets('only', { eventSource: `aws:${SOURCE_IP}` })]))],
    ['NotJson1', gzipSync(`${ACCESS_KEY_ID} ${SOURCE_IP} ${PARAMETER_VALUE}`)],
    ['BadTail1', gzipSync(`${logFileText([recordWithSecrets('good-4')])} ${ACCESS_KEY_ID}`)],
    ['BadRoot1', gzipSync(`{"${PARAMETER_VALUE}":${ACCESS_KEY_ID},"Records":[]}`)],
  ];

  beforeAll(async () => {
    s3Server = await startLocalS3({ buckets: [BUCKET] });
    s3 = localS3Client(s3Server.endpoint);
    reader = localS3ObjectReader(s3Server.endpoint);
    for (const [id, body] of files) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: logObjectKey({ id }), Body: body }));
    }
  });

  afterAll(async () => {
    reader?.destroy();
    await s3Server?.stop();
  });

  it('quotes no access key id, address or request parameter of any record, good or broken', async () => {
    const tableName = await createTestTable(client, 'log-content');
    const lines: LogLine[] = [];
    const reports: FileReport[] = [];
    const handler = createIngestHandler({
      config: {
        tableName,
        catalogue: DEFAULT_SERVICE_CATALOGUE,
        retentionDays: 0,
        writeConcurrency: 2,
        limits: { maxRecordBytes: MAX_RECORD_BYTES, maxDecompressedBytes: 1024 * 1024 },
      },
      s3: reader,
      dynamodb: client,
      logger: recordingLogger(lines),
      metrics: new Metrics({ namespace: 'mltrail-test' }),
      onFileReport: (report) => reports.push(report),
    });
    const event = sqsEvent(
      Object.fromEntries(files.map(([id]) => [id, s3Notification(BUCKET, logObjectKey({ id }))])),
    );

    const response = await handler(event, lambdaContext);

    // The secrets went through: the good records are stored with them, and every file was reported.
    const items = (await documents.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
    expect(items.map((item) => item.eventID).sort()).toEqual(['good-1', 'good-2', 'good-3', 'good-4']);
    expect(items[0]).toMatchObject({ accessKeyId: ACCESS_KEY_ID, sourceIPAddress: SOURCE_IP });
    expect(response?.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      'BadRoot1',
      'BadTail1',
      'GoodBad1',
      'NotJson1',
      'Notices1',
    ]);
    expect(reports).toHaveLength(files.length);
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(5);
    const printed = printedLines(lines);
    expect(printed).toContain('at byte offset');
    for (const part of SECRET_PARTS) expect(printed).not.toContain(part);
  });

  it('stores what the redaction variables leave of the good records', async () => {
    const tableName = await createTestTable(client, 'redaction');
    const handler = createIngestHandler({
      config: loadConfig({
        [ENV.TABLE_NAME]: tableName,
        [ENV.ACCESS_KEY_IDS]: 'drop',
        [ENV.SOURCE_IP_ADDRESSES]: 'truncate',
        [ENV.REQUEST_PARAMETER_KEYS]: '["trainingJobName"]',
        [ENV.MAX_RECORD_BYTES]: String(MAX_RECORD_BYTES),
      }),
      s3: reader,
      dynamodb: client,
      logger: recordingLogger([]),
      metrics: new Metrics({ namespace: 'mltrail-test' }),
    });

    await handler(
      sqsEvent({ defects: s3Notification(BUCKET, logObjectKey({ id: 'Defects1' })) }),
      lambdaContext,
    );

    const items = (await documents.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
    expect(items).toHaveLength(1);
    expect(items[0]).not.toHaveProperty('accessKeyId');
    expect(items[0]).toMatchObject({
      eventID: 'good-3',
      sourceIPAddress: '203.0.113.0/24',
      requestParameters: { trainingJobName: PARAMETER_VALUE },
    });
    expect(items[0]?.requestParameters).not.toHaveProperty('hyperParameters');
  });
});

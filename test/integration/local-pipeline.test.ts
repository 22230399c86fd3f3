import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { createLocalIngestFunction, type FileReport } from '../../cli/local/local-ingest-function';
import { connectLocalPipeline, type LocalPipeline } from '../../cli/local/local-pipeline';
import { type LocalS3Server, startLocalS3 } from '../../cli/local/s3rver-server';
import { createS3Client } from '../../cli/s3-client';
import type { MlEventItem } from '../../contract/ml-event-item';
import { createS3ObjectReader } from '../../lambda/adapters/aws-clients';
import type { S3GetObjectClient } from '../../lambda/adapters/s3-get-object';
import { jsonLines, runMltrail } from '../cli/cli-harness';
import { logObjectKey } from '../support/factories';
import { createTestTable, localDynamoDb } from '../support/local-aws';
import { byKey, expectedItems, trailFiles } from './trail-files';

const BUCKET = 'trail-bucket';
// A trail key prefix that S3 URL-encodes in notifications: a space and a plus sign.
const KEY_PREFIX = 'audit logs/ml+trail';

describe('local pipeline: s3rver upload -> notification filter -> queue -> handler -> DynamoDB Local', () => {
  const { client, documents, endpoint } = localDynamoDb();
  const files = trailFiles(KEY_PREFIX);
  const corruptKey = logObjectKey({ prefix: KEY_PREFIX, id: 'Corrupt01' });
  const outsidePrefixKey = logObjectKey({ prefix: 'other trail', id: 'Other0001' });
  const notGzippedKey = logObjectKey({ prefix: KEY_PREFIX, id: 'Plain0001' }).replace(/\.gz$/, '');
  let tableName: string;
  let s3Server: LocalS3Server;
  let s3: S3Client;
  let reader: S3GetObjectClient;
  let pipeline: LocalPipeline;
  let reports: ReadonlyMap<string, FileReport>;
  let items: MlEventItem[];

  const logFileOf = (key: string) => `s3://${BUCKET}/${key}`;

  beforeAll(async () => {
    tableName = await createTestTable(client, 'local-pipeline');
    s3Server = await startLocalS3({ buckets: [BUCKET] });
    s3 = createS3Client({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
    reader = createS3ObjectReader({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
    const fn = createLocalIngestFunction({ tableName, s3: reader, dynamodb: client, env: {} });
    reports = fn.reports;
    pipeline = connectLocalPipeline({
      s3Events: s3Server.events,
      handler: fn.handler,
      keyPrefix: KEY_PREFIX,
    });
    const uploads: [string, Buffer][] = [
      [files.account.key, files.account.bytes],
      [files.organization.key, files.organization.bytes],
      [files.digest.key, files.digest.bytes],
      [corruptKey, files.account.bytes.subarray(0, 200)],
      [outsidePrefixKey, files.account.bytes],
      [notGzippedKey, Buffer.from('{"Records":[]}')],
    ];
    for (const [key, body] of uploads) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    }
    await pipeline.drained();
    const page = await documents.send(new ScanCommand({ TableName: tableName }));
    items = (page.Items ?? []) as MlEventItem[];
  });

  afterAll(async () => {
    pipeline.disconnect();
    reader.destroy();
    await s3Server.stop();
  });

  it('writes every ML event of files in the account and organization layouts, keys URL-encoded on the way', () => {
    const expected = [
      ...expectedItems(files.account, logFileOf(files.account.key)),
      ...expectedItems(files.organization, logFileOf(files.organization.key)),
    ];

    expect(expected.length).toBeGreaterThan(20);
    expect(byKey(items)).toEqual(byKey(expected));
    expect(reports.get(logFileOf(files.account.key))).toMatchObject({ status: 'ingested', mlEvents: 5 });
    expect(reports.get(logFileOf(files.organization.key))).toMatchObject({ status: 'ingested' });
  });

  it('keeps the seed services events with their principal and account', () => {
    const services = new Set(items.map((item) => item.service));

    expect([...services]).toEqual(
      expect.arrayContaining(['forecast', 'iotanalytics', 'lookoutmetrics', 'lookoutvision']),
    );
    expect(items.find((item) => item.service === 'lookoutmetrics')).toMatchObject({
      principal: 'arn:aws:iam::123456789012:user/fred',
      recipientAccountId: '123456789012',
      eventName: 'DescribeAnomalyDetector',
    });
  });

  it('skips the digest file in the handler and never queues objects outside the filter', () => {
    expect(reports.get(logFileOf(files.digest.key))).toMatchObject({ status: 'skipped', reason: 'digest' });
    expect(pipeline.filteredOut.map((object) => object.key).sort()).toEqual(
      [notGzippedKey, outsidePrefixKey].sort(),
    );
    expect(reports.has(logFileOf(outsidePrefixKey))).toBe(false);
  });

  it('dead-letters a truncated log file after three deliveries, with the reason', () => {
    expect(pipeline.deadLetters).toHaveLength(1);
    expect(pipeline.deadLetters[0]?.receiveCount).toBe(3);
    expect(pipeline.deadLetters[0]?.body).toContain('Corrupt01');
    const report = reports.get(logFileOf(corruptKey));
    expect(report?.status).toBe('failed');
    expect(report && 'error' in report ? report.error : '').toContain(logFileOf(corruptKey));
  });

  describe('mltrail query on the same table', () => {
    const query = async (...args: string[]) => {
      const run = await runMltrail([
        'query',
        '--endpoint',
        endpoint,
        '--table',
        tableName,
        '--json',
        '--limit',
        '0',
        ...args,
      ]);
      expect(run.exitCode).toBe(0);
      return jsonLines<MlEventItem>(run.stdout);
    };
    const newestFirst = (selected: readonly MlEventItem[]) =>
      [...selected].sort((a, b) =>
        a.eventTime === b.eventTime ? (a.eventID < b.eventID ? 1 : -1) : a.eventTime < b.eventTime ? 1 : -1,
      );

    it('returns the events of a service, newest first', async () => {
      expect(await query('--service', 'iotanalytics')).toEqual(
        newestFirst(items.filter((item) => item.service === 'iotanalytics')),
      );
    });

    it('returns the events of a principal', async () => {
      const principal = 'arn:aws:iam::123456789012:role/AnalyticsRole';

      expect(await query('--principal', principal)).toEqual(
        newestFirst(items.filter((item) => item.principal === principal)),
      );
    });

    it('returns the events of an account across services', async () => {
      const result = await query('--account', '123456789012');

      expect(result).toEqual(newestFirst(items.filter((item) => item.recipientAccountId === '123456789012')));
      expect(new Set(result.map((item) => item.service)).size).toBeGreaterThan(3);
    });

    it('returns one event name of a service', async () => {
      const result = await query('--service', 'iotanalytics', '--event-name', 'CreateChannel');

      expect(result.map((item) => item.eventID)).toEqual(['17885899-6977-41be-a6a0-74bb95a78294']);
    });

    it('limits to a time range and a count', async () => {
      const comprehend = newestFirst(items.filter((item) => item.service === 'comprehend'));

      expect(
        await query(
          '--service',
          'comprehend',
          '--since',
          '2020-04-29T17:01:30Z',
          '--until',
          '2020-04-29T17:05',
        ),
      ).toEqual(
        comprehend.filter(
          (item) => item.eventTime >= '2020-04-29T17:01:30Z' && item.eventTime < '2020-04-29T17:06',
        ),
      );
      expect(await query('--service', 'comprehend', '--limit', '1')).toEqual(comprehend.slice(0, 1));
    });

    it('prints a table for people', async () => {
      const run = await runMltrail([
        'query',
        '--endpoint',
        endpoint,
        '--table',
        tableName,
        '--service',
        'forecast',
      ]);

      expect(run.exitCode).toBe(0);
      expect(run.stdout).toMatch(/^TIME \(UTC\)\s+SERVICE\s+EVENT\s+PRINCIPAL\s+OUTCOME$/m);
      expect(run.stdout).toContain('2018-11-21T23:53:06Z  forecast  CreateDataset');
      expect(run.stdout).toContain(
        '1 event, all with actor userxyz, account 111111111111, region us-west-2\n',
      );
    });
  });
});

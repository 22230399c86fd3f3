import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { INGEST_FORMATS } from '../../cli/ingest-formats';
import type { IngestSummary } from '../../cli/ingest-tally';
import { type LocalS3Server, startLocalS3 } from '../../cli/local/s3rver-server';
import { createS3Client } from '../../cli/s3-client';
import { jsonLines, recordListedPrefixes, runMltrail, temporaryFolder, writeTree } from '../cli/cli-harness';
import { refused, startDynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import {
  gzippedLogFile,
  logObjectKey,
  makeRecord,
  readInvalidPersonalizeSeed,
  readSeedRecords,
} from '../support/factories';
import { createTestTable, localDynamoDb } from '../support/local-aws';

type JsonSummary = IngestSummary & { table: string };

const seeds = readSeedRecords();
const formatSample = (name: string) => readFileSync(join('test/fixtures/ingest-formats', name));

function logFile(date: string, id: string, records: unknown[], accountId = '123456789012'): [string, Buffer] {
  return [logObjectKey({ date, id, accountId }), gzippedLogFile(records)];
}

describe('mltrail ingest', () => {
  const { client, endpoint } = localDynamoDb();

  async function ingest(args: string[], table?: string) {
    const tableName = table ?? (await createTestTable(client, 'ingest'));
    const run = await runMltrail(['ingest', ...args, '--endpoint', endpoint, '--table', tableName, '--json']);
    return { ...run, summary: jsonLines<JsonSummary>(run.stdout)[0] as JsonSummary, tableName };
  }

  describe('of a folder that mixes log files, digests, Insights files and junk', () => {
    const folder = temporaryFolder('mixed');
    const corruptKey = logObjectKey({ id: 'Corrupt01' });
    const emptyKey = logObjectKey({ id: 'Empty0001' });
    const insightKey =
      'AWSLogs/123456789012/CloudTrail-Insight/us-east-1/2024/06/02/123456789012_CloudTrail-Insight_us-east-1_20240602T2020Z_Insight01.json.gz';
    const digestKey =
      'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/06/02/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240602T2100Z.json.gz';

    beforeAll(() => {
      writeTree(folder, {
        ...Object.fromEntries([
          logFile('2024-06-02', 'Seeds0001', Object.values(seeds)),
          logFile('2024-06-02', 'Mixed0001', [
            makeRecord({ eventID: 'sm-1' }),
            makeRecord({ eventSource: 's3.amazonaws.com', eventID: 's3-1' }),
            { eventSource: 'sagemaker.amazonaws.com', eventName: 'NoId', eventTime: '2024-06-02T20:00:00Z' },
          ]),
        ]),
        [corruptKey]: gzipSync('{"Records":[{"eventVersion":'),
        [emptyKey]: Buffer.alloc(0),
        [insightKey]: gzipSync('{"Records":[{"eventVersion":"1.07","eventType":"AwsCloudTrailInsight"}]}'),
        [digestKey]: gzipSync('{"awsAccountId":"123456789012","logFiles":[]}'),
        'README.txt': 'notes about this copy',
        'AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/02/.DS_Store': 'junk',
      });
    });

    it('reports each kind in its summary and exits 1 because a file failed', async () => {
      const { exitCode, summary } = await ingest([folder]);

      expect(exitCode).toBe(1);
      expect(summary.files).toEqual({ ingested: 2, skipped: 5, failed: 1, outOfRange: 0 });
      expect(summary.skippedByReason).toEqual({ digest: 1, insight: 1, empty: 1, 'not-cloudtrail': 2 });
      expect(summary.events).toBe(6);
      expect(summary.eventsByService).toEqual({
        forecast: 1,
        iotanalytics: 2,
        lookoutmetrics: 1,
        lookoutvision: 1,
        sagemaker: 1,
      });
      expect(summary.malformedRecords).toBe(1);
      expect(summary.failures).toHaveLength(1);
      expect(summary.failures[0]?.logFile).toBe(`file://${folder}/${corruptKey}`);
      expect(summary.failures[0]?.error).toContain(corruptKey);
    });

    it('lists the failed file and why in the readable summary', async () => {
      const tableName = await createTestTable(client, 'ingest');

      const run = await runMltrail(['ingest', folder, '--endpoint', endpoint, '--table', tableName]);

      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain(`ingested into table ${tableName} at ${endpoint}`);
      expect(run.stdout).toContain(
        'files:  2 ingested, 5 skipped (digest 1, insight 1, empty 1, not-cloudtrail 2), 1 failed',
      );
      expect(run.stdout).toMatch(new RegExp(`failed files:\\n  file://${folder}/${corruptKey}: .+`));
    });

    it('exits 0 when every file is ingested or skipped, given as files deep in the copy', async () => {
      const seedsFile = `${folder}/${logObjectKey({ id: 'Seeds0001' })}`;

      const { exitCode, summary } = await ingest([seedsFile, `${folder}/${digestKey}`]);

      expect(exitCode).toBe(0);
      expect(summary.files).toEqual({ ingested: 1, skipped: 1, failed: 0, outOfRange: 0 });
      expect(summary.events).toBe(5);
    });
  });

  it('reads only the log files whose day is in --since/--until', async () => {
    const folder = temporaryFolder('range');
    writeTree(
      folder,
      Object.fromEntries([
        logFile('2024-05-31', 'Before001', [makeRecord({ eventID: 'a' })]),
        logFile('2024-06-01', 'First0001', [makeRecord({ eventID: 'b' })]),
        logFile('2024-06-30', 'Last00001', [makeRecord({ eventID: 'c' })]),
        logFile('2024-07-01', 'After0001', [makeRecord({ eventID: 'd' })]),
      ]),
    );

    const { exitCode, summary } = await ingest([folder, '--since', '2024-06-01', '--until', '2024-06-30']);

    expect(exitCode).toBe(0);
    expect(summary.files).toEqual({ ingested: 2, skipped: 0, failed: 0, outOfRange: 2 });
  });

  it('counts the events DynamoDB refused, and what a failed file wrote before it failed (proxy refuses one event as DynamoDB refuses an item it cannot store)', async () => {
    const folder = temporaryFolder('refused');
    const refusedKey = logObjectKey({ id: 'Refused01' });
    const brokenKey = logObjectKey({ id: 'Broken001' });
    writeTree(folder, {
      [refusedKey]: gzippedLogFile([makeRecord({ eventID: 'kept-1' }), makeRecord({ eventID: 'refused-1' })]),
      [brokenKey]: gzipSync(
        `{"Records":[${JSON.stringify(makeRecord({ eventID: 'before-1' }))},${JSON.stringify(makeRecord({ eventID: 'before-2' }))},${readInvalidPersonalizeSeed()}]}`,
      ),
    });
    const proxy = await startDynamoDbFaultProxy(endpoint, ({ eventIds }) =>
      eventIds.includes('refused-1')
        ? refused('Item size has exceeded the maximum allowed size')
        : { kind: 'forward' },
    );
    const tableName = await createTestTable(client, 'ingest-refused');

    try {
      const json = await runMltrail([
        'ingest',
        folder,
        '--endpoint',
        proxy.endpoint,
        '--table',
        tableName,
        '--json',
      ]);
      const text = await runMltrail(['ingest', folder, '--endpoint', proxy.endpoint, '--table', tableName]);
      const summary = jsonLines<JsonSummary>(json.stdout)[0];

      expect(json.exitCode).toBe(1);
      expect(summary?.files).toMatchObject({ ingested: 1, failed: 1 });
      expect(summary).toMatchObject({ itemsWritten: 3, rejectedItems: 1 });
      expect(text.stdout).toContain('        1 events DynamoDB refused to store left out');
    } finally {
      await proxy.stop();
    }
  });

  describe("of files that are not in a trail's layout", () => {
    const folder = temporaryFolder('formats');

    beforeAll(() => {
      writeTree(folder, {
        'notes/one-record.txt': formatSample('record.txt'),
        'exports/records.jsonl.gz': gzipSync(formatSample('records.jsonl')),
        'exports/lookup-events.json': formatSample('lookup-events.json'),
        'exports/eventbridge-events.jsonl': formatSample('eventbridge-events.jsonl'),
        'lake/result_1.csv.gz': gzipSync(formatSample('lake-result_1.csv')),
        'lake/result_sign.json': '{"version":"1.0","region":"us-east-1","files":[]}',
        'README.txt': 'how these were exported',
        'unknown.yaml': formatSample('unknown-format.yaml'),
      });
    });

    it('reads a file named on the command line whatever its name, the account from its records', async () => {
      const { exitCode, summary, tableName } = await ingest([`${folder}/notes/one-record.txt`]);
      const scan = await client.send(new ScanCommand({ TableName: tableName }));

      expect(exitCode).toBe(0);
      expect(summary.files).toMatchObject({ ingested: 1, failed: 0 });
      expect(summary).toMatchObject({ records: 1, events: 1, eventsByService: { comprehend: 1 } });
      expect(scan.Items?.map((item) => item.recipientAccountId?.S)).toEqual(['12345678910']);
    });

    it('reads the data files of a folder by content, counting the same as for log files, and skips the rest', async () => {
      const { exitCode, summary } = await ingest([folder]);

      expect(exitCode).toBe(0);
      // Not data by their names: README.txt, unknown.yaml, notes/one-record.txt, the Lake export's sign file.
      expect(summary.files).toEqual({ ingested: 4, skipped: 4, failed: 0, outOfRange: 0 });
      expect(summary.skippedByReason).toEqual({ 'not-cloudtrail': 4 });
      expect(summary).toMatchObject({ records: 8 + 8 + 9 + 7, events: 24, malformedRecords: 1 + 1 + 2 });
      expect(summary.duplicates + summary.itemsWritten).toBe(24);
    });

    it('fails a file in no format it reads with its name and the formats it reads, exit 1', async () => {
      const file = `${folder}/unknown.yaml`;
      const tableName = await createTestTable(client, 'ingest-unknown');

      const run = await runMltrail(['ingest', file, '--endpoint', endpoint, '--table', tableName]);

      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain(`  file://${file}: not a format mltrail reads`);
      for (const format of INGEST_FORMATS) expect(run.stdout).toContain(format);
    });
  });

  describe('of s3://bucket/prefix', () => {
    const BUCKET = 'copy-bucket';
    let s3Server: LocalS3Server;
    let s3: S3Client;

    beforeAll(async () => {
      s3Server = await startLocalS3({ buckets: [BUCKET] });
      s3 = createS3Client({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
      const objects: [string, Buffer][] = [
        [
          logObjectKey({ prefix: 'trail', date: '2024-06-01', id: 'June0001' }),
          gzippedLogFile([makeRecord({ eventID: 'j1' })]),
        ],
        [
          logObjectKey({
            prefix: 'trail',
            organizationId: 'o-a1b2c3d4e5',
            accountId: '111122223333',
            date: '2024-06-02',
            id: 'June0002',
          }),
          gzippedLogFile([makeRecord({ eventID: 'j2' })]),
        ],
        [
          logObjectKey({ prefix: 'trail', date: '2024-07-01', id: 'July0001' }),
          gzippedLogFile([makeRecord({ eventID: 'j3' })]),
        ],
      ];
      for (const [key, body] of objects)
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    });

    afterAll(() => s3Server.stop());

    it('lists only the day folders in range, for each account and region, and ingests their files', async () => {
      const tableName = await createTestTable(client, 'ingest-s3');
      const listing = recordListedPrefixes(s3);

      const run = await runMltrail(
        [
          'ingest',
          `s3://${BUCKET}/trail`,
          '--s3-endpoint',
          s3Server.endpoint,
          '--since',
          '2024-06-01',
          '--until',
          '2024-06-30',
          '--endpoint',
          endpoint,
          '--table',
          tableName,
          '--json',
        ],
        { createS3Client: () => listing.client },
      );
      const summary = jsonLines<JsonSummary>(run.stdout)[0];

      expect(run.exitCode).toBe(0);
      expect(summary?.files).toMatchObject({ ingested: 2, failed: 0 });
      expect(listing.prefixes).toEqual([
        'trail/AWSLogs/',
        'trail/AWSLogs/123456789012/CloudTrail/',
        'trail/AWSLogs/123456789012/CloudTrail/us-east-1/',
        'trail/AWSLogs/123456789012/CloudTrail/us-east-1/2024/',
        'trail/AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/',
        'trail/AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/01/',
        'trail/AWSLogs/o-a1b2c3d4e5/',
        'trail/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/',
        'trail/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-1/',
        'trail/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-1/2024/',
        'trail/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-1/2024/06/',
        'trail/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-1/2024/06/02/',
      ]);
    });
  });
});

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { createLocalIngestFunction } from '../../cli/local/local-ingest-function';
import { LocalQueue } from '../../cli/local/local-queue';
import { type LocalS3Server, startLocalS3 } from '../../cli/local/s3rver-server';
import { createS3Client } from '../../cli/s3-client';
import { createS3ObjectReader } from '../../lambda/adapters/aws-clients';
import { objectsOfMessageBody } from '../../lambda/core/notifications';
import { gzippedLogFile, logObjectKey, makeRecord } from '../support/factories';
import { createTestTable, localDynamoDb } from '../support/local-aws';
import { runMltrail, stubSqsClient } from './cli-harness';

const BUCKET = 'trail-logs';
const PREFIX = 'my trail';
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/mltrail-ingest';

interface BatchInput {
  readonly QueueUrl: string;
  readonly Entries: readonly { Id: string; MessageBody: string }[];
}

function logKey(
  date: string,
  id: string,
  options: { region?: string; organizationId?: string } = {},
): string {
  return logObjectKey({ prefix: PREFIX, date, id, accountId: '123456789012', ...options });
}

const inRange = [
  logKey('2024-06-01', 'First0001'),
  logKey('2024-06-01', 'First0002'),
  logKey('2024-06-02', 'West00001', { region: 'us-west-2' }),
  logKey('2024-06-03', 'Org000001', { organizationId: 'o-a1b2c3d4e5' }),
  ...Array.from({ length: 12 }, (_, i) => logKey('2024-06-02', `Many${String(i).padStart(5, '0')}`)),
];
const notSent = [
  logKey('2024-05-31', 'Before001'),
  logKey('2024-06-04', 'After0001'),
  logKey('2023-06-02', 'LastYear1'),
  `${PREFIX}/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/06/02/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240602T2100Z.json.gz`,
  `${PREFIX}/AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/02/notes.txt`,
  logKey('2024-06-02', 'Plain0001').replace(/\.gz$/, ''),
];

function acceptAll(command: { constructor: { name: string }; input: unknown }) {
  const input = command.input as BatchInput;
  return { Successful: input.Entries.map((entry) => ({ Id: entry.Id })), Failed: [] };
}

describe('mltrail backfill', () => {
  const { client, documents } = localDynamoDb();
  let s3Server: LocalS3Server;
  let s3: S3Client;

  const backfill = (
    args: string[],
    sqs: ReturnType<typeof stubSqsClient>['client'],
    regions: string[] = [],
  ) =>
    runMltrail(
      [
        'backfill',
        '--bucket',
        BUCKET,
        '--prefix',
        PREFIX,
        '--since',
        '2024-06-01',
        '--until',
        '2024-06-03',
        '--queue',
        QUEUE_URL,
        '--s3-endpoint',
        s3Server.endpoint,
        ...args,
      ],
      {
        createSqsClient: (settings) => {
          regions.push(settings.region ?? '');
          return sqs;
        },
      },
    );

  beforeAll(async () => {
    s3Server = await startLocalS3({ buckets: [BUCKET] });
    s3 = createS3Client({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
    for (const [index, key] of [...inRange, ...notSent].entries()) {
      const body = gzippedLogFile([
        makeRecord({ eventID: `evt-${index}`, eventTime: '2024-06-02T10:00:00Z' }),
      ]);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    }
  });

  afterAll(() => s3Server.stop());

  it('sends S3-shaped notifications for exactly the log files in the range, ten per batch (stubbed SQS client)', async () => {
    const sqs = stubSqsClient(acceptAll);
    const regions: string[] = [];

    const run = await backfill([], sqs.client, regions);

    expect(run.exitCode).toBe(0);
    expect(regions).toEqual(['eu-west-1']);
    expect(sqs.commands.map((command) => command.name)).toEqual([
      'SendMessageBatchCommand',
      'SendMessageBatchCommand',
    ]);
    const batches = sqs.commands.map((command) => command.input as unknown as BatchInput);
    expect(batches.map((batch) => batch.Entries.length)).toEqual([10, 6]);
    expect(batches.every((batch) => batch.QueueUrl === QUEUE_URL)).toBe(true);
    const bodies = batches.flatMap((batch) => batch.Entries.map((entry) => entry.MessageBody));
    const objects = bodies.flatMap((body) => objectsOfMessageBody(body));
    expect(objects.map((object) => object.key).sort()).toEqual([...inRange].sort());
    expect(objects.every((object) => object.bucket === BUCKET && (object.size ?? 0) > 0)).toBe(true);
    const [record] = JSON.parse(bodies[0] as string).Records;
    expect(record).toMatchObject({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' });
    expect(record.s3.object.key).toMatch(/^my\+trail\/AWSLogs\//);
    expect(run.stdout).toContain(`sent 16 of 16 log files`);
  });

  it('retries what SQS failed on its side and reports what it rejected, exiting 1 (stubbed SQS client)', async () => {
    let calls = 0;
    const sqs = stubSqsClient((command) => {
      calls += 1;
      const input = command.input as BatchInput;
      if (calls > 1) return acceptAll(command);
      return {
        Successful: input.Entries.slice(2).map((entry) => ({ Id: entry.Id })),
        Failed: [
          { Id: '0', Code: 'InternalError', SenderFault: false, Message: 'try again' },
          { Id: '1', Code: 'InvalidMessageContents', SenderFault: true, Message: 'bad body' },
        ],
      };
    });

    const run = await backfill([], sqs.client);

    expect(run.exitCode).toBe(1);
    const retried = sqs.commands[1]?.input as unknown as BatchInput | undefined;
    expect(retried?.Entries.map((entry) => entry.Id)).toEqual(['0']);
    expect(run.stdout).toContain('sent 15 of 16 log files');
    expect(run.stdout).toMatch(/not sent: my trail\/AWSLogs\/.+: InvalidMessageContents: bad body/);
  });

  it('lists the files and sends nothing with --dry-run (stubbed SQS client)', async () => {
    const sqs = stubSqsClient(acceptAll);

    const run = await backfill(['--dry-run'], sqs.client);

    expect(run.exitCode).toBe(0);
    expect(sqs.commands).toEqual([]);
    expect(run.stdout.split('\n').filter((line) => line.startsWith('s3://'))).toHaveLength(inRange.length);
    expect(run.stdout).toContain('16 log files');
  });

  it('changes nothing in the table when run twice (stubbed SQS client feeding the real handler)', async () => {
    const tableName = await createTestTable(client, 'backfill');
    const reader = createS3ObjectReader({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
    onTestFinished(() => reader.destroy());
    const fn = createLocalIngestFunction({ tableName, s3: reader, dynamodb: client, env: {} });
    const queue = new LocalQueue(fn.handler);
    const sqs = stubSqsClient((command) => {
      for (const entry of (command.input as BatchInput).Entries) queue.send(entry.MessageBody);
      return acceptAll(command);
    });
    const scan = async () =>
      ((await documents.send(new ScanCommand({ TableName: tableName }))).Items ?? []).sort((a, b) =>
        a.eventID < b.eventID ? -1 : 1,
      );

    await backfill([], sqs.client);
    await queue.drained();
    const afterFirst = await scan();
    await backfill([], sqs.client);
    await queue.drained();
    const afterSecond = await scan();

    expect(afterFirst).toHaveLength(inRange.length);
    expect(afterSecond).toEqual(afterFirst);
    expect(queue.deadLetters).toEqual([]);
  });
});

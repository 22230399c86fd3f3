import { readFileSync } from 'node:fs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { type DynamoDbLocalServer, startDynamoDbLocal } from '../../cli/local/dynamodb-local-server';
import { type LocalS3Server, startLocalS3 } from '../../cli/local/s3rver-server';
import { createS3Client } from '../../cli/s3-client';
import { createS3ObjectReader } from '../../lambda/adapters/aws-clients';
import type { S3GetObjectClient } from '../../lambda/adapters/s3-get-object';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';
import { createIngestHandler, type FileReport } from '../../lambda/ingest-handler';
import { gzippedLogFile, logObjectKey, makeRecord } from '../support/factories';
import {
  type LogLine,
  lambdaContextWith,
  RecordingMetrics,
  recordingLogger,
  s3Notification,
  sqsEvent,
} from '../support/lambda-events';
import { createTestTable, dynamoDbClientsFor } from '../support/local-aws';
import { readWholeStream } from '../support/table-stream';

const BUCKET = 'freeze-trail';
const EVENTS = 1_000;
/** BatchWriteItem answers after which the store is frozen: a tenth of the way through the file. */
const FREEZE_AFTER_BATCHES = 4;
/** Time left to the first invocation: its writes get 8 s, plenty for the batches before the freeze. */
const FROZEN_INVOCATION_MS = 10_000;
/** A private DynamoDB Local starts cold; on a loaded machine the writes of the retry take a while. */
const TEST_TIMEOUT_MS = 180_000;
const STATE_POLL_LIMIT = 200;

/** The state letter of a process (`T` stopped, `S` sleeping, `R` running), from /proc. */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

async function waitForState(pid: number, wanted: (state: string) => boolean): Promise<void> {
  for (let poll = 0; poll < STATE_POLL_LIMIT; poll += 1) {
    if (wanted(processState(pid))) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`process ${pid} did not reach the wanted state (now ${processState(pid)})`);
}

// A private DynamoDB Local: this test stops its process, which the shared one must never be.
describe('DynamoDB freezes in the middle of a file (SIGSTOP of a private DynamoDB Local)', () => {
  let server: DynamoDbLocalServer;
  let s3Server: LocalS3Server;
  let s3: S3Client;
  let reader: S3GetObjectClient;
  const key = logObjectKey({ id: 'Freeze01' });
  const eventIds = Array.from({ length: EVENTS }, (_, n) => `freeze-${n}`);

  const resume = async () => {
    if (server && processState(server.pid) === 'T') {
      process.kill(server.pid, 'SIGCONT');
      await waitForState(server.pid, (state) => state !== 'T');
    }
  };

  beforeAll(async () => {
    server = await startDynamoDbLocal();
    s3Server = await startLocalS3({ buckets: [BUCKET] });
    s3 = createS3Client({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
    reader = createS3ObjectReader({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
    const records = eventIds.map((eventID) => makeRecord({ eventID }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzippedLogFile(records) }));
  });

  afterAll(async () => {
    await resume();
    s3.destroy();
    reader.destroy();
    await Promise.allSettled([server?.stop(), s3Server?.stop()]);
  });

  it(
    'reports the message failed by the deadline, then the retry writes exactly the events of the file, once each',
    async () => {
      const { client, documents } = dynamoDbClientsFor(server.endpoint);
      const tableName = await createTestTable(client, 'frozen');
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      let batchesAnswered = 0;
      let armed = true;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const output = await next(args);
          if (context.commandName === 'BatchWriteItemCommand') {
            batchesAnswered += 1;
            if (armed && batchesAnswered === FREEZE_AFTER_BATCHES) process.kill(server.pid, 'SIGSTOP');
          }
          return output;
        },
        { step: 'initialize', name: 'freezeStoreMidFile' },
      );
      const lines: LogLine[] = [];
      const reports: FileReport[] = [];
      const handler = createIngestHandler({
        config: { tableName, catalogue: DEFAULT_SERVICE_CATALOGUE, retentionDays: 0, writeConcurrency: 4 },
        s3: reader,
        dynamodb: client,
        logger: recordingLogger(lines),
        metrics: new RecordingMetrics(),
        onFileReport: (report) => reports.push(report),
      });
      const event = sqsEvent({ frozen: s3Notification(BUCKET, key) });

      // DynamoDB's 10 s request timeout alone would not end the frozen requests by the deadline.
      const whileFrozen = await handler(event, lambdaContextWith(FROZEN_INVOCATION_MS));
      armed = false;
      const stateWhileFrozen = processState(server.pid);
      const failed = reports[0] as Extract<FileReport, { status: 'failed' }>;
      await resume();
      const retried = await handler(event, lambdaContextWith(300_000));

      expect(stateWhileFrozen).toBe('T');
      expect(whileFrozen?.batchItemFailures).toEqual([{ itemIdentifier: 'frozen' }]);
      expect(failed).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/still unwritten at the write deadline/),
      });
      expect(failed.itemsWritten).toBeGreaterThanOrEqual(FREEZE_AFTER_BATCHES * 25);
      expect(failed.itemsWritten).toBeLessThan(EVENTS);
      expect(lines.find((line) => line.message === 'log file failed')?.data).toMatchObject({
        itemsWritten: failed.itemsWritten,
      });
      expect(retried?.batchItemFailures).toEqual([]);
      expect(reports[1]).toMatchObject({ status: 'ingested', itemsWritten: EVENTS });
      const stored: string[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
        );
        stored.push(...(page.Items ?? []).map((item) => item.eventID as string));
        start = page.LastEvaluatedKey;
      } while (start);
      expect(stored.sort()).toEqual([...eventIds].sort());
      const stream = await readWholeStream(
        new DynamoDBStreamsClient(clientSettingsFor(server.endpoint)),
        Table?.LatestStreamArn as string,
      );
      expect(stream.map((record) => record.eventName)).toEqual(eventIds.map(() => 'INSERT'));
    },
    TEST_TIMEOUT_MS,
  );
});

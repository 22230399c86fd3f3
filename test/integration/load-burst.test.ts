import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BURST_BUCKET,
  keysOfNotificationBody,
  type LoadBurstResult,
  readTableStream,
  runLoadBurst,
  type ScannedItems,
  type StreamContents,
  scanMlEventKeys,
} from '../../bench/load-burst';
import { type BurstLogFile, BurstTally, burstLogFiles } from '../../bench/log-generator';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { ensureEventsTable } from '../../cli/local/events-table';
import { localDynamoDb } from '../support/local-aws';

// The shape of `npm run bench -- load` (500 files), scaled down to run in about a minute here.
const FILES = 80;
const RECORDS_PER_FILE = 2_000;
const CONCURRENCY = 4;
// Bounds, not expectations: the burst takes about 30 s here.
const DRAIN_TIMEOUT_MS = 180_000;
const SETUP_TIMEOUT_MS = 240_000;

describe('a burst of log files through the local pipeline, four handlers at once', () => {
  const { client, endpoint } = localDynamoDb();
  const tally = new BurstTally();
  const files: BurstLogFile[] = [];
  let result: LoadBurstResult;
  let items: ScannedItems;
  let stream: StreamContents;

  beforeAll(async () => {
    for (const file of burstLogFiles({ files: FILES, recordsPerFile: RECORDS_PER_FILE })) {
      tally.add(file);
      files.push(file);
    }
    const tableName = `load-burst-${process.pid}`;
    const streamArn = (await ensureEventsTable(client, tableName)) as string;
    result = await runLoadBurst({
      files: files.map((file) => ({ key: file.key, body: () => file.body })),
      dynamodb: client,
      tableName,
      concurrency: CONCURRENCY,
      drainTimeoutMs: DRAIN_TIMEOUT_MS,
    });
    items = await scanMlEventKeys(client, tableName);
    stream = await readTableStream(new DynamoDBStreamsClient(clientSettingsFor(endpoint)), streamArn);
  }, SETUP_TIMEOUT_MS);

  it('generates the shape it promises: 1% ML events, repeats within a file and across files', () => {
    expect(tally.records).toBe(FILES * RECORDS_PER_FILE);
    expect(tally.distinctMlEventKeys.size).toBeGreaterThan(FILES * RECORDS_PER_FILE * 0.008);
    expect(tally.inFileDuplicates).toBeGreaterThan(20);
    expect(tally.crossFileDuplicates).toBeGreaterThan(20);
  });

  it('stores one item per distinct ML event, whatever the repeats', () => {
    expect(items.itemCount).toBe(tally.distinctMlEventKeys.size);
    expect([...items.byEventKey.keys()].sort()).toEqual([...tally.distinctMlEventKeys].sort());
  });

  it('names, in an event logged in two files, one of those files', () => {
    const logFilesOf = new Map<string, Set<string>>();
    for (const file of files) {
      for (const key of file.mlEventKeys) {
        logFilesOf.set(key, (logFilesOf.get(key) ?? new Set()).add(file.key));
      }
    }

    for (const key of tally.crossFileDuplicateKeys) {
      expect(logFilesOf.get(key)?.size).toBe(2);
      expect(logFilesOf.get(key)?.has(items.byEventKey.get(key)?.logFile as string)).toBe(true);
    }
  });

  it('acknowledges every message once, its file ingested: none failed, none dead-lettered, none left', () => {
    const acknowledgedKeys = result.acknowledged.flatMap((message) => keysOfNotificationBody(message.body));

    expect(result.uploadedKeys).toHaveLength(FILES);
    expect([...result.queuedKeys].sort()).toEqual([...result.uploadedKeys].sort());
    expect(acknowledgedKeys.sort()).toEqual([...result.uploadedKeys].sort());
    expect(result.acknowledged.every((message) => message.receiveCount === 1)).toBe(true);
    expect(result.deadLetters).toEqual([]);
    expect(result.queue).toMatchObject({ failedDeliveries: 0, notDone: 0 });
    for (const key of result.uploadedKeys) {
      expect(result.reports.get(`s3://${BURST_BUCKET}/${key}`)).toMatchObject({
        status: 'ingested',
        records: RECORDS_PER_FILE,
        malformedRecords: 0,
      });
    }
  });

  it('counts each file’s in-file repeats as duplicates and writes the rest', () => {
    const reports = files.map((file) => result.reports.get(`s3://${BURST_BUCKET}/${file.key}`));
    const duplicates = reports.reduce(
      (sum, report) => sum + (report && 'duplicates' in report ? report.duplicates : 0),
      0,
    );
    const written = reports.reduce(
      (sum, report) => sum + (report && 'itemsWritten' in report ? report.itemsWritten : 0),
      0,
    );

    expect(duplicates).toBe(tally.inFileDuplicates);
    expect(written).toBe(tally.mlRecords - tally.inFileDuplicates);
  });

  it('hands batches of up to ten messages to four handlers at once', () => {
    expect(result.queue.mostBatchesInFlight).toBe(CONCURRENCY);
    expect(result.queue.largestBatch).toBeLessThanOrEqual(10);
    expect(result.queue.largestBatch).toBeGreaterThan(1);
  });

  it('puts one INSERT per event on the stream, and a MODIFY for each event repeated in another file', () => {
    const modified = [...stream.eventNamesByKey]
      .filter(([, names]) => names.includes('MODIFY'))
      .map(([key]) => key);

    expect(stream.countsByEventName.INSERT).toBe(tally.distinctMlEventKeys.size);
    expect(stream.countsByEventName.REMOVE).toBeUndefined();
    for (const [, names] of stream.eventNamesByKey) {
      expect(names.filter((name) => name === 'INSERT')).toHaveLength(1);
    }
    // The repeat's item names the other log file, so DynamoDB sees a change; an in-file repeat is never written.
    expect(modified.sort()).toEqual([...tally.crossFileDuplicateKeys].sort());
    expect(stream.countsByEventName.MODIFY).toBe(tally.crossFileDuplicateKeys.size);
  });
});

import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { _Record, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { clientSettingsFor } from '../cli/aws-endpoints';
import { createLocalIngestFunction, type FileReport } from '../cli/local/local-ingest-function';
import { connectLocalPipeline } from '../cli/local/local-pipeline';
import type { AcknowledgedMessage, DeadLetter, LocalQueueStats } from '../cli/local/local-queue';
import { startLocalS3 } from '../cli/local/s3rver-server';
import { createS3Client } from '../cli/s3-client';
import { unmarshallItem } from '../contract/item-marshaller';
import type { MlEventItem } from '../contract/ml-event-item';
import { createS3ObjectReader } from '../lambda/adapters/aws-clients';
import { mlEventKey } from './log-generator';
import { readWholeStream } from './table-stream';

/** The bucket the burst is uploaded to. */
export const BURST_BUCKET = 'mltrail-burst-trail';

/** A log file to upload. */
export interface BurstUpload {
  readonly key: string;
  /** Reads the body when its turn to be uploaded comes. */
  body(): Buffer | Promise<Buffer>;
}

/** Options of {@link runLoadBurst}. */
export interface LoadBurstOptions {
  readonly files: Iterable<BurstUpload> | AsyncIterable<BurstUpload>;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Execution environments of the function, each handling one batch at a time. @default 4 */
  readonly concurrency?: number;
  /** Messages per SQS batch. @default 10 */
  readonly batchSize?: number;
  /** Uploads in flight at once. @default 8 */
  readonly uploadConcurrency?: number;
  /** Longest wait for the queue to drain once every file is uploaded, in ms. */
  readonly drainTimeoutMs: number;
  /** Environment the function's settings are read from. @default {} - the defaults */
  readonly env?: NodeJS.ProcessEnv;
}

/** What a burst did. */
export interface LoadBurstResult {
  /** Keys uploaded. */
  readonly uploadedKeys: readonly string[];
  /** Keys whose notification reached the queue. */
  readonly queuedKeys: readonly string[];
  readonly acknowledged: readonly AcknowledgedMessage[];
  readonly deadLetters: readonly DeadLetter[];
  readonly queue: LocalQueueStats;
  /** The last outcome of each file, whichever environment handled it. */
  readonly reports: ReadonlyMap<string, FileReport>;
  /** From the first upload until the queue drained. */
  readonly seconds: number;
}

/** The queue still held messages when the bound passed. */
export class DrainTimeoutError extends Error {
  override name = 'DrainTimeoutError';
}

async function uploadAll(
  s3: S3Client,
  files: Iterable<BurstUpload> | AsyncIterable<BurstUpload>,
  concurrency: number,
): Promise<string[]> {
  const keys: string[] = [];
  const inFlight = new Set<Promise<void>>();
  for await (const file of files) {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    keys.push(file.key);
    const upload: Promise<void> = Promise.resolve(file.body())
      .then((body) => s3.send(new PutObjectCommand({ Bucket: BURST_BUCKET, Key: file.key, Body: body })))
      .then(() => undefined)
      .finally(() => inFlight.delete(upload));
    inFlight.add(upload);
  }
  await Promise.all(inFlight);
  return keys;
}

async function withinBound(drained: Promise<void>, ms: number, notDone: () => number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DrainTimeoutError(`${notDone()} message(s) still queued or in flight after ${ms} ms`)),
      ms,
    );
  });
  try {
    await Promise.race([drained, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Uploads a burst of log files to a local S3 (s3rver) whose object events go, through the
 * stack's notification filter and a local queue, to `concurrency` instances of the function's
 * handler writing to `tableName`; waits (bounded) until the queue is drained.
 */
export async function runLoadBurst(options: LoadBurstOptions): Promise<LoadBurstResult> {
  const s3Server = await startLocalS3({ buckets: [BURST_BUCKET] });
  const settings = { ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true };
  const s3 = createS3Client(settings);
  // A reader per handler, as each instance of the function has its own.
  const readers = Array.from({ length: options.concurrency ?? 4 }, () => createS3ObjectReader(settings));
  const functions = readers.map((reader) =>
    createLocalIngestFunction({
      tableName: options.tableName,
      s3: reader,
      dynamodb: options.dynamodb,
      env: options.env ?? {},
    }),
  );
  const pipeline = connectLocalPipeline({
    s3Events: s3Server.events,
    handler: functions.map((fn) => fn.handler),
    batchSize: options.batchSize,
  });
  try {
    const started = process.hrtime.bigint();
    const uploadedKeys = await uploadAll(s3, options.files, options.uploadConcurrency ?? 8);
    await withinBound(pipeline.drained(), options.drainTimeoutMs, () => pipeline.stats().notDone);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const reports = new Map<string, FileReport>();
    for (const fn of functions) for (const [logFile, report] of fn.reports) reports.set(logFile, report);
    return {
      uploadedKeys,
      queuedKeys: pipeline.queued.map((object) => object.key),
      acknowledged: pipeline.acknowledged,
      deadLetters: pipeline.deadLetters,
      queue: pipeline.stats(),
      reports,
      seconds,
    };
  } finally {
    pipeline.disconnect();
    s3.destroy();
    for (const reader of readers) reader.destroy();
    await s3Server.stop();
  }
}

/** The S3 keys a queued notification body names (as stored, decoded). */
export function keysOfNotificationBody(body: string): string[] {
  const notification = JSON.parse(body) as { Records?: { s3?: { object?: { key?: string } } }[] };
  return (notification.Records ?? []).map((record) =>
    decodeURIComponent((record.s3?.object?.key ?? '').replace(/\+/g, ' ')),
  );
}

/** A table's items, counted and by the key the generator gives their event. */
export interface ScannedItems {
  readonly itemCount: number;
  readonly byEventKey: ReadonlyMap<string, Pick<MlEventItem, 'service' | 'eventTime' | 'logFile'>>;
}

/** Scans the whole table. */
export async function scanMlEventKeys(dynamodb: DynamoDBClient, tableName: string): Promise<ScannedItems> {
  const byEventKey = new Map<string, Pick<MlEventItem, 'service' | 'eventTime' | 'logFile'>>();
  let itemCount = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: '#s, #t, #i, #l',
        ExpressionAttributeNames: { '#s': 'service', '#t': 'eventTime', '#i': 'eventID', '#l': 'logFile' },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of (page.Items ?? []).map(unmarshallItem)) {
      itemCount += 1;
      byEventKey.set(mlEventKey(item), {
        service: item.service,
        eventTime: item.eventTime,
        logFile: item.logFile,
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { itemCount, byEventKey };
}

/** What the table's stream holds, read from the start of every shard. */
export interface StreamContents {
  readonly countsByEventName: Readonly<Record<string, number>>;
  /** Stream records per event, by the key the generator gives it. */
  readonly eventNamesByKey: ReadonlyMap<string, readonly string[]>;
}

function keyOfStreamRecord(record: _Record): string {
  const image = record.dynamodb?.NewImage ?? {};
  return mlEventKey({ eventID: image.eventID?.S ?? '' });
}

/** Reads a table's whole stream and counts its records by event name and by event. */
export async function readTableStream(
  streams: DynamoDBStreamsClient,
  streamArn: string,
): Promise<StreamContents> {
  const countsByEventName: Record<string, number> = {};
  const eventNamesByKey = new Map<string, string[]>();
  for (const record of await readWholeStream(streams, streamArn)) {
    const eventName = record.eventName ?? 'unknown';
    countsByEventName[eventName] = (countsByEventName[eventName] ?? 0) + 1;
    const key = keyOfStreamRecord(record);
    eventNamesByKey.set(key, [...(eventNamesByKey.get(key) ?? []), eventName]);
  }
  return { countsByEventName, eventNamesByKey };
}

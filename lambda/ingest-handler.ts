import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { METRIC_NAMES } from '../contract/environment';
import { DynamoDbEventWriter } from './adapters/dynamodb-event-writer';
import { openS3Object, type S3ObjectReader } from './adapters/s3-log-source';
import type { IngestConfig } from './config';
import type { LogReadSummary } from './core/log-read-summary';
import { objectsOfMessageBody, objectsOfNotification, type S3ObjectRef } from './core/notifications';
import { ingestLogObject, LogObjectFailedError, type ObjectOutcome } from './ingest-object';

/** What happened to one log file: its outcome, or why it failed and what it wrote before. */
export type FileReport =
  | ObjectOutcome
  | {
      readonly logFile: string;
      readonly status: 'failed';
      readonly error: string;
      /** What was read before the failure, when reading began; its events were handed on. */
      readonly read?: LogReadSummary;
      /** Items written before the failure (a retry rewrites them). */
      readonly itemsWritten: number;
      /** Items DynamoDB refused before the failure. */
      readonly rejectedItems: number;
    };

/** What the handler talks to. */
export interface IngestHandlerDependencies {
  readonly config: IngestConfig;
  /** What log files are read through (see createS3ObjectReader). */
  readonly s3: S3ObjectReader;
  /** The client the event writer sends through (see createDynamoDbClient). */
  readonly dynamodb: DynamoDBClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Told of every file's outcome, after it is logged (the local pipeline prints them). */
  readonly onFileReport?: (report: FileReport) => void;
}

/** One or more log files of a message failed; the message is reported failed. */
export class LogFilesFailedError extends Error {
  override name = 'LogFilesFailedError';
}

/**
 * Time kept back from the function's timeout after the write deadline: requests still running
 * are aborted at the deadline, then the files are reported and metrics published before Lambda
 * would end the invocation (which would fail every message of the batch, not just the late ones).
 */
export const DEADLINE_MARGIN_MS = 10_000;
/** Share of the remaining time kept back instead when that is less (a function with a short timeout). */
export const DEADLINE_MARGIN_SHARE = 0.2;
/** Time an invocation has without a Lambda context (local runs): the deployed function's default timeout. */
export const LOCAL_INVOCATION_MS = 300_000;

/** Epoch ms by which an invocation's writes must be done: now + the time left - the margin. */
export function writeDeadlineOf(context: Context | undefined, now: number): number {
  const remainingMs = context ? context.getRemainingTimeInMillis() : LOCAL_INVOCATION_MS;
  return now + remainingMs - Math.min(DEADLINE_MARGIN_MS, Math.floor(remainingMs * DEADLINE_MARGIN_SHARE));
}

type LambdaEvent = SQSEvent | Record<string, unknown>;

const NOTHING_WRITTEN = { itemsWritten: 0, rejectedItems: 0, rejected: [] } as const;

function isSqsEvent(event: LambdaEvent): event is SQSEvent {
  const records = (event as { Records?: unknown }).Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    (records[0] as { eventSource?: unknown }).eventSource === 'aws:sqs'
  );
}

/**
 * The function: SQS messages whose bodies are S3 event notifications (the deployed shape) or
 * EventBridge S3 events, or a direct S3 event, EventBridge event, SNS event or CloudTrail notice. For
 * SQS it returns `batchItemFailures` naming exactly the messages whose files failed; otherwise it
 * throws when any file failed. A file already gone is skipped, not failed.
 */
export function createIngestHandler(dependencies: IngestHandlerDependencies) {
  const { config, s3, dynamodb, logger, metrics, onFileReport } = dependencies;

  function recordOutcome(outcome: ObjectOutcome): void {
    if (outcome.status === 'skipped') {
      // A file deleted before it was read is lost to the table: a warning, for someone to look at.
      const level = outcome.reason === 'gone' ? 'warn' : 'info';
      logger[level]('log file skipped', { logFile: outcome.logFile, reason: outcome.reason });
      metrics.addMetric(METRIC_NAMES.LOG_FILES_SKIPPED, MetricUnit.Count, 1);
      return;
    }
    logger.info('log file ingested', { ...outcome });
    metrics.addMetric(METRIC_NAMES.LOG_FILES_INGESTED, MetricUnit.Count, 1);
    if (outcome.malformedRecords > 0) {
      metrics.addMetric(METRIC_NAMES.MALFORMED_RECORDS, MetricUnit.Count, outcome.malformedRecords);
    }
    recordRejected(outcome.rejectedItems);
    for (const [service, count] of Object.entries(outcome.eventsByService)) {
      const single = metrics.singleMetric();
      single.addDimension('mlService', service);
      single.addMetric(METRIC_NAMES.EVENTS_INGESTED, MetricUnit.Count, count);
    }
  }

  function recordRejected(rejectedItems: number): void {
    if (rejectedItems > 0) metrics.addMetric(METRIC_NAMES.EVENTS_REJECTED, MetricUnit.Count, rejectedItems);
  }

  async function ingestObjects(objects: readonly S3ObjectRef[], deadline: number): Promise<void> {
    const failures: string[] = [];
    for (const object of objects) {
      if (config.logBucket !== undefined && object.bucket !== config.logBucket) {
        // Only a forged or misrouted message names another bucket: a retry cannot help, so it is
        // acknowledged. The key is not logged: it is the sender's text.
        logger.warn('notification of a foreign bucket refused', { bucket: object.bucket });
        metrics.addMetric(METRIC_NAMES.FOREIGN_BUCKET_NOTIFICATIONS, MetricUnit.Count, 1);
        continue;
      }
      const logFile = `s3://${object.bucket}/${object.key}`;
      try {
        const outcome = await ingestLogObject(
          { logFile, key: object.key, size: object.size },
          () => openS3Object(s3, object.bucket, object.key, config.logBucketOwner),
          () =>
            new DynamoDbEventWriter(dynamodb, config.tableName, {
              concurrency: config.writeConcurrency,
              deadline,
              onRetry: (retry) => logger.warn('retrying write', { logFile, ...retry }),
            }),
          config,
          deadline,
        );
        recordOutcome(outcome);
        onFileReport?.(outcome);
      } catch (error) {
        const { itemsWritten, rejectedItems, rejected } =
          error instanceof LogObjectFailedError ? error.written : NOTHING_WRITTEN;
        const read = error instanceof LogObjectFailedError ? error.read : undefined;
        logger.error('log file failed', {
          logFile,
          ...(read
            ? { records: read.records, mlEvents: read.mlEvents, malformedRecords: read.malformedRecords }
            : {}),
          itemsWritten,
          rejectedItems,
          ...(rejected.length > 0 ? { rejected } : {}),
          error: error as Error,
        });
        metrics.addMetric(METRIC_NAMES.LOG_FILES_FAILED, MetricUnit.Count, 1);
        recordRejected(rejectedItems);
        failures.push(`${logFile}: ${(error as Error).message}`);
        onFileReport?.({
          logFile,
          status: 'failed',
          error: (error as Error).message,
          ...(read ? { read } : {}),
          itemsWritten,
          rejectedItems,
        });
      }
    }
    if (failures.length > 0) throw new LogFilesFailedError(failures.join('; '));
  }

  return async function handler(
    event: LambdaEvent,
    context?: Context,
  ): Promise<SQSBatchResponse | undefined> {
    const deadline = writeDeadlineOf(context, Date.now());
    try {
      if (isSqsEvent(event)) {
        return await processPartialResponse(
          event,
          (record: SQSRecord) => ingestObjects(objectsOfMessageBody(record.body), deadline),
          // A processor per invocation: it holds the batch's failures, and a shared one would mix
          // two batches when one handler is invoked again before the first returns (locally).
          new BatchProcessor(EventType.SQS),
          // One file at a time: memory stays bounded by one file's largest record (see README,
          // Reliability), and at a third of a vCPU parallel reads would only share the CPU.
          { throwOnFullBatchFailure: false, processInParallel: false },
        );
      }
      await ingestObjects(objectsOfNotification(event), deadline);
      return undefined;
    } finally {
      // An invocation with nothing to count (s3:TestEvent) would otherwise log an empty-metrics warning.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

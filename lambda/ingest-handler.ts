import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { METRIC_NAMES } from '../contract/environment';
import { DynamoDbEventWriter } from './adapters/dynamodb-event-writer';
import { openS3Object } from './adapters/s3-log-source';
import type { IngestConfig } from './config';
import { LogFileError } from './core/errors';
import type { LogReadSummary } from './core/log-read-summary';
import { objectsOfMessageBody, objectsOfNotification, type S3ObjectRef } from './core/notifications';
import { ingestLogObject, type ObjectOutcome } from './ingest-object';

/** What happened to one log file: its outcome, or why it failed. */
export type FileReport =
  | ObjectOutcome
  | {
      readonly logFile: string;
      readonly status: 'failed';
      readonly error: string;
      /** What was read before the failure; its events were handed to the writer. */
      readonly read?: LogReadSummary;
    };

/** What the handler talks to. */
export interface IngestHandlerDependencies {
  readonly config: IngestConfig;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBDocumentClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Told of every file's outcome, after it is logged (the local pipeline prints them). */
  readonly onFileReport?: (report: FileReport) => void;
}

/** One or more log files of a message failed; the message is reported failed. */
export class LogFilesFailedError extends Error {
  override name = 'LogFilesFailedError';
}

/** Time kept back from the function's timeout for the last retries and the response. */
const DEADLINE_MARGIN_MS = 10_000;
const MIN_WRITE_DEADLINE_MS = 1_000;
const DEFAULT_WRITE_DEADLINE_MS = 60_000;

type LambdaEvent = SQSEvent | Record<string, unknown>;

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
  const processor = new BatchProcessor(EventType.SQS);

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
    for (const [service, count] of Object.entries(outcome.eventsByService)) {
      const single = metrics.singleMetric();
      single.addDimension('mlService', service);
      single.addMetric(METRIC_NAMES.EVENTS_INGESTED, MetricUnit.Count, count);
    }
  }

  async function ingestObjects(objects: readonly S3ObjectRef[], context?: Context): Promise<void> {
    const failures: string[] = [];
    for (const object of objects) {
      const logFile = `s3://${object.bucket}/${object.key}`;
      const deadline = context
        ? Math.max(MIN_WRITE_DEADLINE_MS, context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS)
        : DEFAULT_WRITE_DEADLINE_MS;
      try {
        const outcome = await ingestLogObject(
          { logFile, key: object.key, size: object.size },
          () => openS3Object(s3, object.bucket, object.key),
          () =>
            new DynamoDbEventWriter(dynamodb, config.tableName, {
              concurrency: config.writeConcurrency,
              unprocessedDeadlineMs: deadline,
              onRetry: (retry) => logger.warn('retrying unprocessed items', { logFile, ...retry }),
            }),
          config,
        );
        recordOutcome(outcome);
        onFileReport?.(outcome);
      } catch (error) {
        const read = error instanceof LogFileError ? error.summary : undefined;
        logger.error('log file failed', {
          logFile,
          error: error as Error,
          ...(read
            ? { records: read.records, mlEvents: read.mlEvents, malformedRecords: read.malformedRecords }
            : {}),
        });
        metrics.addMetric(METRIC_NAMES.LOG_FILES_FAILED, MetricUnit.Count, 1);
        failures.push(`${logFile}: ${(error as Error).message}`);
        onFileReport?.({
          logFile,
          status: 'failed',
          error: (error as Error).message,
          ...(read ? { read } : {}),
        });
      }
    }
    if (failures.length > 0) throw new LogFilesFailedError(failures.join('; '));
  }

  return async function handler(
    event: LambdaEvent,
    context?: Context,
  ): Promise<SQSBatchResponse | undefined> {
    try {
      if (isSqsEvent(event)) {
        return await processPartialResponse(
          event,
          (record: SQSRecord) => ingestObjects(objectsOfMessageBody(record.body), context),
          processor,
          // One file at a time: memory stays bounded by one file's largest record (see README,
          // Reliability), and at a third of a vCPU parallel reads would only share the CPU.
          { throwOnFullBatchFailure: false, processInParallel: false },
        );
      }
      await ingestObjects(objectsOfNotification(event), context);
      return undefined;
    } finally {
      // An invocation with nothing to count (s3:TestEvent) would otherwise log an empty-metrics warning.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

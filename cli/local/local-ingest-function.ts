import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV, METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '../../contract/environment';
import { loadConfig } from '../../lambda/config';
import { createIngestHandler } from '../../lambda/ingest-handler';
import type { ObjectOutcome } from '../../lambda/ingest-object';

/** The last outcome of one log file in the local pipeline. */
export type FileReport =
  | ObjectOutcome
  | { readonly logFile: string; readonly status: 'failed'; readonly error: string };

type LogExtra = Parameters<Logger['info']> extends [unknown, ...infer Rest] ? Rest : never;

/**
 * The function's logger, which also keeps the outcome of each log file from the handler's own
 * summary lines (`log file ingested`, `log file skipped`, `log file failed`), so that the local
 * run can print what landed without a second code path.
 */
export class OutcomeRecordingLogger extends Logger {
  /** The last outcome of each log file, by `logFile`. */
  readonly reports = new Map<string, FileReport>();

  override info(input: Parameters<Logger['info']>[0], ...extra: LogExtra): void {
    const attributes = extra[0] as Record<string, unknown> | undefined;
    if (typeof attributes?.logFile === 'string') {
      if (input === 'log file ingested') {
        this.reports.set(attributes.logFile, { ...(attributes as object), status: 'ingested' } as FileReport);
      } else if (input === 'log file skipped') {
        this.reports.set(attributes.logFile, { ...(attributes as object), status: 'skipped' } as FileReport);
      }
    }
    super.info(input, ...extra);
  }

  override error(input: Parameters<Logger['error']>[0], ...extra: LogExtra): void {
    const attributes = extra[0] as { logFile?: unknown; error?: unknown } | undefined;
    if (input === 'log file failed' && typeof attributes?.logFile === 'string') {
      const error = attributes.error instanceof Error ? attributes.error.message : String(attributes.error);
      this.reports.set(attributes.logFile, { logFile: attributes.logFile, status: 'failed', error });
    }
    super.error(input, ...extra);
  }
}

/** Metrics that are dropped: a terminal is no place for CloudWatch's embedded metric format. */
export class DiscardedMetrics extends Metrics {
  override addMetric(): this {
    return this;
  }

  override addDimension(): this {
    return this;
  }

  override singleMetric(): Metrics {
    return this;
  }

  override publishStoredMetrics(): this {
    return this;
  }
}

/** What the local function needs. */
export interface LocalIngestFunctionOptions {
  readonly tableName: string;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBDocumentClient;
  /** The function's own log lines on stdout. @default false */
  readonly verbose?: boolean;
  /** Environment the function's settings are read from (catalogue, retention, write concurrency). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The deployed function's handler, built with the same factory and settings, wired to local
 * clients; its logger records each file's outcome.
 */
export function createLocalIngestFunction(options: LocalIngestFunctionOptions) {
  const logger = new OutcomeRecordingLogger({
    serviceName: POWERTOOLS_SERVICE_NAME,
    logLevel: options.verbose ? 'INFO' : 'SILENT',
  });
  const handler = createIngestHandler({
    config: loadConfig({ ...(options.env ?? process.env), [ENV.TABLE_NAME]: options.tableName }),
    s3: options.s3,
    dynamodb: options.dynamodb,
    logger,
    metrics: new DiscardedMetrics({ namespace: METRICS_NAMESPACE, serviceName: POWERTOOLS_SERVICE_NAME }),
  });
  return { handler, reports: logger.reports };
}

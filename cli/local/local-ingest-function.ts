import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV, METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '../../contract/environment';
import type { S3ObjectReader } from '../../lambda/adapters/s3-log-source';
import { loadConfig } from '../../lambda/config';
import { createIngestHandler, type FileReport } from '../../lambda/ingest-handler';

export type { FileReport } from '../../lambda/ingest-handler';

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
  /** What log files are read through: the function's own reader (see createS3ObjectReader). */
  readonly s3: S3ObjectReader;
  /** The client events are written through (see createDynamoDbClient). */
  readonly dynamodb: DynamoDBClient;
  /** The function's own log lines on stdout. @default false */
  readonly verbose?: boolean;
  /** Environment the function's settings are read from (catalogue, retention, write concurrency). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The deployed function's handler, built with the same factory and settings, wired to local
 * clients; the last outcome of each file is kept by `logFile`.
 */
export function createLocalIngestFunction(options: LocalIngestFunctionOptions) {
  const logger = new Logger({
    serviceName: POWERTOOLS_SERVICE_NAME,
    logLevel: options.verbose ? 'INFO' : 'SILENT',
  });
  const reports = new Map<string, FileReport>();
  const handler = createIngestHandler({
    config: loadConfig({ ...(options.env ?? process.env), [ENV.TABLE_NAME]: options.tableName }),
    s3: options.s3,
    dynamodb: options.dynamodb,
    logger,
    metrics: new DiscardedMetrics({ namespace: METRICS_NAMESPACE, serviceName: POWERTOOLS_SERVICE_NAME }),
    onFileReport: (report) => reports.set(report.logFile, report),
  });
  return { handler, reports: reports as ReadonlyMap<string, FileReport> };
}

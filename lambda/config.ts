import { ENV } from '../contract/environment';
import { DEFAULT_WRITE_CONCURRENCY } from './adapters/dynamodb-event-writer';
import { ConfigurationError } from './core/errors';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, type LogFileLimits } from './core/log-file-reader';
import { DEFAULT_MAX_RECORD_BYTES } from './core/records-array-splitter';
import {
  parseServiceCatalogue,
  resolveServiceCatalogue,
  type ServiceCatalogue,
} from './core/service-catalogue';

/** The function's settings, read once at start-up. */
export interface IngestConfig {
  readonly tableName: string;
  readonly catalogue: ServiceCatalogue;
  /** 0 keeps events forever. */
  readonly retentionDays: number;
  readonly writeConcurrency: number;
  /** Bounds on one file and one record; the reader's defaults when absent. */
  readonly limits?: LogFileLimits;
  /** The only bucket whose notifications are read; absent, any bucket (the CLI reads any). */
  readonly logBucket?: string;
  /** Account id sent as `ExpectedBucketOwner` on every GetObject; absent, not sent. */
  readonly logBucketOwner?: string;
}

// Below this a record could not hold a CloudTrail event of a few fields.
const MIN_RECORD_BYTES = 1024;

function readWholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigurationError(`${name} must be a whole number >= ${min}, got "${text}"`);
  }
  return value;
}

/** Reads and checks the settings; throws naming the variable that is missing or wrong. */
export function loadConfig(env: NodeJS.ProcessEnv): IngestConfig {
  const tableName = env[ENV.TABLE_NAME];
  if (!tableName) throw new ConfigurationError(`${ENV.TABLE_NAME} environment variable is not set`);
  const replacementJson = env[ENV.SERVICE_CATALOGUE];
  const extraJson = env[ENV.EXTRA_SERVICES];
  const replacement = replacementJson
    ? parseServiceCatalogue(replacementJson, ENV.SERVICE_CATALOGUE)
    : undefined;
  const extra = extraJson ? parseServiceCatalogue(extraJson, ENV.EXTRA_SERVICES) : undefined;
  const logBucketOwner = env[ENV.LOG_BUCKET_OWNER] || undefined;
  if (logBucketOwner !== undefined && !/^\d{12}$/.test(logBucketOwner)) {
    throw new ConfigurationError(
      `${ENV.LOG_BUCKET_OWNER} must be a 12-digit account id, got "${logBucketOwner}"`,
    );
  }
  return {
    tableName,
    logBucket: env[ENV.LOG_BUCKET] || undefined,
    logBucketOwner,
    catalogue: resolveServiceCatalogue(replacement, extra),
    retentionDays: readWholeNumber(env, ENV.RETENTION_DAYS, 0, 0),
    writeConcurrency: readWholeNumber(env, ENV.WRITE_CONCURRENCY, DEFAULT_WRITE_CONCURRENCY, 1),
    limits: {
      maxRecordBytes: readWholeNumber(env, ENV.MAX_RECORD_BYTES, DEFAULT_MAX_RECORD_BYTES, MIN_RECORD_BYTES),
      maxDecompressedBytes: readWholeNumber(
        env,
        ENV.MAX_LOG_FILE_BYTES,
        DEFAULT_MAX_DECOMPRESSED_BYTES,
        MIN_RECORD_BYTES,
      ),
    },
  };
}

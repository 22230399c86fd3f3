import { ACCESS_KEY_ID_POLICIES, ENV, SOURCE_IP_ADDRESS_POLICIES } from '../contract/environment';
import { DEFAULT_WRITE_CONCURRENCY } from './adapters/dynamodb-event-writer';
import { ConfigurationError } from './core/errors';
import type { FieldRedaction } from './core/field-redaction';
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
  /** Which sensitive fields are stored; every field as logged when absent. */
  readonly redaction?: FieldRedaction;
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

function readChoice<T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  choices: readonly T[],
): T | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw new ConfigurationError(`${name} must be one of ${choices.join(', ')}, got "${text}"`);
  }
  return text as T;
}

function readKeyList(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(`${name} must be a JSON array of key names, got "${text}"`, { cause });
  }
  if (!Array.isArray(list) || !list.every((key) => typeof key === 'string' && key !== '')) {
    throw new ConfigurationError(`${name} must be a JSON array of key names, got "${text}"`);
  }
  return list;
}

/** The redaction the variables ask for; a field whose variable is unset is stored as logged. */
function readRedaction(env: NodeJS.ProcessEnv): FieldRedaction {
  return {
    accessKeyIds: readChoice(env, ENV.ACCESS_KEY_IDS, ACCESS_KEY_ID_POLICIES) ?? 'keep',
    sourceIpAddresses: readChoice(env, ENV.SOURCE_IP_ADDRESSES, SOURCE_IP_ADDRESS_POLICIES) ?? 'keep',
    requestParameterKeys: readKeyList(env, ENV.REQUEST_PARAMETER_KEYS),
    responseElementKeys: readKeyList(env, ENV.RESPONSE_ELEMENT_KEYS),
  };
}

/** The service catalogue the environment names (the default one, replaced or extended). */
export function loadServiceCatalogue(env: NodeJS.ProcessEnv): ServiceCatalogue {
  const replacementJson = env[ENV.SERVICE_CATALOGUE];
  const extraJson = env[ENV.EXTRA_SERVICES];
  const replacement = replacementJson
    ? parseServiceCatalogue(replacementJson, ENV.SERVICE_CATALOGUE)
    : undefined;
  const extra = extraJson ? parseServiceCatalogue(extraJson, ENV.EXTRA_SERVICES) : undefined;
  return resolveServiceCatalogue(replacement, extra);
}

/** Reads and checks the settings; throws naming the variable that is missing or wrong. */
export function loadConfig(env: NodeJS.ProcessEnv): IngestConfig {
  const tableName = env[ENV.TABLE_NAME];
  if (!tableName) throw new ConfigurationError(`${ENV.TABLE_NAME} environment variable is not set`);
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
    catalogue: loadServiceCatalogue(env),
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
    redaction: readRedaction(env),
  };
}

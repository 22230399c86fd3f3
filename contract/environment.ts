/**
 * Names of the environment variables the function reads. The CDK construct sets them and the
 * handler reads them, both through this module.
 */
export const ENV = {
  /** Name of the events table. Required. */
  TABLE_NAME: 'MLTRAIL_TABLE_NAME',
  /** JSON object `{ "<eventSource>": "<service>" }` that replaces the default catalogue. */
  SERVICE_CATALOGUE: 'MLTRAIL_SERVICE_CATALOGUE',
  /** JSON object `{ "<eventSource>": "<service>" }` merged over the catalogue. */
  EXTRA_SERVICES: 'MLTRAIL_EXTRA_SERVICES',
  /** Days to keep an event after its eventTime; `0` or unset keeps events forever. */
  RETENTION_DAYS: 'MLTRAIL_RETENTION_DAYS',
  /** Concurrent BatchWriteItem requests per log file. */
  WRITE_CONCURRENCY: 'MLTRAIL_WRITE_CONCURRENCY',
  /** Largest record kept, in bytes; a larger one is dropped and counted. */
  MAX_RECORD_BYTES: 'MLTRAIL_MAX_RECORD_BYTES',
  /** Decompressed bytes after which a log file fails (a gzip bomb). */
  MAX_LOG_FILE_BYTES: 'MLTRAIL_MAX_LOG_FILE_BYTES',
  /** `keep` or `drop`: what is stored of userIdentity.accessKeyId; unset keeps it. */
  ACCESS_KEY_IDS: 'MLTRAIL_ACCESS_KEY_IDS',
  /** `keep`, `truncate` (IPv4 /24, IPv6 /48) or `drop`: what is stored of sourceIPAddress; unset keeps it. */
  SOURCE_IP_ADDRESSES: 'MLTRAIL_SOURCE_IP_ADDRESSES',
  /** JSON array of the top-level requestParameters keys stored; unset stores every key. */
  REQUEST_PARAMETER_KEYS: 'MLTRAIL_REQUEST_PARAMETER_KEYS',
  /** JSON array of the top-level responseElements keys stored; unset stores every key. */
  RESPONSE_ELEMENT_KEYS: 'MLTRAIL_RESPONSE_ELEMENT_KEYS',
  /** The only bucket whose notifications the function reads; a notification of another is refused. Unset: any bucket. */
  LOG_BUCKET: 'MLTRAIL_LOG_BUCKET',
  /** Account that owns the log bucket, sent as `ExpectedBucketOwner` on every read. Unset: not sent. */
  LOG_BUCKET_OWNER: 'MLTRAIL_LOG_BUCKET_OWNER',
} as const;

/** What is stored of `userIdentity.accessKeyId` (the value of ENV.ACCESS_KEY_IDS). */
export type AccessKeyIdPolicy = 'keep' | 'drop';
export const ACCESS_KEY_ID_POLICIES: readonly AccessKeyIdPolicy[] = ['keep', 'drop'];
/**
 * What is stored of `sourceIPAddress` (the value of ENV.SOURCE_IP_ADDRESSES): as logged, cut to its
 * network (IPv4 /24, IPv6 /48; a service name such as `bedrock.amazonaws.com` as logged), or nothing.
 */
export type SourceIpAddressPolicy = 'keep' | 'truncate' | 'drop';
export const SOURCE_IP_ADDRESS_POLICIES: readonly SourceIpAddressPolicy[] = ['keep', 'truncate', 'drop'];

/** CloudWatch namespace of the function's Powertools metrics (`POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'mltrail';

/** Powertools service name (`POWERTOOLS_SERVICE_NAME`), a dimension of every metric. */
export const POWERTOOLS_SERVICE_NAME = 'mltrail-ingest';

/** Metric names the function emits (count units). */
export const METRIC_NAMES = {
  /** ML events written, with a `mlService` dimension. */
  EVENTS_INGESTED: 'EventsIngested',
  LOG_FILES_INGESTED: 'LogFilesIngested',
  LOG_FILES_FAILED: 'LogFilesFailed',
  LOG_FILES_SKIPPED: 'LogFilesSkipped',
  MALFORMED_RECORDS: 'MalformedRecords',
  /** Events DynamoDB refused to store even alone (ValidationException): left out, the file goes on. */
  EVENTS_REJECTED: 'EventsRejected',
  /** Notifications naming a bucket other than the log bucket: refused unread and acknowledged. */
  FOREIGN_BUCKET_NOTIFICATIONS: 'ForeignBucketNotifications',
} as const;

/** Path of the function's entry file, relative to the project root; it exports `handler`. */
export const HANDLER_ENTRY = 'lambda/handler.ts';

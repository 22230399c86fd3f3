/**
 * The stack's S3 notification filter: objects under `<keyPrefix>/AWSLogs/` ending in `.json.gz`.
 * The local pipeline applies it to s3rver's events (s3rver filters nothing) and backfill to what it
 * sends.
 */
export const LOG_FILE_SUFFIX = '.json.gz';

/** Whether S3 would notify the queue of an object created with this key. */
export function passesNotificationFilter(key: string, keyPrefix = ''): boolean {
  const prefix = keyPrefix ? `${keyPrefix}/AWSLogs/` : 'AWSLogs/';
  return key.startsWith(prefix) && key.endsWith(LOG_FILE_SUFFIX);
}

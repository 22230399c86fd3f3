/**
 * Where a trail's log files are and what they are called, as the stack's S3 notification filter
 * selects them. The construct builds the filter and the read grant from it; the local pipeline and
 * backfill apply the same filter to what they route.
 */

/** Suffix of every log file CloudTrail delivers. */
export const LOG_FILE_SUFFIX = '.json.gz';

/**
 * The key prefix under which a trail writes, for a trail's own S3 key prefix (none by default):
 * `AWSLogs/` or `<keyPrefix>/AWSLogs/`.
 */
export function logFilesPrefix(keyPrefix = ''): string {
  return keyPrefix ? `${keyPrefix}/AWSLogs/` : 'AWSLogs/';
}

/** Whether the stack's notification filter lets an object created with this key through. */
export function passesNotificationFilter(key: string, keyPrefix = ''): boolean {
  return key.startsWith(logFilesPrefix(keyPrefix)) && key.endsWith(LOG_FILE_SUFFIX);
}

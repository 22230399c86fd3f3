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
} as const;

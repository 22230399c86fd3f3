import type { LogReadSummary } from './log-read-summary';

/** The log file's content is not a CloudTrail log: names what was wrong and where. */
export class LogFormatError extends Error {
  override name = 'LogFormatError';
  constructor(
    readonly reason: string,
    /** Byte offset in the decompressed file, when known. */
    readonly offset?: number,
    options?: ErrorOptions,
  ) {
    super(offset === undefined ? reason : `${reason} at byte offset ${offset}`, options);
  }
}

/**
 * A log file could not be read or ingested. The message names the file (`s3://bucket/key`, or a
 * path for a local file) and what was wrong.
 */
export class LogFileError extends Error {
  override name = 'LogFileError';
  constructor(
    readonly logFile: string,
    readonly detail: string,
    options?: ErrorOptions & {
      /** What was read before the failure: the events before it were handed on and written. */
      readonly summary?: LogReadSummary;
    },
  ) {
    super(`${logFile}: ${detail}`, options);
    this.summary = options?.summary;
  }

  readonly summary: LogReadSummary | undefined;
}

/** Configuration that cannot be used; the message names the setting and the fix. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/**
 * The log file is no longer there (deleted, or expired by a lifecycle rule, before it was read):
 * nothing is left to ingest or to retry.
 */
export class LogFileGoneError extends LogFileError {
  override name = 'LogFileGoneError';
  constructor(logFile: string, options?: ErrorOptions) {
    super(logFile, 'the object no longer exists', options);
  }
}

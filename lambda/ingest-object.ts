import type { WriteSummary } from './adapters/dynamodb-event-writer';
import { LogFileError, LogFileGoneError } from './core/errors';
import type { FieldRedaction } from './core/field-redaction';
import {
  type EventSink,
  ingestLogFile,
  type LogReadSummary,
  type RecordReader,
} from './core/ingest-log-file';
import type { LogFileLimits } from './core/log-file-reader';
import { type SkipReason, selectLogObject } from './core/log-object-selection';
import type { ServiceCatalogue } from './core/service-catalogue';

/** A sink that reports what it wrote once flushed, and so far at any time (the DynamoDB writer). */
export interface FlushableSink extends EventSink {
  flush(): Promise<WriteSummary>;
  written(): WriteSummary;
}

/**
 * A log file failed. `read` counts what was read before it did, when reading began; `written`,
 * what reached the table (a retry rewrites it).
 */
export class LogObjectFailedError extends Error {
  override name = 'LogObjectFailedError';
  readonly read: LogReadSummary | undefined;

  constructor(
    readonly logFile: string,
    readonly written: WriteSummary,
    options: { cause: unknown },
  ) {
    super((options.cause as Error | undefined)?.message ?? String(options.cause), options);
    this.read = options.cause instanceof LogFileError ? options.cause.summary : undefined;
  }
}

/** An opened object: its bytes and, when known, its size. */
export interface OpenedObject {
  readonly body: AsyncIterable<Uint8Array> & { destroy?: () => void };
  readonly contentLength?: number;
}

/** A candidate log file: where it is and the key its layout is judged by. */
export interface LogObjectCandidate {
  /** `s3://bucket/key`, or a `file://` URL. */
  readonly logFile: string;
  /** S3 key, or the path relative to the folder being ingested. */
  readonly key: string;
  /** Size in bytes when already known (from the notification or a listing). */
  readonly size?: number;
  /**
   * Reads a file whose key is not in CloudTrail's layout with this reader (the CLI's formats,
   * told apart by content), its account then taken from the records. @default such a file is skipped
   */
  readonly readRecords?: RecordReader;
}

/** What the ingestion of one object needs. */
export interface IngestSettings {
  readonly catalogue: ServiceCatalogue;
  /** Days to keep events; 0 or undefined keeps them forever. */
  readonly retentionDays?: number;
  /** The clock, for leaving out events already past their retention. @default Date.now */
  readonly now?: () => number;
  /** Bounds on one file and one record. @default the reader's defaults */
  readonly limits?: LogFileLimits;
  /** Which sensitive fields are stored. @default every field as logged */
  readonly redaction?: FieldRedaction;
}

/** What happened to one object. */
export type ObjectOutcome =
  | { readonly logFile: string; readonly status: 'skipped'; readonly reason: SkipReason }
  | ({ readonly logFile: string; readonly status: 'ingested' } & LogReadSummary & WriteSummary);

/**
 * Ingests one object if its key is a CloudTrail log file's: opens it, streams its records into a
 * fresh sink and waits until every item is written. An object that `open` finds gone
 * (LogFileGoneError) is skipped: a retry cannot bring it back. Throws when the file fails, so the
 * caller can report it failed and retry it: LogObjectFailedError (with what was read and written,
 * the LogFileError or storage error as its cause) once reading began, the storage error itself when
 * opening failed.
 */
export async function ingestLogObject(
  candidate: LogObjectCandidate,
  open: () => Promise<OpenedObject>,
  createSink: () => FlushableSink,
  settings: IngestSettings,
  /** Epoch ms after which reading stops and the file fails (the function's time). */
  deadline?: number,
): Promise<ObjectOutcome> {
  const selection = selectLogObject(candidate.key, candidate.size);
  const byContent = !selection.ingest && selection.reason === 'not-cloudtrail' && candidate.readRecords;
  if (!selection.ingest && !byContent) {
    return { logFile: candidate.logFile, status: 'skipped', reason: selection.reason };
  }
  const opened = await open().catch((error: unknown) => {
    if (error instanceof LogFileGoneError) return undefined;
    throw error;
  });
  if (!opened) return { logFile: candidate.logFile, status: 'skipped', reason: 'gone' };
  if (opened.contentLength === 0) {
    opened.body.destroy?.();
    return { logFile: candidate.logFile, status: 'skipped', reason: 'empty' };
  }
  const sink = createSink();
  try {
    const read = await ingestLogFile(
      {
        body: opened.body,
        logFile: candidate.logFile,
        logAccountId: selection.ingest ? selection.log.accountId : undefined,
        readRecords: selection.ingest ? undefined : candidate.readRecords,
        retentionDays: settings.retentionDays,
        nowEpochSeconds: Math.floor((settings.now ?? Date.now)() / 1000),
        limits: settings.limits,
        redaction: settings.redaction,
        deadline,
        clock: settings.now,
      },
      settings.catalogue,
      sink,
    );
    const written = await sink.flush();
    return { logFile: candidate.logFile, status: 'ingested', ...read, ...written };
  } catch (error) {
    // Items already handed over are still written: they are good records, and a retry rewrites them.
    await sink.flush().catch(() => undefined);
    throw new LogObjectFailedError(candidate.logFile, sink.written(), { cause: error });
  } finally {
    opened.body.destroy?.();
  }
}

import { isUtf8 } from 'node:buffer';
import type { MlEventItem } from '../../contract/ml-event-item';
import { LogFileError, LogFormatError } from './errors';
import { type LogFileLimits, readLogRecordBatches } from './log-file-reader';
import { type LogReadSummary, LogReadTally } from './log-read-summary';
import { findEventSourceDefect, findRecordDefect, type RecordContext, toMlEvent } from './ml-event';
import { parseRecordJson } from './record-json';
import { findRecordSyntaxError, type RawRecord } from './records-array-splitter';
import { type ServiceCatalogue, serviceOf } from './service-catalogue';

export type { LogReadSummary, MalformedRecordNote } from './log-read-summary';
export { MAX_MALFORMED_NOTES } from './log-read-summary';

/** Receives the items of a file; may wait (backpressure) before taking more. */
export interface EventSink {
  put(item: MlEventItem): Promise<void>;
}

/** A reader's records as batches of one, the shape the loop takes. */
async function* oneRecordBatches(records: AsyncIterable<RawRecord>): AsyncGenerator<readonly RawRecord[]> {
  for await (const record of records) yield [record];
}

/** Reads a file's body into its records, one at a time (throws LogFormatError when it cannot). */
export type RecordReader = (
  body: AsyncIterable<Uint8Array>,
  limits?: LogFileLimits,
) => AsyncIterable<RawRecord>;

/** The log file being read. */
export interface LogFileSource extends RecordContext {
  readonly body: AsyncIterable<Uint8Array>;
  /** How the body's records are read. @default readLogRecords: a CloudTrail log file's Records */
  readonly readRecords?: RecordReader;
  /**
   * Current time in epoch seconds: events whose expiresAt has passed are not written (DynamoDB's
   * TTL would delete them again). Nothing is dropped for age when absent.
   */
  readonly nowEpochSeconds?: number;
  /** Bounds on what one file and one record may hold. */
  readonly limits?: LogFileLimits;
  /**
   * Epoch ms after which reading stops and the file fails, so that a file too large for the
   * function's time is reported failed (and retried) rather than cut off by the timeout.
   */
  readonly deadline?: number;
  /** The clock the deadline is read by, in epoch ms. @default Date.now */
  readonly clock?: () => number;
}

/** Records between two looks at the clock. */
const DEADLINE_CHECK_RECORDS = 256;

function parseRecord(raw: RawRecord): unknown {
  // JSON text is UTF-8: replacing bad bytes would make different values equal (two eventIDs, one item).
  if (!isUtf8(raw.bytes)) throw new LogFormatError(`record ${raw.index} is not valid UTF-8`, raw.offset);
  try {
    return parseRecordJson(raw.bytes.toString('utf8'), raw.holdsNumber);
  } catch (cause) {
    // The parse is the check; the grammar checker only says what is wrong, and where.
    const syntaxError = findRecordSyntaxError(raw);
    if (syntaxError) throw new LogFormatError(syntaxError.reason, syntaxError.offset, { cause });
    throw new LogFormatError(
      `record ${raw.index} is not valid JSON (${(cause as Error).message})`,
      raw.offset,
      { cause },
    );
  }
}

function eventIdOf(record: unknown): string | undefined {
  const eventId = (record as { eventID?: unknown } | null)?.eventID;
  return typeof eventId === 'string' && eventId.length > 0 ? eventId : undefined;
}

/** The eventSource is named only when it is one of the catalogue's: a name from the configuration. */
function droppedReason(raw: RawRecord, dropped: LogFormatError, catalogue: ServiceCatalogue): string {
  return raw.eventSource !== undefined && serviceOf(catalogue, raw.eventSource)
    ? `${dropped.message} (eventSource ${raw.eventSource})`
    : dropped.message;
}

/**
 * Streams one CloudTrail log file into `sink`: every record whose top-level eventSource is in the
 * catalogue becomes an item; other services' records are dropped unparsed; malformed records are
 * counted and noted. A record that is not valid JSON does not stop the good ones after it, but the
 * file still fails at the end, so that it is retried and then dead-lettered rather than lost.
 * Throws {@link LogFileError} naming the file and what was wrong, with what was read before.
 */
export async function ingestLogFile(
  source: LogFileSource,
  catalogue: ServiceCatalogue,
  sink: EventSink,
): Promise<LogReadSummary> {
  const tally = new LogReadTally();
  // Counted, and only the first kept: a file may hold millions of records that are not JSON.
  let invalidJsonRecords = 0;
  let firstInvalid: LogFormatError | undefined;
  let droppedRecords = 0;
  const fail = (detail: string, cause: unknown): never => {
    throw new LogFileError(source.logFile, detail, { cause, summary: tally.summary() });
  };
  try {
    const clock = source.clock ?? Date.now;
    // Other services' records are only delimited: no one parses them (see RawRecord.skipped).
    const keepEventSource = (eventSource: string) => serviceOf(catalogue, eventSource) !== undefined;
    // Kept records are checked by their parse (JSON.parse is exact about the grammar).
    // Only a skipped record with a defective eventSource is noted, with its eventID.
    const skippedEventIds = (eventSource: string) => findEventSourceDefect(eventSource) !== undefined;
    const options = { ...source.limits, keepEventSource, skippedEventIds, checkKeptRecords: false };
    const batches = source.readRecords
      ? oneRecordBatches(source.readRecords(source.body, source.limits))
      : readLogRecordBatches(source.body, options);
    for await (const batch of batches) {
      for (const raw of batch) {
        if (
          source.deadline !== undefined &&
          raw.index % DEADLINE_CHECK_RECORDS === 0 &&
          clock() >= source.deadline
        ) {
          fail(
            `out of time after ${raw.index} record(s): the events read so far are written, and a retry reads the file again`,
            undefined,
          );
        }
        tally.countRecord();
        if (raw.dropped) {
          droppedRecords += 1;
          tally.noteMalformed({
            index: raw.index,
            eventId: raw.eventId,
            reason: droppedReason(raw, raw.dropped, catalogue),
          });
          continue;
        }
        // A record of no catalogued service. One the splitter skipped is one (the most common
        // record by far), told without a catalogue lookup.
        if (
          raw.skipped ||
          (raw.eventSource !== undefined && !raw.syntaxError && !serviceOf(catalogue, raw.eventSource))
        ) {
          const defect = findEventSourceDefect(raw.eventSource as string);
          if (defect) tally.noteMalformed({ index: raw.index, eventId: raw.eventId, reason: defect });
          continue;
        }
        let record: unknown;
        try {
          if (raw.syntaxError) throw raw.syntaxError;
          record = parseRecord(raw);
        } catch (error) {
          invalidJsonRecords += 1;
          firstInvalid ??= error as LogFormatError;
          tally.noteMalformed({ index: raw.index, eventId: raw.eventId, reason: (error as Error).message });
          continue;
        }
        const defect = findRecordDefect(record);
        if (defect) {
          tally.noteMalformed({ index: raw.index, eventId: eventIdOf(record), reason: defect });
          continue;
        }
        const typed = record as Record<string, unknown>;
        const service = serviceOf(catalogue, typed.eventSource as string);
        if (!service) continue;
        tally.countMlEvent(service);
        const item = toMlEvent(typed, service, source, raw.bytes.length);
        if (
          item.expiresAt !== undefined &&
          source.nowEpochSeconds !== undefined &&
          item.expiresAt <= source.nowEpochSeconds
        ) {
          tally.countExpired();
          continue;
        }
        await sink.put(item);
      }
    }
  } catch (cause) {
    fail(cause instanceof LogFormatError ? cause.message : (cause as Error).message, cause);
  }
  const summary = tally.summary();
  const [firstMalformed] = summary.malformed;
  if (firstMalformed && tally.allMalformed && droppedRecords === 0 && !firstInvalid) {
    fail(
      `not a CloudTrail log: none of its ${summary.records} record(s) is a CloudTrail record (first: record ${firstMalformed.index}: ${firstMalformed.reason})`,
      undefined,
    );
  }
  if (firstInvalid) {
    fail(
      `${invalidJsonRecords} record(s) are not valid JSON; the others were ingested. First: ${firstInvalid.message}`,
      firstInvalid,
    );
  }
  return summary;
}

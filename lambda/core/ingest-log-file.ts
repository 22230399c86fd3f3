import type { MlEventItem } from '../../contract/ml-event-item';
import { LogFileError, LogFormatError } from './errors';
import { readLogRecords } from './log-file-reader';
import { findEventSourceDefect, findRecordDefect, type RecordContext, toMlEvent } from './ml-event';
import { isWhitespace, type RawRecord } from './records-array-splitter';
import type { ServiceCatalogue } from './service-catalogue';

/** Receives the items of a file; may wait (backpressure) before taking more. */
export interface EventSink {
  put(item: MlEventItem): Promise<void>;
}

/** A record that was counted and left out, for the file's summary line. */
export interface MalformedRecordNote {
  /** Position in the Records array, from 0. */
  readonly index: number;
  readonly eventId?: string;
  readonly reason: string;
}

/** What reading one log file found. */
export interface LogReadSummary {
  /** Elements of the Records array. */
  readonly records: number;
  /** Records of catalogued services handed to the sink. */
  readonly mlEvents: number;
  readonly eventsByService: Readonly<Record<string, number>>;
  /** ML events older than the retention: counted, not written. */
  readonly expiredEvents: number;
  /** Records that are not objects or lack a required field: counted, then left out. */
  readonly malformedRecords: number;
  /** The first few malformed records, with their eventID when they have one. */
  readonly malformed: readonly MalformedRecordNote[];
}

/** The log file being read. */
export interface LogFileSource extends RecordContext {
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * Current time in epoch seconds: events whose expiresAt has passed are not written (DynamoDB's
   * TTL would delete them again). Nothing is dropped for age when absent.
   */
  readonly nowEpochSeconds?: number;
}

/** Notes kept per file for the summary line; the count goes on past it. */
export const MAX_MALFORMED_NOTES = 10;

const EVENT_SOURCE_KEY = Buffer.from('"eventSource"');
const QUOTE = 0x22;
const COLON = 0x3a;

type CatalogueMatch =
  | { readonly kind: 'catalogued'; readonly service: string }
  | { readonly kind: 'other'; readonly eventSource: string }
  | { readonly kind: 'unknown' };

function skipWhitespace(bytes: Buffer, from: number): number {
  let i = from;
  while (i < bytes.length && isWhitespace(bytes[i] as number)) i++;
  return i;
}

/**
 * Looks for `"eventSource": "<host>"` in a record's raw bytes, so that records of services outside
 * the catalogue are dropped without being parsed. `unknown` means no such pair was found and the
 * record must be parsed to tell what it is.
 */
export function matchCatalogue(bytes: Buffer, catalogue: ServiceCatalogue): CatalogueMatch {
  let found: string | undefined;
  let from = 0;
  for (
    let at = bytes.indexOf(EVENT_SOURCE_KEY, from);
    at !== -1;
    at = bytes.indexOf(EVENT_SOURCE_KEY, from)
  ) {
    from = at + EVENT_SOURCE_KEY.length;
    let i = skipWhitespace(bytes, from);
    if (bytes[i] !== COLON) continue;
    i = skipWhitespace(bytes, i + 1);
    if (bytes[i] !== QUOTE) continue;
    const end = bytes.indexOf(QUOTE, i + 1);
    if (end === -1) break;
    const eventSource = bytes.toString('latin1', i + 1, end);
    const service = catalogue.get(eventSource);
    if (service) return { kind: 'catalogued', service };
    found ??= eventSource;
    from = end + 1;
  }
  return found === undefined ? { kind: 'unknown' } : { kind: 'other', eventSource: found };
}

function parseRecord(raw: RawRecord): unknown {
  try {
    return JSON.parse(raw.bytes.toString('utf8'));
  } catch (cause) {
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

/**
 * Streams one CloudTrail log file into `sink`: every record of a catalogued service becomes an
 * item; other services' records are dropped unparsed; malformed records are counted and noted.
 * A record that is not valid JSON does not stop the good ones after it, but the file still
 * fails at the end, so that it is retried and then dead-lettered rather than lost.
 * Throws {@link LogFileError} naming the file and what was wrong.
 */
export async function ingestLogFile(
  source: LogFileSource,
  catalogue: ServiceCatalogue,
  sink: EventSink,
): Promise<LogReadSummary> {
  let records = 0;
  let mlEvents = 0;
  let malformedRecords = 0;
  let expiredEvents = 0;
  const malformed: MalformedRecordNote[] = [];
  const eventsByService: Record<string, number> = {};
  const invalidJson: LogFormatError[] = [];
  const noteMalformed = (note: MalformedRecordNote) => {
    malformedRecords += 1;
    if (malformed.length < MAX_MALFORMED_NOTES) malformed.push(note);
  };
  try {
    for await (const raw of readLogRecords(source.body)) {
      records += 1;
      const match = matchCatalogue(raw.bytes, catalogue);
      if (match.kind === 'other' && !raw.syntaxError) {
        const defect = findEventSourceDefect(match.eventSource);
        if (defect) noteMalformed({ index: raw.index, reason: defect });
        continue;
      }
      let record: unknown;
      try {
        if (raw.syntaxError) throw raw.syntaxError;
        record = parseRecord(raw);
      } catch (error) {
        invalidJson.push(error as LogFormatError);
        noteMalformed({ index: raw.index, reason: (error as Error).message });
        continue;
      }
      const defect = findRecordDefect(record);
      if (defect) {
        noteMalformed({ index: raw.index, eventId: eventIdOf(record), reason: defect });
        continue;
      }
      const typed = record as Record<string, unknown>;
      const service =
        match.kind === 'catalogued' ? match.service : catalogue.get(typed.eventSource as string);
      if (!service) continue;
      mlEvents += 1;
      eventsByService[service] = (eventsByService[service] ?? 0) + 1;
      const item = toMlEvent(typed, service, source);
      if (
        item.expiresAt !== undefined &&
        source.nowEpochSeconds !== undefined &&
        item.expiresAt <= source.nowEpochSeconds
      ) {
        expiredEvents += 1;
        continue;
      }
      await sink.put(item);
    }
  } catch (cause) {
    if (cause instanceof LogFormatError) throw new LogFileError(source.logFile, cause.message, { cause });
    throw cause;
  }
  const [firstInvalid] = invalidJson;
  const [firstMalformed] = malformed;
  if (firstMalformed && malformedRecords === records && !firstInvalid) {
    throw new LogFileError(
      source.logFile,
      `not a CloudTrail log: none of its ${records} record(s) is a CloudTrail record (first: record ${firstMalformed.index}: ${firstMalformed.reason})`,
    );
  }
  if (firstInvalid) {
    throw new LogFileError(
      source.logFile,
      `${invalidJson.length} record(s) are not valid JSON; the others were ingested. First: ${firstInvalid.message}`,
      { cause: firstInvalid },
    );
  }
  return { records, mlEvents, eventsByService, expiredEvents, malformedRecords, malformed };
}

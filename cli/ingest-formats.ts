import { isUtf8 } from 'node:buffer';
import { LogFormatError } from '../lambda/core/errors';
import {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  decompressedChunks,
  type LogFileLimits,
  readLogRecords,
} from '../lambda/core/log-file-reader';
import { parseRecordJson, toJsonText } from '../lambda/core/record-json';
import {
  DEFAULT_MAX_RECORD_BYTES,
  isWhitespace,
  type RawRecord,
  RecordsArraySplitter,
} from '../lambda/core/records-array-splitter';
import { CsvSplitter, recordOfLakeColumns, recordOfQueryResultRow } from './lake-results';

/** What `mltrail ingest` reads, told apart by content, for messages and the README. */
export const INGEST_FORMATS = [
  'a CloudTrail log file ({"Records":[...]})',
  'JSON Lines of CloudTrail records or of EventBridge "AWS API Call via CloudTrail" events',
  'a JSON array of either, or one of either',
  'the output of aws cloudtrail lookup-events ({"Events":[...]})',
  'the output of aws cloudtrail get-query-results (CloudTrail Lake, {"QueryResultRows":[...]})',
  "a CloudTrail Lake query's saved results (result_N.csv.gz, with an eventID column)",
] as const;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);
// As the log reader does: the records of one push are held together.
const SPLIT_SLICE_BYTES = 64 * 1024;
// A CSV header names the columns: longer than this it is not a Lake export's.
const MAX_CSV_HEADER_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** Document keys whose array holds the records, each read as its format says. */
type ArrayKey = 'Records' | 'Events' | 'QueryResultRows';
const ARRAY_KEYS: ReadonlySet<string> = new Set<ArrayKey>(['Records', 'Events', 'QueryResultRows']);

type Shape =
  | { readonly kind: 'document'; readonly arrayKey: ArrayKey }
  | { readonly kind: 'array' }
  | { readonly kind: 'single' }
  | { readonly kind: 'lines' }
  | { readonly kind: 'csv' };

/** A stream whose first chunks are held while the shape is told, then replayed. */
class HeldStream {
  readonly held: Buffer[] = [];
  heldBytes = 0;
  private done = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** Reads and holds one more chunk; false at the end. */
  async more(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.held.push(next.value);
    this.heldBytes += next.value.length;
    return true;
  }

  /** Every byte from the start: the held chunks, then the rest. */
  async *all(): AsyncGenerator<Buffer> {
    yield* this.held;
    for (let next = await this.source.next(); !next.done; next = await this.source.next()) yield next.value;
  }
}

/** The held bytes, one at a time, reading more as needed. */
class ByteCursor {
  private chunk = 0;
  private at = 0;
  offset = 0;

  constructor(private readonly stream: HeldStream) {}

  async next(): Promise<number | undefined> {
    for (;;) {
      const chunk = this.stream.held[this.chunk];
      if (chunk && this.at < chunk.length) {
        this.offset++;
        return chunk[this.at++];
      }
      if (chunk) {
        this.chunk++;
        this.at = 0;
        continue;
      }
      if (!(await this.stream.more())) return undefined;
    }
  }
}

async function nextSignificant(cursor: ByteCursor): Promise<number | undefined> {
  for (let byte = await cursor.next(); byte !== undefined; byte = await cursor.next()) {
    if (!isWhitespace(byte)) return byte;
  }
  return undefined;
}

function unknownFormat(found: string, offset: number): LogFormatError {
  return new LogFormatError(
    `not a format mltrail reads (${found}); it reads ${INGEST_FORMATS.join('; ')}`,
    offset,
  );
}

/**
 * Reads the first JSON object's top-level keys until one names an array of records, or the object
 * ends: then what follows tells one document from JSON Lines. Holds at most `maxBytes`.
 */
async function shapeOfObject(cursor: ByteCursor, maxBytes: number): Promise<Shape> {
  let depth = 1;
  let inString = false;
  let escaped = false;
  let expectKey = true;
  let key: number[] | undefined;
  for (;;) {
    const byte = await cursor.next();
    if (byte === undefined) return { kind: 'single' };
    if (cursor.offset > maxBytes) {
      throw unknownFormat(
        `its first value is larger than ${maxBytes} bytes and holds no Records, Events or QueryResultRows array`,
        0,
      );
    }
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === BACKSLASH) escaped = true;
      else if (byte === QUOTE) {
        inString = false;
        if (key) {
          const name = decodeKey(key);
          key = undefined;
          if (name !== undefined && ARRAY_KEYS.has(name))
            return { kind: 'document', arrayKey: name as ArrayKey };
        }
        continue;
      }
      if (key && key.length <= 64) key.push(byte);
      continue;
    }
    if (byte === QUOTE) {
      inString = true;
      if (depth === 1 && expectKey) key = [];
      expectKey = false;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) break;
    } else if (byte === COMMA && depth === 1) {
      expectKey = true;
    }
  }
  // The first value is whole: another after it (on the next line) makes JSON Lines.
  const next = await nextSignificant(cursor);
  return next === undefined ? { kind: 'single' } : { kind: 'lines' };
}

function decodeKey(bytes: readonly number[]): string | undefined {
  try {
    return JSON.parse(`"${Buffer.from(bytes).toString('utf8')}"`) as string;
  } catch {
    return undefined;
  }
}

/** Whether the first line is a CSV header naming an eventID column (a Lake export's). */
async function isLakeCsvHeader(stream: HeldStream): Promise<boolean> {
  for (;;) {
    const text = Buffer.concat(stream.held).toString('utf8');
    const end = text.indexOf('\n');
    if (end !== -1 || text.length > MAX_CSV_HEADER_BYTES || !(await stream.more())) {
      const header = (end === -1 ? text : text.slice(0, end)).replace(/^\uFEFF/, '').trim();
      return header
        .split(',')
        .map((name) => name.replace(/^"|"$/g, '').toLowerCase())
        .includes('eventid');
    }
  }
}

async function shapeOf(stream: HeldStream, maxRecordBytes: number): Promise<Shape> {
  const cursor = new ByteCursor(stream);
  let byte = await cursor.next();
  // A UTF-8 byte-order mark is not content.
  for (let i = 0; byte === BYTE_ORDER_MARK[i] && i < BYTE_ORDER_MARK.length; i++) byte = await cursor.next();
  while (byte !== undefined && isWhitespace(byte)) byte = await cursor.next();
  if (byte === undefined) throw new LogFormatError('the file is empty', cursor.offset);
  if (byte === OPEN_BRACKET) return { kind: 'array' };
  if (byte === OPEN_BRACE) return shapeOfObject(cursor, maxRecordBytes);
  if (await isLakeCsvHeader(stream)) return { kind: 'csv' };
  throw unknownFormat('it is not JSON and not a CSV with an eventID column', cursor.offset - 1);
}

/** Counts whether anything read was a CloudTrail record, to fail a file of other things. */
class RecordCount {
  values = 0;
  records = 0;

  /** Fails when values were read but none of them could hold a record. */
  check(what: string, offset: number): void {
    if (this.values > 0 && this.records === 0) {
      throw new LogFormatError(
        `not a CloudTrail log: none of its ${this.values} ${what} holds a CloudTrail record`,
        offset,
      );
    }
  }
}

function textField(value: unknown, name: string): string | undefined {
  const field = (value as Record<string, unknown> | null)?.[name];
  return typeof field === 'string' ? field : undefined;
}

/** A record to hand on: its JSON text (as given when there is one), and what the reader peeks at. */
function recordRaw(index: number, offset: number, record: unknown, text?: string): RawRecord {
  const object = typeof record === 'object' && record !== null && !Array.isArray(record) ? record : undefined;
  const eventSource = textField(object, 'eventSource');
  const eventId = textField(object, 'eventID');
  return {
    index,
    offset,
    bytes: Buffer.from(text ?? toJsonText(record)),
    ...(eventSource !== undefined ? { eventSource } : {}),
    ...(eventId !== undefined ? { eventId } : {}),
  };
}

function droppedRaw(index: number, offset: number, reason: string): RawRecord {
  return { index, offset, bytes: EMPTY, dropped: new LogFormatError(reason, offset) };
}

function invalidRaw(index: number, offset: number, reason: string): RawRecord {
  return { index, offset, bytes: EMPTY, syntaxError: new LogFormatError(reason, offset) };
}

/** Parses a value's bytes; the reason it is not JSON otherwise. */
function parseValue(bytes: Buffer): { value: unknown } | { error: string } {
  if (!isUtf8(bytes)) return { error: 'is not valid UTF-8' };
  try {
    return { value: parseRecordJson(bytes.toString('utf8')) };
  } catch (cause) {
    return { error: `is not valid JSON (${(cause as Error).message})` };
  }
}

// EventBridge's detail-types whose detail is a CloudTrail record; Insights events are not ingested.
const CLOUDTRAIL_DETAIL_TYPE = /^AWS (API Call|Console Sign In|Service Event) via CloudTrail$/;

function isEventBridgeEvent(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && 'detail-type' in value && 'detail' in value;
}

/** A record, or an EventBridge event carrying one, at `where` (`line 3`, `element 2`). */
function recordOrEvent(
  value: unknown,
  index: number,
  offset: number,
  where: string,
  count: RecordCount,
): RawRecord {
  count.values++;
  if (!isEventBridgeEvent(value)) {
    count.records++;
    return recordRaw(index, offset, value);
  }
  const detailType = value['detail-type'];
  if (typeof detailType !== 'string' || !CLOUDTRAIL_DETAIL_TYPE.test(detailType)) {
    return droppedRaw(
      index,
      offset,
      `${where} is an EventBridge event that does not carry a CloudTrail record`,
    );
  }
  count.records++;
  return recordRaw(index, offset, value.detail);
}

async function* splitArray(
  chunks: AsyncIterable<Buffer>,
  options: { arrayKey?: ArrayKey; rootArray?: boolean; maxRecordBytes: number },
): AsyncGenerator<RawRecord> {
  const splitter = new RecordsArraySplitter(options);
  for await (const chunk of chunks) {
    for (let start = 0; start < chunk.length; start += SPLIT_SLICE_BYTES) {
      yield* splitter.push(chunk.subarray(start, start + SPLIT_SLICE_BYTES));
      if (splitter.failure) throw splitter.failure;
    }
  }
  splitter.end();
}

/** Elements of a JSON array: records or EventBridge events. */
async function* readArray(chunks: AsyncIterable<Buffer>, maxRecordBytes: number): AsyncGenerator<RawRecord> {
  const count = new RecordCount();
  let offset = 0;
  for await (const raw of splitArray(chunks, { rootArray: true, maxRecordBytes })) {
    offset = raw.offset;
    if (raw.syntaxError || raw.dropped) {
      yield raw;
      continue;
    }
    const parsed = parseValue(raw.bytes);
    if ('error' in parsed) yield invalidRaw(raw.index, raw.offset, `element ${raw.index} ${parsed.error}`);
    else yield recordOrEvent(parsed.value, raw.index, raw.offset, `element ${raw.index}`, count);
  }
  count.check('elements', offset);
}

/** `aws cloudtrail lookup-events` output: each event's record is the JSON text of CloudTrailEvent. */
async function* readLookupEvents(
  chunks: AsyncIterable<Buffer>,
  maxRecordBytes: number,
): AsyncGenerator<RawRecord> {
  for await (const raw of splitArray(chunks, { arrayKey: 'Events', maxRecordBytes })) {
    if (raw.syntaxError || raw.dropped) {
      yield raw;
      continue;
    }
    const where = `Events[${raw.index}]`;
    const parsed = parseValue(raw.bytes);
    if ('error' in parsed) {
      yield invalidRaw(raw.index, raw.offset, `${where} ${parsed.error}`);
      continue;
    }
    const text = textField(parsed.value, 'CloudTrailEvent');
    if (text === undefined) {
      yield droppedRaw(raw.index, raw.offset, `${where} has no CloudTrailEvent`);
      continue;
    }
    try {
      yield recordRaw(raw.index, raw.offset, parseRecordJson(text), text);
    } catch (cause) {
      yield invalidRaw(
        raw.index,
        raw.offset,
        `${where}.CloudTrailEvent is not valid JSON (${(cause as Error).message})`,
      );
    }
  }
}

/** `aws cloudtrail get-query-results` output: each row a list of one-column objects. */
async function* readQueryResultRows(
  chunks: AsyncIterable<Buffer>,
  maxRecordBytes: number,
): AsyncGenerator<RawRecord> {
  for await (const raw of splitArray(chunks, { arrayKey: 'QueryResultRows', maxRecordBytes })) {
    if (raw.syntaxError || raw.dropped) {
      yield raw;
      continue;
    }
    const where = `QueryResultRows[${raw.index}]`;
    const parsed = parseValue(raw.bytes);
    if ('error' in parsed) {
      yield invalidRaw(raw.index, raw.offset, `${where} ${parsed.error}`);
      continue;
    }
    const record = recordOfQueryResultRow(parsed.value);
    if (typeof record === 'string') yield droppedRaw(raw.index, raw.offset, `${where} ${record}`);
    else yield recordRaw(raw.index, raw.offset, record);
  }
}

/** JSON Lines: each line on its own, so that a broken line loses nothing around it. */
async function* readLines(chunks: AsyncIterable<Buffer>, maxRecordBytes: number): AsyncGenerator<RawRecord> {
  const count = new RecordCount();
  let parts: Buffer[] = [];
  let lineBytes = 0;
  let lineStart = 0;
  let offset = 0;
  let line = 0;
  let index = 0;
  const finish = (): RawRecord | undefined => {
    line++;
    const tooLarge = lineBytes > maxRecordBytes;
    const bytes = tooLarge ? EMPTY : Buffer.concat(parts, lineBytes);
    parts = [];
    lineBytes = 0;
    if (!tooLarge && bytes.every(isWhitespace)) return undefined;
    const at = index++;
    if (tooLarge) return droppedRaw(at, lineStart, `line ${line} is larger than ${maxRecordBytes} bytes`);
    const parsed = parseValue(bytes);
    if ('error' in parsed) return invalidRaw(at, lineStart, `line ${line} ${parsed.error}`);
    return recordOrEvent(parsed.value, at, lineStart, `line ${line}`, count);
  };
  const keep = (part: Buffer) => {
    lineBytes += part.length;
    if (lineBytes <= maxRecordBytes) parts.push(part);
    else parts = [];
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      keep(chunk.subarray(start, end));
      const raw = finish();
      if (raw) yield raw;
      start = end + 1;
      lineStart = offset + start;
    }
    keep(chunk.subarray(start));
    offset += chunk.length;
  }
  const last = finish();
  if (last) yield last;
  count.check('lines', lineStart);
}

/** One JSON value: a record or an EventBridge event (held whole: it is at most one record's size). */
async function* readSingle(chunks: AsyncIterable<Buffer>): AsyncGenerator<RawRecord> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  const bytes = Buffer.concat(parts);
  const parsed = parseValue(bytes);
  if ('error' in parsed) throw new LogFormatError(`the file ${parsed.error}`, 0);
  if (!isEventBridgeEvent(parsed.value) && !hasCloudTrailField(parsed.value)) {
    throw unknownFormat('one JSON value that is neither a CloudTrail record nor an EventBridge event', 0);
  }
  const count = new RecordCount();
  yield recordOrEvent(parsed.value, 0, 0, 'the file', count);
  count.check('values', 0);
}

// A record lacking all of these is some other JSON file (a digest, a configuration): no format of ours.
const CLOUDTRAIL_FIELDS = ['eventSource', 'eventName', 'eventID', 'eventTime', 'eventVersion'];

function hasCloudTrailField(value: unknown): boolean {
  return typeof value === 'object' && value !== null && CLOUDTRAIL_FIELDS.some((name) => name in value);
}

/** A Lake query's saved results: a CSV whose header names the columns. */
async function* readLakeCsv(
  chunks: AsyncIterable<Buffer>,
  maxRecordBytes: number,
): AsyncGenerator<RawRecord> {
  const splitter = new CsvSplitter(maxRecordBytes);
  let header: readonly string[] | undefined;
  function* toRecords(rows: ReturnType<CsvSplitter['push']>): Generator<RawRecord> {
    for (const row of rows) {
      if (!header) {
        header = row.fields.map((name) => name.replace(/^\uFEFF/, ''));
        continue;
      }
      const index = row.index - 1;
      if (row.tooLarge) {
        yield droppedRaw(index, row.offset, `row ${row.index} is larger than ${maxRecordBytes} bytes`);
      } else if (row.fields.length !== header.length) {
        yield droppedRaw(
          index,
          row.offset,
          `row ${row.index} has ${row.fields.length} columns, the header ${header.length}`,
        );
      } else {
        const names = header;
        // An empty CSV field is Lake's null.
        yield recordRaw(
          index,
          row.offset,
          recordOfLakeColumns(
            row.fields.map((value, i) => [names[i] as string, value === '' ? null : value]),
          ),
        );
      }
    }
  }
  for await (const chunk of chunks) yield* toRecords(splitter.push(chunk));
  try {
    yield* toRecords(splitter.end());
  } catch (cause) {
    throw new LogFormatError((cause as Error).message, undefined, { cause });
  }
}

async function* withinCeiling(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    if (bytes > maxBytes) {
      throw new LogFormatError(
        `the file decompresses to more than the ceiling of ${maxBytes} bytes (a gzip bomb?)`,
        maxBytes,
      );
    }
    yield chunk;
  }
}

/**
 * The records of a file in any format `mltrail ingest` reads ({@link INGEST_FORMATS}), told apart
 * by content, gzipped or not. Streams: memory stays bounded by the largest record (a JSON document
 * is split by its array, JSON Lines and CSV by line), whatever the file's size. Throws
 * LogFormatError naming the formats when the file is in none of them.
 */
export async function* readRecordsOfAnyFormat(
  body: AsyncIterable<Uint8Array>,
  limits: LogFileLimits = {},
): AsyncGenerator<RawRecord> {
  const maxRecordBytes = limits.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const maxBytes = limits.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const stream = new HeldStream(withinCeiling(decompressedChunks(body), maxBytes)[Symbol.asyncIterator]());
  const shape = await shapeOf(stream, maxRecordBytes);
  const chunks = stream.all();
  switch (shape.kind) {
    case 'document':
      if (shape.arrayKey === 'Records') yield* readLogRecords(chunks, limits);
      else if (shape.arrayKey === 'Events') yield* readLookupEvents(chunks, maxRecordBytes);
      else yield* readQueryResultRows(chunks, maxRecordBytes);
      return;
    case 'array':
      yield* readArray(chunks, maxRecordBytes);
      return;
    case 'lines':
      yield* readLines(chunks, maxRecordBytes);
      return;
    case 'single':
      yield* readSingle(chunks);
      return;
    case 'csv':
      yield* readLakeCsv(chunks, maxRecordBytes);
      return;
  }
}

import { LogFormatError } from './errors';
import {
  CONTROL_CHARACTER_IN_STRING,
  describeByte,
  isWhitespace,
  JsonValueChecker,
  MAX_NESTING,
} from './json-value-checker';
import { decodeJsonString, RecordScanner, type ScannedRecord, ScanStatus } from './record-scanner';

export { isWhitespace, MAX_NESTING } from './json-value-checker';

/** One element of the top-level `Records` array, as raw JSON bytes. */
export interface RawRecord {
  /** Position in the `Records` array, from 0. */
  readonly index: number;
  /** Byte offset of the element's first byte in the decompressed file. */
  readonly offset: number;
  readonly bytes: Buffer;
  /**
   * Set when the element is not valid JSON although its extent is known (strings and brackets
   * balance): a missing comma, a bare word, an elision. The records around it are still good.
   */
  readonly syntaxError?: LogFormatError;
  /**
   * Set when the element was not kept although its extent is known: larger than the record limit
   * (then `bytes` is empty) or nested too deep to check. The records around it are still good.
   */
  readonly dropped?: LogFormatError;
  /**
   * Set when its eventSource is one the splitter was told not to keep
   * ({@link RecordsArraySplitterOptions.keepEventSource}): `bytes` is empty, and only its strings,
   * escapes and brackets were checked, not the rest of its grammar.
   */
  readonly skipped?: true;
  /** The record's top-level `eventSource` when it is a string, decoded as any JSON parser would. */
  readonly eventSource?: string;
  /**
   * The record's top-level `eventID` when it is a string, decoded (on a skipped record, only when
   * {@link RecordsArraySplitterOptions.skippedEventIds} asks for it).
   */
  readonly eventId?: string;
  /**
   * On a kept record, whether a digit stands outside its strings, which in JSON only a number's
   * does: when false, JSON.parse gives its values exactly without a search (see parseRecordJson).
   */
  readonly holdsNumber?: boolean;
}

/** Records larger than this are dropped (counted) rather than held in memory. */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Options of {@link RecordsArraySplitter}. */
export interface RecordsArraySplitterOptions {
  /** Largest record kept, in bytes. @default DEFAULT_MAX_RECORD_BYTES */
  readonly maxRecordBytes?: number;
  /**
   * The top-level key of the array to split, for documents of the same shape as a log file
   * (`{"Events":[...]}`). @default 'Records'
   */
  readonly arrayKey?: string;
  /** Split a document that is itself the array (`[{...},{...}]`). @default false */
  readonly rootArray?: boolean;
  /**
   * Which records to hold and check, by their top-level eventSource (a string). The others are
   * only delimited (strings, escapes, brackets) and handed on {@link RawRecord.skipped}: their
   * grammar is not checked, since no one parses them. Records without a string eventSource are
   * always kept. @default every record is kept and checked
   */
  readonly keepEventSource?: (eventSource: string) => boolean;
  /**
   * Which skipped records carry their {@link RawRecord.eventId}, by eventSource (asked once per
   * eventSource): for a caller that names only some of the records it does not keep.
   * @default every skipped record carries it
   */
  readonly skippedEventIds?: (eventSource: string) => boolean;
  /**
   * Whether the records kept are checked against the JSON grammar here. Off, a kept record is
   * handed on unchecked (but for a record nested too deep, still dropped): for a caller that
   * parses every record it keeps, and asks {@link findRecordSyntaxError} why when one fails.
   * @default true
   */
  readonly checkKeptRecords?: boolean;
}

// The bytes the log's own state machine reads outside the records.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const UTF8_BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);
const RECORDS_KEY = 'Records';
// A key with every character escaped (`\u0052...`) takes 6 bytes a character: a longer one is another.
const ESCAPED_BYTES_PER_CHARACTER = 6;

/** Where the log is, outside any record. */
enum State {
  RootStart,
  RootKeyOrEnd,
  RootKey,
  RootKeyString,
  RootColon,
  RootValue,
  RootSkipValue,
  RootAfterValue,
  ArrayElementOrEnd,
  ArrayElement,
  ArrayValue,
  Done,
}

const EMPTY = Buffer.alloc(0);

/** Whether a top-level key's content bytes are `key`, however escaped (`"Rec\u006frds"`). */
function isArrayKey(content: Buffer, key: Buffer): boolean {
  if (content.equals(key)) return true;
  return content.includes(BACKSLASH) && decodeJsonString(content, true) === key.toString('utf8');
}

/**
 * A caller's predicate on eventSources (true when there is none), asked once per eventSource the
 * scanner interned and remembered by its id.
 */
function askOncePerEventSource(
  ask: ((eventSource: string) => boolean) | undefined,
  answers: (boolean | undefined)[],
  found: ScannedRecord,
  eventSource: string,
): boolean {
  if (ask === undefined) return true;
  if (found.eventSourceId < 0) return ask(eventSource);
  let answer = answers[found.eventSourceId];
  if (answer === undefined) {
    answer = ask(eventSource);
    answers[found.eventSourceId] = answer;
  }
  return answer;
}

function tooDeepDropped(index: number, tooDeep: LogFormatError): LogFormatError {
  return new LogFormatError(`record ${index}: ${tooDeep.reason}`, tooDeep.offset);
}

/** A kept record's grammar, as the splitter checks it: not JSON, or nested too deep to check. */
function findRecordDefects(
  checker: JsonValueChecker,
  index: number,
  bytes: Buffer,
  offset: number,
): { syntaxError?: LogFormatError; dropped?: LogFormatError } {
  const { grammarError, tooDeepError } = checker.checkWhole(bytes, offset);
  if (grammarError === undefined && tooDeepError !== undefined)
    return { dropped: tooDeepDropped(index, tooDeepError) };
  if (grammarError)
    return {
      syntaxError: new LogFormatError(
        `record ${index} is not valid JSON: ${grammarError.reason}`,
        grammarError.offset,
      ),
    };
  return {};
}

/**
 * Why a record the splitter did not check ({@link RecordsArraySplitterOptions.checkKeptRecords}
 * off) is not valid JSON, as the splitter would have said, with the byte offset; undefined when
 * its grammar is sound. For the rare record a parser refused: the message, not the verdict.
 */
export function findRecordSyntaxError(record: RawRecord): LogFormatError | undefined {
  return findRecordDefects(new JsonValueChecker(), record.index, record.bytes, record.offset).syntaxError;
}

/**
 * Splits a CloudTrail log file (`{"Records":[{...},{...}]}`) into the raw bytes of each element of
 * its `Records` array while the file streams in, chunk by chunk, so that memory stays bounded by
 * the largest single record. Each element is delimited by one structural pass that tracks only
 * strings, escapes and brackets and picks up its top-level eventSource and eventID on the way; the
 * elements it keeps are then checked against the whole JSON grammar (see
 * {@link RecordsArraySplitterOptions.keepEventSource}), and everything outside the Records array
 * always is.
 *
 * A break in the structure (an unterminated string, a control character in one, a bracket that
 * does not match, a truncated file) stops the split with its byte offset: the records after it
 * cannot be delimited. A grammar error inside a kept record whose strings and brackets balance
 * marks that record only ({@link RawRecord.syntaxError}).
 */
export class RecordsArraySplitter {
  /** The structural error that stopped the split, if any. */
  failure: LogFormatError | undefined;

  private state = State.RootStart;
  /** Absolute offset of the first byte of the current chunk. */
  private chunkOffset = 0;
  /** Bytes of a UTF-8 byte-order mark read at the start of the file. */
  private byteOrderMarkBytes = 0;
  /** Checks top-level keys and the values outside Records as they stream, and kept records whole. */
  private readonly checker = new JsonValueChecker();
  /** The top-level key being read, while it may still be `Records`. */
  private keyParts: Buffer[] = [];
  private keyBytes = 0;
  private sawRecords = false;
  private elementParts: Buffer[] = [];
  private elementLength = 0;
  private elementOffset = 0;
  private elementIndex = 0;
  private readonly maxRecordBytes: number;
  private readonly keepEventSource: ((eventSource: string) => boolean) | undefined;
  private readonly checkKeptRecords: boolean;

  /** The structural scan of the records, carried from chunk to chunk. */
  private readonly scanner = new RecordScanner();
  /** Bytes at the start of the scanner's input handed in again: a top-level string cut by a chunk's end. */
  private carriedBytes = 0;
  /** keepEventSource's answer by interned eventSource id. */
  private readonly keptById: (boolean | undefined)[] = [];
  /** skippedEventIds's answer by interned eventSource id. */
  private readonly namedById: (boolean | undefined)[] = [];
  private readonly skippedEventIds: ((eventSource: string) => boolean) | undefined;

  private readonly arrayName: string;
  private readonly arrayKey: Buffer;
  private readonly maxArrayKeyBytes: number;
  private readonly rootArray: boolean;

  constructor(options: RecordsArraySplitterOptions = {}) {
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.keepEventSource = options.keepEventSource;
    this.skippedEventIds = options.skippedEventIds;
    this.checkKeptRecords = options.checkKeptRecords ?? true;
    this.arrayName = options.arrayKey ?? RECORDS_KEY;
    this.arrayKey = Buffer.from(this.arrayName);
    this.maxArrayKeyBytes = this.arrayName.length * ESCAPED_BYTES_PER_CHARACTER;
    this.rootArray = options.rootArray ?? false;
  }

  /** Where the split goes once its array is closed. */
  private get afterArray(): State {
    return this.rootArray ? State.Done : State.RootAfterValue;
  }

  /**
   * Feeds the next chunk; returns the records completed in it. When the chunk breaks the log's
   * structure, the records completed before the break are returned and {@link failure} is set;
   * nothing more is accepted.
   */
  push(chunk: Buffer): RawRecord[] {
    const records: RawRecord[] = [];
    if (this.failure) return records;
    try {
      this.scan(chunk, records);
    } catch (error) {
      if (!(error instanceof LogFormatError)) throw error;
      this.failure = error;
    }
    return records;
  }

  /** Signals the end of the input; throws when the log is incomplete or has no Records array. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.state === State.RootStart) throw new LogFormatError('the file is empty', this.chunkOffset);
    if (this.state !== State.Done) {
      throw new LogFormatError(
        (this.state === State.ArrayValue && this.scanner.endedInString) || this.checker.inString
          ? 'unexpected end of input inside a string'
          : 'unexpected end of input (truncated log?)',
        this.chunkOffset,
      );
    }
    if (!this.sawRecords) {
      throw new LogFormatError(
        `no ${this.arrayName} array (a CloudTrail-Digest or other non-log JSON file?)`,
        this.chunkOffset,
      );
    }
  }

  private scan(chunk: Buffer, records: RawRecord[]): void {
    const length = chunk.length;
    let elementStart = this.state === State.RootKeyString ? 0 : -1;
    let i = 0;
    while (i < length) {
      if (this.state === State.ArrayValue) {
        i = this.scanRecords(chunk, i, true, records);
        continue;
      }
      if (this.state === State.RootSkipValue) {
        i = this.checker.scan(chunk, i, this.chunkOffset);
        if (i === length) break;
        const separator = chunk[i] as number;
        this.checker.finish(i);
        if (separator === CLOSE_BRACKET) throw this.error(i, `unexpected ']'`);
        this.state = separator === COMMA ? State.RootKey : State.Done;
        i++;
        continue;
      }
      if (this.state === State.RootKeyString) {
        i = this.checker.scanString(chunk, i, this.chunkOffset);
        if (!this.checker.inString) {
          this.keepKeyPart(chunk.subarray(elementStart, i - 1));
          elementStart = -1;
          this.state = State.RootColon;
        }
        continue;
      }
      const byte = chunk[i] as number;
      if (this.state === State.RootStart && this.isInByteOrderMark(i, byte)) {
        i++;
        continue;
      }
      if (isWhitespace(byte)) {
        i++;
        continue;
      }
      switch (this.state) {
        case State.RootStart:
          if (this.rootArray) {
            if (byte !== OPEN_BRACKET)
              throw this.error(i, `expected a JSON array, found ${describeByte(byte)}`);
            this.sawRecords = true;
            this.state = State.ArrayElementOrEnd;
            break;
          }
          if (byte !== OPEN_BRACE) throw this.error(i, `expected a JSON object, found ${describeByte(byte)}`);
          this.state = State.RootKeyOrEnd;
          break;
        case State.RootKeyOrEnd:
        case State.RootKey:
          if (byte === CLOSE_BRACE && this.state === State.RootKeyOrEnd) {
            this.state = State.Done;
            break;
          }
          if (byte !== QUOTE) throw this.error(i, `expected a key, found ${describeByte(byte)}`);
          this.checker.start(true);
          this.keyParts = [];
          this.keyBytes = 0;
          elementStart = i + 1;
          this.state = State.RootKeyString;
          break;
        case State.RootColon:
          if (byte !== COLON) throw this.error(i, `expected ':', found ${describeByte(byte)}`);
          this.state = State.RootValue;
          break;
        case State.RootValue:
          if (
            this.keyBytes > this.maxArrayKeyBytes ||
            !isArrayKey(Buffer.concat(this.keyParts), this.arrayKey)
          ) {
            this.checker.start(true);
            this.state = State.RootSkipValue;
            continue;
          }
          if (this.sawRecords) throw this.error(i, `${this.arrayName} appears twice`);
          this.sawRecords = true;
          if (byte !== OPEN_BRACKET)
            throw this.error(i, `${this.arrayName} is not an array (found ${describeByte(byte)})`);
          this.state = State.ArrayElementOrEnd;
          break;
        case State.RootAfterValue:
          if (byte === COMMA) this.state = State.RootKey;
          else if (byte === CLOSE_BRACE) this.state = State.Done;
          else throw this.error(i, `expected ',' or '}', found ${describeByte(byte)}`);
          break;
        case State.ArrayElementOrEnd:
        case State.ArrayElement:
          if (byte === CLOSE_BRACKET && this.state === State.ArrayElementOrEnd) {
            this.state = this.afterArray;
            break;
          }
          if (byte === COMMA || byte === CLOSE_BRACKET) {
            throw this.error(i, `expected a record, found ${describeByte(byte)}`);
          }
          i = this.scanRecords(chunk, i, false, records);
          continue;
        case State.Done:
          throw this.error(i, `unexpected ${describeByte(byte)} after the end of the log`);
        default:
          throw this.error(i, 'internal state error');
      }
      i++;
    }
    if (elementStart >= 0 && this.state === State.RootKeyString) {
      this.keepKeyPart(chunk.subarray(elementStart));
    }
    this.chunkOffset += length;
  }

  /** Whether the byte at `i` belongs to a byte-order mark the file starts with, which may span chunks. */
  private isInByteOrderMark(i: number, byte: number): boolean {
    const position = this.chunkOffset + i;
    if (position !== this.byteOrderMarkBytes || position >= UTF8_BYTE_ORDER_MARK.length) return false;
    if (position === 0 && byte !== UTF8_BYTE_ORDER_MARK[0]) return false;
    if (byte !== UTF8_BYTE_ORDER_MARK[position])
      throw this.error(i, `expected a JSON object, found an incomplete byte-order mark`);
    this.byteOrderMarkBytes += 1;
    return true;
  }

  /**
   * The records of `chunk` from `from` (a record's first byte, or inside one when `continuing`),
   * through the scanner a slice of its capacity at a time. Returns the index where the log's own
   * state machine goes on, with the state set; throws at a break in the structure.
   */
  private scanRecords(chunk: Buffer, from: number, continuing: boolean, records: RawRecord[]): number {
    const scanner = this.scanner;
    let start = from;
    let resume = continuing;
    for (;;) {
      const carried = resume ? this.carriedBytes : 0;
      const end = Math.min(chunk.length, start + scanner.capacity - carried);
      chunk.copy(scanner.input, carried, start, end);
      const length = carried + end - start;
      // Input position p is chunk index p + toChunk, and byte base + p of the file.
      const toChunk = start - carried;
      const base = this.chunkOffset + toChunk;
      const status = scanner.scan(0, length, base, resume);
      this.carriedBytes = 0;
      for (let n = 0; n < scanner.rows; n++) this.finishElement(chunk, n, toChunk, start, records);
      const stop = scanner.stoppedAt;
      switch (status) {
        case ScanStatus.End: {
          if (scanner.endedBetweenRecords) {
            this.state = State.ArrayElement;
            return end;
          }
          const open = scanner.openRecordStart;
          if (open >= 0) {
            this.elementOffset = base + open;
            this.elementParts = [];
            this.elementLength = 0;
          }
          this.keepElementPart(chunk.subarray(open >= 0 ? open + toChunk : start, end));
          const carriedFrom = scanner.carriedFrom;
          if (carriedFrom >= 0) {
            scanner.input.copyWithin(0, carriedFrom, length);
            this.carriedBytes = length - carriedFrom;
          }
          this.state = State.ArrayValue;
          if (end === chunk.length) return end;
          start = end;
          resume = true;
          continue;
        }
        case ScanStatus.ArrayEnd:
          if (scanner.input[stop] === CLOSE_BRACE)
            throw new LogFormatError(`unexpected '}' in ${this.arrayName}`, base + stop);
          this.state = this.afterArray;
          return stop + toChunk + 1;
        case ScanStatus.NoRecord:
        case ScanStatus.RowsFull:
          this.state = State.ArrayElement;
          return stop + toChunk;
        case ScanStatus.ControlCharacter:
          throw new LogFormatError(CONTROL_CHARACTER_IN_STRING, base + stop);
        default:
          throw new LogFormatError(`mismatched ${describeByte(scanner.input[stop] as number)}`, base + stop);
      }
    }
  }

  /** Whether a skipped record with this eventSource names its eventID. */
  private namesSkipped(found: ScannedRecord, eventSource: string): boolean {
    return askOncePerEventSource(this.skippedEventIds, this.namedById, found, eventSource);
  }

  /** Whether a record with this eventSource is kept. */
  private isKept(found: ScannedRecord, eventSource: string): boolean {
    return askOncePerEventSource(this.keepEventSource, this.keptById, found, eventSource);
  }

  /** A top-level key too long to be `Records` is only scanned, not held (a gzip bomb of a key). */
  private keepKeyPart(part: Buffer): void {
    this.keyBytes += part.length;
    if (this.keyBytes > this.maxArrayKeyBytes) this.keyParts = [];
    else this.keyParts.push(part);
  }

  /** Once a record is past the limit its bytes are let go; only its length is counted on. */
  private keepElementPart(part: Buffer): void {
    this.elementLength += part.length;
    if (this.elementLength > this.maxRecordBytes) this.elementParts = [];
    else this.elementParts.push(part);
  }

  /**
   * A record the scanner completed. `toChunk` maps its input positions to `chunk`, whose bytes from
   * `pieceStart` were the input's after what was carried in.
   */
  private finishElement(
    chunk: Buffer,
    row: number,
    toChunk: number,
    pieceStart: number,
    records: RawRecord[],
  ): void {
    const found = this.scanner.row(row);
    const continued = found.start < 0;
    const tailStart = continued ? pieceStart : found.start + toChunk;
    const tailEnd = found.end + toChunk;
    const offset = continued ? this.elementOffset : this.chunkOffset + tailStart;
    const parts = continued ? this.elementParts : [];
    const length = (continued ? this.elementLength : 0) + tailEnd - tailStart;
    if (continued) {
      this.elementParts = [];
      this.elementLength = 0;
    }
    const index = this.elementIndex++;
    const { eventSource } = found;
    const tooDeepError =
      found.tooDeepOffset < 0
        ? undefined
        : new LogFormatError(`nesting deeper than ${MAX_NESTING} levels`, offset + found.tooDeepOffset);
    const tooLarge = length > this.maxRecordBytes;
    const skipped = !tooLarge && eventSource !== undefined && !this.isKept(found, eventSource);
    const record: { -readonly [K in keyof RawRecord]: RawRecord[K] } = { index, offset, bytes: EMPTY };
    if (eventSource !== undefined) record.eventSource = eventSource;
    // A log holds millions of skipped records: their eventID is a string made only when asked for.
    if (!skipped || tooDeepError || this.namesSkipped(found, eventSource as string)) {
      const eventId = this.scanner.eventIdOf(row);
      if (eventId !== undefined) record.eventId = eventId;
    }
    if (tooLarge) {
      record.dropped = new LogFormatError(
        `record ${index} is larger than ${this.maxRecordBytes} bytes (${length} bytes)`,
        offset,
      );
    } else if (skipped) {
      if (tooDeepError) record.dropped = tooDeepDropped(index, tooDeepError);
      else record.skipped = true;
    } else {
      const tail = chunk.subarray(tailStart, tailEnd);
      const bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail], length);
      record.bytes = bytes;
      record.holdsNumber = found.holdsDigits;
      // Unchecked, a record nested too deep is still told from one that is not JSON, as checked.
      if (this.checkKeptRecords || tooDeepError) {
        const { syntaxError, dropped } = findRecordDefects(this.checker, index, bytes, offset);
        if (dropped) record.dropped = dropped;
        else if (syntaxError) record.syntaxError = syntaxError;
      }
    }
    records.push(record);
  }

  private error(indexInChunk: number, message: string): LogFormatError {
    return new LogFormatError(message, this.chunkOffset + indexInChunk);
  }
}

import { LogFormatError } from './errors';
import {
  MAX_NESTING as CHECKED_NESTING,
  CONTROL_CHARACTER_IN_STRING,
  describeByte,
  isWhitespace,
  JsonValueChecker,
} from './json-value-checker';

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
  /** The record's top-level `eventID` when it is a string, decoded. */
  readonly eventId?: string;
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
   * Whether the records kept are checked against the JSON grammar here. Off, a kept record is
   * handed on unchecked (but for a record nested too deep, still dropped): for a caller that
   * parses every record it keeps, and asks {@link findRecordSyntaxError} why when one fails.
   * @default true
   */
  readonly checkKeptRecords?: boolean;
}

// Module constants, not imports: an imported binding may be read through a getter in the hot loop.
const MAX_NESTING = CHECKED_NESTING;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const FIRST_PRINTABLE = 0x20;
const UTF8_BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);
const RECORDS_KEY = 'Records';
// A key with every character escaped (`\u0052...`) takes 6 bytes a character: a longer one is another.
const ESCAPED_BYTES_PER_CHARACTER = 6;
// Top-level strings captured while scanning; longer ones cannot be a catalogued eventSource.
const MAX_CAPTURED_BYTES = 2048;
const EVENT_SOURCE_KEY = Buffer.from('eventSource');
const EVENT_ID_KEY = Buffer.from('eventID');
// The longest a key may be written and still be `eventSource` (every character a `\u` escape).
const MAX_CAPTURED_KEY_BYTES = EVENT_SOURCE_KEY.length * 6;

/** Which top-level string of a record is being captured. */
enum Capture {
  None,
  Key,
  EventSource,
  EventId,
}

/** The bytes a record's structural scan stops at outside strings; every other byte is skipped. */
enum Kind {
  Other,
  Quote,
  Open,
  Close,
  Comma,
  Colon,
}

/** Below the top level of a record: only strings and brackets matter there. */
const NESTED_KIND_OF_BYTE = new Uint8Array(256);
NESTED_KIND_OF_BYTE[QUOTE] = Kind.Quote;
NESTED_KIND_OF_BYTE[OPEN_BRACE] = Kind.Open;
NESTED_KIND_OF_BYTE[OPEN_BRACKET] = Kind.Open;
NESTED_KIND_OF_BYTE[CLOSE_BRACE] = Kind.Close;
NESTED_KIND_OF_BYTE[CLOSE_BRACKET] = Kind.Close;
/** At depth 0 and 1 of a record: commas end it or start a key, colons end a key. */
const TOP_KIND_OF_BYTE = NESTED_KIND_OF_BYTE.slice();
TOP_KIND_OF_BYTE[COMMA] = Kind.Comma;
TOP_KIND_OF_BYTE[COLON] = Kind.Colon;

/** Bytes that end a run of plain string content: a quote, a backslash, a control character. */
const ENDS_STRING_RUN = new Uint8Array(256);
for (let byte = 0; byte < FIRST_PRINTABLE; byte++) ENDS_STRING_RUN[byte] = 1;
ENDS_STRING_RUN[QUOTE] = 1;
ENDS_STRING_RUN[BACKSLASH] = 1;

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

/** The value of a JSON string's content bytes, as JSON.parse gives it; undefined for a bad escape. */
function decodeJsonString(content: Buffer, escaped: boolean): string | undefined {
  const text = content.toString('utf8');
  if (!escaped) return text;
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return undefined;
  }
}

/** Whether a top-level key's content bytes are `key`, however escaped (`"Rec\u006frds"`). */
function isArrayKey(content: Buffer, key: Buffer): boolean {
  if (content.equals(key)) return true;
  return content.includes(BACKSLASH) && decodeJsonString(content, true) === key.toString('utf8');
}

/** Whether `bytes[start..end)` are those of `word`. */
function isWordAt(bytes: Buffer, start: number, end: number, word: Buffer): boolean {
  if (end - start !== word.length) return false;
  for (let n = 0; n < word.length; n++) if (bytes[start + n] !== word[n]) return false;
  return true;
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

  // The structural scan of the current record.
  private readonly nesting = new Uint8Array(MAX_NESTING);
  private depth = 0;
  private inString = false;
  /** The previous chunk ended on a backslash in a string: the next byte is escaped. */
  private escaped = false;
  /** The record is an object: its top-level keys are read. */
  private isObject = false;
  /** At depth 1 of an object, the next string is a key (after '{' or ','), not a value. */
  private expectKey = false;
  private tooDeepError: LogFormatError | undefined;
  private capture = Capture.None;
  /** Absolute offset of the first content byte of the string being captured. */
  private captureStart = 0;
  private captureEscaped = false;
  private captureParts: Buffer[] = [];
  private captureLength = 0;
  /** The top-level key just read names a field to capture: its value is next. */
  private pendingField = Capture.None;
  private eventSource: string | undefined;
  private eventId: string | undefined;

  private readonly arrayName: string;
  private readonly arrayKey: Buffer;
  private readonly maxArrayKeyBytes: number;
  private readonly rootArray: boolean;

  constructor(options: RecordsArraySplitterOptions = {}) {
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.keepEventSource = options.keepEventSource;
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
        this.inString || this.checker.inString
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
    let elementStart = this.state === State.ArrayValue || this.state === State.RootKeyString ? 0 : -1;
    let i = 0;
    while (i < length) {
      if (this.state === State.ArrayValue) {
        i = this.scanRecord(chunk, i);
        if (i === length) break;
        const separator = chunk[i] as number;
        if (separator === CLOSE_BRACE) throw this.error(i, `unexpected '}' in ${this.arrayName}`);
        this.finishElement(chunk, elementStart, i, records);
        elementStart = -1;
        this.state = separator === COMMA ? State.ArrayElement : this.afterArray;
        i++;
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
          elementStart = i;
          this.elementOffset = this.chunkOffset + i;
          this.elementParts = [];
          this.elementLength = 0;
          this.startRecord();
          this.state = State.ArrayValue;
          continue;
        case State.Done:
          throw this.error(i, `unexpected ${describeByte(byte)} after the end of the log`);
        default:
          throw this.error(i, 'internal state error');
      }
      i++;
    }
    if (elementStart >= 0 && this.state === State.ArrayValue) {
      this.keepElementPart(chunk.subarray(elementStart));
    } else if (elementStart >= 0 && this.state === State.RootKeyString) {
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

  private startRecord(): void {
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.isObject = false;
    this.expectKey = false;
    this.tooDeepError = undefined;
    this.capture = Capture.None;
    this.pendingField = Capture.None;
    this.eventSource = undefined;
    this.eventId = undefined;
  }

  /**
   * The structural scan of a record from `start`: strings (their escapes skipped, a control
   * character in one refused), brackets (their kinds matched), and at depth 1 of an object which
   * string is a key and which a value. Every other byte is passed over unread. Returns the index
   * of a separator (',' ']' '}') met at depth 0, not consumed, or the chunk's length. The hot loop
   * of the reader: locals, table look-ups, no calls on the common path but the string scan.
   */
  private scanRecord(chunk: Buffer, start: number): number {
    const length = chunk.length;
    const nesting = this.nesting;
    let depth = this.depth;
    let i = start;
    if (this.inString && i < length) i = this.scanRecordString(chunk, i);
    let kinds = depth <= 1 ? TOP_KIND_OF_BYTE : NESTED_KIND_OF_BYTE;
    while (i < length) {
      let byte = chunk[i] as number;
      let kind = kinds[byte] as Kind;
      while (kind === Kind.Other) {
        if (++i === length) {
          this.depth = depth;
          return length;
        }
        byte = chunk[i] as number;
        kind = kinds[byte] as Kind;
      }
      if (kind === Kind.Quote) {
        const topLevel = depth === 1 && this.isObject;
        if (topLevel && !this.expectKey && this.pendingField !== Capture.None) {
          i = this.scanTopLevelString(chunk, i);
          continue;
        }
        // Inline, the common case: a string whose bytes are passed over, or a top-level key.
        let at = i + 1;
        while (at < length && ENDS_STRING_RUN[chunk[at] as number] === 0) at++;
        if (at < length && chunk[at] === QUOTE) {
          if (topLevel && this.expectKey) {
            if (isWordAt(chunk, i + 1, at, EVENT_SOURCE_KEY)) this.pendingField = Capture.EventSource;
            else if (isWordAt(chunk, i + 1, at, EVENT_ID_KEY)) this.pendingField = Capture.EventId;
          }
          i = at + 1;
          continue;
        }
        // An escape, a control character or the chunk's end: the careful way, from the quote.
        i = topLevel && this.expectKey ? this.scanTopLevelString(chunk, i) : this.scanRecordString(chunk, at);
        continue;
      }
      switch (kind) {
        case Kind.Open:
          if (depth === 1) this.clearPendingField();
          if (depth >= MAX_NESTING) {
            // Past the limit only the depth is counted: bracket kinds go unchecked.
            this.tooDeepError ??= this.error(i, `nesting deeper than ${MAX_NESTING} levels`);
          } else {
            nesting[depth] = byte;
          }
          depth++;
          if (depth === 1) {
            this.isObject = byte === OPEN_BRACE;
            this.expectKey = true;
          } else if (depth === 2) {
            kinds = NESTED_KIND_OF_BYTE;
          }
          i++;
          continue;
        case Kind.Close:
          if (depth === 0) {
            this.depth = depth;
            return i;
          }
          if (depth <= MAX_NESTING && (nesting[depth - 1] === OPEN_BRACE) !== (byte === CLOSE_BRACE))
            throw this.error(i, `mismatched ${describeByte(byte)}`);
          if (depth === 1) this.clearPendingField();
          depth--;
          if (depth === 1) kinds = TOP_KIND_OF_BYTE;
          i++;
          continue;
        case Kind.Comma:
          if (depth === 0) {
            this.depth = depth;
            return i;
          }
          if (depth === 1) {
            this.clearPendingField();
            this.expectKey = true;
          }
          i++;
          continue;
        default:
          if (depth === 1) this.expectKey = false;
          i++;
      }
    }
    this.depth = depth;
    return i;
  }

  /** A string at depth 1 of an object starts at the quote at `quoteIndex`: a key, or a value to capture. */
  private scanTopLevelString(chunk: Buffer, quoteIndex: number): number {
    if (this.expectKey) this.startCapture(Capture.Key, quoteIndex);
    else if (this.pendingField !== Capture.None) {
      this.startCapture(this.pendingField, quoteIndex);
      this.pendingField = Capture.None;
    }
    return this.scanRecordString(chunk, quoteIndex + 1);
  }

  /** Inside a string of a record from `start`; returns the index after its closing quote, or the chunk's length. */
  private scanRecordString(chunk: Buffer, start: number): number {
    const length = chunk.length;
    let i = start;
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    for (;;) {
      while (i < length && ENDS_STRING_RUN[chunk[i] as number] === 0) i++;
      if (i >= length) {
        this.inString = true;
        if (this.capture !== Capture.None) this.keepCapturePart(chunk);
        return length;
      }
      const byte = chunk[i] as number;
      if (byte === QUOTE) {
        this.inString = false;
        if (this.capture !== Capture.None) this.finishCapture(chunk, i);
        return i + 1;
      }
      if (byte !== BACKSLASH) throw this.error(i, CONTROL_CHARACTER_IN_STRING);
      if (this.capture !== Capture.None) this.captureEscaped = true;
      if (i + 1 === length) {
        this.inString = true;
        this.escaped = true;
        if (this.capture !== Capture.None) this.keepCapturePart(chunk);
        return length;
      }
      i += 2;
    }
  }

  /** A top-level value that is not a string follows the key: that field is not a string. */
  private clearPendingField(): void {
    if (this.pendingField === Capture.EventSource) this.eventSource = undefined;
    else if (this.pendingField === Capture.EventId) this.eventId = undefined;
    this.pendingField = Capture.None;
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

  private finishElement(chunk: Buffer, start: number, end: number, records: RawRecord[]): void {
    const tailStart = Math.max(start, 0);
    const parts = this.elementParts;
    if (parts.length > 0) this.elementParts = [];
    const length = this.elementLength + end - tailStart;
    this.elementLength = 0;
    const index = this.elementIndex++;
    const offset = this.elementOffset;
    const eventSource = this.eventSource;
    const record: { -readonly [K in keyof RawRecord]: RawRecord[K] } = { index, offset, bytes: EMPTY };
    if (eventSource !== undefined) record.eventSource = eventSource;
    if (this.eventId !== undefined) record.eventId = this.eventId;
    if (length > this.maxRecordBytes) {
      record.dropped = new LogFormatError(
        `record ${index} is larger than ${this.maxRecordBytes} bytes (${length} bytes)`,
        offset,
      );
    } else if (
      this.keepEventSource !== undefined &&
      eventSource !== undefined &&
      !this.keepEventSource(eventSource)
    ) {
      if (this.tooDeepError) record.dropped = tooDeepDropped(index, this.tooDeepError);
      else record.skipped = true;
    } else {
      const tail = chunk.subarray(tailStart, end);
      const bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail], length);
      record.bytes = bytes;
      // Unchecked, a record nested too deep is still told from one that is not JSON, as checked.
      if (this.checkKeptRecords || this.tooDeepError) {
        const { syntaxError, dropped } = findRecordDefects(this.checker, index, bytes, offset);
        if (dropped) record.dropped = dropped;
        else if (syntaxError) record.syntaxError = syntaxError;
      }
    }
    records.push(record);
  }

  /** A top-level string of a record starts at the quote at `quoteIndex`. */
  private startCapture(capture: Capture, quoteIndex: number): void {
    this.capture = capture;
    this.captureStart = this.chunkOffset + quoteIndex + 1;
    this.captureEscaped = false;
    this.captureLength = 0;
    if (this.captureParts.length > 0) this.captureParts = [];
  }

  /** The chunk ends inside a captured string: keep its part, up to the capture limit. */
  private keepCapturePart(chunk: Buffer): void {
    const part = chunk.subarray(Math.max(0, this.captureStart - this.chunkOffset));
    this.captureLength += part.length;
    if (this.captureLength > MAX_CAPTURED_BYTES) {
      this.capture = Capture.None;
      this.captureParts = [];
    } else {
      this.captureParts.push(part);
    }
  }

  /** The captured string ends at the quote at `end`. */
  private finishCapture(chunk: Buffer, end: number): void {
    const capture = this.capture;
    this.capture = Capture.None;
    const start = Math.max(0, this.captureStart - this.chunkOffset);
    const whole = this.captureParts.length === 0;
    if (capture === Capture.Key && whole && !this.captureEscaped) {
      // The common case, without a copy or a string: the key's bytes in place.
      if (isWordAt(chunk, start, end, EVENT_SOURCE_KEY)) this.pendingField = Capture.EventSource;
      else if (isWordAt(chunk, start, end, EVENT_ID_KEY)) this.pendingField = Capture.EventId;
      return;
    }
    const totalLength = this.captureLength + end - start;
    const limit = capture === Capture.Key ? MAX_CAPTURED_KEY_BYTES : MAX_CAPTURED_BYTES;
    if (totalLength > limit) {
      this.captureParts = [];
      if (capture !== Capture.Key) this.clearCapturedField(capture);
      return;
    }
    const part = chunk.subarray(start, end);
    const content = whole ? part : Buffer.concat([...this.captureParts, part]);
    this.captureParts = [];
    const text = decodeJsonString(content, this.captureEscaped);
    if (capture === Capture.Key) {
      this.pendingField =
        text === 'eventSource' ? Capture.EventSource : text === 'eventID' ? Capture.EventId : Capture.None;
    } else if (text === undefined) {
      this.clearCapturedField(capture);
    } else if (capture === Capture.EventSource) {
      this.eventSource = text;
    } else {
      this.eventId = text;
    }
  }

  /** A captured value that cannot be decoded (too long, a bad escape) names no field. */
  private clearCapturedField(capture: Capture): void {
    if (capture === Capture.EventSource) this.eventSource = undefined;
    else this.eventId = undefined;
  }

  private error(indexInChunk: number, message: string): LogFormatError {
    return new LogFormatError(message, this.chunkOffset + indexInChunk);
  }
}

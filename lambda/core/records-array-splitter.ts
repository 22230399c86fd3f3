import { LogFormatError } from './errors';

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
  /** The record's top-level `eventSource` when it is a string, decoded as any JSON parser would. */
  readonly eventSource?: string;
  /** The record's top-level `eventID` when it is a string, decoded. */
  readonly eventId?: string;
}

/** Records larger than this are dropped (counted) rather than held in memory. */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** Deeper nesting is not checked: the record is dropped (counted), its neighbours kept. */
export const MAX_NESTING = 512;

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
}

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
const MAX_TOKEN_LENGTH = 64;
// A run of digits matters to the grammar by its first two only (a leading zero, at least one digit).
const LONG_DIGIT_RUN = /([0-9]{2})[0-9]+/g;
const SCALAR_TOKEN = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;

const RECORDS_KEY = 'Records';
// A key with every character escaped (`\u0052...`) takes 6 bytes a character: a longer one is another.
const ESCAPED_BYTES_PER_CHARACTER = 6;
// Top-level strings captured while scanning; longer ones cannot be a catalogued eventSource.
const MAX_CAPTURED_BYTES = 2048;

/** Which top-level string of a record is being captured. */
enum Capture {
  None,
  Key,
  EventSource,
  EventId,
}

const CAPTURED_FIELDS: ReadonlyMap<string, Capture> = new Map([
  ['eventSource', Capture.EventSource],
  ['eventID', Capture.EventId],
]);
// After a backslash: " \\ / b f n r t u
const ESCAPABLE = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74, 0x75]);
const UNICODE_ESCAPE = 0x75;
const UNICODE_ESCAPE_DIGITS = 4;

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

/** What the JSON grammar allows next at one nesting level of a value. */
enum Expect {
  Value,
  ValueOrEnd,
  Key,
  KeyOrEnd,
  Colon,
  CommaOrEnd,
  Nothing,
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

/** Whether a byte is JSON whitespace. */
export function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function isHexDigit(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46);
}

function isTokenByte(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    byte === 0x2d ||
    byte === 0x2b ||
    byte === 0x2e
  );
}

// JSON's own punctuation: naming one of these quotes no content.
const STRUCTURAL_BYTES = new Set([...'{}[],:"'].map((character) => character.charCodeAt(0)));

/**
 * What kind of byte stands where the grammar breaks, for a message. Only JSON punctuation is quoted;
 * any other byte is named by its kind, so that a message never carries a character of a record (a
 * log line must hold no part of an access key id or a request parameter).
 */
function describeByte(byte: number): string {
  if (STRUCTURAL_BYTES.has(byte)) return `'${String.fromCharCode(byte)}'`;
  if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) return 'a letter';
  if (byte >= 0x30 && byte <= 0x39) return 'a digit';
  if (byte < FIRST_PRINTABLE || byte === 0x7f) return 'a control character';
  if (byte > 0x7f) return 'a non-ASCII byte';
  return 'a symbol';
}

/**
 * Splits a CloudTrail log file (`{"Records":[{...},{...}]}`) into the raw bytes of each element of
 * its `Records` array while the file streams in, chunk by chunk. It checks the whole JSON grammar
 * without building any value, so that memory stays bounded by the largest single record and
 * records of other services can be dropped before a full parse, yet invalid JSON anywhere is
 * caught with its byte offset.
 *
 * A break in the structure (an unterminated string, a bracket that does not match, a truncated
 * file) stops the split: the records after it cannot be delimited. A grammar error inside a record
 * whose strings and brackets balance marks that record only ({@link RawRecord.syntaxError}).
 */
export class RecordsArraySplitter {
  /** The structural error that stopped the split, if any. */
  failure: LogFormatError | undefined;

  private state = State.RootStart;
  /** Absolute offset of the first byte of the current chunk. */
  private chunkOffset = 0;
  /** Bytes of a UTF-8 byte-order mark read at the start of the file. */
  private byteOrderMarkBytes = 0;
  private inString = false;
  private escaped = false;
  /** Hex digits still due of a `\u` escape that the previous chunk cut. */
  private hexDigitsDue = 0;
  private readonly nesting = new Uint8Array(MAX_NESTING);
  private readonly expect = new Uint8Array(MAX_NESTING + 1);
  private depth = 0;
  /** The bare word being read, its digit runs cut to two digits: as valid as the word, and short. */
  private token = '';
  private tokenOffset = 0;
  private grammarError: LogFormatError | undefined;
  /** The top-level key being read, while it may still be `Records`. */
  private keyParts: Buffer[] = [];
  private keyBytes = 0;
  private sawRecords = false;
  private elementParts: Buffer[] = [];
  private elementLength = 0;
  private elementOffset = 0;
  private elementIndex = 0;
  private readonly maxRecordBytes: number;
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
        this.inString
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
      const byte = chunk[i] as number;
      if (this.state === State.ArrayValue || this.state === State.RootSkipValue) {
        i = this.scanValue(chunk, i);
        if (i === length) break;
        const separator = chunk[i] as number;
        this.endValue(i);
        if (this.state === State.ArrayValue) {
          if (separator === CLOSE_BRACE) throw this.error(i, `unexpected '}' in ${this.arrayName}`);
          this.finishElement(chunk, elementStart, i, records);
          elementStart = -1;
          this.state = separator === COMMA ? State.ArrayElement : this.afterArray;
        } else if (separator === CLOSE_BRACKET) {
          throw this.error(i, `unexpected ']'`);
        } else {
          this.state = separator === COMMA ? State.RootKey : State.Done;
        }
        i++;
        continue;
      }
      if (this.state === State.RootKeyString) {
        i = this.scanString(chunk, i);
        if (!this.inString) {
          this.keepKeyPart(chunk.subarray(elementStart, i - 1));
          elementStart = -1;
          this.state = State.RootColon;
        }
        continue;
      }
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
          this.inString = true;
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
            this.startValue();
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
          this.startValue();
          this.state = State.ArrayValue;
          continue;
        case State.Done:
          throw this.error(i, `unexpected ${describeByte(byte)} after the end of the log`);
        default:
          throw this.error(i, 'internal state error');
      }
      i++;
    }
    if (this.inString && this.capture !== Capture.None) this.keepCapturePart(chunk);
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

  private startValue(): void {
    this.depth = 0;
    this.expect[0] = Expect.Value;
    this.token = '';
    this.grammarError = undefined;
    this.tooDeepError = undefined;
    this.capture = Capture.None;
    this.pendingField = Capture.None;
    this.eventSource = undefined;
    this.eventId = undefined;
  }

  /**
   * Scans the bytes of a value from `start`, checking brackets always and the grammar until it
   * first fails. Returns the index of a separator (',' ']' '}') met at depth 0, not consumed, or
   * the chunk's length. The hot loop of the reader: locals, no calls on the common paths.
   */
  private scanValue(chunk: Buffer, start: number): number {
    const length = chunk.length;
    const nesting = this.nesting;
    const expect = this.expect;
    let depth = this.depth;
    let i = start;
    try {
      if (this.inString) i = this.finishEscape(chunk, i);
      if (this.token.length > 0) {
        const end = this.tokenEnd(chunk, i);
        this.appendToken(chunk, i, end);
        if (end === length) return length;
        this.finishToken(depth);
        i = end;
      }
      while (i < length) {
        let byte = chunk[i] as number;
        if (this.inString) {
          while (byte !== QUOTE && byte !== BACKSLASH && byte >= FIRST_PRINTABLE) {
            if (++i === length) return length;
            byte = chunk[i] as number;
          }
          if (byte === QUOTE) {
            this.inString = false;
            if (this.capture !== Capture.None) this.finishCapture(chunk, i);
            i++;
          } else if (byte === BACKSLASH) {
            if (this.capture !== Capture.None) this.captureEscaped = true;
            if (i + 1 === length) {
              this.escaped = true;
              return length;
            }
            i = this.scanEscape(chunk, i + 1);
          } else {
            throw this.error(i, 'unescaped control character in a string (a missing quote?)');
          }
          continue;
        }
        if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) {
          i++;
          continue;
        }
        if (depth === 0 && (byte === COMMA || byte === CLOSE_BRACKET || byte === CLOSE_BRACE)) return i;
        const checking = this.grammarError === undefined && depth <= MAX_NESTING;
        const expected = expect[depth] as Expect;
        const acceptsValue = expected === Expect.Value || expected === Expect.ValueOrEnd;
        switch (byte) {
          case QUOTE:
            if (checking) {
              if (acceptsValue) {
                expect[depth] = depth === 0 ? Expect.Nothing : Expect.CommaOrEnd;
                if (depth === 1 && this.pendingField !== Capture.None)
                  this.startCapture(this.pendingField, i);
              } else if (expected === Expect.Key || expected === Expect.KeyOrEnd) {
                expect[depth] = Expect.Colon;
                if (depth === 1) this.startCapture(Capture.Key, i);
              } else this.failGrammar(i, `unexpected string (a missing ',' or ':'?)`);
            }
            this.pendingField = Capture.None;
            this.inString = true;
            i++;
            continue;
          case OPEN_BRACE:
          case OPEN_BRACKET:
            if (checking) {
              if (acceptsValue) expect[depth] = depth === 0 ? Expect.Nothing : Expect.CommaOrEnd;
              else this.failGrammar(i, `unexpected ${describeByte(byte)} (a missing ','?)`);
            }
            this.pendingField = Capture.None;
            // Past the limit only the depth is counted: the grammar and bracket kinds go unchecked.
            if (depth >= MAX_NESTING && this.tooDeepError === undefined) this.markTooDeep(i);
            nesting[depth++] = byte;
            expect[depth] = byte === OPEN_BRACE ? Expect.KeyOrEnd : Expect.ValueOrEnd;
            i++;
            continue;
          case CLOSE_BRACE:
          case CLOSE_BRACKET: {
            if (depth > MAX_NESTING) {
              depth--;
              i++;
              continue;
            }
            const isBrace = byte === CLOSE_BRACE;
            if ((nesting[depth - 1] === OPEN_BRACE) !== isBrace)
              throw this.error(i, `mismatched ${describeByte(byte)}`);
            if (
              checking &&
              expected !== Expect.CommaOrEnd &&
              expected !== (isBrace ? Expect.KeyOrEnd : Expect.ValueOrEnd)
            ) {
              this.failGrammar(i, `unexpected ${describeByte(byte)} (a trailing ',' or a missing value?)`);
            }
            depth--;
            i++;
            continue;
          }
          case COLON:
            if (checking) {
              if (expected === Expect.Colon) expect[depth] = Expect.Value;
              else this.failGrammar(i, `unexpected ':'`);
            }
            i++;
            continue;
          case COMMA:
            if (checking) {
              if (expected === Expect.CommaOrEnd)
                expect[depth] = nesting[depth - 1] === OPEN_BRACE ? Expect.Key : Expect.Value;
              else this.failGrammar(i, `unexpected ','`);
            }
            i++;
            continue;
          default: {
            if (!isTokenByte(byte)) {
              if (checking) this.failGrammar(i, `unexpected ${describeByte(byte)}`);
              i++;
              continue;
            }
            this.pendingField = Capture.None;
            const end = this.tokenEnd(chunk, i);
            if (checking && !acceptsValue)
              this.failGrammar(i, `unexpected ${describeByte(byte)} (a missing ',' or quote?)`);
            this.token = '';
            this.appendToken(chunk, i, end);
            this.tokenOffset = this.chunkOffset + i;
            if (end === length) return length;
            this.finishToken(depth);
            i = end;
          }
        }
      }
      return i;
    } finally {
      this.depth = depth;
    }
  }

  private tokenEnd(chunk: Buffer, start: number): number {
    let end = start;
    while (end < chunk.length && isTokenByte(chunk[end] as number)) end++;
    return end;
  }

  /**
   * Adds bytes of a bare word. A number may be of any length; its digit runs are cut, so that a
   * word of any size (a gzip bomb of digits) takes a few bytes and is judged as written.
   */
  private appendToken(chunk: Buffer, start: number, end: number): void {
    const text = chunk.toString('latin1', start, end);
    if (this.token.length === 0 && text.length <= MAX_TOKEN_LENGTH) {
      this.token = text;
      return;
    }
    this.token += text;
    if (this.token.length > MAX_TOKEN_LENGTH) this.token = this.token.replace(LONG_DIGIT_RUN, '$1');
    // Still long once its digits are cut, it is neither a number nor a literal, and a prefix is as invalid.
    if (this.token.length > MAX_TOKEN_LENGTH) this.token = this.token.slice(0, MAX_TOKEN_LENGTH + 1);
  }

  /** A bare word (number, true, false, null) is complete; `depth` is where it stands. */
  private finishToken(depth: number): void {
    const token = this.token;
    this.token = '';
    if (this.grammarError) return;
    if (token.length > MAX_TOKEN_LENGTH || !SCALAR_TOKEN.test(token)) {
      this.failGrammar(
        this.tokenOffset - this.chunkOffset,
        'a bare word that is not a JSON value (true, false, null or a number)',
      );
      return;
    }
    this.expect[depth] = depth === 0 ? Expect.Nothing : Expect.CommaOrEnd;
  }

  /** Records the first grammar error of the current value; outside Records it fails the file. */
  private failGrammar(indexInChunk: number, message: string): void {
    this.grammarError = this.error(indexInChunk, message);
    if (this.state === State.RootSkipValue) throw this.grammarError;
  }

  /** The value at depth 0 ends at `i`: it must be complete. */
  private endValue(i: number): void {
    if (this.grammarError === undefined && this.expect[0] !== Expect.Nothing)
      this.failGrammar(i, 'expected a value');
  }

  private scanString(chunk: Buffer, start: number): number {
    let i = this.finishEscape(chunk, start);
    const length = chunk.length;
    while (i < length) {
      const byte = chunk[i] as number;
      if (byte === QUOTE) {
        this.inString = false;
        return i + 1;
      }
      if (byte === BACKSLASH) {
        if (i + 1 >= length) {
          this.escaped = true;
          return length;
        }
        i = this.scanEscape(chunk, i + 1);
        continue;
      }
      if (byte < FIRST_PRINTABLE)
        throw this.error(i, 'unescaped control character in a string (a missing quote?)');
      i++;
    }
    return i;
  }

  /** At a chunk's start inside a string: the escape the previous chunk cut, if any, is checked. */
  private finishEscape(chunk: Buffer, start: number): number {
    if (this.escaped) {
      this.escaped = false;
      return this.scanEscape(chunk, start);
    }
    if (this.hexDigitsDue > 0) return this.scanHexDigits(chunk, start, this.hexDigitsDue);
    return start;
  }

  /**
   * Checks the escape whose letter is at `i` (after a backslash), and the four hex digits of a
   * `\u` escape; returns the index after it. The string's extent is known either way.
   */
  private scanEscape(chunk: Buffer, i: number): number {
    const byte = chunk[i] as number;
    if (byte === UNICODE_ESCAPE) return this.scanHexDigits(chunk, i + 1, UNICODE_ESCAPE_DIGITS);
    if (!ESCAPABLE.has(byte))
      this.failEscape(i, `invalid escape in a string ('\\' followed by ${describeByte(byte)})`);
    return i + 1;
  }

  /** Checks `count` hex digits from `start`, as far as the chunk goes; a byte that is not one is left. */
  private scanHexDigits(chunk: Buffer, start: number, count: number): number {
    let i = start;
    let due = count;
    while (due > 0 && i < chunk.length) {
      if (!isHexDigit(chunk[i] as number)) {
        this.failEscape(
          i,
          `invalid escape '\\u' in a string (four hex digits expected, found ${describeByte(chunk[i] as number)})`,
        );
        due = 0;
        break;
      }
      i++;
      due--;
    }
    this.hexDigitsDue = due;
    return i;
  }

  /** A bad escape marks the record; outside the Records array it fails the file. */
  private failEscape(indexInChunk: number, message: string): void {
    if (this.grammarError) return;
    const error = this.error(indexInChunk, message);
    if (this.state !== State.ArrayValue) throw error;
    this.grammarError = error;
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
    const tail = chunk.subarray(Math.max(start, 0), end);
    const parts = this.elementParts;
    this.elementParts = [];
    const length = this.elementLength + tail.length;
    this.elementLength = 0;
    const tooLarge = length > this.maxRecordBytes;
    const bytes = tooLarge ? EMPTY : parts.length === 0 ? tail : Buffer.concat([...parts, tail], length);
    const index = this.elementIndex++;
    const record: { -readonly [K in keyof RawRecord]: RawRecord[K] } = {
      index,
      offset: this.elementOffset,
      bytes,
    };
    if (tooLarge) {
      record.dropped = new LogFormatError(
        `record ${index} is larger than ${this.maxRecordBytes} bytes (${length} bytes)`,
        this.elementOffset,
      );
    } else if (this.grammarError === undefined && this.tooDeepError !== undefined) {
      record.dropped = new LogFormatError(
        `record ${index}: ${this.tooDeepError.reason}`,
        this.tooDeepError.offset,
      );
    } else if (this.grammarError) {
      record.syntaxError = new LogFormatError(
        `record ${index} is not valid JSON: ${this.grammarError.reason}`,
        this.grammarError.offset,
      );
    }
    if (this.eventSource !== undefined) record.eventSource = this.eventSource;
    if (this.eventId !== undefined) record.eventId = this.eventId;
    this.grammarError = undefined;
    records.push(record);
  }

  /** Nesting past {@link MAX_NESTING}: the rest of the value is only delimited, not checked. */
  private markTooDeep(indexInChunk: number): void {
    this.tooDeepError = this.error(indexInChunk, `nesting deeper than ${MAX_NESTING} levels`);
  }

  /** A top-level string of a record starts at the quote at `quoteIndex`. */
  private startCapture(capture: Capture, quoteIndex: number): void {
    this.capture = capture;
    this.captureStart = this.chunkOffset + quoteIndex + 1;
    this.captureEscaped = false;
    this.captureParts = [];
    this.captureLength = 0;
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
    const part = chunk.subarray(Math.max(0, this.captureStart - this.chunkOffset), end);
    const parts = this.captureParts;
    this.captureParts = [];
    if (this.captureLength + part.length > MAX_CAPTURED_BYTES) return;
    const text = decodeJsonString(
      parts.length === 0 ? part : Buffer.concat([...parts, part]),
      this.captureEscaped,
    );
    if (text === undefined) return;
    if (capture === Capture.Key) this.pendingField = CAPTURED_FIELDS.get(text) ?? Capture.None;
    else if (capture === Capture.EventSource) this.eventSource = text;
    else this.eventId = text;
  }

  private error(indexInChunk: number, message: string): LogFormatError {
    return new LogFormatError(message, this.chunkOffset + indexInChunk);
  }
}

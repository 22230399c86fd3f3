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
}

/** A single record larger than this fails the file rather than exhausting memory. */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const FIRST_PRINTABLE = 0x20;
const UTF8_BOM_FIRST_BYTE = 0xef;
const MAX_NESTING = 512;
const MAX_TOKEN_LENGTH = 64;
const SCALAR_TOKEN = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;

const RECORDS_KEY = Buffer.from('Records');
// After a backslash: " \\ / b f n r t u
const ESCAPABLE = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74, 0x75]);

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

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
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

function describeByte(byte: number): string {
  return byte >= FIRST_PRINTABLE && byte < 0x7f
    ? `'${String.fromCharCode(byte)}'`
    : `byte 0x${byte.toString(16)}`;
}

/** A grammar error inside a value whose extent is still known. */
class GrammarError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
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
  private inString = false;
  private escaped = false;
  private readonly nesting = new Uint8Array(MAX_NESTING);
  private readonly expect = new Uint8Array(MAX_NESTING + 1);
  private depth = 0;
  private token = '';
  private tokenOffset = 0;
  private grammarError: LogFormatError | undefined;
  private keyParts: Buffer[] = [];
  private sawRecords = false;
  private elementParts: Buffer[] = [];
  private elementLength = 0;
  private elementOffset = 0;
  private elementIndex = 0;

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
        'no Records array (a CloudTrail-Digest or other non-log JSON file?)',
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
        if (this.inString) {
          i = this.scanString(chunk, i);
          continue;
        }
        if (this.depth === 0 && (byte === COMMA || byte === CLOSE_BRACKET || byte === CLOSE_BRACE)) {
          this.endValue(i);
          if (this.state === State.ArrayValue) {
            if (byte === CLOSE_BRACE) throw this.error(i, `unexpected '}' in Records`);
            this.finishElement(chunk, elementStart, i, records);
            elementStart = -1;
            this.state = byte === COMMA ? State.ArrayElement : State.RootAfterValue;
          } else if (byte === CLOSE_BRACKET) {
            throw this.error(i, `unexpected ']'`);
          } else {
            this.state = byte === COMMA ? State.RootKey : State.Done;
          }
          i++;
          continue;
        }
        this.scanValueByte(byte, i);
        i++;
        continue;
      }
      if (this.state === State.RootKeyString) {
        i = this.scanString(chunk, i);
        if (!this.inString) {
          this.keyParts.push(chunk.subarray(elementStart, i - 1));
          elementStart = -1;
          this.state = State.RootColon;
        }
        continue;
      }
      if (isWhitespace(byte)) {
        i++;
        continue;
      }
      switch (this.state) {
        case State.RootStart:
          if (byte === UTF8_BOM_FIRST_BYTE && this.chunkOffset + i === 0) {
            i += 3;
            continue;
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
          elementStart = i + 1;
          this.state = State.RootKeyString;
          break;
        case State.RootColon:
          if (byte !== COLON) throw this.error(i, `expected ':', found ${describeByte(byte)}`);
          this.state = State.RootValue;
          break;
        case State.RootValue:
          if (!Buffer.concat(this.keyParts).equals(RECORDS_KEY)) {
            this.startValue();
            this.state = State.RootSkipValue;
            continue;
          }
          if (this.sawRecords) throw this.error(i, 'Records appears twice');
          this.sawRecords = true;
          if (byte !== OPEN_BRACKET)
            throw this.error(i, `Records is not an array (found ${describeByte(byte)})`);
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
            this.state = State.RootAfterValue;
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
    if (elementStart >= 0 && this.state === State.ArrayValue) {
      this.keepElementPart(chunk.subarray(elementStart));
    } else if (elementStart >= 0 && this.state === State.RootKeyString) {
      this.keyParts.push(chunk.subarray(elementStart));
    }
    this.chunkOffset += length;
  }

  private startValue(): void {
    this.depth = 0;
    this.expect[0] = Expect.Value;
    this.token = '';
    this.grammarError = undefined;
  }

  /** Checks one byte of a value, outside strings: brackets always, the grammar until it fails. */
  private scanValueByte(byte: number, i: number): void {
    if (this.grammarError) {
      if (byte === QUOTE) this.inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.open(byte, i);
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) this.close(byte, i);
      return;
    }
    try {
      this.checkGrammar(byte, i);
    } catch (error) {
      if (!(error instanceof GrammarError)) throw error;
      this.grammarError = new LogFormatError(error.message, error.offset ?? this.chunkOffset + i);
      this.token = '';
      if (this.state === State.RootSkipValue) throw this.grammarError;
      this.scanValueByte(byte, i);
    }
  }

  private checkGrammar(byte: number, i: number): void {
    if (this.token.length > 0) {
      if (isTokenByte(byte)) {
        if (this.token.length >= MAX_TOKEN_LENGTH) {
          throw new GrammarError(`a bare word longer than ${MAX_TOKEN_LENGTH} characters`, this.tokenOffset);
        }
        this.token += String.fromCharCode(byte);
        return;
      }
      this.finishToken();
    }
    if (isWhitespace(byte)) return;
    const depth = this.depth;
    const expected = this.expect[depth] as Expect;
    const acceptsValue = expected === Expect.Value || expected === Expect.ValueOrEnd;
    const afterValue = depth === 0 ? Expect.Nothing : Expect.CommaOrEnd;
    switch (byte) {
      case QUOTE:
        if (acceptsValue) this.expect[depth] = afterValue;
        else if (expected === Expect.Key || expected === Expect.KeyOrEnd) this.expect[depth] = Expect.Colon;
        else throw new GrammarError(`unexpected string (a missing ',' or ':'?)`);
        this.inString = true;
        return;
      case OPEN_BRACE:
      case OPEN_BRACKET:
        if (!acceptsValue) throw new GrammarError(`unexpected ${describeByte(byte)} (a missing ','?)`);
        this.expect[depth] = afterValue;
        this.open(byte, i);
        this.expect[this.depth] = byte === OPEN_BRACE ? Expect.KeyOrEnd : Expect.ValueOrEnd;
        return;
      case CLOSE_BRACE:
        if (expected !== Expect.KeyOrEnd && expected !== Expect.CommaOrEnd) {
          throw new GrammarError(`unexpected '}' (a trailing ',' or a missing value?)`);
        }
        this.close(byte, i);
        return;
      case CLOSE_BRACKET:
        if (expected !== Expect.ValueOrEnd && expected !== Expect.CommaOrEnd) {
          throw new GrammarError(`unexpected ']' (a trailing ','?)`);
        }
        this.close(byte, i);
        return;
      case COLON:
        if (expected !== Expect.Colon) throw new GrammarError(`unexpected ':'`);
        this.expect[depth] = Expect.Value;
        return;
      case COMMA:
        if (expected !== Expect.CommaOrEnd) throw new GrammarError(`unexpected ','`);
        this.expect[depth] = this.nesting[depth - 1] === OPEN_BRACE ? Expect.Key : Expect.Value;
        return;
      default:
        if (!isTokenByte(byte)) throw new GrammarError(`unexpected ${describeByte(byte)}`);
        if (!acceptsValue)
          throw new GrammarError(`unexpected ${describeByte(byte)} (a missing ',' or quote?)`);
        this.token = String.fromCharCode(byte);
        this.tokenOffset = this.chunkOffset + i;
    }
  }

  private finishToken(): void {
    const token = this.token;
    this.token = '';
    if (!SCALAR_TOKEN.test(token)) throw new GrammarError(`'${token}' is not a JSON value`, this.tokenOffset);
    this.expect[this.depth] = this.depth === 0 ? Expect.Nothing : Expect.CommaOrEnd;
  }

  /** The value at depth 0 ends at `i`: it must be complete. */
  private endValue(i: number): void {
    if (this.grammarError) return;
    try {
      if (this.token.length > 0) this.finishToken();
      if (this.expect[0] !== Expect.Nothing) throw new GrammarError('expected a value');
    } catch (error) {
      if (!(error instanceof GrammarError)) throw error;
      this.grammarError = new LogFormatError(error.message, error.offset ?? this.chunkOffset + i);
      if (this.state === State.RootSkipValue) throw this.grammarError;
    }
  }

  private open(byte: number, i: number): void {
    if (this.depth >= MAX_NESTING) throw this.error(i, `nesting deeper than ${MAX_NESTING} levels`);
    this.nesting[this.depth++] = byte;
  }

  private close(byte: number, i: number): void {
    const open = this.nesting[--this.depth];
    if ((open === OPEN_BRACE) !== (byte === CLOSE_BRACE))
      throw this.error(i, `mismatched ${describeByte(byte)}`);
  }

  private scanString(chunk: Buffer, start: number): number {
    let i = start;
    const length = chunk.length;
    if (this.escaped) {
      this.escaped = false;
      this.checkEscape(chunk[i] as number, i);
      i++;
    }
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
        this.checkEscape(chunk[i + 1] as number, i + 1);
        i += 2;
        continue;
      }
      if (byte < FIRST_PRINTABLE)
        throw this.error(i, 'unescaped control character in a string (a missing quote?)');
      i++;
    }
    return i;
  }

  /** The byte after a backslash must make a JSON escape; the string's extent is known either way. */
  private checkEscape(byte: number, i: number): void {
    if (ESCAPABLE.has(byte) || this.grammarError) return;
    const error = new LogFormatError(
      `invalid escape '\\${String.fromCharCode(byte)}' in a string`,
      this.chunkOffset + i,
    );
    if (this.state !== State.ArrayValue) throw error;
    this.grammarError = error;
  }

  private keepElementPart(part: Buffer): void {
    this.elementLength += part.length;
    if (this.elementLength > MAX_RECORD_BYTES) {
      throw new LogFormatError(
        `record ${this.elementIndex} is larger than ${MAX_RECORD_BYTES} bytes`,
        this.elementOffset,
      );
    }
    this.elementParts.push(part);
  }

  private finishElement(chunk: Buffer, start: number, end: number, records: RawRecord[]): void {
    const tail = chunk.subarray(Math.max(start, 0), end);
    let bytes: Buffer;
    if (this.elementParts.length === 0) {
      bytes = tail;
    } else {
      this.keepElementPart(tail);
      bytes = Buffer.concat(this.elementParts, this.elementLength);
    }
    this.elementParts = [];
    this.elementLength = 0;
    const index = this.elementIndex++;
    const syntaxError = this.grammarError
      ? new LogFormatError(
          `record ${index} is not valid JSON: ${this.grammarError.reason}`,
          this.grammarError.offset,
        )
      : undefined;
    this.grammarError = undefined;
    records.push({ index, offset: this.elementOffset, bytes, ...(syntaxError ? { syntaxError } : {}) });
  }

  private error(indexInChunk: number, message: string): LogFormatError {
    return new LogFormatError(message, this.chunkOffset + indexInChunk);
  }
}

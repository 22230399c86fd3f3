import { LogFormatError } from './errors';

/** One element of the top-level `Records` array, as raw JSON bytes. */
export interface RawRecord {
  /** Position in the `Records` array, from 0. */
  readonly index: number;
  /** Byte offset of the element's first byte in the decompressed file. */
  readonly offset: number;
  readonly bytes: Buffer;
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
const MAX_NESTING = 512;
const UTF8_BOM_FIRST_BYTE = 0xef;

const RECORDS_KEY = Buffer.from('Records');

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
  ArrayAfterElement,
  Done,
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function describeByte(byte: number): string {
  return byte >= FIRST_PRINTABLE && byte < 0x7f
    ? `'${String.fromCharCode(byte)}'`
    : `byte 0x${byte.toString(16)}`;
}

/**
 * Splits a CloudTrail log file (`{"Records":[{...},{...}]}`) into the raw bytes of each element of
 * its `Records` array while the file streams in, chunk by chunk. It checks the JSON structure
 * (strings, nesting, separators) without building any value, so that memory stays bounded by the
 * largest single record and records of other services can be dropped before a full parse.
 */
export class RecordsArraySplitter {
  private state = State.RootStart;
  /** Absolute offset of the first byte of the current chunk. */
  private chunkOffset = 0;
  private inString = false;
  private escaped = false;
  private readonly nesting = new Uint8Array(MAX_NESTING);
  private depth = 0;
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

  /** The structural error that stopped the split, if any. */
  failure: LogFormatError | undefined;

  private scan(chunk: Buffer, records: RawRecord[]): void {
    const length = chunk.length;
    let elementStart = this.state === State.ArrayValue || this.state === State.RootKeyString ? 0 : -1;
    let i = 0;
    while (i < length) {
      const byte = chunk[i] as number;
      switch (this.state) {
        case State.ArrayValue:
        case State.RootSkipValue: {
          if (this.inString) {
            i = this.scanString(chunk, i);
            continue;
          }
          if (byte === QUOTE) {
            this.inString = true;
          } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
            if (this.depth >= MAX_NESTING) throw this.error(i, `nesting deeper than ${MAX_NESTING} levels`);
            this.nesting[this.depth++] = byte;
          } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
            if (this.depth === 0) {
              if (this.state === State.ArrayValue) {
                if (byte !== CLOSE_BRACKET)
                  throw this.error(i, `unexpected ${describeByte(byte)} in Records`);
                this.finishElement(chunk, elementStart, i, records);
                elementStart = -1;
                this.state = State.RootAfterValue;
              } else {
                if (byte !== CLOSE_BRACE) throw this.error(i, `unexpected ${describeByte(byte)}`);
                this.state = State.Done;
              }
              i++;
              continue;
            }
            const open = this.nesting[--this.depth];
            if ((open === OPEN_BRACE) !== (byte === CLOSE_BRACE)) {
              throw this.error(i, `mismatched ${describeByte(byte)}`);
            }
          } else if (byte === COMMA && this.depth === 0) {
            if (this.state === State.ArrayValue) {
              this.finishElement(chunk, elementStart, i, records);
              elementStart = -1;
              this.state = State.ArrayElement;
            } else {
              this.state = State.RootKey;
            }
          }
          i++;
          continue;
        }
        case State.RootKeyString: {
          i = this.scanString(chunk, i);
          if (!this.inString) {
            this.keyParts.push(chunk.subarray(elementStart, i - 1));
            elementStart = -1;
            this.state = State.RootColon;
          }
          continue;
        }
        default:
          break;
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
        case State.RootValue: {
          const key = Buffer.concat(this.keyParts);
          if (key.equals(RECORDS_KEY)) {
            if (this.sawRecords) throw this.error(i, 'Records appears twice');
            this.sawRecords = true;
            if (byte !== OPEN_BRACKET)
              throw this.error(i, `Records is not an array (found ${describeByte(byte)})`);
            this.state = State.ArrayElementOrEnd;
          } else {
            this.state = State.RootSkipValue;
            continue;
          }
          break;
        }
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

  /** Bytes read so far. */
  get bytesRead(): number {
    return this.chunkOffset;
  }

  private scanString(chunk: Buffer, start: number): number {
    let i = start;
    const length = chunk.length;
    if (this.escaped) {
      this.escaped = false;
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
        i += 2;
        continue;
      }
      if (byte < FIRST_PRINTABLE)
        throw this.error(i, 'unescaped control character in a string (a missing quote?)');
      i++;
    }
    return i;
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
    records.push({ index: this.elementIndex++, offset: this.elementOffset, bytes });
  }

  private error(indexInChunk: number, message: string): LogFormatError {
    return new LogFormatError(message, this.chunkOffset + indexInChunk);
  }
}

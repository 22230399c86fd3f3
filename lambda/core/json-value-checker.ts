import { LogFormatError } from './errors';

/** Deeper nesting is not checked: the record is dropped (counted), its neighbours kept. */
export const MAX_NESTING = 512;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const FIRST_PRINTABLE = 0x20;
/** The message of a string that a control character ends: JSON strings hold none unescaped. */
export const CONTROL_CHARACTER_IN_STRING = 'unescaped control character in a string (a missing quote?)';

const MAX_TOKEN_LENGTH = 64;
// A run of digits matters to the grammar by its first two only (a leading zero, at least one digit).
const LONG_DIGIT_RUN = /([0-9]{2})[0-9]+/g;
const SCALAR_TOKEN = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;
// After a backslash: " \\ / b f n r t u
const ESCAPABLE = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74, 0x75]);
const UNICODE_ESCAPE = 0x75;
const UNICODE_ESCAPE_DIGITS = 4;

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
export function describeByte(byte: number): string {
  if (STRUCTURAL_BYTES.has(byte)) return `'${String.fromCharCode(byte)}'`;
  if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) return 'a letter';
  if (byte >= 0x30 && byte <= 0x39) return 'a digit';
  if (byte < FIRST_PRINTABLE || byte === 0x7f) return 'a control character';
  if (byte > 0x7f) return 'a non-ASCII byte';
  return 'a symbol';
}

/** What {@link JsonValueChecker} found wrong with a whole value, when it is not JSON. */
export interface ValueFinding {
  /** The first grammar error: the value is not JSON although its extent is known. */
  readonly grammarError?: LogFormatError;
  /** Nesting past {@link MAX_NESTING}: the rest of the value was only delimited. */
  readonly tooDeepError?: LogFormatError;
}

/**
 * Checks the whole JSON grammar of one value as it streams in, chunk by chunk, without building it.
 * Brackets and strings always; the grammar until it first fails, which is then recorded
 * ({@link grammarError}) or, when `strict`, thrown. A break in the structure (a control character
 * in a string, a bracket that does not match) is thrown as a {@link LogFormatError}.
 */
export class JsonValueChecker {
  grammarError: LogFormatError | undefined;
  tooDeepError: LogFormatError | undefined;
  inString = false;

  /** Absolute offset of the first byte of the chunk being scanned. */
  private chunkOffset = 0;
  private escaped = false;
  /** Hex digits still due of a `\u` escape that the previous chunk cut. */
  private hexDigitsDue = 0;
  private readonly nesting = new Uint8Array(MAX_NESTING);
  private readonly expect = new Uint8Array(MAX_NESTING + 1);
  private depth = 0;
  /** The bare word being read, its digit runs cut to two digits: as valid as the word, and short. */
  private token = '';
  private tokenOffset = 0;
  private strict = false;

  /** A new value starts; `strict`: a grammar error is thrown rather than recorded. */
  start(strict: boolean): void {
    this.strict = strict;
    this.depth = 0;
    this.expect[0] = Expect.Value;
    this.token = '';
    this.grammarError = undefined;
    this.tooDeepError = undefined;
    this.inString = false;
    this.escaped = false;
    this.hexDigitsDue = 0;
  }

  /** What is wrong with `bytes`, one whole value that starts at `offset` in the file. */
  checkWhole(bytes: Buffer, offset: number): ValueFinding {
    this.start(false);
    const end = this.scan(bytes, 0, offset);
    if (end < bytes.length) this.failGrammar(end, `unexpected ${describeByte(bytes[end] as number)}`);
    this.finish(bytes.length);
    return { grammarError: this.grammarError, tooDeepError: this.tooDeepError };
  }

  /** The value ends at index `i` of the current chunk: it must be complete. */
  finish(i: number): void {
    if (this.token.length > 0) this.finishToken(this.depth);
    if (this.grammarError === undefined && this.expect[0] !== Expect.Nothing)
      this.failGrammar(i, 'expected a value');
  }

  /**
   * Scans the bytes of the value from `start` of a chunk that starts at `chunkOffset` in the file.
   * Returns the index of a separator (',' ']' '}') met at depth 0, not consumed, or the chunk's
   * length.
   */
  scan(chunk: Buffer, start: number, chunkOffset: number): number {
    this.chunkOffset = chunkOffset;
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
            i++;
          } else if (byte === BACKSLASH) {
            if (i + 1 === length) {
              this.escaped = true;
              return length;
            }
            i = this.scanEscape(chunk, i + 1);
          } else {
            throw this.error(i, CONTROL_CHARACTER_IN_STRING);
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
              if (acceptsValue) expect[depth] = depth === 0 ? Expect.Nothing : Expect.CommaOrEnd;
              else if (expected === Expect.Key || expected === Expect.KeyOrEnd) expect[depth] = Expect.Colon;
              else this.failGrammar(i, `unexpected string (a missing ',' or ':'?)`);
            }
            this.inString = true;
            i++;
            continue;
          case OPEN_BRACE:
          case OPEN_BRACKET:
            if (checking) {
              if (acceptsValue) expect[depth] = depth === 0 ? Expect.Nothing : Expect.CommaOrEnd;
              else this.failGrammar(i, `unexpected ${describeByte(byte)} (a missing ','?)`);
            }
            // Past the limit only the depth is counted: the grammar and bracket kinds go unchecked.
            if (depth >= MAX_NESTING && this.tooDeepError === undefined)
              this.tooDeepError = this.error(i, `nesting deeper than ${MAX_NESTING} levels`);
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

  /**
   * Scans the rest of a string (a top-level key) from `start`, inside it; returns the index after
   * its closing quote, or the chunk's length with {@link inString} still set. A bad escape fails as
   * a grammar error would.
   */
  scanString(chunk: Buffer, start: number, chunkOffset: number): number {
    this.chunkOffset = chunkOffset;
    this.inString = true;
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
      if (byte < FIRST_PRINTABLE) throw this.error(i, CONTROL_CHARACTER_IN_STRING);
      i++;
    }
    return i;
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

  /** Records the first grammar error of the value; when strict, throws it. */
  private failGrammar(indexInChunk: number, message: string): void {
    this.grammarError = this.error(indexInChunk, message);
    if (this.strict) throw this.grammarError;
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

  private failEscape(indexInChunk: number, message: string): void {
    if (this.grammarError) return;
    this.failGrammar(indexInChunk, message);
  }

  private error(indexInChunk: number, message: string): LogFormatError {
    return new LogFormatError(message, this.chunkOffset + indexInChunk);
  }
}

/**
 * Parsing of the records mltrail keeps, exactly: a number a double may not hold (an integer past
 * 2^53, a decimal of more than 15 significant digits, an exponent past 99) is kept as its text, and objects have no prototype, so that any key (`__proto__`, `constructor`) is data.
 */

import { decimalShape, ExactNumber, MAX_EXACT_DOUBLE_DIGITS } from '../../contract/exact-number';

export { ExactNumber };

/** A parsed JSON value: numbers are `number` when a double holds them exactly, else ExactNumber. */
export type RecordValue =
  | string
  | number
  | boolean
  | null
  | ExactNumber
  | readonly RecordValue[]
  | { readonly [key: string]: RecordValue };

/**
 * Text in which some number may not survive a double: a number of 16 digits in a row, 17 digits
 * and points, or a three-digit exponent. Any number of 15 significant digits or fewer, with a
 * smaller exponent, round-trips through a double, so JSON.parse is exact on text that does not
 * match. A JSON number stands at the start or after ':', ',' or '[' (and whitespace): only there is
 * it looked for, so that the hex of an ID in a string (`e849b567`, a three-digit "exponent") does
 * not send nearly every CloudTrail record to the slower exact parser. A match inside a string only
 * costs that parser's time.
 */
const MAY_HOLD_INEXACT_NUMBER =
  /(?:^|[:,[])[ \t\n\r]*-?(?:[0-9.]*(?:[0-9]{16}|[0-9.]{17})|[0-9.]+[eE][+-]?[0-9]{3})/;
const NUMBER_TOKEN = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// Past this a number is kept as written too: DynamoDB cannot store it as a number, and its text
// is what is then stored.
const MAX_PLAIN_EXPONENT = 99;

function holdsExactlyAsDouble(text: string): boolean {
  const { digits, exponent } = decimalShape(text);
  return (
    digits.length === 0 ||
    (digits.length <= MAX_EXACT_DOUBLE_DIGITS && Math.abs(exponent) <= MAX_PLAIN_EXPONENT)
  );
}

/** Raised by {@link parseRecordJson} on text that is not JSON. */
export class RecordJsonError extends Error {
  override name = 'RecordJsonError';
}

/** A recursive-descent parser for the rare record whose numbers a double would change. */
class ExactParser {
  private at = 0;

  constructor(private readonly text: string) {}

  parse(): RecordValue {
    const value = this.value();
    this.skipWhitespace();
    if (this.at !== this.text.length) this.fail('unexpected text after the value');
    return value;
  }

  private fail(message: string): never {
    throw new RecordJsonError(`${message} at character ${this.at}`);
  }

  private skipWhitespace(): void {
    const text = this.text;
    while (this.at < text.length) {
      const code = text.charCodeAt(this.at);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.at++;
    }
  }

  private value(): RecordValue {
    this.skipWhitespace();
    const code = this.text.charCodeAt(this.at);
    if (code === 0x7b) return this.object();
    if (code === 0x5b) return this.array();
    if (code === 0x22) return this.string();
    if (this.text.startsWith('true', this.at)) return this.literal(4, true);
    if (this.text.startsWith('false', this.at)) return this.literal(5, false);
    if (this.text.startsWith('null', this.at)) return this.literal(4, null);
    return this.number();
  }

  private literal<T>(length: number, value: T): T {
    this.at += length;
    return value;
  }

  private number(): number | ExactNumber {
    NUMBER_TOKEN.lastIndex = this.at;
    const match = NUMBER_TOKEN.exec(this.text);
    if (!match) this.fail('expected a JSON value');
    const token = match[0];
    this.at += token.length;
    return holdsExactlyAsDouble(token) ? Number(token) : new ExactNumber(token);
  }

  private string(): string {
    const start = this.at;
    let end = start + 1;
    let escaped = false;
    for (;;) {
      end = this.text.indexOf('"', end);
      if (end === -1) this.fail('unterminated string');
      let backslashes = 0;
      while (this.text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
      if (backslashes % 2 === 0) break;
      escaped = true;
      end++;
    }
    this.at = end + 1;
    const literal = this.text.slice(start, end + 1);
    if (!escaped && !literal.includes('\\')) return literal.slice(1, -1);
    try {
      return JSON.parse(literal) as string;
    } catch (cause) {
      throw new RecordJsonError(`invalid string at character ${start}`, { cause });
    }
  }

  private array(): RecordValue[] {
    this.at++;
    const elements: RecordValue[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) === 0x5d) {
      this.at++;
      return elements;
    }
    for (;;) {
      elements.push(this.value());
      this.skipWhitespace();
      const code = this.text.charCodeAt(this.at++);
      if (code === 0x5d) return elements;
      if (code !== 0x2c) this.fail("expected ',' or ']'");
    }
  }

  private object(): Record<string, RecordValue> {
    this.at++;
    const object: Record<string, RecordValue> = Object.create(null);
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) === 0x7d) {
      this.at++;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.at) !== 0x22) this.fail('expected a key');
      const key = this.string();
      this.skipWhitespace();
      if (this.text.charCodeAt(this.at++) !== 0x3a) this.fail("expected ':'");
      object[key] = this.value();
      this.skipWhitespace();
      const code = this.text.charCodeAt(this.at++);
      if (code === 0x7d) return object;
      if (code !== 0x2c) this.fail("expected ',' or '}'");
    }
  }
}

/**
 * Parses one record's JSON text. JSON.parse does the work unless the text may hold a number a
 * double would change; then a parser that keeps such numbers as {@link ExactNumber} does. Either
 * way a key such as `__proto__` is an own property and never changes an object's prototype.
 * `textHoldsNumber`, when known, says whether the text holds a number (a digit outside strings):
 * false is trusted, so it must never be false for a text that holds one.
 */
export function parseRecordJson(text: string, textHoldsNumber?: boolean): RecordValue {
  let parsed: RecordValue;
  try {
    parsed = JSON.parse(text) as RecordValue;
  } catch (error) {
    if (!MAY_HOLD_INEXACT_NUMBER.test(text)) throw error;
    return new ExactParser(text).parse();
  }
  // Most records hold no number at all. Then only the text of a string can match the pattern,
  // and the exact parser would give the very values JSON.parse gave: the text is not searched,
  // which takes about as long as parsing it. Whether it holds one is what the caller's scan of
  // the text said (`textHoldsNumber`), or else what a walk of the parsed value finds.
  if (!(textHoldsNumber ?? holdsNumber(parsed)) || !MAY_HOLD_INEXACT_NUMBER.test(text)) return parsed;
  return new ExactParser(text).parse();
}

/** Whether a parsed value holds a number anywhere; walked without recursion, however deep. */
function holdsNumber(value: RecordValue): boolean {
  if (typeof value === 'number') return true;
  if (typeof value !== 'object' || value === null) return false;
  const pending: object[] = [value];
  while (pending.length > 0) {
    const next = pending.pop() as Record<string, unknown>;
    // for...in reads the keys (or indexes) without making their array; an inherited enumerable
    // key could only add a number, which costs a search and never skips one.
    for (const key in next) {
      const child = next[key];
      if (typeof child === 'number') return true;
      if (typeof child === 'object' && child !== null) pending.push(child);
    }
  }
  return false;
}

/** Collects JSON text up to a length, then stops: the start of a value's text, in time of its start. */
class BoundedJsonWriter {
  private readonly parts: string[] = [];
  private length = 0;

  constructor(private readonly maxLength: number) {}

  get full(): boolean {
    return this.length > this.maxLength;
  }

  text(): string {
    return this.parts.join('');
  }

  add(part: string): void {
    if (this.full) return;
    const room = this.maxLength + 1 - this.length;
    const kept = part.length > room ? part.slice(0, room) : part;
    this.parts.push(kept);
    this.length += kept.length;
  }

  write(value: unknown): void {
    if (this.full) return;
    if (typeof value !== 'object' || value === null || value instanceof ExactNumber) {
      this.add(toJsonText(value));
      return;
    }
    const array = Array.isArray(value);
    this.add(array ? '[' : '{');
    let first = true;
    for (const key of Object.keys(value)) {
      if (this.full) return;
      if (!first) this.add(',');
      first = false;
      if (!array) this.add(`${JSON.stringify(key)}:`);
      this.write((value as Record<string, unknown>)[key]);
    }
    this.add(array ? ']' : '}');
  }
}

/**
 * The start of a value's JSON text: at least `maxLength` characters of it when it is longer (then
 * one more, so a caller can tell), the whole text otherwise. Its work grows with `maxLength`, not
 * with the value.
 */
export function toJsonTextStart(value: unknown, maxLength: number): string {
  const writer = new BoundedJsonWriter(maxLength);
  writer.write(value);
  return writer.text();
}

/**
 * JSON text of a parsed value, with ExactNumbers written as the numbers they are (JSON.stringify
 * would quote them). Keys are written in their order.
 */
export function toJsonText(value: unknown): string {
  if (value instanceof ExactNumber) return value.text;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  const members = Object.keys(value).map(
    (key) => `${JSON.stringify(key)}:${toJsonText((value as Record<string, unknown>)[key])}`,
  );
  return `{${members.join(',')}}`;
}

import { decimalShape, ExactNumber } from '../../contract/exact-number';
import { truncateUtf8 } from '../../contract/key-values';
import { toJsonText, toJsonTextStart } from './record-json';

/**
 * Making values storable in DynamoDB without losing what was logged. Where DynamoDB cannot hold a
 * value as it is (a number out of its range or past 38 digits, `-0`, a map with an empty key,
 * nesting past 32 levels, a string that is not well-formed Unicode), the value is stored as its
 * JSON text and its JSON Pointer is added to the item's `changedPaths`. Where a field is too large
 * for the item, its start is kept and its path is added too.
 */

/** Cap for each of requestParameters and responseElements, in bytes as DynamoDB counts them. */
export const MAX_PAYLOAD_BYTES = 128 * 1024;
/**
 * Paths a payload may add to changedPaths; a payload with more values to change is stored whole as
 * its JSON text (one path), so that every changed value is listed and none is taken as logged.
 */
export const MAX_PAYLOAD_CHANGED_PATHS = 12;
/**
 * Longest JSON Pointer listed, in bytes: a value to change under a longer path is stored within
 * the JSON text of the deepest map or list whose path fits, so that every listed path points at it.
 */
export const MAX_CHANGED_PATH_BYTES = 256;

// DynamoDB refuses documents nested deeper than 32 levels; the item itself is the first.
const MAX_STORED_DEPTH = 30;
// DynamoDB's number limits: 38 significant digits, magnitudes from 1E-130 to below 1E+126.
const MAX_NUMBER_DIGITS = 38;
const MAX_NUMBER_EXPONENT = 125;
const MIN_NUMBER_EXPONENT = -130;

/** The JSON Pointers (RFC 6901) of what was stored changed; filled while values are converted. */
export type ChangedPaths = string[];

/** A payload ready to be stored, and whether it was cut to fit. */
export interface StorablePayload {
  readonly value: unknown;
  readonly truncated: boolean;
}

/** `path` extended by one key, escaped as JSON Pointer says. */
export function childPath(path: string, key: string | number): string {
  return `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** Whether DynamoDB can hold this number (its text) exactly. */
export function isStorableNumber(text: string): boolean {
  if (text === '-0' || /^-0(?:\.0*)?(?:[eE][+-]?\d+)?$/.test(text)) return false;
  const { digits, exponent } = decimalShape(text);
  if (digits.length === 0) return true;
  return (
    digits.length <= MAX_NUMBER_DIGITS && exponent <= MAX_NUMBER_EXPONENT && exponent >= MIN_NUMBER_EXPONENT
  );
}

/** Whether a number is an integer a double holds exactly, other than -0: always storable as it is. */
function isPlainInteger(value: number): boolean {
  return Number.isSafeInteger(value) && !Object.is(value, -0);
}

/**
 * One conversion of a value to what DynamoDB can store: the paths it changed, and the stored size
 * of what it made ({@link storedSize} of the result), counted as the result is made rather than by
 * walking it again.
 */
class StorableConversion {
  size = 0;
  /**
   * The keys from the converted value down to the value being converted. A path is made of them
   * only when a value is changed: most values are stored as they are, and making a path for each
   * was most of a conversion's work.
   */
  private readonly keys: (string | number)[] = [];

  constructor(
    readonly changed: ChangedPaths,
    private readonly path: string,
  ) {}

  enter(key: string | number): void {
    this.keys.push(key);
  }

  leave(): void {
    this.keys.pop();
  }

  /** The JSON Pointer of the value being converted. */
  currentPath(): string {
    let path = this.path;
    for (const key of this.keys) path = childPath(path, key);
    return path;
  }

  asJsonText(value: unknown): string {
    this.changed.push(this.currentPath());
    const text = toJsonText(value);
    this.size += Buffer.byteLength(text);
    return text;
  }
}

/** {@link toStorableValue} of the value at the conversion's current path. */
function convert(value: unknown, depth: number, conversion: StorableConversion): unknown {
  if (typeof value === 'string') {
    if (!value.isWellFormed()) return conversion.asJsonText(value);
    conversion.size += Buffer.byteLength(value);
    return value;
  }
  if (typeof value === 'number') {
    if (isPlainInteger(value) || (Number.isFinite(value) && isStorableNumber(toJsonText(value)))) {
      conversion.size += numberSize(value);
      return value;
    }
    return conversion.asJsonText(Number.isFinite(value) ? value : String(value));
  }
  if (value instanceof ExactNumber) {
    if (!isStorableNumber(value.text)) return conversion.asJsonText(value);
    conversion.size += numberTextSize(value.text);
    return value;
  }
  if (typeof value !== 'object' || value === null) {
    conversion.size += 1;
    return value;
  }
  if (depth >= MAX_STORED_DEPTH) return conversion.asJsonText(value);
  const { changed } = conversion;
  const changedBefore = changed.length;
  const sizeBefore = conversion.size;
  const copy = Array.isArray(value)
    ? convertList(value, depth, conversion)
    : convertMap(value, depth, conversion);
  let storable = copy !== UNSTORABLE_KEY;
  for (let index = changedBefore; storable && index < changed.length; index++) {
    if (Buffer.byteLength(changed[index] as string) > MAX_CHANGED_PATH_BYTES) storable = false;
  }
  if (storable) return copy;
  // What its children noted is undone: the map or list is stored whole as its JSON text.
  changed.length = changedBefore;
  conversion.size = sizeBefore;
  return conversion.asJsonText(value);
}

/** What {@link convertMap} gives for a map with a key DynamoDB cannot hold (empty, or not well-formed). */
const UNSTORABLE_KEY = Symbol('unstorable key');

// Three bytes for a list or map, and one for each element (see storedSize). A list or map comes
// back as it is when nothing in it changed (nearly every payload): it is copied only from its first
// changed element on, so that a payload is walked without being rebuilt.
function convertList(
  value: readonly unknown[],
  depth: number,
  conversion: StorableConversion,
): readonly unknown[] {
  conversion.size += 3;
  let copy: unknown[] | undefined;
  for (let index = 0; index < value.length; index++) {
    const element = value[index];
    conversion.enter(index);
    const stored = convert(element, depth + 1, conversion);
    conversion.leave();
    conversion.size += 1;
    if (copy !== undefined) copy.push(stored);
    else if (stored !== element) {
      copy = value.slice(0, index);
      copy.push(stored);
    }
  }
  return copy ?? value;
}

function convertMap(
  value: object,
  depth: number,
  conversion: StorableConversion,
): object | typeof UNSTORABLE_KEY {
  conversion.size += 3;
  const map = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  // Keys are checked as they come, not all first: a key DynamoDB cannot hold is rare, and then
  // the caller undoes what was converted before it. for...in meets the keys Object.keys gives, in
  // its order, without making their array (a parsed value inherits no enumerable key).
  for (const key in map) {
    if (key === '' || !key.isWellFormed()) return UNSTORABLE_KEY;
    const element = map[key];
    conversion.enter(key);
    const stored = convert(element, depth + 1, conversion);
    conversion.leave();
    conversion.size += Buffer.byteLength(key) + 1;
    if (copy !== undefined) copy[key] = stored;
    else if (stored !== element) copy = copyUpTo(map, key, stored);
  }
  return copy ?? value;
}

/**
 * A copy of a map's members before `key`, then `key` as `stored`. It has no prototype, so that any
 * key (`__proto__`) is data.
 */
function copyUpTo(map: Record<string, unknown>, key: string, stored: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = Object.create(null);
  for (const earlier in map) {
    if (earlier === key) break;
    copy[earlier] = map[earlier];
  }
  copy[key] = stored;
  return copy;
}

/**
 * A value as DynamoDB can store it: maps stay maps (readable and filterable in the console); what
 * DynamoDB cannot hold becomes its JSON text. What holds nothing to change is the value itself, not
 * a copy; a copied map has no prototype. Either way its keys are own properties, as the item's
 * marshaller reads them, so that any key (`__proto__`, `constructor`) is data.
 */
export function toStorableValue(value: unknown, depth: number, path: string, changed: ChangedPaths): unknown {
  return convert(value, depth, new StorableConversion(changed, path));
}

/** Size of a number in DynamoDB, from its text: about one byte per two significant digits, plus one. */
function numberTextSize(text: string): number {
  return Math.ceil(decimalShape(text).digits.length / 2) + 1;
}

/** {@link numberTextSize} of a number's text; an integer's digits are counted without writing it. */
function numberSize(value: number): number {
  if (!Number.isSafeInteger(value)) return numberTextSize(String(value));
  let rest = Math.abs(value);
  if (rest === 0) return 1;
  // Trailing zeros are no significant digits; a safe integer divides by ten exactly.
  while (rest % 10 === 0) rest /= 10;
  let digits = 1;
  for (let power = 10; power <= rest; power *= 10) digits++;
  return Math.ceil(digits / 2) + 1;
}

/**
 * The size DynamoDB counts for a stored value, in bytes: UTF-8 strings, numbers by their digits,
 * one byte for a boolean or null, three bytes per list or map plus one per element, and map keys.
 */
export function storedSize(value: unknown): number {
  return countStoredSize(value, Buffer.byteLength);
}

/** Three bytes a UTF-16 code unit: at least a text's UTF-8 bytes (a pair takes four for its two). */
const utf8BytesAtMost = (text: string) => 3 * text.length;

/**
 * {@link storedSize}, with each text (strings and map keys) counted by `textBytes`; a parsed
 * value inherits no enumerable key, so for...in meets its keys without making their array.
 */
function countStoredSize(value: unknown, textBytes: (text: string) => number): number {
  if (typeof value === 'string') return textBytes(value);
  if (typeof value === 'number') return numberSize(value);
  if (value instanceof ExactNumber) return numberTextSize(value.text);
  if (typeof value !== 'object' || value === null) return 1;
  let size = 3;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) size += countStoredSize(value[index], textBytes) + 1;
    return size;
  }
  for (const key in value) {
    size += textBytes(key) + countStoredSize((value as Record<string, unknown>)[key], textBytes) + 1;
  }
  return size;
}

/**
 * Whether a value's stored size is over `limit`, walking only until it is: a cheap look at a
 * payload of megabytes before the work of making it storable.
 */
export function isStoredSizeOver(value: unknown, limit: number): boolean {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next !== 'object' || next === null || next instanceof ExactNumber) {
      size += storedSize(next) + 1;
    } else {
      size += 3;
      if (Array.isArray(next)) {
        for (const element of next) stack.push(element);
      } else {
        for (const key of Object.keys(next)) {
          size += Buffer.byteLength(key) + 1;
          stack.push((next as Record<string, unknown>)[key]);
        }
      }
    }
    if (size > limit) return true;
  }
  return false;
}

/**
 * A payload far over its cap is cut without being made storable first: its JSON text is at least
 * half its stored size, so past this many times the cap it cannot fit whatever it becomes.
 */
const CERTAINLY_TOO_LARGE_FACTOR = 4;

/** The size of a whole item: each attribute's name and value. */
export function storedItemSize(item: object): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) size += Buffer.byteLength(name) + storedSize(value);
  }
  return size;
}

/**
 * At least {@link storedItemSize} of an item, counted without the UTF-8 of its strings: three
 * bytes a UTF-16 code unit (a pair takes four for its two), names and values alike, in lists and
 * maps too (an item's ARNs).
 */
export function storedItemSizeAtMost(item: object): number {
  let size = 0;
  // for...in reads the attributes without making Object.entries' pairs; an inherited enumerable
  // key could only add to a bound.
  for (const name in item) {
    const value = (item as Record<string, unknown>)[name];
    if (value !== undefined) size += utf8BytesAtMost(name) + countStoredSize(value, utf8BytesAtMost);
  }
  return size;
}

/** A {@link StorablePayload} and the stored size of its value. */
export interface SizedStorablePayload extends StorablePayload {
  /** {@link storedSize} of `value`. */
  readonly storedBytes: number;
  /**
   * Whether any larger `maxBytes` would give this same payload: it was stored whole, or, having
   * more values to change than are listed, as its whole JSON text.
   */
  readonly sameUnderLargerCap: boolean;
}

/**
 * At least the stored size of any value whose JSON text takes `textBytes` bytes of UTF-8, or of any
 * value parsed from within such a text (a record's payloads): a string stores no more than its
 * text, a number one byte more, and a list or map takes 3 bytes and one per element where its text
 * takes 2 and a comma per element (induction gives 2 * text + 1).
 */
export function storedSizeAtMostOfText(textBytes: number): number {
  return 2 * textBytes + 1;
}

/**
 * {@link toStorablePayload}, with the stored size of what it made (known as it was made).
 * `sourceTextBytes`, when given, is the UTF-8 size of a JSON text the value was parsed from within (its
 * record's): a payload that cannot be far over its cap by {@link storedSizeAtMostOfText} is not
 * walked to find out.
 */
export function toSizedStorablePayload(
  value: unknown,
  path: string,
  changed: ChangedPaths,
  maxBytes = MAX_PAYLOAD_BYTES,
  sourceTextBytes?: number,
): SizedStorablePayload {
  const certainlyTooLargeBytes = maxBytes * CERTAINLY_TOO_LARGE_FACTOR;
  const mayBeFarOver =
    sourceTextBytes === undefined || storedSizeAtMostOfText(sourceTextBytes) > certainlyTooLargeBytes;
  if (mayBeFarOver && isStoredSizeOver(value, certainlyTooLargeBytes)) {
    changed.push(path);
    const start = truncateUtf8(toJsonTextStart(value, maxBytes), maxBytes);
    return {
      value: start,
      truncated: true,
      storedBytes: Buffer.byteLength(start),
      sameUnderLargerCap: false,
    };
  }
  // Below, only the last comparisons with maxBytes decide, and a larger cap passes each of them
  // that this one passed (isStoredSizeOver's is passed a fortiori).
  const conversion = new StorableConversion([], path);
  const stored = convert(value, 1, conversion);
  const inner = conversion.changed;
  if (inner.length <= MAX_PAYLOAD_CHANGED_PATHS && conversion.size <= maxBytes) {
    changed.push(...inner);
    return { value: stored, truncated: false, storedBytes: conversion.size, sameUnderLargerCap: true };
  }
  changed.push(path);
  const text = toJsonText(value);
  const textBytes = Buffer.byteLength(text);
  if (textBytes <= maxBytes) {
    const sameUnderLargerCap = inner.length > MAX_PAYLOAD_CHANGED_PATHS;
    return { value: text, truncated: false, storedBytes: textBytes, sameUnderLargerCap };
  }
  const start = truncateUtf8(text, maxBytes);
  return { value: start, truncated: true, storedBytes: Buffer.byteLength(start), sameUnderLargerCap: false };
}

/**
 * A request or response payload as DynamoDB can store it (see {@link toStorableValue}). A payload
 * with more than {@link MAX_PAYLOAD_CHANGED_PATHS} values to change becomes its JSON text, its path
 * changed; one over `maxBytes` becomes its JSON text cut to `maxBytes`, flagged as truncated.
 */
export function toStorablePayload(
  value: unknown,
  path: string,
  changed: ChangedPaths,
  maxBytes = MAX_PAYLOAD_BYTES,
): StorablePayload {
  const { value: stored, truncated } = toSizedStorablePayload(value, path, changed, maxBytes);
  return { value: stored, truncated };
}

/**
 * A text field within `maxBytes`: as logged when it fits and is well-formed; otherwise its JSON
 * text (when not well-formed) cut to `maxBytes`. The caller notes its path when the two differ.
 */
export function toStorableText(value: string, maxBytes: number): string {
  return truncateUtf8(value.isWellFormed() ? value : JSON.stringify(value), maxBytes);
}

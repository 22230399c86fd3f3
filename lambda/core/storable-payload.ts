/**
 * Cap for each of requestParameters and responseElements, in bytes of JSON. Two of them plus
 * the other attributes stay well under DynamoDB's 400 KB item limit.
 */
export const MAX_PAYLOAD_BYTES = 128 * 1024;

// DynamoDB rejects documents nested deeper than 32 levels; the item itself is the first.
const MAX_STORED_DEPTH = 30;
const EMPTY_KEY = '(empty)';

/** A payload ready to be stored, and whether it was cut to fit. */
export interface StorablePayload {
  readonly value: unknown;
  readonly truncated: boolean;
}

function toStorableValue(value: unknown, depth: number): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_STORED_DEPTH) return JSON.stringify(value);
  if (Array.isArray(value)) return value.map((element) => toStorableValue(element, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, element] of Object.entries(value)) {
    copy[key === '' ? EMPTY_KEY : key] = toStorableValue(element, depth + 1);
  }
  return copy;
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return Buffer.from(text)
    .subarray(0, maxBytes)
    .toString()
    .replace(/\uFFFD+$/, '');
}

/**
 * A request or response payload as DynamoDB can store it: maps stay maps (readable and
 * filterable in the console); values DynamoDB refuses (non-finite numbers, empty map keys,
 * nesting past 32 levels) become strings; a payload over `maxBytes` of JSON becomes its JSON
 * text cut to `maxBytes`, flagged as truncated.
 */
export function toStorablePayload(value: unknown, maxBytes = MAX_PAYLOAD_BYTES): StorablePayload {
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) <= maxBytes) return { value: toStorableValue(value, 1), truncated: false };
  return { value: truncateUtf8(json, maxBytes), truncated: true };
}

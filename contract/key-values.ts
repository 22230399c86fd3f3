import { createHash } from 'node:crypto';

/**
 * How a value becomes a key attribute. DynamoDB refuses an item whose partition key (of the table
 * or of any index) is over 2,048 bytes or whose sort key is over 1,024; it also needs well-formed
 * Unicode. A value that fits is stored as it is, which is every value a real account logs. One
 * that does not keeps its start and gains a digest of the whole value, so that two different
 * values never share a key, and the same value always gets the same key (re-ingestion rewrites
 * the same item). The writer and every query use this function, so a query for a long value
 * finds it.
 */

/** DynamoDB's limit on a partition key value, in bytes of UTF-8. */
export const MAX_PARTITION_KEY_BYTES = 2048;
/** DynamoDB's limit on a sort key value, in bytes of UTF-8. */
export const MAX_SORT_KEY_BYTES = 1024;

/** Stands between the kept start of a value and the digest of the whole. */
export const KEY_DIGEST_MARKER = '…sha256:';
const DIGEST_HEX_CHARACTERS = 32;
const DIGEST_SUFFIX_BYTES = Buffer.byteLength(KEY_DIGEST_MARKER) + DIGEST_HEX_CHARACTERS;

/**
 * Whether a string is within `maxBytes` of UTF-8 by its length alone: a UTF-16 code unit takes at
 * most three bytes (a pair four for its two). The ids, names and ARNs of a record are far shorter
 * than their caps, and this spares counting their bytes.
 */
function fitsWithoutCounting(text: string, maxBytes: number): boolean {
  return text.length * 3 <= maxBytes;
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (fitsWithoutCounting(text, maxBytes) || Buffer.byteLength(text) <= maxBytes) return text;
  return Buffer.from(text)
    .subarray(0, maxBytes)
    .toString()
    .replace(/\uFFFD+$/, '');
}

/**
 * The key attribute value for `value`: the value itself when it is well-formed and at most
 * `maxBytes`; otherwise its well-formed start and `…sha256:<32 hex>` of its JSON text.
 */
export function toKeyValue(value: string, maxBytes: number): string {
  if (value.isWellFormed() && (fitsWithoutCounting(value, maxBytes) || Buffer.byteLength(value) <= maxBytes))
    return value;
  const digest = createHash('sha256')
    .update(JSON.stringify(value))
    .digest('hex')
    .slice(0, DIGEST_HEX_CHARACTERS);
  return `${truncateUtf8(value.toWellFormed(), maxBytes - DIGEST_SUFFIX_BYTES)}${KEY_DIGEST_MARKER}${digest}`;
}

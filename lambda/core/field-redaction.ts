import { isIPv4, isIPv6 } from 'node:net';
import type { AccessKeyIdPolicy, SourceIpAddressPolicy } from '../../contract/environment';
import { asObject, type JsonObject } from './json-fields';

/** Which sensitive fields of a record are stored. Every field is kept as logged when absent. */
export interface FieldRedaction {
  /** @default 'keep' */
  readonly accessKeyIds?: AccessKeyIdPolicy;
  /** @default 'keep' */
  readonly sourceIpAddresses?: SourceIpAddressPolicy;
  /** Top-level keys of `requestParameters` that are stored; others are left out. @default every key */
  readonly requestParameterKeys?: readonly string[];
  /** Top-level keys of `responseElements` that are stored; others are left out. @default every key */
  readonly responseElementKeys?: readonly string[];
}

/** Prefix lengths a truncated address keeps: a /24 network, or an IPv6 /48 site. */
export const IPV4_PREFIX_BITS = 24;
export const IPV6_PREFIX_BITS = 48;
const IPV6_GROUPS = 8;
const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * The network of an IP address in CIDR form (`203.0.113.0/24`, `2001:db8:85a3::/48`); any other
 * value (`bedrock.amazonaws.com`, `AWS Internal`) is returned as it is: it names a service, not a
 * client.
 */
export function truncateIpAddress(value: string): string {
  if (isIPv4(value)) return `${ipv4Network(value)}/${IPV4_PREFIX_BITS}`;
  if (!isIPv6(value)) return value;
  const mapped = IPV4_MAPPED.exec(value);
  if (mapped) return `::ffff:${ipv4Network(mapped[1] as string)}/${96 + IPV4_PREFIX_BITS}`;
  const groups = expandIpv6(value).slice(0, IPV6_PREFIX_BITS / 16);
  // Trailing zero groups fold into the `::`, as in the address's canonical form (RFC 5952).
  while (groups.at(-1) === 0) groups.pop();
  return `${groups.map((group) => group.toString(16)).join(':')}::/${IPV6_PREFIX_BITS}`;
}

function ipv4Network(address: string): string {
  return `${address.split('.').slice(0, 3).join('.')}.0`;
}

/** The eight 16-bit groups of a valid IPv6 address (a dotted IPv4 tail is two groups). */
function expandIpv6(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const first = parse(head);
  if (tail === undefined) return first;
  const last = parse(tail);
  return [...first, ...new Array<number>(IPV6_GROUPS - first.length - last.length).fill(0), ...last];
}

// Readers fall back to a case-insensitive match (`sourceipaddress`), so every spelling is treated.
function isNamed(key: string, name: string): boolean {
  return key.toLowerCase() === name.toLowerCase();
}

function withoutField(object: JsonObject, name: string): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !isNamed(key, name)));
}

function mapField(object: JsonObject, name: string, map: (value: unknown) => unknown): JsonObject {
  return Object.fromEntries(
    Object.entries(object).map(([key, value]) => [key, isNamed(key, name) ? map(value) : value]),
  );
}

/** Only the allowed top-level keys; a payload that is not an object has no key to allow. */
function allowKeys(payload: unknown, keys: readonly string[]): JsonObject | undefined {
  const object = asObject(payload);
  if (!object) return undefined;
  const allowed = new Set(keys);
  return Object.fromEntries(Object.entries(object).filter(([key]) => allowed.has(key)));
}

/**
 * The record with the policy applied: what it drops is gone from the record before anything is
 * read from it (the resources collected from the payloads, the item's size), and what it
 * truncates is stored truncated. A new record is returned; the given one is not changed. The
 * result is a function of the record and the policy only, so re-ingestion rewrites identical items.
 */
export function redactRecord(record: JsonObject, redaction: FieldRedaction | undefined): JsonObject {
  if (!redaction) return record;
  let redacted = record;
  if (redaction.accessKeyIds === 'drop') {
    redacted = mapField(redacted, 'userIdentity', (identity) => {
      const object = asObject(identity);
      return object ? withoutField(object, 'accessKeyId') : identity;
    });
  }
  if (redaction.sourceIpAddresses === 'drop') {
    redacted = withoutField(redacted, 'sourceIPAddress');
  } else if (redaction.sourceIpAddresses === 'truncate') {
    redacted = mapField(redacted, 'sourceIPAddress', (value) =>
      typeof value === 'string' ? truncateIpAddress(value) : value,
    );
  }
  const { requestParameterKeys, responseElementKeys } = redaction;
  if (requestParameterKeys !== undefined && redacted.requestParameters != null)
    redacted = {
      ...redacted,
      requestParameters: allowKeys(redacted.requestParameters, requestParameterKeys),
    };
  if (responseElementKeys !== undefined && redacted.responseElements != null)
    redacted = { ...redacted, responseElements: allowKeys(redacted.responseElements, responseElementKeys) };
  return redacted;
}

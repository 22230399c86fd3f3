import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { decimalShape, ExactNumber, MAX_EXACT_DOUBLE_DIGITS } from './exact-number';
import type { MlEventItem } from './ml-event-item';

/** A value the core did not make storable reached the marshaller: a bug, not bad input. */
export class UnmarshallableValueError extends Error {
  override name = 'UnmarshallableValueError';
}

/**
 * One value as a DynamoDB attribute value. Maps are read by their own keys only, never through a
 * prototype or a `constructor` property (lib-dynamodb's marshaller does both, so a map key named
 * `constructor` or `__proto__` broke or rewrote items); ExactNumbers are written from their text.
 */
export function toAttributeValue(value: unknown): AttributeValue {
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'boolean':
      return { BOOL: value };
    case 'number':
      if (!Number.isFinite(value)) throw new UnmarshallableValueError(`non-finite number ${value}`);
      return { N: String(value) };
    case 'object': {
      if (value === null) return { NULL: true };
      if (value instanceof ExactNumber) return { N: value.text };
      if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
      const map: Record<string, AttributeValue> = Object.create(null);
      for (const key of Object.keys(value)) {
        const element = (value as Record<string, unknown>)[key];
        if (element !== undefined) map[key] = toAttributeValue(element);
      }
      return { M: map };
    }
    default:
      throw new UnmarshallableValueError(`cannot store a value of type ${typeof value}`);
  }
}

/** An item as DynamoDB's low-level API takes it; absent values are left out. */
export function marshallItem(item: MlEventItem): Record<string, AttributeValue> {
  const { M } = toAttributeValue(item) as { M: Record<string, AttributeValue> };
  return M;
}

function toNumber(text: string): number | ExactNumber {
  const value = Number(text);
  if (Number.isSafeInteger(value)) return value;
  const { digits } = decimalShape(text);
  return digits.length <= MAX_EXACT_DOUBLE_DIGITS && Number.isFinite(value) ? value : new ExactNumber(text);
}

/**
 * One DynamoDB attribute value as the value it stores: maps have no prototype, so any key is a
 * key (lib-dynamodb's unmarshaller assigns `__proto__` into a plain object, which changes its
 * prototype instead), and a number a double would change is an ExactNumber with DynamoDB's text.
 */
export function fromAttributeValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return toNumber(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.M !== undefined) {
    const map: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value.M)) map[key] = fromAttributeValue(value.M[key] as AttributeValue);
    return map;
  }
  if (value.SS !== undefined) return value.SS;
  if (value.NS !== undefined) return value.NS.map(toNumber);
  throw new UnmarshallableValueError(`unsupported attribute value ${Object.keys(value).join(', ')}`);
}

/** An item as the low-level API returns it, as the item it stores. */
export function unmarshallItem(item: Record<string, AttributeValue>): MlEventItem {
  return fromAttributeValue({ M: item }) as MlEventItem;
}

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { MlEventItem } from '../../contract/ml-event-item';
import { ExactNumber } from '../core/record-json';

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

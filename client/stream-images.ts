import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshallItem } from '../contract/item-marshaller';
import type { MlEventItem } from '../contract/ml-event-item';

/** An attribute value as a stream record carries it: the SDK's, or `{}` for an empty map. */
export type StreamAttributeValue = AttributeValue | Record<string, never>;

/** A stream image: attribute name -> value, as `dynamodb.NewImage` and `dynamodb.OldImage` hold it. */
export type StreamImage = Record<string, unknown>;

// DynamoDB Local's stream writes an empty map as `{}` rather than `{ "M": {} }` (seen on the
// 3.3.1 jar, e.g. Textract's `requestParameters.document`); lib-dynamodb's unmarshall then throws
// `No value defined: {}`. An attribute value names exactly one type, so `{}` can only be that map.
function withEmptyMaps(value: unknown): AttributeValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`not an attribute value: ${JSON.stringify(value)}`);
  }
  const attribute = value as Record<string, unknown>;
  const keys = Object.keys(attribute);
  if (keys.length === 0) return { M: {} };
  if (attribute.M !== undefined) return { M: withEmptyMapsIn(attribute.M as StreamImage) };
  if (attribute.L !== undefined) return { L: (attribute.L as unknown[]).map(withEmptyMaps) };
  return attribute as unknown as AttributeValue;
}

function withEmptyMapsIn(image: StreamImage): Record<string, AttributeValue> {
  const map: Record<string, AttributeValue> = Object.create(null);
  for (const name of Object.keys(image)) {
    // The SDK's stream client leaves attributes it has no value for as undefined; Lambda's JSON has none.
    if (image[name] !== undefined) map[name] = withEmptyMaps(image[name]);
  }
  return map;
}

/**
 * The item a stream image holds, as the table stores it (mltrail's unmarshaller: any map key,
 * exact numbers, empty maps), never lib-dynamodb's `unmarshall`.
 */
export function itemOfStreamImage(image: StreamImage): MlEventItem {
  return unmarshallItem(withEmptyMapsIn(image));
}

import { toKeyValue } from './key-values';

/**
 * How many bytes each key attribute may hold, so that every index key of an item fits.
 *
 * With multi-attribute keys DynamoDB bounds the aggregate of an index's key attributes, not each
 * one: the partition key's attributes together at most 2,048 bytes, the sort key's at most 1,024
 * (DynamoDB Local 3.3.1: "Aggregate size for HASH key attributes principal, keyShard of index
 * byPrincipal has exceeded limit 2048 bytes"). A number counts one byte per two significant
 * digits plus one, so keyShard (0-15) takes 2. The budgets below make every index fit:
 *
 * - partition keys: `x` + keyShard for one attribute (2,046); service (at most 63 bytes by
 *   SERVICE_NAME_PATTERN) + eventName + keyShard for byEventName (1,983 for eventName);
 * - sort keys: eventTime (20, stored normalized) + eventID + errorCode (byError) within 1,024.
 *
 * The writer stores each key attribute through `keyAttributeValue`, and every query applies it to
 * what a person types, so that a query for a long value finds it.
 */
export const MAX_KEY_ATTRIBUTE_BYTES: Readonly<Record<string, number>> = {
  service: 2046,
  principal: 2046,
  recipientAccountId: 2046,
  resourceArn: 2046,
  actor: 2046,
  eventName: 1983,
  eventID: 768,
  errorCode: 236,
};

/** The value key attribute `name` holds for `value` (toKeyValue within its budget); other attributes as they are. */
export function keyAttributeValue(name: string, value: string): string {
  if (!Object.hasOwn(MAX_KEY_ATTRIBUTE_BYTES, name)) return value;
  return toKeyValue(value, MAX_KEY_ATTRIBUTE_BYTES[name] as number);
}

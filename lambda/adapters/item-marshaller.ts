import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { MlEventItem } from '../../contract/ml-event-item';

/** An event as DynamoDB's wire format holds it: absent values left out, payloads kept as maps and lists. */
export function marshallItem(item: MlEventItem): Record<string, AttributeValue> {
  return marshall(item, {
    removeUndefinedValues: true,
    convertClassInstanceToMap: false,
    allowImpreciseNumbers: true,
  });
}

import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { MAX_PARTITION_KEY_BYTES, toKeyValue } from '../contract/key-values';
import type { MlEventItem } from '../contract/ml-event-item';
import {
  ACCOUNT_INDEX,
  EVENT_NAME_INDEX,
  type KeyDefinition,
  PRINCIPAL_INDEX,
  TABLE_KEY,
} from '../contract/table-schema';
import { unmarshallItem } from '../contract/item-marshaller';

/** One access pattern: exactly one of service, principal or account; eventName needs service. */
export interface EventQuery {
  readonly service?: string;
  readonly principal?: string;
  readonly accountId?: string;
  readonly eventName?: string;
  /** Inclusive lower bound, an ISO date or time (`2024-06-01`, `2024-06-01T12:00:00Z`). */
  readonly since?: string;
  /** Inclusive upper bound, an ISO date or time; a date covers its whole day. */
  readonly until?: string;
  /** At most this many items. */
  readonly limit?: number;
}

/** A query that names no access pattern or two. */
export class EventQueryError extends Error {
  override name = 'EventQueryError';
}

interface Plan {
  readonly indexName?: string;
  readonly key: KeyDefinition;
  readonly value: string;
}

// A value over DynamoDB's key limit is stored as its start and a digest: query it the same way.
function partitionValue(value: string): string {
  return toKeyValue(value, MAX_PARTITION_KEY_BYTES);
}

function planOf(query: EventQuery): Plan {
  const chosen = [query.service, query.principal, query.accountId].filter((value) => value !== undefined);
  if (query.eventName !== undefined) {
    if (query.service === undefined || chosen.length !== 1) {
      throw new EventQueryError(
        'an event name is queried within one service: give service and eventName only',
      );
    }
    return {
      indexName: EVENT_NAME_INDEX.indexName,
      key: EVENT_NAME_INDEX,
      value: partitionValue(`${query.service}:${query.eventName}`),
    };
  }
  if (chosen.length !== 1) throw new EventQueryError('give exactly one of service, principal or accountId');
  if (query.service !== undefined) return { key: TABLE_KEY, value: query.service };
  if (query.principal !== undefined) {
    return {
      indexName: PRINCIPAL_INDEX.indexName,
      key: PRINCIPAL_INDEX,
      value: partitionValue(query.principal),
    };
  }
  return {
    indexName: ACCOUNT_INDEX.indexName,
    key: ACCOUNT_INDEX,
    value: partitionValue(query.accountId as string),
  };
}

// The sort key is `<YYYY-MM-DDTHH:MM:SSZ>#<eventId>`: '~' sorts after every character in it, so
// `<until>~` closes a range at the end of the day or second that `until` names.
function upperBound(until: string): string {
  return `${until}~`;
}

/** Events of one access pattern, newest first, within the time range. */
export async function* queryEvents(
  client: DynamoDBClient,
  tableName: string,
  query: EventQuery,
): AsyncGenerator<MlEventItem> {
  const plan = planOf(query);
  const names: Record<string, string> = { '#pk': plan.key.partitionKey };
  if (query.since !== undefined || query.until !== undefined) names['#sk'] = plan.key.sortKey;
  const values: Record<string, AttributeValue> = { ':pk': { S: plan.value } };
  let condition = '#pk = :pk';
  if (query.since !== undefined && query.until !== undefined) {
    condition += ' AND #sk BETWEEN :since AND :until';
    values[':since'] = { S: query.since };
    values[':until'] = { S: upperBound(query.until) };
  } else if (query.since !== undefined) {
    condition += ' AND #sk >= :since';
    values[':since'] = { S: query.since };
  } else if (query.until !== undefined) {
    condition += ' AND #sk <= :until';
    values[':until'] = { S: upperBound(query.until) };
  }
  let remaining = query.limit ?? Number.POSITIVE_INFINITY;
  let exclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: plan.indexName,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: Number.isFinite(remaining) ? Math.min(remaining, 1000) : undefined,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      yield unmarshallItem(item);
      remaining -= 1;
      if (remaining <= 0) return;
    }
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
}
